"""Issue #14: the breakage check follows lineage through the warehouse build (sqlglot over
portal/sql/analytics), so "what if this raw column were renamed or dropped" reaches saved queries,
metrics and dashboards without changing any file."""

from __future__ import annotations

import pytest
from conftest import session_for

from portal.library.build_lineage import build_lineage, what_if
from portal.library.lineage import Lineage


@pytest.fixture(scope="module")
def build(warehouse):
    return build_lineage(session_for(warehouse).catalog())


def test_every_build_statement_is_read(build):
    assert build.unread == ()
    assert len(build.sources) > 100


def test_values_are_followed_to_the_raw_columns_through_analytics_tables(build):
    assert build.sources["analytics.orders.revenue"] == {"raw.orders.status", "raw.orders.total_cents"}
    assert build.sources["analytics.orders.user_id"] == {"raw.orders.customer_id"}
    # daily_metrics is built from analytics.orders, itself built from raw.orders
    assert build.sources["analytics.daily_metrics.revenue"] == {"raw.orders.status", "raw.orders.total_cents"}
    assert build.built_from("raw.orders", "total_cents") == [
        "analytics.daily_metrics.revenue",
        "analytics.orders.order_total",
        "analytics.orders.revenue",
    ]


def test_a_renamed_column_breaks_the_builds_that_read_it_and_those_built_on_them(build):
    broken = build.broken_builds("raw.orders", "total_cents")
    assert {"analytics.orders", "analytics.daily_metrics", "analytics.order_items"} <= set(broken)
    assert "analytics.events" not in broken
    # the PII column that picks out internal test accounts: every table that removes them breaks
    assert {"main.test_accounts", "analytics.events", "analytics.orders", "analytics.users"} <= set(
        build.broken_builds("raw.users", "email")
    )
    assert build.broken_builds("raw.users", "phone") == []  # read by no build


def test_what_if_names_the_saved_queries_metrics_and_dashboards_downstream(build):
    users = {
        "executive/revenue_by_week": Lineage(frozenset({"analytics.orders"}), frozenset({"analytics.orders.revenue"})),
        "metric:tickets": Lineage(frozenset({"analytics.support_tickets"}), frozenset()),
        "raw_reader": Lineage(frozenset({"raw.orders"}), frozenset({"raw.orders.total_cents"})),
        "dashboard:events": Lineage(frozenset({"analytics.events"}), frozenset({"analytics.events.platform"})),
    }
    wi = what_if(build, "raw.orders", "total_cents", users)
    hit = dict(wi.affected)
    assert hit["executive/revenue_by_week"].startswith("breaks: reads analytics.orders")
    assert hit["raw_reader"] == "breaks: reads raw.orders.total_cents directly"
    assert "metric:tickets" not in hit and "dashboard:events" not in hit


def test_the_breakage_check_page_answers_what_if(portal_env):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["chk_raw_table"] = "raw.orders"
    at.query_params["chk_raw_column"] = "total_cents"
    at.switch_page("pages/query_check.py")
    at.run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "how" in d.value.columns]
    verdict = dict(zip(table["affected"], table["verdict"], strict=True))
    assert verdict["metric:revenue"] == verdict["dashboard:executive"] == "breaks"
    assert verdict["query:executive/revenue_by_week"] == verdict["alert:revenue_moves"] == "breaks"
    assert verdict["analytics.orders"] == "breaks"  # the build's own table, first


def test_type_and_unit_changes_are_what_ifs_too(build):
    """Issue #25: cents to dollars breaks no build and makes every value computed from it wrong, which
    nobody would be told; integer to text may break the builds that add or compare it."""
    users = {
        "executive/revenue_by_week": Lineage(frozenset({"analytics.orders"}), frozenset({"analytics.orders.revenue"})),
        "metric:tickets": Lineage(frozenset({"analytics.support_tickets"}), frozenset()),
    }
    unit = what_if(build, "raw.orders", "total_cents", users, "unit")
    assert unit.broken_builds == [] and "analytics.orders.revenue" in unit.changed_columns
    assert dict(unit.affected)["executive/revenue_by_week"].startswith("silently wrong: reads analytics.orders.revenue")
    assert "metric:tickets" not in dict(unit.affected)
    typed = what_if(build, "raw.orders", "total_cents", users, "type")
    assert "analytics.orders" in typed.broken_builds
    assert dict(typed.affected)["executive/revenue_by_week"].startswith("may break")
    with pytest.raises(ValueError, match="Unknown change"):
        what_if(build, "raw.orders", "total_cents", users, "teleport")


def test_a_source_column_is_found_by_part_of_its_name(warehouse):
    from portal.library.build_lineage import find_sources

    cat = session_for(warehouse).catalog()
    assert ("raw.orders", "total_cents") in find_sources(cat, "CENTS", {"raw"})
    assert ("raw.orders", None) in find_sources(cat, "raw.orders", {"raw"})
    assert find_sources(cat, "total_cents", {"analytics"}) == [] and find_sources(cat, " ", {"raw"}) == []


def test_the_what_if_takes_a_search_and_a_unit_change_and_lists_metrics(portal_env):
    """From the page: type part of a name, pick the unit change: two interactions."""
    from conftest import run_page

    at = run_page("pages/query_check.py", {"chk_find": "total_cents", "chk_change": "changes unit (cents to dollars)"})
    (table,) = [d.value for d in at.dataframe if "how" in d.value.columns]
    verdict = dict(zip(table["affected"], table["verdict"], strict=True))
    # issue #34: the revenue alert and the pages that read the model are consumers too
    for who in (
        "metric:revenue",
        "dashboard:executive",
        "alert:revenue_moves",
        "page:Cohorts: orders and revenue",
        "page:CAC payback",
    ):
        assert verdict[who] == "silently wrong", who
    assert "breaks" not in set(table["verdict"])  # a unit change breaks no build
    assert "page:Funnels" not in verdict  # events do not read orders
    users = [d.value for d in at.dataframe if "used by" in d.value.columns][0]
    assert {"metric", "saved query", "dashboard", "page"} <= set(users["kind"])

"""Library, breakage-check and save flows in AppTest; a share link in a real browser."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_page, shown, wait_for_app
from streamlit.testing.v1 import AppTest

from portal.config import load_settings


def app(page: str, user: str = "alex", query: dict | None = None, state: dict | None = None) -> AppTest:
    return run_page(page, query, user, state)


def test_library_lists_curated_first_and_filters(portal_env):
    at = app("pages/library.py")
    texts = [m.value for m in at.markdown if m.value.startswith("**")]
    assert len(texts) >= 15 and "curated" in texts[0]
    assert "draft" in texts[-1]
    at.text_input(key="lib_search").set_value("cart value").run()
    texts = [m.value for m in at.markdown if m.value.startswith("**")]
    assert len(texts) == 1 and "checkout ticket" in texts[0]


def test_malformed_file_is_an_error_not_a_crash(portal_env):
    bad = Path(portal_env["PORTAL_QUERIES_DIR"]) / "support" / "broken.sql"
    bad.write_text("-- title: Broken\n-- param: n weird\nSELECT 1\n")
    at = app("pages/library.py")
    assert any("broken.sql, line 2" in shown(e) for e in at.error)
    assert len([m for m in at.markdown if m.value.startswith("**")]) >= 15


def test_open_run_with_url_parameters_and_saved_chart(portal_env):
    at = app("pages/library.py", query={"q": "support/conversion_by_resolution_speed", "p_window_days": "3"})
    assert at.number_input(key="lib_p_window_days_number").value == 3
    at.button(key="lib_run").click().run()
    assert not at.exception
    grid = [d.value for d in at.dataframe if "conversion" in d.value.columns][0]
    assert set(grid["resolution"]) == {"under 1 hour", "1 hour or more"}
    assert any("p_window_days=3" in c.value for c in at.code)


def test_analyst_cannot_curate_data_team_can(portal_env):
    draft = Path(portal_env["PORTAL_QUERIES_DIR"]) / "product" / "add_to_cart_rate_by_device.sql"
    at = app("pages/library.py", query={"q": "product/add_to_cart_rate_by_device"})
    assert not [b for b in at.button if b.key and b.key.startswith("lib_mark_")]
    at = app("pages/library.py", user="dana", query={"q": "product/add_to_cart_rate_by_device"})
    at.button(key="lib_mark_curated").click().run()
    assert not at.exception
    assert "-- status: curated" in draft.read_text()


def test_a_dashboard_tile_shows_only_curated_queries_and_one_broken_tile_is_its_own_error(portal_env):
    """Issue #21, finding 1: the executive dashboard's tile was a draft anyone could edit or trash."""
    from portal.identity import make_user
    from portal.library import QueryStore
    from portal.library.store import PermissionDenied
    from portal.reporting.dashboards import DashboardStore

    queries, state = Path(portal_env["PORTAL_QUERIES_DIR"]), Path(portal_env["PORTAL_STATE_DIR"])
    store = QueryStore(queries, state, in_use=DashboardStore(Path(portal_env["PORTAL_DASHBOARDS_DIR"])).uses)
    dana, alex = make_user("dana", load_settings()), make_user("alex", load_settings())
    q = store.get("growth/retention_by_signup_month")
    assert q.is_curated
    with pytest.raises(PermissionDenied, match="executive dashboard"):
        store.delete(q.id, dana, q.version)  # in use: the data team is told what uses it
    with pytest.raises(PermissionDenied, match="executive dashboard"):
        store.save(replace(q, status="draft"), dana, q.version)
    with pytest.raises(PermissionDenied):
        store.delete(q.id, alex, q.version)  # an analyst cannot trash a curated query at all
    path = queries / "growth" / "retention_by_signup_month.sql"
    path.write_text(path.read_text().replace("-- status: curated", "-- status: draft"))  # demoted by hand
    at = AppTest.from_string(
        "from pages.team import render\nrender('executive')", default_timeout=120
    )  # the page as a viewer opens it
    at.run()
    assert not at.exception, at.exception
    assert any("dashboards and the digest show only curated queries" in shown(e) for e in at.error)
    assert [m.label for m in at.metric] == ["Revenue", "Orders", "New customers", "CAC"]  # the rest still draws


def test_breakage_page_lists_broken_queries_and_impact(portal_env):
    broken = Path(portal_env["PORTAL_QUERIES_DIR"]) / "support" / "uses_old_column.sql"
    broken.write_text("-- title: Old column\nSELECT resolution_hours FROM analytics.support_tickets\n")
    at = app("pages/query_check.py")
    assert [m.value for m in at.metric if m.label == "Broken"] == ["1"]
    assert any("resolution_hours" in c.value for c in at.code)
    at.selectbox(key="chk_table").set_value("analytics.campaign_daily").run()
    users = [d.value for d in at.dataframe if "used by" in d.value.columns][0]
    assert set(users["used by"]) == {
        "query:marketing/cac_by_campaign",
        "query:marketing/click_to_purchase_by_campaign",
        "page:CAC payback",  # the model's spend part reads it (issue #34)
        "alert:cac_above_target",  # through the metric cac
        "dashboard:marketing",
        "dashboard:executive",
        "metric:ad_spend",
        "metric:ad_clicks",
        "metric:paid_customers",
        "metric:cac",
        "metric:click_to_customer",
    }  # executive shows CAC; the metrics over the table are listed too (issue #25)


def test_save_from_the_workbench_then_conflict(portal_env):
    sql = "SELECT platform, count(*) AS n FROM analytics.users GROUP BY platform ORDER BY n DESC"
    at = app("pages/workbench.py", state={"wb_sql": sql, "wb_save_box": True})
    at.radio(key="sv_mode").set_value("Save as new").run()
    at.text_input(key="sv_title_Save as new").set_value("Users by platform").run()
    at.text_input(key="sv_team_Save as new").set_value("analysts").run()
    at.button(key="sv_go_Save as new").click().run()
    assert not at.exception
    path = Path(portal_env["PORTAL_QUERIES_DIR"]) / "analysts" / "users_by_platform.sql"
    assert path.exists() and "-- title: Users by platform" in path.read_text()
    # Someone else edits the file; our Save must not overwrite it.
    path.write_text(path.read_text().replace("ORDER BY n DESC", "ORDER BY n"))
    at.session_state["wb_sql"] = sql + " LIMIT 3"
    at.run()
    at.radio(key="sv_mode").set_value("Save").run()
    at.button(key="sv_go_Save").click().run()
    assert any("changed by someone else" in shown(e) for e in at.error)
    assert "ORDER BY n\n" in path.read_text() and "LIMIT 3" not in path.read_text()
    at.button(key="sv_keep_fork").click().run()
    assert (path.parent / "users_by_platform_alex.sql").exists()


@pytest.mark.browser
def test_share_link_opens_the_saved_query_with_its_values(app_server, page):
    page.goto(app_server + "/library?q=support/conversion_by_resolution_speed&p_window_days=3")
    wait_for_app(page)
    page.wait_for_selector("text=Conversion after a checkout ticket", timeout=30_000)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('input[aria-label=\"Window days\"]')).some(i => parseFloat(i.value) === 3)",
        timeout=30_000,
    )
    wait_for_app(page)
    page.get_by_role("button", name="Run").click()
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(
        timeout=30_000
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    # the link shown is a full address (issue #25): copied as it is, it opens the same query and values
    link = page.locator('[data-testid="stCode"] code', has_text="/library?q=").first.inner_text().strip()
    assert link == app_server + "/library?q=support%2Fconversion_by_resolution_speed&p_window_days=3", link
    page.goto(link)
    wait_for_app(page)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('input[aria-label=\"Window days\"]')).some(i => parseFloat(i.value) === 3)",
        timeout=30_000,
    )
    # An unsaved query travels compressed in the link and lands in the editor, not run.
    from portal.library import share_sql

    page.goto(app_server + "/workbench" + share_sql("SELECT 'shared by a link' AS hello"))
    wait_for_app(page)
    frame = page.frame_locator('iframe[title*="sql_editor"]')
    frame.locator(".ace_editor").wait_for(timeout=30_000)
    page.wait_for_function("() => true")
    assert "shared by a link" in frame.locator(".ace_content").inner_text()
    assert page.page_errors == []

"""Metrics, dashboards, the digest (HTML + SMTP) and the team pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, session_for, shown, wait_for_app
from streamlit.testing.v1 import AppTest

from portal.config import load_settings
from portal.identity import make_user
from portal.library import QueryStore, SaveConflict
from portal.reporting.dashboards import (
    DashboardError,
    DashboardStore,
    Tile,
    parse_dashboard,
    query_params_for,
    render_dashboard,
)
from portal.reporting.digest import build_digest
from portal.reporting.metrics import Kpi, MetricError, daily, kpi, load_metrics, value
from portal.workbench.params import find_params

METRICS = load_metrics(ROOT / "metrics.toml")
START, END = date(2026, 9, 1), date(2026, 9, 28)


def test_every_metric_runs_and_ratio_matches_its_parts(warehouse):
    s = session_for(warehouse)
    for name in METRICS.metrics:
        k = kpi(s, METRICS, name, START, END)
        assert k.current is not None and k.current >= 0, name
    rev = value(daily(s, METRICS, "revenue", START, END), METRICS["revenue"])
    orders = value(daily(s, METRICS, "orders", START, END), METRICS["orders"])
    aov = kpi(s, METRICS, "average_order_value", START, END).current
    assert aov == pytest.approx(rev / orders)
    direct = s.run(
        "SELECT sum(revenue) FROM analytics.orders WHERE order_date BETWEEN $a AND $b", {"a": START, "b": END}
    ).frame.iloc[0, 0]
    assert rev == pytest.approx(direct)


def test_two_tiles_with_the_same_metric_and_filters_agree(warehouse):
    a = kpi(session_for(warehouse), METRICS, "cac", START, END, {"campaign": "tiktok_creators"})
    b = kpi(session_for(warehouse), METRICS, "cac", START, END, {"campaign": "tiktok_creators"})
    assert a.current == b.current and a.previous == b.previous
    g = kpi(session_for(warehouse), METRICS, "cac", START, END, {"campaign": "google_brand"})
    assert a.current > g.current  # cheap clicks, expensive customers


def test_filters_are_bound_not_pasted(warehouse):
    k = kpi(session_for(warehouse), METRICS, "revenue", START, END, {"platform": "x' OR 1=1 --"})
    assert k.current == 0
    assert query_params_for(["start", "platform"], START, END, {"platform": "iOS", "campaign": "x"}) == {
        "start": START,
        "platform": "iOS",
    }


def test_kpi_direction_colour():
    import pandas as pd

    up_bad = Kpi(METRICS["cac"], 12.0, 10.0, pd.DataFrame())
    assert up_bad.change == pytest.approx(0.2) and up_bad.good is False
    up_good = Kpi(METRICS["revenue"], 12.0, 10.0, pd.DataFrame())
    assert up_good.good is True
    assert Kpi(METRICS["revenue"], 1.0, 0.0, pd.DataFrame()).change is None


def test_malformed_metric_and_dashboard_files_name_file_and_field(tmp_path):
    bad = tmp_path / "metrics.toml"
    bad.write_text('[metrics.x]\nunit = "euros"\nsql = "SELECT 1"\n')
    with pytest.raises(MetricError, match=r"metrics.toml, line 2: \[metrics.x\] unit: Input should be 'usd', 'count'"):
        load_metrics(bad)
    bad.write_text('[metrics.r]\ntype = "ratio"\nnumerator = "a"\ndenominator = "b"\n')
    with pytest.raises(MetricError, match="'a' is not a sum metric"):
        load_metrics(bad)
    with pytest.raises(
        DashboardError,
        match=r"dashboards/t.toml, line 3: \[rows\[1\].tiles\[2\]\] type: Input should be 'kpi', 'chart' or 'table'",
    ):
        parse_dashboard(
            'title = "T"\n[[rows]]\ntiles = [{type="kpi", metric="revenue"}, {type="pie", metric="revenue"}]\n',
            "t",
            METRICS,
        )
    with pytest.raises(DashboardError, match="field 'metric': unknown metric 'revenu'"):
        parse_dashboard('title = "T"\n[[rows]]\ntiles = [{type="kpi", metric="revenu"}]\n', "t", METRICS)
    with pytest.raises(DashboardError, match="dashboards/t.toml: rows is required"):
        parse_dashboard('title = "T"\n', "t")
    with pytest.raises(DashboardError, match="not valid TOML"):
        parse_dashboard("title = \n", "t")


def test_shipped_dashboards_parse_and_round_trip():
    ids = {q.id for q in QueryStore(ROOT / "queries", ROOT / "state").load_all()[0]}
    store = DashboardStore(ROOT / "dashboards")
    assert set(store.teams()) == {"executive", "marketing", "growth", "checkout", "support"}
    for team in store.teams():
        d = store.load(team, METRICS, ids)
        assert d.tiles and parse_dashboard(render_dashboard(d), team, METRICS, ids).rows == d.rows
    assert len(store.load("executive").tiles) == 8


def test_dashboard_save_is_atomic_and_conflict_safe(tmp_path):
    shutil.copytree(ROOT / "dashboards", tmp_path / "d")
    store = DashboardStore(tmp_path / "d")
    dana, alex = make_user("dana", load_settings()), make_user("alex", load_settings())
    d = store.load("marketing")
    edited = replace(d, rows=(*d.rows, (Tile("kpi", metric="revenue"),)))
    with pytest.raises(PermissionError):
        store.save(edited, alex, d.version)
    saved = store.save(edited, dana, d.version)
    assert len(saved.tiles) == len(d.tiles) + 1
    with pytest.raises(SaveConflict):
        store.save(replace(d, title="Other"), dana, d.version)  # based on the old version
    assert store.load("marketing").title == "Marketing"


def test_digest_is_self_contained(warehouse):
    d = DashboardStore(ROOT / "dashboards").load("executive")
    html = build_digest(
        session_for(warehouse), d, METRICS, QueryStore(ROOT / "queries", ROOT / "state"), date(2026, 11, 9), END
    )
    assert html.count("data:image/png;base64,") >= 3
    assert not re.search(r"""(src|href)\s*=\s*['"]?https?://""", html)
    assert "Revenue" in html or "revenue" in html
    assert "Could not compute" not in html


def test_digest_command_sends_to_a_local_smtp_server(demo_db, tmp_path, smtp):
    port, received = smtp
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "portal@example.test"\nto = ["exec@example.test"]\n'
    )
    out = tmp_path / "digest.html"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal",
            "digest",
            "--team",
            "executive",
            "--db",
            str(demo_db),
            "--out",
            str(out),
            "--send",
            "--secrets",
            str(secrets),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 10
    while not received and time.time() < deadline:
        time.sleep(0.1)
    assert received and received[0].rcpt_tos == ["exec@example.test"]
    body = received[0].content.decode("utf-8", "replace")
    assert "weekly digest" in body and "text/html" in body
    assert out.read_text().count("data:image/png") >= 3
    r = subprocess.run(
        [sys.executable, "-m", "portal", "digest", "--team", "nope", "--db", str(demo_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "No dashboard for team 'nope'" in r.stderr


def test_team_page_renders_kpis_and_isolates_a_failing_tile(portal_env):
    qdir = Path(portal_env["PORTAL_QUERIES_DIR"])
    (qdir / "executive" / "weekly_active_users.sql").write_text(
        "-- title: Weekly active users\n-- status: curated\nSELECT nope FROM analytics.users\n"
    )
    assert (Path(portal_env["PORTAL_DASHBOARDS_DIR"]) / "executive.toml").exists()
    script = """
import streamlit as st
from pages.team import render as render_dashboard_page
render_dashboard_page("executive")
"""
    at = AppTest.from_string(script, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Revenue", "Orders", "New customers", "CAC"]
    assert any("Weekly active users" in shown(e) and "nope" in shown(e) for e in at.error)
    assert len(at.get("vega_lite_chart")) >= 2  # the other charts still render


def test_metrics_page_lists_owners_and_users(portal_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/metrics.py")
    at.run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**cac**") and "owner dana" in t and "down is good" in t for t in texts)
    assert any("Executive (executive)" in shown(c) and "Marketing (marketing)" in shown(c) for c in at.caption)


@pytest.mark.browser
def test_dashboard_renders_and_its_url_reproduces_the_filters(app_server, page):
    page.goto(app_server + "/team-checkout?dash_platform=iOS")
    wait_for_app(page, 60_000)
    page.wait_for_selector("text=Checkout conversion by week", timeout=60_000)
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(
        timeout=60_000
    )
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('input[aria-label=\"Platform\"]')).some(i => i.value === 'iOS')",
        timeout=30_000,
    )
    wait_for_app(page, 60_000)
    assert page.locator('[data-testid="stMetric"]').count() == 3
    assert page.locator('[data-testid="stException"]').count() == 0


def test_data_team_edits_a_dashboard_others_cannot(portal_env):
    path = Path(portal_env["PORTAL_DASHBOARDS_DIR"]) / "support.toml"
    before = DashboardStore(path.parent).load("support")
    script = """
import streamlit as st
st.session_state.setdefault("app_user", USER)
from pages.team import render as render_dashboard_page
render_dashboard_page("support")
"""
    analyst = AppTest.from_string(script.replace("USER", "'alex'"), default_timeout=120)
    analyst.run()
    assert not analyst.exception and not [b for b in analyst.button if b.key and "dash_edit" in b.key]
    at = AppTest.from_string(script.replace("USER", "'dana'"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.button(key="dash_edit_support_rm").click().run()  # removes the first tile
    at.selectbox(key="dash_edit_support_metric").set_value("tickets_fast").run()
    at.button(key="dash_edit_support_add").click().run()
    at.button(key="dash_edit_support_save").click().run()
    assert not at.exception, at.exception
    after = DashboardStore(path.parent).load("support")
    assert len(after.tiles) == len(before.tiles)
    assert after.tiles[0] == before.tiles[1] and after.rows[0][-1].metric == "tickets_fast"


@pytest.mark.parametrize("platform", [None, "iOS"])
def test_checkout_conversion_is_one_number_on_the_tile_and_the_weekly_chart(warehouse, platform):
    """Issue #14: the KPI tile and the weekly chart of the Checkout dashboard answer the same question
    with the same definition, so over the same range and filter they give the same number."""
    from portal.library import QueryStore, run_saved

    start, end = date(2026, 8, 3), date(2026, 11, 1)  # whole weeks, Monday to Sunday
    k = kpi(session_for(warehouse), METRICS, "checkout_conversion", start, end, {"platform": platform})
    q = QueryStore(ROOT / "queries", ROOT / "state").get("checkout/checkout_conversion_by_week")
    values = query_params_for(find_params(q.sql), start, end, {"platform": platform})
    weekly = run_saved(session_for(warehouse), q, values).frame
    assert k.current is not None and len(weekly) == 13
    assert k.current == pytest.approx(weekly["purchases"].sum() / weekly["checkouts"].sum(), rel=1e-12)
    assert (weekly["purchases"] <= weekly["checkouts"]).all()  # purchases are a subset of the visits


def test_a_baking_metric_says_so_instead_of_showing_a_collapse(warehouse):
    """Issue #14: CAC over the last four weeks rises because recent signups have not bought yet."""
    from portal.product.baking import BakingWindow
    from portal.reporting.dashboards import Tile
    from portal.reporting.metrics import settle
    from portal.reporting.tiles import kpi_view

    cac = settle(METRICS, {"conversion": BakingWindow(30, customers=1000)})["cac"]  # a window of 30 days here
    through = date(2026, 11, 15)
    k = kpi(session_for(warehouse), METRICS, "cac", date(2026, 10, 19), through)
    assert cac.still_baking(through, through) and not cac.still_baking(date(2026, 9, 28), through)
    baking = kpi_view(Tile("kpi", metric="cac"), cac, k, baking=True)
    assert baking.delta_color == "off" and baking.delta_description == "still baking"
    settled = kpi_view(Tile("kpi", metric="cac"), cac, k, baking=False)
    assert settled.delta_color == "inverse" and settled.delta_description == "beyond noise"  # +127%, p < 1e-6
    assert not METRICS["revenue"].still_baking(through, through)  # metrics without a window never bake


def test_a_measure_metric_equals_its_sql_form_at_every_grain(warehouse):
    """The demo's revenue is a measure of [model.revenue] now; at each grain and by platform it equals
    the SQL it replaced, and still-baking periods are decided by the metric once."""
    from datetime import date

    from conftest import session_for

    from portal.config import load_settings
    from portal.reporting.metrics import load_metrics, series

    settings = load_settings(ROOT / "portal.toml")
    metrics = load_metrics(ROOT / "metrics.toml", settings.model)
    assert metrics["revenue"].model == "revenue" and set(metrics.dimensions_of("revenue")) == {
        "platform",
        "channel",
        "country",
    }
    session = session_for(warehouse)
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    for grain, trunc in (("week", "week"), ("month", "month"), ("quarter", "quarter")):
        frame = series(session, metrics, "revenue", start, end, grain, ("platform",))
        want = session.frame(
            f"SELECT CAST(date_trunc('{trunc}', order_date) AS DATE) AS p, platform, sum(revenue) AS v "
            "FROM analytics.orders WHERE order_date BETWEEN $s AND $e GROUP BY ALL",
            {"s": start, "e": end},
        )
        got = {(r.period, r.platform): round(r.value, 6) for r in frame.itertuples() if r.value}
        assert got == {(r.p, r.platform): round(r.v, 6) for r in want.itertuples() if r.v}, grain
    baking = series(session, metrics, "cac", start, end, "week", through=end)
    assert not baking["still_baking"].any()  # bakes_days is 0 until settled with a measured window


@pytest.mark.browser
def test_a_typed_date_applies_on_enter_and_on_tab(app_server, page):
    """Issue #32 (the walk): the field showed 2026/08/04 while every tile computed the old range."""
    page.goto(app_server + "/team-checkout")
    wait_for_app(page, 60_000)
    page.wait_for_selector("text=Checkout conversion by week", timeout=60_000)
    field = page.get_by_label("From", exact=True)
    field.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("2026/08/04")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => location.search.includes('dash_from=2026%2F08%2F04') || location.search.includes('dash_from=2026/08/04')",
        timeout=30_000,
    )
    page.wait_for_selector("text=2026-08-04 to", timeout=60_000)  # the tiles' scope: what the field shows
    to = page.get_by_label("To", exact=True)
    to.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("2026-09-30")
    page.keyboard.press("Tab")
    page.wait_for_selector("text=2026-08-04 to 2026-09-30", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_dashboard_opens_on_whole_weeks_by_its_settled_day():
    """Its charts are weekly: a range cutting the first and last week drew them as a collapse."""
    from portal.reporting.dashboards import opening_range

    for through in (date(2026, 11, 15), date(2026, 8, 4), date(2026, 11, 16), date(2026, 11, 21)):
        lo, hi = opening_range(through)
        assert (lo.weekday(), hi.weekday(), (hi - lo).days) == (0, 6, 27)  # Monday to Sunday, four weeks
        assert hi <= through and (through - hi).days < 7  # the last whole week by then


def test_weeks_a_chosen_range_cuts_are_ringed_as_partial():
    """A range of Wednesday 8 July to Tuesday 4 August: its first and last weeks are partial, say so on
    hover and are ringed; the whole weeks between are not."""
    import pandas as pd

    from portal.reporting.dashboards import Tile
    from portal.reporting.tiles import metric_chart

    weeks = [date(2026, 7, 6), date(2026, 7, 13), date(2026, 7, 20), date(2026, 7, 27), date(2026, 8, 3)]
    k = Kpi(METRICS["revenue"], 1.0, 1.0, pd.DataFrame({"week": weeks, "value": [50.0, 100, 100, 100, 20]}))
    spec = metric_chart(
        Tile("chart", metric="revenue"), METRICS["revenue"], k, (), None, (date(2026, 7, 8), date(2026, 8, 4))
    ).to_dict()
    rows = [r for data in spec["datasets"].values() for r in data if r.get("state")]
    assert {(r["week"][:10], r["state"]) for r in rows} == {
        ("2026-07-06", "partial week: 5 of its 7 days in the range"),
        ("2026-08-03", "partial week: 2 of its 7 days in the range"),
    }
    from portal.reporting.tiles import scope_caption

    words = scope_caption(date(2026, 7, 8), date(2026, 8, 4), {}, {"start", "end"}, "Weekly,")
    assert words == "Weekly, 2026-07-08 to 2026-08-04 · the first and last weeks are partial (ringed)"
    assert "partial" not in scope_caption(date(2026, 7, 6), date(2026, 8, 9), {}, {"start", "end"}, "Weekly,")
    whole = metric_chart(
        Tile("chart", metric="revenue"), METRICS["revenue"], k, (), None, (date(2026, 7, 6), date(2026, 8, 9))
    )
    assert not any(r.get("state") for data in whole.to_dict()["datasets"].values() for r in data)

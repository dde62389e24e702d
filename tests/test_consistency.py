"""Issue #14, one number per question: each canonical metric computed through every path that shows
it (KPI tile, weekly chart's saved query, before/after page, cohort table, digest) for the same scope
must agree exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import session_for

from portal.library import QueryStore, run_saved
from portal.product.impact import Window
from portal.product.impact_data import Measure, measure_impact
from portal.reporting.dashboards import query_params_for
from portal.reporting.metrics import kpi, load_metrics
from portal.workbench.params import find_params

ROOT = Path(__file__).resolve().parent.parent
METRICS = load_metrics(ROOT / "metrics.toml")
START, END = date(2026, 8, 3), date(2026, 11, 1)  # whole weeks, Monday to Sunday
FIRST_DAY = date(2025, 1, 6)

# metric → (saved query drawn beside it, its numerator column, its denominator column)
RATE_PATHS = {
    "checkout_conversion": ("checkout/checkout_conversion_by_week", "purchases", "checkouts"),
    "visitor_signup_conversion": ("product/signup_conversion_by_week", "signups", "new_visitors"),
    "activation_rate": ("growth/activation_by_signup_week", "activated", "signups"),
}


@pytest.mark.parametrize("platform", [None, "iOS"])
@pytest.mark.parametrize("name", sorted(RATE_PATHS))
def test_a_rate_is_one_number_on_the_tile_the_chart_and_the_before_after_page(warehouse, name, platform):
    query_id, num, den = RATE_PATHS[name]
    tile = kpi(session_for(warehouse), METRICS, name, START, END, {"platform": platform}).current
    q = QueryStore(ROOT / "queries", ROOT / "state").get(query_id)
    weekly = run_saved(
        session_for(warehouse), q, query_params_for(find_params(q.sql), START, END, {"platform": platform})
    ).frame
    assert len(weekly) == 13 and tile == pytest.approx(weekly[num].sum() / weekly[den].sum(), rel=1e-12)
    before = Window(date(2026, 5, 4), START.replace(day=2))
    impact, _ = measure_impact(
        session_for(warehouse), METRICS, Measure(name), before, Window(START, END), FIRST_DAY, platform
    )
    assert (impact.after.x, impact.after.n) == (weekly[num].sum(), weekly[den].sum())


def test_cac_is_one_number_on_the_tile_and_in_the_payback_table(warehouse):
    from portal.product.cohorts import cac_payback

    table = cac_payback(session_for(warehouse), date(2026, 11, 15)).set_index("cohort")
    for month_start, month_end in [(date(2025, 6, 1), date(2025, 6, 30)), (date(2026, 3, 1), date(2026, 3, 31))]:
        tile = kpi(session_for(warehouse), METRICS, "cac", month_start, month_end).current
        assert table.loc[str(month_start), "cac"] == pytest.approx(tile, rel=1e-12)
    campaign = cac_payback(session_for(warehouse), date(2026, 11, 15), "tiktok_creators").set_index("cohort")
    tile = kpi(
        session_for(warehouse), METRICS, "cac", date(2025, 6, 1), date(2025, 6, 30), {"campaign": "tiktok_creators"}
    )
    assert campaign.loc["2025-06-01", "cac"] == pytest.approx(tile.current, rel=1e-12)
    young = table.iloc[-1]
    assert young["still_baking"] and "still baking" in young["status"]  # the last month: CAC not final


def test_the_digest_shows_the_dashboard_tiles_numbers(warehouse):
    from portal.reporting.dashboards import DashboardStore
    from portal.reporting.digest import build_digest
    from portal.reporting.metrics import format_value

    d = DashboardStore(ROOT / "dashboards").load("checkout")
    store = QueryStore(ROOT / "queries", ROOT / "state")
    html = build_digest(session_for(warehouse), d, METRICS, store, START, END)
    for t in d.tiles:
        if t.type == "kpi":
            k = kpi(session_for(warehouse), METRICS, t.metric, START, END, {"platform": None})
            assert format_value(k.current, k.metric.unit) in html
    assert f"{START} to {END} · all platforms" in html  # each chart's scope under it

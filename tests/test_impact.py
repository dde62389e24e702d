"""Issue #14: before/after impact with significance, recorded changes (annotations), KPI noise,
scope captions and still-baking marks. Pure logic first, then the demo warehouse, then the page."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import session_for

from portal.product.impact import (
    Impact,
    ImpactError,
    Window,
    compare,
    daily_from_levels,
    rest_of,
    windows,
)
from portal.reporting.annotations import Annotation, AnnotationError, load_annotations
from portal.reporting.metrics import Metric, load_metrics, noise
from portal.reporting.tiles import scope_caption

ROOT = Path(__file__).resolve().parent.parent
METRICS = load_metrics(ROOT / "metrics.toml")
CHANGE = date(2026, 3, 2)


def days_frame(start: date, n_days: int, rate, tries: int = 1000) -> pd.DataFrame:
    """A daily rate as (day, num, den): `rate(i)` for day i, `tries` a day, rounded to whole people."""
    days = [start + timedelta(days=i) for i in range(n_days)]
    return pd.DataFrame({"day": days, "num": [round(rate(i) * tries) for i in range(n_days)], "den": float(tries)})


def before_after(days: int = 28) -> tuple[Window, Window]:
    return windows(CHANGE, None, days, date(2025, 1, 1), date(2026, 12, 31))


# --- the statistics -------------------------------------------------------------------------------


def test_a_planted_lift_is_significant_with_its_size_and_interval():
    start = CHANGE - timedelta(days=400)
    frame = days_frame(start, 460, lambda i: 0.30 if start + timedelta(days=i) < CHANGE else 0.345)
    before, after = before_after()
    imp = compare(frame, before, after)
    assert (imp.before.rate, imp.after.rate) == (0.30, 0.345)
    assert imp.verdict == "significant" and imp.p_value < 1e-10
    assert imp.relative == pytest.approx(0.15)
    lo, hi = imp.relative_ci
    assert lo < 0.15 < hi and hi - lo < 0.06  # 28,000 tries a side
    dlo, dhi = imp.change_ci
    assert dlo < 0.045 < dhi
    assert "rose from 30.0% to 34.5%" in imp.headline("the rate") and "significant" in imp.headline("the rate")
    # flat for a year before: no trend, and the same dates a year earlier did not move
    notes = " ".join(imp.notes())
    assert "no trend before the change" in notes and "no seasonal move" in notes


def test_no_change_is_within_noise_and_tiny_samples_are_too_little_data():
    frame = days_frame(CHANGE - timedelta(days=80), 120, lambda i: 0.2)
    before, after = before_after()
    same = compare(frame, before, after)
    assert same.verdict == "within noise" and same.p_value == pytest.approx(1.0)
    assert "within noise" in same.headline("conversion")
    tiny = compare(days_frame(CHANGE - timedelta(days=80), 120, lambda i: 0.2, tries=1), before, after)
    assert tiny.verdict == "too little data" and "Too little data" in tiny.headline("conversion")


def test_a_trend_already_under_way_is_flagged():
    """A rate climbing 0.5 points a week before the change: the 'jump' is mostly the trend."""
    start = CHANGE - timedelta(days=120)
    frame = days_frame(start, 150, lambda i: 0.20 + 0.005 * i / 7, tries=3000)
    before, after = before_after()
    imp = compare(frame, before, after)
    assert imp.verdict == "significant"  # the naive test alone would call it an effect
    assert imp.trend is not None and imp.trend.p_value < 0.01
    assert imp.trend.slope == pytest.approx(0.005, rel=0.1)
    assert imp.trend.moving(imp.change)
    assert any(n.startswith("Careful: the rate was already moving") for n in imp.notes())


def test_difference_in_differences_separates_a_real_effect_from_a_shared_one():
    start = CHANGE - timedelta(days=120)
    before, after = before_after()
    lifted = days_frame(start, 150, lambda i: 0.30 if start + timedelta(days=i) < CHANGE else 0.36)
    flat = days_frame(start, 150, lambda i: 0.30)
    shared = compare(lifted, before, after, lifted, "Linux alone")  # the control moved the same way
    assert shared.control.estimate == pytest.approx(0.0, abs=1e-12) and shared.control.p_value > 0.5
    real = compare(lifted, before, after, flat, "Linux alone")
    assert real.control.estimate == pytest.approx(0.06) and real.control.p_value < 1e-6
    assert "Against Linux alone" in " ".join(real.notes())


def test_rest_of_subtracts_a_segment_day_by_day():
    total = pd.DataFrame({"day": [CHANGE, CHANGE + timedelta(days=1)], "num": [10.0, 20.0], "den": [100.0, 200.0]})
    part = pd.DataFrame({"day": [CHANGE + timedelta(days=1)], "num": [5.0], "den": [50.0]})
    rest = rest_of(total, part)
    assert rest["num"].tolist() == [10.0, 15.0] and rest["den"].tolist() == [100.0, 150.0]


def test_windows_follow_the_change_and_the_data():
    b, a = windows(date(2025, 9, 8), date(2025, 10, 12), 28, date(2025, 1, 6), date(2026, 11, 15))
    assert (b.start, b.end, a.start, a.end) == (
        date(2025, 8, 11),
        date(2025, 9, 7),
        date(2025, 9, 8),
        date(2025, 10, 12),
    )
    b, a = windows(date(2026, 11, 1), None, 28, date(2025, 1, 6), date(2026, 11, 15))
    assert a.end == date(2026, 11, 15) and b.days == 28  # cut at the last day of data
    b, _ = windows(date(2025, 1, 20), None, 28, date(2025, 1, 6), date(2026, 11, 15))
    assert b.start == date(2025, 1, 6)  # cut at the first
    with pytest.raises(ImpactError, match="outside the data"):
        windows(date(2027, 1, 1), None, 28, date(2025, 1, 6), date(2026, 11, 15))


def test_a_count_that_is_not_a_rate_is_refused():
    frame = pd.DataFrame({"day": [CHANGE - timedelta(days=1), CHANGE], "num": [5.0, 9.0], "den": [4.0, 10.0]})
    with pytest.raises(ImpactError, match="not a rate"):
        compare(frame, Window(CHANGE - timedelta(days=1), CHANGE - timedelta(days=1)), Window(CHANGE, CHANGE))


def test_a_funnel_step_as_a_daily_rate_matches_the_funnel_counts():
    t = pd.to_datetime(["2026-03-01 10:00", "2026-03-01 11:00", "2026-03-02 09:00", "2026-03-02 09:30"])
    levels = pd.DataFrame({"t1": t, "t2": [t[0], pd.NaT, t[2], pd.NaT], "level": [2, 1, 2, 1]})
    out = daily_from_levels(levels)
    assert out["num"].tolist() == [1.0, 1.0] and out["den"].tolist() == [2.0, 2.0]
    assert out["num"].sum() == (levels["level"] >= 2).sum() and out["den"].sum() == len(levels)


# --- KPI noise -------------------------------------------------------------------------------------


def test_a_rate_kpi_is_judged_with_a_two_proportion_test():
    m = METRICS["checkout_conversion"]
    start, end, prev = date(2026, 2, 1), date(2026, 2, 28), date(2026, 1, 4)
    frame = days_frame(prev - timedelta(days=84), 140, lambda i: 0.5 if i < 112 else 0.56)
    judged = noise(frame, m, start, end, prev)
    assert judged.test == "two-proportion test" and judged.beyond and judged.p_value < 1e-6
    flat = noise(days_frame(prev - timedelta(days=84), 140, lambda i: 0.5), m, start, end, prev)
    assert not flat.beyond and "within noise" in flat.words()


def test_a_count_kpi_is_judged_against_its_own_week_to_week_variation():
    m = Metric("orders", "", "count", "", True)
    rng = np.random.default_rng(3)
    prev = date(2026, 1, 4)
    start, end = prev + timedelta(days=28), prev + timedelta(days=55)
    days = [prev - timedelta(days=84) + timedelta(days=i) for i in range(140)]
    noisy = pd.DataFrame({"day": days, "num": 1000 + rng.normal(0, 60, 140), "den": 1.0})
    calm = noise(noisy, m, start, end, prev)
    assert calm is not None and not calm.beyond and "week-to-week" in calm.test
    jumped = noisy.assign(num=noisy["num"] + np.where(np.array(days) >= start, 300, 0))
    assert noise(jumped, m, start, end, prev).beyond


# --- annotations, scope, charts ----------------------------------------------------------------------


def test_the_annotations_file_loads_and_names_its_mistakes(tmp_path):
    changes = load_annotations(ROOT / "annotations.toml", set(METRICS.metrics))
    assert [a.id for a in changes] == ["checkout_back_button_bug", "no_address_step", "start_page_redesign"]
    assert changes[0].end == date(2025, 10, 12) and changes[-1].metric == "visitor_signup_conversion"
    assert load_annotations(tmp_path / "missing.toml") == []
    bad = tmp_path / "annotations.toml"
    cases = {
        '[[annotations]]\nid = "a"\ntitle = "A"\nstart = "2026-01-01"\n': "must be dates",
        '[[annotations]]\nid = "a"\ntitle = "A"\nstart = 2026-01-02\nend = 2026-01-01\n': "ends before it starts",
        '[[annotations]]\nid = "a"\ntitle = "A"\nstart = 2026-01-01\ncolour = "red"\n': r"line 5: \[annotations\[1\]\] unknown key colour",
        '[[annotations]]\nid = "a"\ntitle = "A"\nstart = 2026-01-01\n[[annotations]]\nid = "a"\ntitle = "B"\nstart = 2026-01-02\n': "used twice",
        '[[annotations]]\nid = "a"\ntitle = "A"\nstart = 2026-01-01\nmetric = "nope"\n': "unknown metric",
        "[[annotations]\n": "not valid TOML",
    }
    for text, message in cases.items():
        bad.write_text(text)
        with pytest.raises(AnnotationError, match=message):
            load_annotations(bad, set(METRICS.metrics))


def test_scope_captions_say_what_a_tile_follows_and_what_it_ignores():
    s, e = date(2026, 10, 19), date(2026, 11, 15)
    assert (
        scope_caption(s, e, {"platform": "iOS"}, {"start", "end", "platform"})
        == "2026-10-19 to 2026-11-15 · platform: iOS"
    )
    assert scope_caption(s, e, {"platform": None}, {"start", "end", "platform"}, "Weekly,").endswith("all platforms")
    text = scope_caption(s, e, {"campaign": "x"}, {"window_days"})
    assert text.startswith("All time") and "not by campaign" in text


def _layers(spec: dict) -> list[dict]:
    out = []
    for layer in spec.get("layer", []):
        out += _layers(layer) if "layer" in layer else [layer]
    return out


def test_time_charts_carry_the_changes_they_span_and_nothing_else():
    from portal.reporting.charts import chart

    weeks = pd.DataFrame(
        {"week": pd.date_range("2026-05-04", periods=10, freq="W-MON"), "rate": np.linspace(0.3, 0.4, 10)}
    )
    changes = [Annotation("r", "Start page redesign", date(2026, 6, 2)), Annotation("old", "Old", date(2024, 1, 1))]
    spec = chart(weeks, "line", "week", "rate", annotations=changes).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in _layers(spec)]
    assert "rule" in marks and "text" in marks
    assert "Start page redesign" in json.dumps(spec) and '"Old"' not in json.dumps(spec)
    bars = pd.DataFrame({"platform": ["iOS", "Linux"], "rate": [0.2, 0.3]})
    assert "layer" not in chart(bars, "bar", "platform", "rate", annotations=changes).to_dict()


def test_a_still_baking_period_is_ringed_and_never_plotted_as_zero(warehouse):
    from portal.library import QueryStore, run_saved
    from portal.reporting.charts import chart

    q = QueryStore(ROOT / "queries", ROOT / "state").get("growth/retention_by_signup_month")
    frame = run_saved(session_for(warehouse), q, {}).frame
    young = frame[frame["still_baking"]]
    assert len(young) >= 1 and (young["month_1"].isna() | (young["month_1"] > 0)).all()
    assert frame["month_1"].isna().iloc[-1]  # the current month: month 1 has not started, so no value
    spec = json.dumps(chart(frame, "line", "signup_month", "month_1").to_dict())
    assert "still baking: its period is not over" in spec


# --- the demo warehouse's stories, answered without SQL ---------------------------------------------


@pytest.mark.parametrize(
    ("change", "low", "high"),
    [("start_page_redesign", 0.05, 0.25), ("checkout_back_button_bug", -0.6, -0.2)],
)
def test_the_planted_changes_are_found_significant(warehouse, change, low, high):
    from portal.product.impact_data import Measure, measure_impact

    a = {x.id: x for x in load_annotations(ROOT / "annotations.toml")}[change]
    before, after = windows(a.start, a.end, 28, date(2025, 1, 6), date(2026, 11, 15))
    imp, frame = measure_impact(session_for(warehouse), METRICS, Measure(a.metric), before, after, date(2025, 1, 6))
    assert isinstance(imp, Impact) and imp.verdict == "significant" and low < imp.relative < high
    # the same number straight from SQL, independent of the metric plumbing
    if change == "checkout_back_button_bug":
        sql = """WITH v AS (SELECT session_id, min(event_date) FILTER (WHERE event_name = 'checkout_start') AS d,
                           bool_or(event_name = 'purchase') AS p FROM analytics.events
                           WHERE event_name IN ('checkout_start', 'purchase') AND event_date BETWEEN $s AND $e GROUP BY 1)
                 SELECT count(*) FILTER (WHERE p), count(*) FROM v WHERE d IS NOT NULL"""
    else:
        sql = """WITH v AS (SELECT user_id, min(event_date) AS d FROM analytics.events GROUP BY 1)
                 SELECT count(u.user_id), count(*) FROM v LEFT JOIN analytics.users u USING (user_id)
                 WHERE d BETWEEN $s AND $e"""
    x, n = session_for(warehouse).frame(sql, {"s": after.start, "e": after.end}).iloc[0]
    assert (imp.after.x, imp.after.n) == (x, n)


def test_a_funnel_step_and_a_control_segment_are_measured_in_the_warehouse(warehouse):
    from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels
    from portal.product.impact_data import FUNNEL_STEP, Measure, measure_impact

    before, after = windows(date(2025, 9, 8), date(2025, 10, 12), 28, date(2025, 1, 6), date(2026, 11, 15))
    m = Measure(FUNNEL_STEP, "checkout_start", "purchase", 14)
    imp, _ = measure_impact(session_for(warehouse), METRICS, m, before, after, date(2025, 1, 6), control="Linux")
    spec = FunnelSpec((Step("checkout_start"), Step("purchase")), after.start, after.end, 14.0)
    counts = step_counts(user_levels(session_for(warehouse), spec), spec)
    everyone = (int(counts.iloc[1]["users"]), int(counts.iloc[0]["users"]))
    # treated = everyone but Linux, so treated + control = the Funnels page's counts for the same dates
    assert (imp.after.x + imp.control.after.x, imp.after.n + imp.control.after.n) == everyone
    assert imp.change < 0 and imp.control.after.rate < imp.control.before.rate  # the bug hit Linux too
    with pytest.raises(ImpactError, match="must differ"):
        measure_impact(session_for(warehouse), METRICS, m, before, after, date(2025, 1, 6), "Linux", "Linux")
    with pytest.raises(ImpactError, match="not a rate metric"):
        measure_impact(session_for(warehouse), METRICS, Measure("revenue"), before, after, date(2025, 1, 6))


# --- the pages ---------------------------------------------------------------------------------------


def app_page(path: str, query: dict | None = None):
    from conftest import run_page

    return run_page(path, query)


def test_the_before_after_page_answers_the_redesign_and_the_checkout_bug(portal_env):
    from conftest import shown

    at = app_page("pages/impact.py")  # opens on the latest change, with its own metric
    assert at.selectbox(key="im_change").value == "Start page redesign"
    assert at.selectbox(key="im_metric").value == "visitor_signup_conversion"
    assert any("rose" in shown(s) and "significant" in shown(s) for s in at.success)
    assert [m.label for m in at.metric if m.label in ("Before", "After", "Change", "Relative change")] == [
        "Before",
        "After",
        "Change",
        "Relative change",
    ]
    assert any("Trend check" in shown(c) for c in at.caption)
    at.selectbox(key="im_change").set_value("Checkout back-button bug").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="im_metric").value == "checkout_conversion"  # switched with the change
    assert any("fell" in shown(e) and "significant" in shown(e) for e in at.error)
    assert any("2025-09-08 to 2025-10-12" in shown(c) for c in at.caption)
    at.selectbox(key="im_metric").set_value("funnel_step").run()
    at.selectbox(key="im_control").set_value("Linux").run()
    assert not at.exception, at.exception
    assert any("Against Linux alone" in shown(c) for c in at.caption)


def test_the_before_after_page_explains_bad_choices_and_survives_a_broken_annotations_file(portal_env, tmp_path):
    from conftest import shown

    at = app_page("pages/impact.py", {"im_change": "Dates of my own", "im_start": "2030-01-01"})
    assert any("outside the data" in shown(i) for i in at.info)
    broken = Path(portal_env["PORTAL_DASHBOARDS_DIR"]).parent / "annotations.toml"
    broken.write_text("[[annotations]\n")
    os.environ["PORTAL_ANNOTATIONS"] = str(broken)  # [paths] annotations of a company's portal.toml
    try:
        from conftest import _clear_streamlit_caches

        _clear_streamlit_caches()
        at = app_page("pages/impact.py")
    finally:
        del os.environ["PORTAL_ANNOTATIONS"]
    assert at.selectbox(key="im_change").value == "Dates of my own" and not at.exception


def test_a_rate_metric_links_to_its_before_after_and_back(portal_env):
    at = app_page("pages/metrics.py", {"m_search": "checkout_conversion"})
    links = [e for e in at.get("page_link") if "Compare before/after" in e.proto.label]
    assert len(links) == 1 and links[0].proto.query_string == "im_metric=checkout_conversion"
    at = app_page("pages/impact.py", {"im_metric": "checkout_conversion"})
    assert at.selectbox(key="im_metric").value == "checkout_conversion"


@pytest.mark.parametrize("team", ["executive", "marketing", "support", "growth", "checkout"])
def test_every_dashboard_tile_states_its_scope(portal_env, team):
    """Issue #14: each chart and table says its period and filters, or that it ignores them."""
    from conftest import shown
    from streamlit.testing.v1 import AppTest

    # team pages are generated by the router: render one directly
    at = AppTest.from_string(f"from pages.team import render\nrender({team!r})", default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    from portal.reporting.dashboards import DashboardStore

    d = DashboardStore(Path(portal_env["PORTAL_DASHBOARDS_DIR"])).load(team)
    charts = [t for t in d.tiles if t.type != "kpi"]
    scopes = [shown(c) for c in at.caption if " to " in shown(c) or shown(c).startswith("All time")]
    assert len(scopes) >= len(charts)
    kpis = [t for t in d.tiles if t.type == "kpi"]
    helps = [m.proto.help for m in at.metric[: len(kpis)]]
    assert all("Scope" in h and ("noise" in h or "not final yet" in h) for h in helps), helps
    if team == "support":  # its charts do not take dates: they say so
        assert sum(s.startswith("All time") for s in scopes) >= 2


def test_a_fix_is_measured_against_the_days_before_the_bug_and_the_bug_is_not_a_trend():
    """Issue #25, defect 6: a bug from 2025-09-08 to 2025-10-12 dropped the rate from 0.50 to 0.30;
    its fix brought it back. Measured as "after the fix against just before it" the bug window was the
    baseline, and the trend fit read the bug's drop as a trend already under way."""
    bug = Annotation("bug", "Checkout bug", date(2025, 9, 8), date(2025, 10, 12))
    first = date(2025, 6, 1)
    frame = days_frame(first, 200, lambda i: 0.30 if bug.start <= first + timedelta(days=i) <= bug.end else 0.50)
    before, after = windows(bug.start, bug.end, 28, first, date(2025, 12, 17), fix=True)
    assert before == Window(date(2025, 8, 11), date(2025, 9, 7)) and after == Window(
        date(2025, 10, 13), date(2025, 11, 9)
    )
    imp = compare(frame, before, after, changes=[bug])
    assert imp.before.rate == imp.after.rate == 0.5 and imp.verdict == "within noise"  # back to how it was
    # the same fix with dates of one's own (after the fix against the 28 days before it, the bug's end)
    naive_before, naive_after = windows(date(2025, 10, 13), None, 28, first, date(2025, 12, 17))
    naive = compare(frame, naive_before, naive_after)
    assert any(n.startswith("Careful: the rate was already moving") for n in naive.notes()), "the old mistake"
    told = compare(frame, naive_before, naive_after, changes=[bug])
    assert told.left_out == ("Checkout bug",)
    assert not any(n.startswith("Careful") for n in told.notes())
    assert any("leaves out the days of the recorded Checkout bug" in n for n in told.notes())
    with pytest.raises(ImpactError, match="Only a change with an end"):
        windows(date(2026, 6, 2), None, 28, first, date(2026, 11, 15), fix=True)


def test_the_change_picker_offers_each_bugs_fix():
    from portal.product.impact import fix_choices

    bug = Annotation("bug", "Checkout bug", date(2025, 9, 8), date(2025, 10, 12))
    redesign = Annotation("r", "Redesign", date(2026, 6, 2))
    choices = fix_choices([bug, redesign])
    assert list(choices) == ["Redesign", "Checkout bug", "Fix of Checkout bug (2025-10-13)"]
    assert choices["Fix of Checkout bug (2025-10-13)"] == (bug, True) and choices["Checkout bug"] == (bug, False)

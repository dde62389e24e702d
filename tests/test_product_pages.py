"""Cohorts and experiments logic on the demo warehouse; the three product pages in AppTest and a browser."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import run_page, session_for, shown, wait_for_app
from streamlit.testing.v1 import AppTest

from portal.demo.stories import DEMO_END_DATE
from portal.product.cohorts import CohortError, CohortSpec, _sql, average_curve, cac_by_channel, retention, revenue
from portal.product.experiments import experiment_readouts, variant_counts
from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels
from portal.product.stats import compare_segments


def test_retention_triangle_marks_baking_periods(warehouse):
    ret = retention(session_for(warehouse), CohortSpec("week", "signup", "none", None, 8), DEMO_END_DATE)
    assert (ret[ret.period == 0]["retention"] == 1.0).all()
    newest = ret[ret.cohort == ret.cohort.max()]
    assert not newest[newest.period >= 1]["complete"].any()
    oldest = ret[ret.cohort == ret.cohort.min()]
    assert oldest["complete"].all()
    curve = average_curve(ret, "retention").set_index("period")["retention"]
    assert curve[1] > curve[4] > curve[8] > 0


@pytest.mark.parametrize(
    "spec",
    [CohortSpec("week", "signup", "none", None, 8), CohortSpec("month", "first purchase", "platform", "purchase", 6)],
)
def test_retention_pass_equals_the_plain_sql(warehouse, spec):
    """The compiled pass over the person-ordered events gives exactly what cohorts/retention.sql gives."""
    s = session_for(warehouse)
    params = {"periods": spec.periods} | ({"event": spec.event} if spec.event else {})
    want = s.run(_sql("retention", spec, s), params, max_rows=2_000_000).frame
    got = retention(s, spec, DEMO_END_DATE)
    cols = ["cohort", "segment", "period", "cohort_size", "active_users"]
    assert len(got) == len(want) > 0 and got[cols].astype(str).equals(want[cols].astype(str))
    assert got["active_users"].sum() > 0


def test_retention_pass_does_not_depend_on_row_order():
    """The pass reads the person-ordered stream as it comes; any other order is sorted first."""
    import numpy as np

    from portal.product.kernels.retention_scan import active_counts

    rng = np.random.default_rng(5)
    user = np.sort(rng.integers(0, 3000, 1_500_000)).astype(np.int64)
    day = (11000 + rng.integers(0, 400, len(user))).astype(np.int32)
    order = np.lexsort((day, user))
    user, day = user[order], day[order]
    m_user = np.unique(user)[::2]
    m_group = (m_user % 3).astype(np.int64)
    m_period = ((11000 - 10959) // 7 + m_user % 20).astype(np.int64)
    want = active_counts(user, day, "week", m_user, m_group, m_period, 3, 12, threads=1)
    assert want.sum() > 0 and (want[:, 0] > 0).all()
    assert (active_counts(user, day, "week", m_user, m_group, m_period, 3, 12, threads=2) == want).all()
    shuffled = rng.permutation(len(user))
    assert (active_counts(user[shuffled], day[shuffled], "week", m_user, m_group, m_period, 3, 12) == want).all()


def test_revenue_curves_and_cac(warehouse):
    s = session_for(warehouse)
    rev = revenue(s, CohortSpec("month", "signup", "acquisition_channel", None, 6), DEMO_END_DATE)
    cum = average_curve(rev, "cumulative_revenue_per_user", cumulative=True)
    for _, g in cum.groupby("segment"):
        assert g.sort_values("period")["cumulative_revenue_per_user"].is_monotonic_increasing
    cac = cac_by_channel(s).set_index("channel")
    assert cac.loc["display", "cac"] > cac.loc["paid_search", "cac"]
    with pytest.raises(CohortError):
        CohortSpec("day").validate()


def test_experiment_readout_finds_the_planted_effects(warehouse):
    s = session_for(warehouse)
    (r,) = experiment_readouts(variant_counts(s, "onboarding_address_step", "onboarding_complete"), "control")
    assert r.significant and 0.08 < r.lift < 0.35 and not r.srm
    assert "no_address_step converts" in r.sentence("onboarding_complete")
    (null,) = experiment_readouts(variant_counts(s, "checkout_button_color", "purchase"), "blue")
    assert not null.significant


def test_ios_safari_is_flagged_significantly_worse(warehouse):
    spec = FunnelSpec(
        (Step("checkout_start"), Step("purchase")), date(2025, 1, 6), DEMO_END_DATE, 14, breakdown="browser"
    )
    levels = user_levels(session_for(warehouse), spec)
    levels = levels.assign(segment=levels["segment"])
    spec_pb = FunnelSpec(spec.steps, spec.start, spec.end, 14, breakdown="platform")
    lv = user_levels(session_for(warehouse), spec_pb)
    counts = step_counts(lv, spec_pb)
    assert (
        counts[(counts.segment == "iOS") & (counts.step == 2)]["pct_of_first"].iloc[0]
        < 0.8 * counts[(counts.segment == "all") & (counts.step == 2)]["pct_of_first"].iloc[0]
    )
    table = (
        lv.groupby("segment")
        .agg(started=("level", "size"), converted=("level", lambda x: int((x >= 2).sum())))
        .reset_index()
    )
    verdicts = compare_segments(table).set_index("segment")["verdict"]
    assert verdicts["iOS"] == "significantly worse"
    assert verdicts["Android"] == "significantly better"  # everyone else looks better next to iOS


def page(path: str, query: dict | None = None) -> AppTest:
    return run_page(path, query)


def test_funnels_page(portal_env):
    at = page("pages/funnels.py", {"fn_breakdown": "platform"})
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["1. product_view", "2. add_to_cart", "3. checkout_start", "4. purchase"]
    assert any("iOS" in e.value and "significantly worse" in shown(e) for e in at.error)


def test_funnel_saves_as_a_saved_query_with_the_same_counts(portal_env, warehouse):
    at = page("pages/funnels.py", {"fn_breakdown": "platform", "fn_window": "7"})
    shown = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    at.session_state["fn_save_open"] = True  # open the "Save as a saved query" expander
    at.run()
    at.text_input(key="fn_sv_title_Save as new").set_value("Checkout funnel by platform")
    at.text_input(key="fn_sv_team_Save as new").set_value("product")
    at.session_state["fn_save_open"] = True
    at.button(key="fn_sv_go_Save as new").click().run()
    assert not at.exception, at.exception
    assert any("Saved as product/checkout_funnel_by_platform" in s.value.replace("\\", "") for s in at.success)
    from portal.library import QueryStore, run_saved

    q = QueryStore(Path(portal_env["PORTAL_QUERIES_DIR"]), Path(portal_env["PORTAL_STATE_DIR"])).get(
        "product/checkout_funnel_by_platform"
    )
    assert [p.name for p in q.params] == ["start", "end"] and q.params[0].type == "date" and q.params[0].default
    frame = run_saved(session_for(warehouse), q, {}).frame
    total = frame[frame.segment == "all"].set_index("step")["users"]
    assert [int(total[k]) for k in (1, 2, 3, 4)] == list(shown.values())[:4]  # same counts as the page


def test_cohorts_page(portal_env):
    at = page("pages/cohorts.py", {"co_grain": "month", "co_split": "acquisition_channel"})
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")  # the Retention tab, open by default
    assert not any("co_cac" == getattr(d, "key", None) for d in at.dataframe)  # other tabs are not drawn
    at = page(
        "pages/cohorts.py",
        {"co_grain": "month", "co_split": "acquisition_channel", "co_tab": "Cumulative revenue per user"},
    )
    assert any("CAC" in str(d.value.columns.tolist()) or "cac" in d.value.columns for d in at.dataframe)


def test_experiments_page(portal_env):
    at = page("pages/experiments.py")
    assert any("converts" in s.value and "better" in shown(s) for s in at.success)
    at = page("pages/experiments.py", {"ex_experiment": "checkout_button_color"})
    assert any("could be noise" in shown(i) for i in at.info)


@pytest.mark.browser
def test_funnel_chart_renders_and_the_url_reproduces_it(app_server, page):
    page.goto(app_server + "/funnels?fn_breakdown=platform&fn_window=7")
    wait_for_app(page, 60_000)
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(
        timeout=60_000
    )
    page.get_by_text("iOS").first.wait_for(timeout=60_000)  # drawn after the chart, in its own fragment
    page.get_by_role("combobox", name="Order", exact=True).click()
    page.get_by_role("option", name="strict").click()
    wait_for_app(page, 60_000)
    page.wait_for_function("() => location.search.includes('fn_mode=strict')", timeout=30_000)
    url = page.url
    assert "fn_breakdown=platform" in url and "fn_window=7" in url
    fresh = page.context.new_page()
    fresh.goto(url)
    wait_for_app(fresh, 60_000)
    fresh.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    assert fresh.get_by_role("combobox", name="Order", exact=True).input_value() == "strict"
    assert fresh.locator('[data-testid="stException"]').count() == 0
    fresh.close()


def test_funnel_chart_orders_steps_by_step_number_whatever_their_labels():
    import pandas as pd

    from portal.reporting.charts import funnel_chart

    counts = pd.DataFrame(
        {
            "segment": ["all"] * 2,
            "step": [1, 2],
            "users": [10, 4],
            "step_label": ["checkout_start (page = /z)", "purchase"],
            "pct_of_first": [1.0, 0.4],
            "pct_of_previous": [1.0, 0.4],
            "dropped": [0, 6],
        }
    )
    x = funnel_chart(counts).to_dict()["encoding"]["x"]
    assert x["sort"] == {"field": "step", "op": "min"}


def test_switching_experiments_takes_the_new_experiments_own_event(portal_env):
    at = page("pages/experiments.py", {"ex_experiment": "onboarding_address_step"})
    assert at.selectbox(key="ex_event").value == "onboarding_complete"
    at.selectbox(key="ex_experiment").set_value("checkout_button_color").run()
    assert not at.exception
    assert at.selectbox(key="ex_event").value != "onboarding_complete"  # the button test's own target event


def test_charts_have_readable_titles_and_tooltips():
    import pandas as pd

    from portal.reporting.charts import chart
    from portal.reporting.tiles import tile_chart

    frame = pd.DataFrame(
        {
            "signup_week": pd.to_datetime(["2026-01-05", "2026-01-12"]),
            "cumulative_revenue_per_user": [1.23456, 2.5],
            "cac": [10.0, 12.0],
        }
    )
    for kind in ("line", "bar", "area", "scatter"):
        enc = chart(frame, kind, "signup_week", "cumulative_revenue_per_user").to_dict()["encoding"]
        assert enc["y"]["title"] == "Cumulative revenue per user" and enc["x"]["title"] == "Signup week"
        assert [t["title"] for t in enc["tooltip"]] == ["Signup week", "Cumulative revenue per user"]
        assert enc["tooltip"][1]["format"] == ",.3~f"
    heat = tile_chart(frame.assign(k=["a", "b"]), "heatmap", "signup_week", "cac", "k").to_dict()["encoding"]
    assert heat["color"]["title"] == "CAC" and heat["tooltip"]


def test_rates_are_never_stacked_and_categories_keep_the_query_order():
    import pandas as pd

    from portal.reporting.charts import chart

    frame = pd.DataFrame(
        {
            "cart_bucket": ["$200-299", "$200-299", "$1000-1099", "$1000-1099"],
            "resolution": ["fast", "slow"] * 2,
            "conversion": [0.56, 0.31, 0.4, 0.2],
        }
    )
    enc = chart(frame, "bar", "cart_bucket", "conversion", "resolution").to_dict()["encoding"]
    assert enc["y"]["stack"] is None and enc["xOffset"]["field"] == "resolution"
    assert enc["x"]["sort"] == ["$200-299", "$1000-1099"]  # the query's order, not alphabetical
    # the order is written into the spec, so a redraw on new data (another date range) follows it
    # (with sort=None the Marketing dashboard kept its old bar order: issue #25, defect 7)
    flipped = frame.iloc[::-1].reset_index(drop=True)
    assert chart(flipped, "bar", "cart_bucket", "conversion").to_dict()["encoding"]["x"]["sort"] == [
        "$1000-1099",
        "$200-299",
    ]
    counts = frame.assign(customers=[10, 20, 30, 40])
    enc = chart(counts, "bar", "cart_bucket", "customers", "resolution").to_dict()["encoding"]
    assert "stack" not in enc["y"] and "xOffset" not in enc  # counts do add up: stacked as before


def test_cohorts_cac_payback_tab(portal_env):
    """Issue #14: CAC by signup cohort with the payback month, baking cohorts marked."""
    at = page("pages/cohorts.py", {"co_tab": "CAC payback", "co_campaign": "tiktok_creators"})
    (table,) = [d.value for d in at.dataframe if "payback_month" in d.value.columns]
    assert len(table) > 6 and table["status"].str.startswith("paid back in month").any()
    assert "still baking" in table["status"].iloc[-1]
    assert any("tiktok_creators" in shown(c) for c in at.caption)


def test_funnels_page_draws_only_the_open_tab_and_its_details_match(portal_env):
    at = page("pages/funnels.py", {"fn_tab": "Time to convert"})
    (times,) = [d.value for d in at.dataframe if "median_minutes" in d.value.columns]
    assert times["users"].iloc[0] > 0 and times["median_minutes"].notna().all()
    at = page("pages/funnels.py")  # Table open: the time-to-convert table is not drawn
    assert not [d for d in at.dataframe if "median_minutes" in d.value.columns]


def test_dependent_pickers_follow_the_choice_they_depend_on(portal_env):
    """Issue #25, defect 2: switching experiment (or recorded change) left the conversion event (or
    rate) on the previous one's value while the readout used another."""
    from conftest import run_page

    at = run_page("pages/experiments.py", {"ex_experiment": "onboarding_address_step"})
    assert at.selectbox(key="ex_event").value == "onboarding_complete"
    at.selectbox(key="ex_experiment").set_value("checkout_button_color").run()
    assert not at.exception
    assert at.selectbox(key="ex_event").value == "purchase"  # the new experiment's own target event
    assert at.query_params.get("ex_event") in (None, "purchase")
    im = run_page("pages/impact.py", {"im_change": "Start page redesign"})
    first = im.selectbox(key="im_metric").value
    im.selectbox(key="im_change").set_value("Checkout back-button bug").run()
    assert not im.exception
    assert im.selectbox(key="im_metric").value == "checkout_conversion" != first


@pytest.mark.browser
def test_dependent_pickers_follow_in_a_real_browser(app_server, page):
    """Issue #25, defect 2, as the browser shows it (AppTest never kept the stale value): after a new
    experiment or change is picked, the dependent picker shows what the readout uses."""
    from conftest import wait_for_app

    def value(label: str) -> str:
        return page.evaluate(f"() => document.querySelector('input[aria-label=\"{label}\"]').value")

    def choose(label: str, option: str) -> None:
        page.locator(f'input[aria-label="{label}"]').click()
        page.get_by_role("option", name=option, exact=True).click()
        wait_for_app(page, 60_000)

    page.goto(app_server + "/experiments?ex_experiment=onboarding_address_step")
    wait_for_app(page, 60_000)
    page.wait_for_function("() => document.querySelector('input[aria-label=\"Conversion event\"]')", timeout=60_000)
    assert value("Conversion event") == "onboarding_complete"
    choose("Experiment", "checkout_button_color")
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"Conversion event\"]').value === 'purchase'", timeout=30_000
    )
    page.goto(app_server + "/impact")
    wait_for_app(page, 60_000)
    page.wait_for_function("() => document.querySelector('input[aria-label=\"Rate\"]')", timeout=60_000)
    choose("Change", "Checkout back-button bug")
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"Rate\"]').value === 'checkout_conversion'", timeout=30_000
    )


def test_change_labels_stay_inside_the_chart():
    """A change near the right edge is labelled leftwards and every label is cut at a width, so it is
    neither clipped by the chart's edge nor drawn into the legend (issue #25, defect 7)."""
    import pandas as pd

    from portal.reporting.annotations import Annotation
    from portal.reporting.charts import LABEL_PX, chart

    frame = pd.DataFrame({"week": pd.date_range("2026-01-05", periods=20, freq="W-MON"), "n": range(20)})
    changes = [
        Annotation("a", "Early change with a long, long title", pd.Timestamp("2026-01-20").date()),
        Annotation("b", "Late change with a long, long title", pd.Timestamp("2026-05-10").date()),
    ]
    spec = chart(frame, "line", "week", "n", annotations=changes).to_dict()
    texts = [
        layer["mark"]
        for layer in spec["layer"]
        if isinstance(layer.get("mark"), dict) and layer["mark"]["type"] == "text"
    ]
    assert sorted(t["align"] for t in texts) == ["left", "right"]
    assert all(t["limit"] == LABEL_PX for t in texts)


def test_the_funnels_dates_apply_as_typed_and_a_bad_one_is_said(portal_env):
    """Like the dashboards' (issue #32): a date typed with slashes applies (Streamlit's date input
    applied a typed date only when the pointer left it); one that is not a date is said, and the
    funnel is counted over the data's first day instead."""
    at = page("pages/funnels.py", {"fn_from": "2026/10/01", "fn_to": "2026-10-31"})
    whole = page("pages/funnels.py")
    first = int(at.metric[0].value.replace(",", ""))
    assert 0 < first < int(whole.metric[0].value.replace(",", ""))
    bad = page("pages/funnels.py", {"fn_from": "someday"})
    assert any("From: 'someday' is not a date" in shown(e) for e in bad.error)
    assert bad.metric[0].value == whole.metric[0].value

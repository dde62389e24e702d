"""The effect over time (issue #25): cumulative lift by day with its interval, ending on the
readout's own numbers, on the demo and on the company warehouse."""

from __future__ import annotations

import pandas as pd
from conftest import run_page, session_for, shown

from portal.product.experiments import cumulative_lift, list_experiments, settling_sentence, variant_counts


def test_the_last_day_is_the_readout_and_every_day_only_counts_what_had_happened(warehouse, db):
    s = session_for(warehouse)
    exp = list_experiments(s).set_index("experiment").loc["onboarding_address_step"]
    lift = cumulative_lift(s, "onboarding_address_step", exp.target_event, exp.control_variant)
    counts = variant_counts(s, "onboarding_address_step", exp.target_event).set_index("variant")
    last = lift.sort_values("day").iloc[-1]
    assert (last["users"], last["converted"]) == (
        counts.loc[last["variant"], "users"],
        counts.loc[last["variant"], "converted"],
    )
    control = counts.loc[exp.control_variant]
    assert abs(last["lift"] - ((last["converted"] / last["users"]) / (control.converted / control.users) - 1)) < 1e-12
    assert (lift["lift_low"] <= lift["lift"]).all() and (lift["lift"] <= lift["lift_high"]).all()
    assert lift.groupby("variant")["users"].apply(lambda u: u.is_monotonic_increasing).all()
    # a day in the middle: people assigned by then, and their conversions by then (plain SQL)
    day = lift["day"].sort_values().iloc[len(lift) // 2]
    n, x = db.execute(
        "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM analytics.events e WHERE e.user_id = a.user_id "
        "AND e.event_name = ? AND e.event_at >= a.assigned_at AND CAST(e.event_at AS DATE) <= ?)) "
        "FROM analytics.experiment_assignments a WHERE experiment = 'onboarding_address_step' AND variant = ? "
        "AND CAST(assigned_at AS DATE) <= ?",
        [exp.target_event, day, last["variant"], day],
    ).fetchone()
    mid = lift[(lift["day"] == day) & (lift["variant"] == last["variant"])].iloc[0]
    assert (mid["users"], mid["converted"]) == (n, x)
    assert "so it has settled" in settling_sentence(lift) or "still moving" in settling_sentence(lift)


def test_a_lift_that_keeps_moving_is_called_so():
    days = pd.date_range("2026-01-01", periods=10).date
    moving = pd.DataFrame(
        {
            "day": days,
            "variant": "b",
            "users": range(100, 110),
            "converted": 5,
            "lift": [i / 20 for i in range(10)],
            "lift_low": -0.5,
            "lift_high": 0.9,
        }  # fmt: skip
    )
    words = settling_sentence(moving)
    assert "still moving" in words and "still straddling zero" in words


def test_the_experiments_page_draws_the_effect_over_time(portal_env):
    at = run_page("pages/experiments.py", user="alex")
    assert len(at.get("vega_lite_chart")) == 1
    assert any("on the last day (95% CI" in shown(c) for c in at.caption)

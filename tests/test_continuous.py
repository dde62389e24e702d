"""Issue #32: experiments on continuous metrics. The statistics are checked against reference
implementations (scipy's Welch test, an ordinary least-squares ANCOVA for CUPED, Johari et al.'s
mixture likelihood ratio written out here) and on simulated data: the interval covers the truth about
95% of the time over many A/A tests, CUPED narrows it by about corr², and the always-valid p-value
keeps the false-positive rate at or under 5% when the results are looked at every day (where the
plain p-value does not)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from portal.product.continuous import TAU_SDS, cuped, msprt, welch


def revenue_like(rng, n, effect=0.0, pre=None, rho=0.0):
    """Mostly zeros and a long tail, as revenue per user is; with `pre`, correlated with it."""
    base = rng.lognormal(3.0, 1.0, n) * (rng.random(n) < 0.2)
    if pre is not None:
        base = rho * pre + math.sqrt(1 - rho * rho) * base
    return base + effect


def test_welch_equals_scipys_welch_test():
    rng = np.random.default_rng(1)
    a, b = revenue_like(rng, 800), revenue_like(rng, 900, effect=2.0)
    ours = welch(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert ours.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert (ours.low, ours.high) == (pytest.approx(ci.low, rel=1e-9), pytest.approx(ci.high, rel=1e-9))
    assert ours.df == pytest.approx(ref.df, rel=1e-9)


def test_the_interval_covers_the_truth_95_percent_of_the_time_in_aa_tests():
    rng = np.random.default_rng(2)
    hits = 0
    runs = 2000
    for _ in range(runs):
        w = welch(revenue_like(rng, 500), revenue_like(rng, 500))
        hits += w.low <= 0 <= w.high
    assert 0.93 <= hits / runs <= 0.97


def test_cuped_matches_ancova_narrows_by_about_corr_squared_and_stays_unbiased():
    rng = np.random.default_rng(3)
    effects, widths_raw, widths_adj, reductions, covered = [], [], [], [], 0
    runs = 400
    for _ in range(runs):
        pre1, pre2 = revenue_like(rng, 1000), revenue_like(rng, 1000)
        y1 = revenue_like(rng, 1000, pre=pre1, rho=0.7)
        y2 = revenue_like(rng, 1000, pre=pre2, rho=0.7, effect=1.0)
        c = cuped(y1, pre1, y2, pre2)
        effects.append(c.adjusted.diff)
        widths_raw.append(c.raw.high - c.raw.low)
        widths_adj.append(c.adjusted.high - c.adjusted.low)
        reductions.append(c.variance_reduction)
        covered += c.adjusted.low <= 1.0 <= c.adjusted.high
    corr2 = 0.7**2 / (0.7**2 + (1 - 0.7**2))  # both parts have the same variance
    assert np.mean(reductions) == pytest.approx(corr2, abs=0.05)
    assert np.mean(effects) == pytest.approx(1.0, abs=0.1)  # unbiased
    assert 1 - np.mean(widths_adj) / np.mean(widths_raw) == pytest.approx(1 - math.sqrt(1 - corr2), abs=0.05)
    assert 0.93 <= covered / runs <= 0.97
    # one data set against an OLS ANCOVA: y ~ 1 + treated + (pre - mean pre)
    pre1, pre2 = revenue_like(rng, 3000), revenue_like(rng, 3000)
    y1, y2 = revenue_like(rng, 3000, pre=pre1, rho=0.6), revenue_like(rng, 3000, pre=pre2, rho=0.6, effect=0.5)
    x = np.r_[pre1, pre2]
    design = np.c_[np.ones(6000), np.r_[np.zeros(3000), np.ones(3000)], x - x.mean()]
    coef, *_ = np.linalg.lstsq(design, np.r_[y1, y2], rcond=None)
    c = cuped(y1, pre1, y2, pre2)
    assert c.adjusted.diff == pytest.approx(coef[1], abs=0.05 * c.adjusted.se)


def reference_lambda(y1, y2, tau):
    """Johari, Pekelis and Walsh (2017), the normal-mixture likelihood ratio for a difference in means."""
    v = np.var(y1, ddof=1) / len(y1) + np.var(y2, ddof=1) / len(y2)
    d = np.mean(y2) - np.mean(y1)
    return math.sqrt(v / (v + tau**2)) * math.exp(tau**2 * d**2 / (2 * v * (v + tau**2)))


def test_msprt_equals_the_mixture_likelihood_ratio_written_out():
    rng = np.random.default_rng(4)
    a, b = revenue_like(rng, 3000), revenue_like(rng, 3000, effect=3.0)
    looks = [(a[: n // 2], b[: n // 2]) for n in (400, 1000, 2000, 4000, 6000)]
    tau = TAU_SDS * np.r_[looks[0][0], looks[0][1]].std(ddof=1)
    ours = msprt(looks)
    running = 1.0
    for look, (y1, y2) in zip(ours, looks, strict=True):
        running = min(running, 1 / reference_lambda(y1, y2, tau))
        assert look.p_always_valid == pytest.approx(min(running, 1.0), rel=1e-9)
    assert ours[-1].p_always_valid < 0.05  # a real effect is found


def test_daily_peeking_keeps_the_false_positive_rate_at_5_percent():
    """A/A tests looked at every day for 30 days, stopped at the first p < 0.05: the always-valid
    p-value stays at or under 5%; the fixed-horizon Welch p-value, peeked at the same way, does not."""
    rng = np.random.default_rng(5)
    runs, days, per_day = 400, 30, 60
    always, naive = 0, 0
    for _ in range(runs):
        a, b = revenue_like(rng, days * per_day), revenue_like(rng, days * per_day)
        looks = [(a[: d * per_day], b[: d * per_day]) for d in range(1, days + 1)]
        always += any(look.p_always_valid < 0.05 for look in msprt(looks))
        naive += any(welch(x, y).p < 0.05 for x, y in looks[1:])
    assert always / runs <= 0.05
    assert naive / runs > 0.10  # why the sequential test exists


def test_a_revenue_readout_on_the_demo_equals_pandas_over_the_orders(warehouse):
    """Each person's revenue in their first 28 days, computed here from the orders directly."""
    import pandas as pd
    from conftest import session_for

    from portal.product.experiment_metrics import guardrail, person_data, readout

    s = session_for(warehouse)
    data = person_data(s, "onboarding_address_step", 28)
    a = s.frame(
        "SELECT user_id, variant, assigned_at FROM analytics.experiment_assignments WHERE experiment = 'onboarding_address_step'"
    )
    o = s.frame("SELECT user_id, ordered_at, revenue FROM analytics.orders WHERE status = 'completed'")
    m = o.merge(a, on="user_id")
    inside = (m.ordered_at >= m.assigned_at) & (m.ordered_at < m.assigned_at + pd.Timedelta(days=28))
    per = m[inside].groupby("user_id")["revenue"].sum()
    a["revenue"] = a["user_id"].map(per).fillna(0.0)
    want = welch(a[a.variant == "control"]["revenue"], a[a.variant == "no_address_step"]["revenue"])
    got = readout(data, "revenue per user", "control", "no_address_step")
    assert got.result.raw.diff == pytest.approx(want.diff, rel=1e-9) and got.result.raw.p == pytest.approx(
        want.p, rel=1e-9
    )
    assert got.looks and got.looks[-1].n1 + got.looks[-1].n2 == len(a)  # the last look sees everyone
    assert "CUPED found nothing to use: nobody had any" in got.sentence()  # assigned when they signed up
    assert guardrail(data, "orders per user", "control", "no_address_step").verdict in ("holds", "unclear", "worse")


def test_experiments_on_revenue_on_the_segment_warehouse(tmp_path):
    """Assignments keyed by user_id, revenue from Stripe cents through customers: resolved people."""
    from conftest import session_for
    from test_segment_warehouse import build_segment

    from portal.config import load_settings
    from portal.product.experiment_metrics import person_data, readout
    from portal.warehouse.connect import open_warehouse

    settings = load_settings(build_segment(tmp_path / "seg"))
    wh = open_warehouse(settings, pii=True)
    try:
        s = session_for(wh)
        exp = s.frame("SELECT experiment, min(variant) AS a, max(variant) AS b FROM experiments.assignments GROUP BY 1")
        row = exp.iloc[0]
        data = person_data(s, row.experiment, 60)
        assert data.people["revenue"].sum() > 0  # charges reach the assigned people through stripe.customers
        cents = s.frame(
            "SELECT sum(ch.amount) / 100 FROM stripe.charges ch JOIN stripe.customers cu ON ch.customer = cu.id "
            "JOIN experiments.assignments x ON x.user_id = cu.metadata_user_id AND x.experiment = $e "
            "WHERE ch.status = 'succeeded' AND ch.created >= x.assigned_at AND ch.created < x.assigned_at + INTERVAL 60 DAY",
            {"e": row.experiment},
        ).iloc[0, 0]
        assert data.people["revenue"].sum() == pytest.approx(float(cents))  # dollars, not cents
        r = readout(data, "revenue per user", row.a, row.b)
        assert r.result.raw.n1 + r.result.raw.n2 == len(data.people)
    finally:
        wh.close()


def test_the_experiments_page_reads_revenue_with_cuped_sequential_and_guardrails(portal_env):
    from conftest import run_page, shown

    at = run_page("pages/experiments.py", {"ex_experiment": "onboarding_address_step", "ex_guards": "orders per user"})
    assert not at.exception
    text = " ".join(shown(x) for x in [*at.info, *at.success, *at.error, *at.caption, *at.warning])
    assert "revenue per user over each person's first 28 days" in text
    assert "Sequential test (mSPRT, always-valid p-values" in text
    assert "Guardrail orders per user:" in text

"""Statistics against independent computations (closed forms, scipy/statsmodels-style textbook values)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

from portal.product.stats import compare_segments, holm, readout, two_proportion, wilson


def test_wilson_textbook_value():
    # Newcombe (1998) example: 81 of 263 -> 0.2553 to 0.3662
    lo, hi = wilson(81, 263)
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)


def test_two_proportion_matches_chi_square():
    z, p = two_proportion(120, 1000, 150, 1000)
    chi2, p_chi, _, _ = sps.chi2_contingency([[120, 880], [150, 850]], correction=False)
    assert z * z == pytest.approx(chi2) and p == pytest.approx(p_chi)


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]


def test_segments_flag_worse_better_and_too_small():
    table = pd.DataFrame(
        {
            "segment": ["bad", "good", "tiny", "normal"],
            "started": [2000, 2000, 12, 4000],
            "converted": [400, 1300, 6, 2000],
        }
    )
    out = compare_segments(table).set_index("segment")
    assert out.loc["bad", "verdict"] == "significantly worse"
    assert out.loc["good", "verdict"] == "significantly better"
    assert out.loc["tiny", "verdict"] == "too small to judge"
    assert out.loc["bad", "p_adjusted"] >= out.loc["bad", "p_value"]


def test_readout_lift_interval_and_srm():
    r = readout("control", 8000, 3700, "variant", 8100, 4500)
    assert r.lift == pytest.approx((4500 / 8100) / (3700 / 8000) - 1)
    assert r.ci_low < r.lift < r.ci_high and r.significant and not r.srm
    se = math.sqrt((1 - 3700 / 8000) / 3700 + (1 - 4500 / 8100) / 4500)
    assert r.ci_high == pytest.approx((r.lift + 1) * math.exp(1.959964 * se) - 1, rel=1e-4)
    assert "converts" in r.sentence("onboarding_complete") and "significant" in r.sentence("x")
    skewed = readout("a", 10000, 500, "b", 9000, 450)
    assert skewed.srm and "sample-ratio mismatch" in skewed.sentence("x")
    small = readout("a", 100, 10, "b", 100, 12)
    assert small.underpowered and "under-powered" in small.sentence("x")


def test_split_check_states_its_threshold():
    from portal.product.stats import SRM_THRESHOLD, readout

    fine = readout("control", 1000, 100, "b", 1010, 120)
    assert "no sample-ratio mismatch" in fine.split_sentence() and f"{SRM_THRESHOLD:g}" in fine.split_sentence()
    skewed = readout("control", 1000, 100, "b", 1400, 140)
    assert skewed.srm and "a sample-ratio mismatch" in skewed.split_sentence() and "<" in skewed.split_sentence()


def test_one_large_bad_segment_is_named_instead_of_many_better_ones():
    """Issue #32 (the walk): "12 segments do significantly better than the rest" was one big bad segment
    dragging "the rest" down; compared with everyone else except it, none of the twelve does better."""
    import pandas as pd

    from portal.product.stats import driver

    rows = [{"segment": f"s{i}", "started": 1000, "converted": 300} for i in range(12)]
    rows.append({"segment": "Android / Samsung Internet", "started": 20000, "converted": 2000})
    why = driver(pd.DataFrame(rows))
    assert why is not None and why.segment == "Android / Samsung Internet"
    assert why.better == 12 and why.still_better == 0 and why.share == pytest.approx(20000 / 32000)
    real = [{"segment": f"good{i}", "started": 1000, "converted": 600} for i in range(3)]
    real += [
        {"segment": "plain", "started": 6000, "converted": 1800},
        {"segment": "bad", "started": 3000, "converted": 300},
    ]
    assert driver(pd.DataFrame(real)) is None  # the good ones beat the rest without it too

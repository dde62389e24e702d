"""Funnel correlation (issue #25): which property values make completing or dropping off more
likely, with sample sizes and the p-values adjusted for the number of comparisons."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import run_page, session_for, shown

from portal.product.funnels import spec_from_form, user_levels
from portal.product.funnels.correlation import (
    MIN_PEOPLE,
    benjamini_hochberg,
    correlation,
    first_step_properties,
    worst,
)

STEPS = ["product_view", "add_to_cart", "checkout_start", "purchase"]


def planted(n: int = 4000, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People on two platforms and three browsers; only android × firefox converts far worse."""
    rng = np.random.default_rng(seed)
    platform = rng.choice(["ios", "android"], n)
    browser = rng.choice(["chrome", "safari", "firefox"], n)
    rare = np.where(np.arange(n) < MIN_PEOPLE - 1, "rare", "common")
    p = np.where((platform == "android") & (browser == "firefox"), 0.05, 0.30)
    level = np.where(rng.random(n) < p, 3, 1)
    users = np.arange(n)
    levels = pd.DataFrame({"user_id": users, "level": level})
    props = pd.DataFrame({"user_id": users, "platform": platform, "browser": browser, "tier": rare})
    return levels, props


def test_a_planted_pair_ranks_first_with_its_counts_and_nothing_else_is_significant():
    levels, props = planted()
    table = correlation(levels, props, 3)
    top = table.iloc[0]
    assert (top["properties"], top["values"], top["verdict"]) == (
        "platform × browser",
        "android × firefox",
        "more likely to drop off",
    )
    mask = (props["platform"] == "android") & (props["browser"] == "firefox")
    assert top["people"] == mask.sum() and top["completed"] == (levels["level"][mask] >= 3).sum()
    assert top["conversion"] == pytest.approx(top["completed"] / top["people"])
    significant = table[table["verdict"] != "within noise"]
    # the pair, and the values it drags down (android, firefox) or lifts by contrast; never the tier
    tokens = {t for v in significant["values"] for t in v.split(" × ")}
    assert tokens <= {"android", "firefox", "ios", "chrome", "safari", "common"}
    assert "rare" not in set(table["values"]), f"fewer than {MIN_PEOPLE} people are not judged"
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert worst(table, 1)["values"].tolist() == ["android × firefox"]


def test_noise_alone_is_never_significant_after_adjustment():
    rng = np.random.default_rng(3)
    n = 6000
    props = pd.DataFrame({"user_id": range(n), **{f"p{k}": rng.choice(list("abcdefgh"), n) for k in range(6)}})
    levels = pd.DataFrame({"user_id": range(n), "level": np.where(rng.random(n) < 0.2, 2, 1)})
    table = correlation(levels, props, 2)
    assert len(table) > 300  # single values and pairs: hundreds of comparisons
    assert (table["p_value"] < 0.05).sum() > 0, "unadjusted, some look significant by chance"
    assert (table["verdict"] == "within noise").all(), "adjusted, none is"


def test_benjamini_hochberg_matches_the_textbook():
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_a_pair_that_says_nothing_more_than_one_value_is_left_out():
    levels, props = planted()
    props = props.assign(page="/product")  # everyone: a pair with it is the single value again
    table = correlation(levels, props, 3)
    assert not table["properties"].str.contains("page").any()


def test_the_demo_ios_safari_story_matches_plain_sql(warehouse, db):
    spec = spec_from_form(
        STEPS, "none", "none", "", date(2026, 8, 1), date(2026, 11, 15), 14, "sequential", "none", "none"
    )
    s = session_for(warehouse)
    table = correlation(user_levels(s, spec), first_step_properties(s, spec), len(STEPS))
    row = table[(table["properties"] == "platform × browser") & (table["values"] == "iOS × Safari")].iloc[0]
    assert row["verdict"] == "more likely to drop off" and row["p_adjusted"] < 1e-6
    people = db.execute(
        "SELECT count(*) FROM (SELECT user_id, arg_min(platform, event_at) p, arg_min(browser, event_at) b "
        "FROM analytics.events WHERE event_name = 'product_view' AND event_date BETWEEN '2026-08-01' AND '2026-11-15' "
        "GROUP BY 1) WHERE p = 'iOS' AND b = 'Safari'"
    ).fetchone()[0]
    assert row["people"] == people


def test_the_correlation_tab_names_the_worst_segments(portal_env):
    at = run_page("pages/funnels.py", {"fn_tab": "Correlation"}, "alex")
    callouts = [shown(e) for e in at.error]
    assert len(callouts) == 3 and all("complete (" in c and "adjusted" in c for c in callouts)
    grid = at.dataframe[0].value
    assert {"iOS × Safari"} <= set(grid["values"]) and grid["p_adjusted"].iloc[0].startswith("p ")
    assert any("Benjamini-Hochberg" in shown(c) for c in at.caption)

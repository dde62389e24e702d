"""Which property values make completing a funnel, or dropping off, more likely: PostHog's
correlation analysis, with the statistics it leaves out.

For every configured event property, and every pair of them, each value (or pair of values) held by
at least MIN_PEOPLE people who started the funnel is compared with everyone else who started it:
completion rate with and without it, the odds ratio, a two-proportion test, and the p-value adjusted
for the number of comparisons made (Benjamini-Hochberg: with hundreds of comparisons some would look
significant by chance alone). Ranked by adjusted p-value, then by how far the odds move.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd

from portal.model import ident
from portal.product.funnels.spec import FunnelSpec
from portal.product.stats import two_proportion, wilson
from portal.sqlfiles import Fragment, render

MIN_PEOPLE = 30
MAX_VALUES = 30  # most common values per property; the rest are too rare to judge anyway
ALPHA = 0.05
COLUMNS = ["properties", "values", "people", "completed", "conversion", "ci_low", "ci_high", "rest_conversion",
           "odds_ratio", "p_value", "p_adjusted", "verdict"]  # fmt: skip


def first_step_properties(session, spec: FunnelSpec) -> pd.DataFrame:
    """user_id and each configured property's value at the person's first first-step event."""
    props = session.model.event_properties
    cols = Fragment(
        ", ".join(
            f"arg_min(CAST(e.{ident(p, 'property')} AS VARCHAR), e.event_at) AS {ident(p, 'property')}" for p in props
        )
    )
    sql = render("funnels/first_step_properties", properties=cols, events=session.model.slots("events")["events"])
    return session.frame(sql, {"first_step": spec.steps[0].event, "start": spec.start, "end": spec.end})


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """False-discovery-rate adjusted p-values, in the input order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i], reverse=True)
    adjusted, running = [0.0] * m, 1.0
    for rank, i in enumerate(order):
        running = min(running, pvalues[i] * m / (m - rank))
        adjusted[i] = running
    return adjusted


def correlation(levels: pd.DataFrame, props: pd.DataFrame, n_steps: int, pairs: bool = True) -> pd.DataFrame:
    """One row per property value (and pair of values) held by at least MIN_PEOPLE starters."""
    done = levels[["user_id", "level"]].assign(completed=lambda f: f["level"] >= n_steps)
    people = props.merge(done[["user_id", "completed"]], on="user_id", how="inner")
    names = [c for c in props.columns if c != "user_id"]
    total_n, total_x = len(people), int(people["completed"].sum())
    if total_n == 0:
        return pd.DataFrame(columns=COLUMNS)
    groups = [(p,) for p in names] + (list(combinations(names, 2)) if pairs else [])
    rows = []
    for group in groups:
        frame = people[[*group, "completed"]].dropna()
        for p in group:  # rare values are left out before pairing (they could never reach MIN_PEOPLE)
            common = frame[p].value_counts().head(MAX_VALUES)
            frame = frame[frame[p].isin(common[common >= MIN_PEOPLE].index)]
        if frame.empty:
            continue
        counts = frame.groupby(list(group), observed=True)["completed"].agg(["size", "sum"])
        for values, (n, x) in counts.iterrows():
            n, x = int(n), int(x)
            if n < MIN_PEOPLE or total_n - n < MIN_PEOPLE:
                continue
            rest_n, rest_x = total_n - n, total_x - x
            _, p = two_proportion(rest_x, rest_n, x, n)
            odds = ((x + 0.5) * (rest_n - rest_x + 0.5)) / ((n - x + 0.5) * (rest_x + 0.5))
            lo, hi = wilson(x, n)
            values = values if isinstance(values, tuple) else (values,)
            rows.append([" × ".join(group), " × ".join(map(str, values)), n, x, x / n, lo, hi, rest_x / rest_n,
                         odds, p])  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    out = _without_redundant_pairs(pd.DataFrame(rows, columns=COLUMNS[:-2]))
    out["p_adjusted"] = benjamini_hochberg(out["p_value"].tolist())
    out["verdict"] = np.where(
        out["p_adjusted"] >= ALPHA,
        "within noise",
        np.where(out["odds_ratio"] < 1, "more likely to drop off", "more likely to complete"),
    )
    strength = out["odds_ratio"].map(lambda o: abs(math.log(o)))
    return (
        out.assign(_s=strength)
        .sort_values(["p_adjusted", "_s"], ascending=[True, False])
        .drop(columns="_s")
        .reset_index(drop=True)
    )


def _without_redundant_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """A pair held by exactly the people of one of its values ("paid_social × /product" when every
    paid_social starter was on /product) says nothing the single value does not: left out, so the
    ranking is not the same finding many times over. Not counted among the comparisons either."""
    single = {(r.properties, r.values): r.people for r in table.itertuples() if " × " not in r.properties}

    def redundant(r) -> bool:
        if " × " not in r.properties:
            return False
        parts = zip(r.properties.split(" × "), r.values.split(" × "), strict=True)
        return any(single.get(part) == r.people for part in parts)

    return table[[not redundant(r) for r in table.itertuples()]].reset_index(drop=True)


def worst(table: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The values that make dropping off most likely beyond noise, lowest completion first."""
    bad = table[table["verdict"] == "more likely to drop off"]
    return bad.sort_values(["conversion", "p_adjusted"]).head(n)

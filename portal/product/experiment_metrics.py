"""Experiments on revenue and orders per person (issue #32): what the model's orders say about each
assigned person in the days after their assignment, read with Welch, CUPED (the same metric in the
days before assignment) and the always-valid sequential test of `continuous`, plus guardrails: metrics
that must not get worse. The statistics are `continuous`; this module reads the data and words it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from portal.model import ModelError
from portal.product.continuous import Cuped, Look, cuped, msprt
from portal.product.stats import p_text
from portal.sqlfiles import render

METRICS = {"revenue per user": "revenue", "orders per user": "orders"}
UNITS = {"revenue per user": "usd", "orders per user": "count"}
WINDOW_DAYS = 28
GUARDRAIL_MARGIN = 0.02  # a guardrail holds when its interval rules out a drop of more than 2%


class MetricError(ValueError):
    """A readout that cannot be made; the message says why in plain words."""


@dataclass(frozen=True)
class PersonData:
    people: pd.DataFrame  # user_id, variant, assigned_day, revenue, orders, pre_revenue, pre_orders
    orders: pd.DataFrame  # user_id, day, revenue: each counted order after assignment, in the window
    days: int


def person_data(session, experiment: str, days: int = WINDOW_DAYS) -> PersonData:
    try:
        slots = session.model.slots("experiments", "revenue")
    except ModelError as err:
        raise MetricError(str(err)) from None
    params = {"experiment": experiment, "days": int(days)}
    people = session.frame(render("experiments/per_person", **slots), params)
    orders = session.frame(render("experiments/orders_after", **slots), params)
    return PersonData(people, orders, int(days))


def _fmt(value: float, unit: str) -> str:
    """+$0.86, −$1.05 (the sign first, as people write money), or +0.015."""
    sign = "+" if value >= 0 else "−"
    return f"{sign}${abs(value):,.2f}" if unit == "usd" else f"{sign}{abs(value):,.3f}"


@dataclass(frozen=True)
class MetricReadout:
    metric: str
    control: str
    variant: str
    result: Cuped
    looks: list[Look]
    days: int
    history: bool = True  # anyone had a non-zero value in the days before assignment

    @property
    def unit(self) -> str:
        return UNITS[self.metric]

    def sentence(self) -> str:
        a, raw = self.result.adjusted, self.result.raw
        base = a.mean1
        rel = f" ({a.diff / base:+.1%})" if base else ""
        head = (
            f"{self.variant} against {self.control}, {self.metric} over each person's first {self.days} days: "
            f"{_fmt(a.diff, self.unit)} per person{rel}, 95% CI {_fmt(a.low, self.unit)} to {_fmt(a.high, self.unit)}, "
            f"{p_text(a.p)} (Welch's t-test"
        )
        if self.result.variance_reduction < 0.005:
            why = (
                f"the {self.days} days before assignment barely predict the days after"
                if self.history
                else f"nobody had any in the {self.days} days before assignment (people assigned when they arrived)"
            )
            return head + f"). CUPED found nothing to use: {why}, so the interval is Welch's own."
        return head + (
            f" after CUPED). CUPED used each person's {self.metric} in the {self.days} days before assignment: "
            f"the interval is {self.result.narrowed:.0%} narrower than without it "
            f"({_fmt(raw.low, self.unit)} to {_fmt(raw.high, self.unit)})."
        )

    def sequential_sentence(self, alpha: float = 0.05) -> str:
        if not self.looks:
            return "Too few people in an arm for the sequential test yet."
        last = self.looks[-1]
        verdict = (
            f"below {alpha:.0%}: the difference is real however often the results were looked at"
            if last.p_always_valid < alpha
            else f"not below {alpha:.0%}: keep it running or call it no detectable difference"
        )
        return (
            f"Sequential test (mSPRT, always-valid p-values, {len(self.looks)} daily looks): p = "
            f"{last.p_always_valid:.3g}, {verdict}. Its always-valid 95% interval is "
            f"{_fmt(last.low, self.unit)} to {_fmt(last.high, self.unit)}, wider than the fixed-horizon one "
            "because it holds at every look. Looks start once each arm has 100 people and 20 with a non-zero value."
        )


def readout(data: PersonData, metric: str, control: str, variant: str) -> MetricReadout:
    col = METRICS[metric]
    p = data.people
    c, v = p[p["variant"] == control], p[p["variant"] == variant]
    if len(c) < 2 or len(v) < 2:
        raise MetricError(f"{control} or {variant} has fewer than two people.")
    result = cuped(c[col], c[f"pre_{col}"], v[col], v[f"pre_{col}"])
    history = bool((p[f"pre_{col}"] != 0).any())
    return MetricReadout(metric, control, variant, result, daily_looks(data, col, control, variant), data.days, history)


def daily_looks(data: PersonData, col: str, control: str, variant: str) -> list[Look]:
    """One look per day from the first assignment: everyone assigned by then, with what their orders
    had come to by then (CUPED-adjusted with that day's θ), as a daily reader would have seen it."""
    p = data.people.reset_index(drop=True)
    if p.empty:
        return []
    pos = {u: i for i, u in enumerate(p["user_id"])}
    o = data.orders
    who = np.array([pos.get(u, -1) for u in o["user_id"]], dtype=np.int64)
    keep = who >= 0
    who, when = who[keep], pd.to_datetime(o["day"]).to_numpy()[keep].astype("datetime64[D]")
    amount = o["revenue"].to_numpy(dtype=float)[keep] if col == "revenue" else np.ones(int(keep.sum()))
    assigned = pd.to_datetime(p["assigned_day"]).to_numpy().astype("datetime64[D]")
    arm = p["variant"].to_numpy()
    pre = p[f"pre_{col}"].to_numpy(dtype=float)
    first, last = assigned.min(), max(assigned.max(), when.max() if len(when) else assigned.max())
    looks = []
    for day in np.arange(first, last + np.timedelta64(1, "D"), np.timedelta64(1, "D")):
        y = np.bincount(who[when <= day], weights=amount[when <= day], minlength=len(p))
        inside = assigned <= day
        c, v = inside & (arm == control), inside & (arm == variant)
        if c.sum() < 2 or v.sum() < 2:
            continue
        x, yy = pre[inside], y[inside]
        vx = x.var(ddof=1)
        theta = float(np.cov(x, yy, ddof=1)[0, 1] / vx) if vx > 0 else 0.0
        adj = y - theta * (pre - x.mean())
        looks.append((adj[c], adj[v]))
    return msprt(looks)


@dataclass(frozen=True)
class Guardrail:
    metric: str
    verdict: str  # holds, worse, unclear
    sentence: str


def guardrail(data: PersonData, metric: str, control: str, variant: str, margin: float = GUARDRAIL_MARGIN) -> Guardrail:
    """A metric that must not get worse: *worse* when its interval is all below zero, *holds* when it
    rules out a drop of more than `margin` of the control's level, else *unclear* (too little data)."""
    r = readout(data, metric, control, variant).result.adjusted
    floor = -margin * abs(r.mean1)
    if r.high < 0:
        verdict, why = "worse", f"it fell: 95% CI {_fmt(r.low, UNITS[metric])} to {_fmt(r.high, UNITS[metric])}"
    elif r.low > floor:
        verdict, why = (
            "holds",
            f"a drop of more than {margin:.0%} is ruled out (95% CI from {_fmt(r.low, UNITS[metric])})",
        )
    else:
        verdict, why = (
            "unclear",
            (
                f"a drop of more than {margin:.0%} is not ruled out yet (95% CI {_fmt(r.low, UNITS[metric])} to "
                f"{_fmt(r.high, UNITS[metric])})"
            ),
        )
    return Guardrail(metric, verdict, f"Guardrail {metric}: {verdict}, {why}.")


def assignment_days(data: PersonData) -> tuple[date, date]:
    days = pd.to_datetime(data.people["assigned_day"])
    return days.min().date(), days.max().date()

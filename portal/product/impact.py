"""Before/after impact of a dated change on a rate, with the checks a careful analyst makes before
believing it: intervals on both sides, the change with its interval and p-value, a verdict in words,
whether the "before" was already moving (trend or seasonality), the same dates a year earlier, and
a difference-in-differences against a segment the change did not touch.

Inputs are daily frames (day, num, den), as `portal.reporting.metrics.daily` returns for a ratio
metric and `daily_from_levels` for a funnel step, so both answer the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats as sps

from portal.product.stats import difference_ci, judgeable, p_text, relative_change_ci, two_proportion, wilson

ALPHA = 0.05
PRE_WEEKS = 8  # weeks before the change looked at for a trend already under way
YEAR = 364  # a year earlier, same weekday


class ImpactError(ValueError):
    """A comparison that cannot be made; says why in words."""


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, days: int) -> Window:
        return Window(self.start - timedelta(days=days), self.end - timedelta(days=days))

    def __str__(self) -> str:
        return f"{self.start} to {self.end}"


def windows(
    start: date, end: date | None, days: int, data_from: date, data_through: date, fix: bool = False
) -> tuple[Window, Window]:
    """Before: the `days` days up to the change. After: the change's own dates when it ended (a bug
    while it lasted), else `days` days from its start. With `fix`, the fix of a change that ended (a
    bug's fix): `days` days after its end against the `days` days before it began, so the fix is
    measured against how things were, not against the bug. Both are cut to the data there is."""
    if fix:
        if end is None:
            raise ImpactError("Only a change with an end (a bug that was fixed) has a fix to measure.")
        if end >= data_through:
            raise ImpactError(f"The fix after {end} is not in the data yet (it ends {data_through}).")
        before, _ = windows(start, end, days, data_from, data_through)
        return before, Window(end + timedelta(days=1), min(end + timedelta(days=days), data_through))
    if start <= data_from or start > data_through:
        raise ImpactError(f"The change on {start} is outside the data ({data_from} to {data_through}).")
    after_end = min(end or start + timedelta(days=days - 1), data_through)
    before_start = max(start - timedelta(days=days), data_from)
    return Window(before_start, start - timedelta(days=1)), Window(start, after_end)


def fix_choices(changes) -> dict:
    """What the Change picker offers, by label: each recorded change (while it lasted, or since), and
    for each that ended (a bug), its fix as a choice of its own: label -> (change, is_fix)."""
    out = {}
    for c in reversed(list(changes)):
        out[c.title] = (c, False)
        if c.end is not None:
            out[f"Fix of {c.title} ({c.end + timedelta(days=1)})"] = (c, True)
    return out


def trend_range(before: Window) -> Window:
    """The weeks the pre-trend is fitted on: PRE_WEEKS (or the whole before window) up to its end."""
    weeks = max(PRE_WEEKS, before.days // 7)
    return Window(before.end - timedelta(days=7 * weeks - 1), before.end)


def excluded_spans(changes, before: Window) -> list[tuple[str, Window]]:
    """Recorded changes inside the trend's weeks, as spans to leave out of the fit: a change that
    ended (a bug) while it lasted; one still in place, everything before it (the fit reads only the
    level since). A bug's drop is then never taken for a trend (issue #25, defect 6)."""
    rng = trend_range(before)
    out = []
    for c in changes:
        if c.start > rng.end or (c.end or c.start) < rng.start:
            continue
        if c.end is not None:
            out.append((c.title, Window(max(c.start, rng.start), min(c.end, rng.end))))
        elif c.start > rng.start:
            out.append((c.title, Window(rng.start, c.start - timedelta(days=1))))
    return out


@dataclass(frozen=True)
class Side:
    window: Window
    x: int
    n: int

    @property
    def rate(self) -> float:
        return self.x / self.n if self.n else float("nan")

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.x, self.n)


def side(daily: pd.DataFrame, window: Window) -> Side:
    part = daily[(daily["day"] >= window.start) & (daily["day"] <= window.end)]
    return Side(window, int(round(part["num"].sum())), int(round(part["den"].sum())))


@dataclass(frozen=True)
class Trend:
    """A straight line through the weekly rates before the change (weighted by size)."""

    slope: float  # rate points per week
    p_value: float
    weeks: int
    projected: float  # what the line alone predicts between the two windows' middles

    def moving(self, change: float) -> bool:
        return self.p_value < ALPHA and abs(self.projected) >= 0.25 * abs(change)


def pre_trend(daily: pd.DataFrame, before: Window, after: Window, excluded=()) -> Trend | None:
    """Weekly rates over the last PRE_WEEKS weeks (or the whole before window if longer), counted
    back from the day before the change, without the days of `excluded` windows (recorded changes);
    None when fewer than four weeks are left."""
    first = trend_range(before).start
    part = daily[(daily["day"] >= first) & (daily["day"] <= before.end)]
    for w in excluded:
        part = part[(part["day"] < w.start) | (part["day"] > w.end)]
    if part.empty:
        return None
    idx = part["day"].map(lambda d: (d - first).days // 7)
    g = part.assign(w=idx).groupby("w")[["num", "den"]].sum()
    g = g[g["den"] > 0]
    if len(g) < 4:
        return None
    t = g.index.to_numpy(dtype=float)
    r = (g["num"] / g["den"]).to_numpy()
    w = g["den"].to_numpy(dtype=float)
    tm, rm = np.average(t, weights=w), np.average(r, weights=w)
    sxx = float(np.sum(w * (t - tm) ** 2))
    slope = float(np.sum(w * (t - tm) * (r - rm)) / sxx)
    resid = r - (rm + slope * (t - tm))
    dof = len(g) - 2
    scale = float(np.sum(w * resid**2)) / dof  # the weeks' own scatter, seasonality included
    se = math.sqrt(scale / sxx) if scale > 0 else 0.0
    p = 2 * float(sps.t.sf(abs(slope / se), dof)) if se > 0 else (0.0 if slope else 1.0)
    mid = lambda win: win.start + timedelta(days=(win.days - 1) / 2)  # noqa: E731
    gap_weeks = (mid(after) - mid(before)).days / 7
    return Trend(slope, p, len(g), slope * gap_weeks)


@dataclass(frozen=True)
class Contrast:
    """Difference-in-differences against a segment the change did not touch."""

    label: str
    before: Side
    after: Side
    estimate: float
    ci: tuple[float, float]
    p_value: float


def contrast(label: str, treated: tuple[Side, Side], control: tuple[Side, Side]) -> Contrast:
    sides = [*treated, *control]
    if any(s.n == 0 for s in sides):
        raise ImpactError(f"{label} has no data on one side of the change.")
    est = (treated[1].rate - treated[0].rate) - (control[1].rate - control[0].rate)
    se = math.sqrt(sum(s.rate * (1 - s.rate) / s.n for s in sides))
    z = sps.norm.ppf(1 - ALPHA / 2)
    p = 2 * float(sps.norm.sf(abs(est / se))) if se else 1.0
    return Contrast(label, control[0], control[1], est, (est - z * se, est + z * se), p)


@dataclass(frozen=True)
class Impact:
    before: Side
    after: Side
    p_value: float
    trend: Trend | None = None
    year_earlier: tuple[Side, Side] | None = None
    control: Contrast | None = None
    left_out: tuple[str, ...] = ()  # recorded changes whose days the trend fit left out

    @property
    def change(self) -> float:
        return self.after.rate - self.before.rate

    @property
    def change_ci(self) -> tuple[float, float]:
        return difference_ci(self.before.x, self.before.n, self.after.x, self.after.n)

    @property
    def relative(self) -> float:
        return self.after.rate / self.before.rate - 1 if self.before.rate else float("nan")

    @property
    def relative_ci(self) -> tuple[float, float]:
        return relative_change_ci(self.before.x, self.before.n, self.after.x, self.after.n)

    @property
    def verdict(self) -> str:
        if not (judgeable(self.before.x, self.before.n) and judgeable(self.after.x, self.after.n)):
            return "too little data"
        return "significant" if self.p_value < ALPHA else "within noise"

    def headline(self, what: str) -> str:
        b, a = self.before, self.after
        if self.verdict == "too little data":
            return (
                f"Too little data to judge {what}: {b.x:,} of {b.n:,} before and {a.x:,} of {a.n:,} after "
                f"(at least 30 and 5 on each side of the count are needed)."
            )
        lo, hi = self.relative_ci
        direction = "rose" if self.change > 0 else "fell"
        text = (
            f"{what[:1].upper()}{what[1:]} {direction} from {b.rate:.1%} to {a.rate:.1%} "
            f"({self.relative:+.1%}, 95% CI {lo:+.1%} to {hi:+.1%}, {p_text(self.p_value)}). "
        )
        if self.verdict == "significant":
            return text + "The change is significant: noise alone would rarely move it this far."
        return text + "This is within noise: the data do not show a real change."

    def notes(self) -> list[str]:
        """The checks that can undermine the headline, in words."""
        out = []
        if self.left_out:
            out.append(
                f"Trend check leaves out the days of the recorded {', '.join(self.left_out)}: a change, not a trend."
            )
        if self.trend is None:
            out.append(
                "Trend check: fewer than four full weeks before the change, so a trend already under way cannot be ruled out."
            )
        elif self.trend.moving(self.change):
            out.append(
                f"Careful: the rate was already moving before the change ({self.trend.slope * 100:+.2f} points a week "
                f"over {self.trend.weeks} weeks, {p_text(self.trend.p_value)}). That trend alone would account for "
                f"{self.trend.projected * 100:+.1f} of the {self.change * 100:+.1f} points: part of the change may be "
                "trend or seasonality. Compare against an unaffected segment."
            )
        else:
            out.append(
                f"Trend check: no trend before the change to speak of ({self.trend.slope * 100:+.2f} points a week over "
                f"{self.trend.weeks} weeks, {p_text(self.trend.p_value)})."
            )
        if self.year_earlier:
            b, a = self.year_earlier
            _, p = two_proportion(b.x, b.n, a.x, a.n)
            rel = a.rate / b.rate - 1 if b.rate else float("nan")
            out.append(
                f"Seasonality check: the same dates a year earlier moved {rel:+.1%} ({p_text(p)})"
                + (", so this time of year moves the rate by itself." if p < ALPHA else ", no seasonal move.")
            )
        else:
            out.append("Seasonality check: the data do not reach back a year before these dates.")
        if c := self.control:
            lo, hi = c.ci
            out.append(
                f"Against {c.label} (chosen as not affected: {c.before.rate:.1%} → {c.after.rate:.1%}), the change is "
                f"{c.estimate * 100:+.1f} points beyond what happened there (95% CI {lo * 100:+.1f} to {hi * 100:+.1f}, "
                f"{p_text(c.p_value)}): "
                + ("significant." if c.p_value < ALPHA else "within noise, so the change may not be the cause.")
            )
        return out


def compare(
    daily: pd.DataFrame,
    before: Window,
    after: Window,
    control: pd.DataFrame | None = None,
    control_label: str = "",
    sides: tuple[Side, Side] | None = None,
    control_sides: tuple[Side, Side] | None = None,
    changes=(),
) -> Impact:
    """`daily` (day, num, den) must cover PRE_WEEKS before `before` and, for the seasonality check,
    the same windows a year earlier; days it does not cover are simply left out. `changes` are the
    recorded changes (annotations), left out of the trend fit. `sides` replace the
    sums of days when each side must be counted on its own (a funnel counts a person once per run)."""
    b, a = sides or (side(daily, before), side(daily, after))
    if b.n == 0 or a.n == 0:
        raise ImpactError(f"No data {'before' if b.n == 0 else 'after'} the change ({before if b.n == 0 else after}).")
    if (daily["num"] > daily["den"]).any():
        raise ImpactError("This is not a rate: some days count more successes than tries.")
    _, p = two_proportion(b.x, b.n, a.x, a.n)
    first = daily["day"].min()
    year = None
    if first <= before.shifted(YEAR).start:
        yb, ya = side(daily, before.shifted(YEAR)), side(daily, after.shifted(YEAR))
        year = (yb, ya) if yb.n and ya.n else None
    c = None
    if control is not None:
        c = contrast(control_label, (b, a), control_sides or (side(control, before), side(control, after)))
    spans = excluded_spans(changes, before)
    trend = pre_trend(daily, before, after, [w for _, w in spans])
    return Impact(b, a, p, trend, year, c, tuple(dict.fromkeys(t for t, _ in spans)))


def daily_from_levels(levels: pd.DataFrame, step: int = 1) -> pd.DataFrame:
    """A funnel step as a daily rate: people who reached `step`, by the day they did, and how many of
    them went on to the next step (the funnel's own counting, so the numbers match the Funnels page)."""
    reached = levels[levels["level"] >= step]
    day = reached[f"t{step}"].dt.date
    g = pd.DataFrame({"day": day, "done": reached["level"] >= step + 1}).groupby("day")["done"]
    return pd.DataFrame({"num": g.sum().astype(float), "den": g.size().astype(float)}).reset_index()


def rest_of(total: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    """Everyone except `part` (both daily frames over the same days): the treated side of a contrast
    whose control segment is inside the whole."""
    merged = total.merge(part, on="day", how="left", suffixes=("", "_p")).fillna(0.0)
    return pd.DataFrame(
        {"day": merged["day"], "num": merged["num"] - merged["num_p"], "den": merged["den"] - merged["den_p"]}
    )


def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Weekly rate with a 95% interval, for the chart (weeks start on Monday)."""
    week = pd.to_datetime(daily["day"]).dt.to_period("W-SUN").dt.start_time
    g = daily.assign(week=week).groupby("week")[["num", "den"]].sum().reset_index()
    g = g[g["den"] > 0]
    ci = [wilson(int(round(x)), int(round(n))) for x, n in zip(g["num"], g["den"], strict=True)]
    return g.assign(rate=g["num"] / g["den"], ci_low=[c[0] for c in ci], ci_high=[c[1] for c in ci])

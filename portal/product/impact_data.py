"""What a before/after comparison reads: a rate metric's days (from metrics.toml, so the number is
the dashboards' number) or a funnel step's (the Funnels page's own counting), for everyone or one
platform, plus the control segment for a difference-in-differences. Fetched once for the whole
span the checks need (the pre-period trend and the same dates a year earlier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from portal.product.funnels import FunnelSpec, Step, user_levels
from portal.product.impact import (
    PRE_WEEKS,
    YEAR,
    Impact,
    ImpactError,
    Side,
    Window,
    compare,
    daily_from_levels,
    rest_of,
)
from portal.reporting.metrics import MetricSet, daily

FUNNEL_STEP = "funnel_step"


@dataclass(frozen=True)
class Measure:
    """A rate metric by name, or FUNNEL_STEP from `first` to `then` within `window_days`."""

    metric: str
    first: str = ""
    then: str = ""
    window_days: int = 14

    def label(self, metrics: MetricSet) -> str:
        if self.metric == FUNNEL_STEP:
            return f"{self.first} → {self.then} conversion (people, within {self.window_days} days)"
        return self.metric.replace("_", " ")


def rate_metrics(metrics: MetricSet) -> list[str]:
    """Metrics that are shares of counts, the only ones a two-proportion comparison fits."""
    return [m.name for m in metrics.metrics.values() if m.type == "ratio" and m.unit == "ratio"]


def _days(session, metrics: MetricSet, measure: Measure, start: date, end: date, platform: str | None) -> pd.DataFrame:
    if measure.metric != FUNNEL_STEP:
        if measure.metric not in rate_metrics(metrics):
            raise ImpactError(f"{measure.metric} is not a rate metric; before/after compares shares of counts.")
        if platform and "platform" not in metrics.filters_of(measure.metric):
            raise ImpactError(f"{measure.metric} cannot be split by platform.")
        return daily(session, metrics, measure.metric, start, end, {"platform": platform})
    frame = daily_from_levels(user_levels(session, _funnel(measure, start, end, platform)))
    days = pd.DataFrame({"day": pd.date_range(start, end, freq="D").date})
    return days.merge(frame, on="day", how="left").fillna(0.0)


def _funnel(measure: Measure, start: date, end: date, platform: str | None) -> FunnelSpec:
    first = Step(measure.first, "platform", platform) if platform else Step(measure.first)
    return FunnelSpec((first, Step(measure.then)), start, end, float(measure.window_days))


def _funnel_sides(session, measure: Measure, before: Window, after: Window, platform: str | None) -> tuple[Side, Side]:
    """Each side as its own funnel run, as the Funnels page would count those dates (a person who
    starts the step on both sides counts on both; over the long span they count once)."""
    out = []
    for w in (before, after):
        levels = user_levels(session, _funnel(measure, w.start, w.end, platform))
        out.append(Side(w, int((levels["level"] >= 2).sum()), len(levels)))
    return out[0], out[1]


def span(before: Window, data_from: date) -> tuple[date, date]:
    """From the earliest day a check looks at (a year earlier, or the pre-period trend)."""
    weeks = max(PRE_WEEKS, before.days // 7)
    earliest = min(before.start - timedelta(days=YEAR), before.end - timedelta(days=7 * weeks - 1))
    return max(earliest, data_from), before.end


def measure_impact(
    session,
    metrics: MetricSet,
    measure: Measure,
    before: Window,
    after: Window,
    data_from: date,
    platform: str | None = None,
    control: str | None = None,
    changes=(),
) -> tuple[Impact, pd.DataFrame]:
    """The comparison and the daily frame it was made from (for the chart)."""
    if control and control == platform:
        raise ImpactError("The control segment must differ from the segment compared.")
    first, _ = span(before, data_from)
    frame = _days(session, metrics, measure, first, after.end, platform)
    funnel = measure.metric == FUNNEL_STEP
    sides = _funnel_sides(session, measure, before, after, platform) if funnel else None
    other = control_sides = None
    if control:
        other = _days(session, metrics, measure, first, after.end, control)
        control_sides = _funnel_sides(session, measure, before, after, control) if funnel else None
        if not platform:  # everyone else against the control, so the two sides do not overlap
            frame = rest_of(frame, other)
            if sides:
                sides = tuple(Side(s.window, s.x - c.x, s.n - c.n) for s, c in zip(sides, control_sides, strict=True))
    label = f"{control} alone" if control else ""
    # a change undone (a bug) is left out of every trend fit; one still in place only of its own metric's
    relevant = [c for c in changes if c.end is not None or not c.metric or c.metric == measure.metric]
    return compare(frame, before, after, other, label, sides, control_sides, relevant), frame

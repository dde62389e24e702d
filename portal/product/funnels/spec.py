"""What a funnel is: its steps, date range, window, mode and breakdown, validated when it is made.

Step event names and breakdown columns are identifiers, so they are checked against the warehouse
vocabulary here, before anything reaches SQL; filter values, dates and the window are bound later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.warehouse.vocabulary import BREAKDOWNS, EVENTS, FILTER_COLUMNS

MODES = ("sequential", "strict")


class FunnelError(ValueError):
    """A funnel definition that cannot run; the message says which part and why."""


@dataclass(frozen=True)
class Step:
    event: str
    column: str | None = None  # optional property filter: column = value
    value: str | None = None

    @property
    def label(self) -> str:
        return f"{self.event} ({self.column} = {self.value})" if self.column else self.event


@dataclass(frozen=True)
class FunnelSpec:
    steps: tuple[Step, ...]
    start: date
    end: date
    window_days: float = 14
    mode: str = "sequential"
    breakdown: str | None = None  # a column of analytics.events, or "variant:<experiment>"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not 2 <= len(self.steps) <= 10:
            raise FunnelError("A funnel needs between 2 and 10 steps.")
        for i, s in enumerate(self.steps, 1):
            if s.event not in EVENTS:
                raise FunnelError(f"Step {i}: unknown event {s.event!r}. Known events: {', '.join(EVENTS)}.")
            if s.column and s.column not in FILTER_COLUMNS:
                raise FunnelError(f"Step {i}: cannot filter on {s.column!r}; use one of {', '.join(FILTER_COLUMNS)}.")
            if s.column and not s.value:
                raise FunnelError(f"Step {i}: the filter on {s.column} needs a value.")
        if self.mode not in MODES:
            raise FunnelError(f"Unknown mode {self.mode!r}; use sequential or strict.")
        if not 0 < self.window_days <= 365:
            raise FunnelError("The conversion window must be between 1 second and 365 days.")
        if self.end < self.start:
            raise FunnelError("The date range ends before it starts.")
        b = self.breakdown
        if b and is_variant(b):
            if not b[8:].replace("_", "").isalnum():
                raise FunnelError(f"Cannot break down by {b!r}: not an experiment name.")
        elif b:
            cols = breakdown_columns(b)
            if len(cols) > 2 or len(set(cols)) != len(cols) or any(c not in BREAKDOWNS for c in cols):
                raise FunnelError(
                    f"Cannot break down by {b!r}; use one or two of {', '.join(BREAKDOWNS)} "
                    "(two as platform+browser), or an experiment variant."
                )


def parse_window(text: str) -> float:
    """'7d', '36h', '90m' or a number of days."""
    t = str(text).strip().lower()
    try:
        if t.endswith("d"):
            return float(t[:-1])
        if t.endswith("h"):
            return float(t[:-1]) / 24
        if t.endswith("m"):
            return float(t[:-1]) / 1440
        return float(t)
    except ValueError:
        raise FunnelError(f"Cannot read the window {text!r}; write it like 7d, 36h or 90m.") from None


def breakdown_columns(breakdown: str) -> tuple[str, ...]:
    """ "platform+browser" is a two-way breakdown: each segment is one platform and browser pair."""
    return tuple(breakdown.split("+"))


def is_variant(breakdown: str | None) -> bool:
    """A breakdown by experiment variant ("variant:<experiment>") rather than by an event column."""
    return bool(breakdown) and breakdown.startswith("variant:")


def spec_from_form(
    steps: list[str],
    filter_step: str,
    filter_col: str,
    filter_val: str,
    start,
    end,
    window,
    mode: str,
    breakdown: str,
    breakdown2: str = "none",
) -> FunnelSpec:
    """The Funnels page's widget values as a spec: "2. add_to_cart" picks the filtered step, "none"
    means no breakdown; raises FunnelError with a plain message."""
    chosen = [Step(e) for e in steps]
    if filter_step != "none" and filter_val:
        i = int(filter_step.split(".")[0]) - 1
        if i < len(chosen):
            chosen[i] = Step(chosen[i].event, filter_col, filter_val)
    if not isinstance(start, date) or not isinstance(end, date):
        raise FunnelError("Choose both ends of the date range.")
    if breakdown2 != "none":
        if is_variant(breakdown):
            raise FunnelError("An experiment variant cannot be combined with a second breakdown; set 'and by' to none.")
        if breakdown2 == breakdown:
            raise FunnelError(f"Both breakdowns are {breakdown}; choose two different columns.")
        breakdown = breakdown2 if breakdown == "none" else f"{breakdown}+{breakdown2}"
    return FunnelSpec(tuple(chosen), start, end, float(window), mode, None if breakdown == "none" else breakdown)

"""What a funnel is: its steps, date range, window, mode and breakdown, validated when it is made.

Event names and filter values are bound as values, never written into SQL. Breakdown and filter
columns are identifiers: here they must look like plain names, and `check_model` holds them to the
semantic model's event properties before any SQL is built (portal.toml [model.events]).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from portal.model import ModelError

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
            if not isinstance(s.event, str) or not s.event.strip() or len(s.event) > 500:
                raise FunnelError(f"Step {i}: choose an event.")
            if s.column and not _NAME.fullmatch(s.column):
                raise FunnelError(f"Step {i}: cannot filter on {s.column!r}; choose one of the event properties.")
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
            if len(cols) > 2 or len(set(cols)) != len(cols) or not all(_NAME.fullmatch(c) for c in cols):
                raise FunnelError(
                    f"Cannot break down by {b!r}; use one or two event properties (two as a+b), or an experiment variant."
                )


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_model(spec: FunnelSpec, model) -> None:
    """The funnel reads what the semantic model offers: its events, properties and experiments."""
    try:
        model.require("events", *(["experiments"] if is_variant(spec.breakdown) else []))
    except ModelError as err:
        raise FunnelError(str(err)) from None
    props = model.event_properties
    for i, s in enumerate(spec.steps, 1):
        if s.column and s.column not in props:
            raise FunnelError(
                f"Step {i}: cannot filter on {s.column!r}; use one of {', '.join(props) or 'none configured'}."
            )
    if spec.breakdown and not is_variant(spec.breakdown):
        bad = [c for c in breakdown_columns(spec.breakdown) if c not in props]
        if bad:
            raise FunnelError(
                f"Cannot break down by {bad[0]!r}; use one or two of {', '.join(props) or 'none configured'}, "
                "or an experiment variant."
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

"""Alerts on canonical metrics, defined in a reviewable file (alerts.toml) and checked by
`python -m portal alerts run` from cron or a systemd timer.

An alert compares a metric over its last `period_days` *settled* days with the same-length period
before, using the dashboards' own KPI and noise test, so an alert says what the tile says. Days
inside the metric's baking window are never judged (the period ends before them), and an alert
fires once per change: when its condition starts to hold, not again while it still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from portal.reporting.metrics import Kpi, MetricError, MetricSet, kpi, read_definitions

EVERY = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
SLACK_SECONDS = 300  # a timer that runs a little early still finds its alert due


class AlertError(ValueError):
    """A bad alert definition; names the file and the alert."""


@dataclass(frozen=True)
class Alert:
    name: str
    metric: str
    condition: str = "beyond_noise"
    threshold: float | None = None
    direction: str = "any"  # beyond_noise only: which moves count ("bad": against the metric's good direction)
    period_days: int = 7
    every: str = "daily"
    to: tuple[str, ...] = ()
    dashboard: str = ""  # the team page the mail links to
    filters: dict = field(default_factory=dict)
    description: str = ""
    owner: str = ""

    def rule(self) -> str:
        """The condition in words, for the page and the mail."""
        if self.condition == "above":
            return f"above {self.threshold:g} over {self.period_days} days"
        if self.condition == "below":
            return f"below {self.threshold:g} over {self.period_days} days"
        which = {"any": "moves", "up": "rises", "down": "falls", "bad": "moves the wrong way"}[self.direction]
        return f"{which} beyond noise, {self.period_days} days against the {self.period_days} before"


def load_alerts(path: Path | None, metrics: MetricSet, teams: set[str] | None = None) -> dict[str, Alert]:
    """The alerts of `path` (None: none configured), each checked against the metrics it names."""
    if path is None:
        return {}
    where = str(path)
    from portal.config_schema import AlertsFile

    data = read_definitions(path, AlertError, AlertsFile)  # unknown or mistyped fields, with the line
    out = {}
    for name, d in (data.get("alerts") or {}).items():
        ctx = f"{where}, alert {name!r}"
        try:
            metric = metrics[str(d.get("metric", ""))]
        except MetricError as err:
            raise AlertError(f"{ctx}: {err}") from None
        condition = d.get("condition", "beyond_noise")
        threshold = d.get("threshold")
        if condition != "beyond_noise" and not isinstance(threshold, int | float):
            raise AlertError(f"{ctx}: condition {condition} needs a number as threshold")
        period = d.get("period_days", 7)
        to = d.get("to", [])
        to = [to] if isinstance(to, str) else to
        if not to or not all(isinstance(a, str) and "@" in a and "\n" not in a for a in to):
            raise AlertError(f"{ctx}: to must list the e-mail addresses it goes to")
        filters = d.get("filters", {})
        if not isinstance(filters, dict) or set(filters) - set(metrics.filters_of(metric.name)):
            allowed = ", ".join(metrics.filters_of(metric.name)) or "none"
            raise AlertError(f"{ctx}: filters must be among the metric's own ({allowed})")
        dashboard = str(d.get("dashboard", ""))
        if dashboard and teams is not None and dashboard not in teams:
            raise AlertError(f"{ctx}: no dashboard {dashboard!r}")
        out[name] = Alert(
            name, metric.name, condition, float(threshold) if threshold is not None else None,
            d.get("direction", "any"), period, d.get("every", "daily"), tuple(to), dashboard,
            {k: str(v) for k, v in filters.items()}, str(d.get("description", "")), str(d.get("owner", "")),
        )  # fmt: skip
    return out


@dataclass(frozen=True)
class Evaluation:
    alert: str
    start: date
    end: date
    value: float | None
    previous: float | None
    p_value: float | None
    holds: bool  # the condition holds for this period
    words: str  # what was found, in a sentence
    baking_excluded: int = 0  # the days after `end` not judged because they are still baking

    @property
    def change(self) -> float | None:
        if self.value is None or not self.previous:
            return None
        return self.value / self.previous - 1


def settled_through(metric, data_through: date) -> tuple[date, int]:
    """The last day whose value is final, and how many days after it are still baking."""
    days = max(int(getattr(metric, "bakes_days", 0) or 0), 0)
    return data_through - timedelta(days=days), days


def evaluate(session, metrics: MetricSet, alert: Alert, data_through: date) -> tuple[Evaluation, Kpi]:
    """Judge `alert` on its last settled period."""
    from portal.reporting.metrics import format_value

    m = metrics[alert.metric]
    end, baking = settled_through(m, data_through)
    start = end - timedelta(days=alert.period_days - 1)
    k = kpi(session, metrics, alert.metric, start, end, dict(alert.filters))
    shown = format_value(k.current, m.unit)
    if alert.condition in ("above", "below"):
        holds = k.current is not None and (
            k.current > alert.threshold if alert.condition == "above" else k.current < alert.threshold
        )
        words = f"{m.name} was {shown} over {start} to {end} ({alert.rule()}: {'yes' if holds else 'no'})."
        return Evaluation(alert.name, start, end, k.current, k.previous, None, holds, words, baking), k
    change = k.change
    direction_ok = (
        change is not None
        and {
            "any": True,
            "up": change > 0,
            "down": change < 0,
            "bad": (change > 0) != m.up_is_good,
        }[alert.direction]
    )
    holds = bool(k.noise and k.noise.beyond and direction_ok)
    if change is None or k.noise is None:
        words = f"{m.name} was {shown} over {start} to {end}; too little history to judge its noise."
        holds = False
    else:
        words = (
            f"{m.name} was {shown} over {start} to {end}, {change:+.1%} against "
            f"{format_value(k.previous, m.unit)} the {alert.period_days} days before: {k.noise.words()}."
        )
    p = k.noise.p_value if k.noise else None
    return Evaluation(alert.name, start, end, k.current, k.previous, p, holds, words, baking), k


def decide(holds: bool, was_firing: bool) -> str:
    """What a check does: "fire" when the condition starts to hold, "resolve" when it stops, else
    "stay" (a change that still holds tomorrow is the same change, not a new alert)."""
    if holds and not was_firing:
        return "fire"
    if was_firing and not holds:
        return "resolve"
    return "stay"


def is_due(alert: Alert, last_checked: float | None, now: float) -> bool:
    return last_checked is None or now - last_checked >= EVERY[alert.every] - SLACK_SECONDS

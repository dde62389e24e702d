"""Canonical metrics from metrics.toml: one definition per number, so every tile agrees.

A sum metric returns (day, value) rows; a ratio metric divides two sum metrics over the same days
and filters. Values, series and period-over-period change all come from `daily()`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

FILTER_NAME = re.compile(r"[a-z_][a-z0-9_]*")  # a filter is a $parameter of the metric's SQL; its values
# come from the column portal.toml's [model.filters] declares for it
UNITS = ("usd", "count", "ratio")
BAKES = ("", "conversion")  # none, or signup to first purchase


class MetricError(ValueError):
    """A bad definition or use; names the file and metric."""


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    unit: str
    owner: str
    up_is_good: bool
    type: str = "sum"
    sql: str = ""
    filters: tuple[str, ...] = ()
    numerator: str = ""
    denominator: str = ""
    bakes_days: int = 0  # recent days still changing (signups that have not bought yet): their change is not news
    bakes: str = ""  # "conversion": bakes_days measured from the data (portal.product.baking), set by `settle`
    bakes_why: str = ""  # where the window comes from, in words


@dataclass(frozen=True)
class MetricSet:
    metrics: dict[str, Metric] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Metric:
        if name not in self.metrics:
            raise MetricError(f"Unknown metric {name!r}. Defined: {', '.join(sorted(self.metrics))}.")
        return self.metrics[name]

    def filters_of(self, name: str) -> tuple[str, ...]:
        m = self[name]
        if m.type == "ratio":
            return tuple(sorted(set(self.filters_of(m.numerator)) & set(self.filters_of(m.denominator))))
        return m.filters


def settle(metrics: MetricSet, windows: dict) -> MetricSet:
    """The metrics with their measured baking windows (`bakes = "conversion"` gets the window's days
    and its explanation): one window for every page, the digest, alerts and the API."""
    out = {}
    for name, m in metrics.metrics.items():
        w = windows.get(m.bakes) if m.bakes else None
        out[name] = replace(m, bakes_days=w.days, bakes_why=w.words()) if w else m
    return MetricSet(out)


def metrics_path(settings) -> Path | None:
    """The company's metric definitions ([paths] metrics in portal.toml); None when there are none.
    Never the demo's file in place of a missing one."""
    return settings.metrics_path


def read_definitions(path: Path, error: type[Exception]) -> dict:
    """A definitions file (metrics.toml, alerts.toml) as TOML; `error` names the file when it is
    missing or not valid TOML."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from None


def load_metrics(path: Path | None) -> MetricSet:
    """The metrics of `path` (None: no metrics configured, an empty set); a named file that is
    missing or malformed raises MetricError."""
    if path is None:
        return MetricSet()
    where = str(path)
    data = read_definitions(path, MetricError)
    out: dict[str, Metric] = {}
    for name, d in (data.get("metrics") or {}).items():
        ctx = f"{where}, metric {name!r}"
        unknown = set(d) - {
            "description",
            "unit",
            "owner",
            "up_is_good",
            "type",
            "sql",
            "filters",
            "numerator",
            "denominator",
            "bakes_days",
            "bakes",
        }
        if unknown:
            raise MetricError(f"{ctx}: unknown field(s) {', '.join(sorted(unknown))}")
        mtype = d.get("type", "sum")
        if mtype not in ("sum", "ratio"):
            raise MetricError(f"{ctx}: type must be sum or ratio")
        if d.get("unit", "count") not in UNITS:
            raise MetricError(f"{ctx}: unit must be one of {', '.join(UNITS)}")
        if mtype == "sum" and not str(d.get("sql", "")).strip():
            raise MetricError(f"{ctx}: a sum metric needs sql")
        if mtype == "ratio" and not (d.get("numerator") and d.get("denominator")):
            raise MetricError(f"{ctx}: a ratio metric needs numerator and denominator")
        bad = {f for f in d.get("filters", []) if not FILTER_NAME.fullmatch(str(f))}
        if bad:
            raise MetricError(f"{ctx}: unknown filter(s) {', '.join(sorted(bad))}")
        if d.get("bakes", "") not in BAKES:
            raise MetricError(f'{ctx}: bakes must be "conversion" (a window measured from the data) or absent')
        if not isinstance(d.get("up_is_good", True), bool):
            raise MetricError(f"{ctx}: up_is_good must be true or false")
        out[name] = Metric(
            name,
            d.get("description", ""),
            d.get("unit", "count"),
            d.get("owner", ""),
            d.get("up_is_good", True),
            mtype,
            d.get("sql", ""),
            tuple(d.get("filters", [])),
            d.get("numerator", ""),
            d.get("denominator", ""),
            int(d.get("bakes_days", 0)),
            str(d.get("bakes", "")),
        )
    for m in out.values():
        for ref in (m.numerator, m.denominator):
            if ref and (ref not in out or out[ref].type != "sum"):
                raise MetricError(f"{where}, metric {m.name!r}: {ref!r} is not a sum metric defined in the file")
    return MetricSet(out)


def _params(metric: Metric, start: date, end: date, filters: dict) -> dict:
    return {"start": start, "end": end, **{f: filters.get(f) or None for f in metric.filters}}


def daily(session, metrics: MetricSet, name: str, start: date, end: date, filters: dict | None = None) -> pd.DataFrame:
    """Columns day, num, den (den = 1 for sum metrics); every day of the range present."""
    m = metrics[name]
    filters = filters or {}
    days = pd.DataFrame({"day": pd.date_range(start, end, freq="D").date})

    def run(metric: Metric) -> pd.Series:
        frame = session.run(
            metric.sql, _params(metric, start, end, filters), max_rows=100_000, origin=f"metric {metric.name}"
        ).frame
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
        return days.merge(frame, on="day", how="left")["value"].fillna(0).astype(float)

    if m.type == "ratio":
        return days.assign(num=run(metrics[m.numerator]).values, den=run(metrics[m.denominator]).values)
    return days.assign(num=run(m).values, den=1.0)


def value(frame: pd.DataFrame, metric: Metric) -> float | None:
    if metric.type == "ratio":
        den = frame["den"].sum()
        return float(frame["num"].sum() / den) if den else None
    return float(frame["num"].sum())


NOISE_WEEKS = 12  # weeks before the compared periods that show a metric's own week-to-week variation


@dataclass(frozen=True)
class Noise:
    """Whether a period-over-period change is beyond noise, and by which test."""

    p_value: float
    test: str

    @property
    def beyond(self) -> bool:
        return self.p_value < 0.05

    def words(self) -> str:
        from portal.product.stats import p_text

        return f"{'beyond' if self.beyond else 'within'} noise ({p_text(self.p_value)}, {self.test})"


@dataclass(frozen=True)
class Kpi:
    metric: Metric
    current: float | None
    previous: float | None
    series: pd.DataFrame  # week, value
    noise: Noise | None = None

    @property
    def change(self) -> float | None:
        if self.current is None or not self.previous:
            return None
        return self.current / self.previous - 1

    @property
    def good(self) -> bool | None:
        """Whether the change is good news given the metric's direction."""
        if self.change is None or self.change == 0:
            return None
        return (self.change > 0) == self.metric.up_is_good


def noise(frame: pd.DataFrame, metric: Metric, start: date, end: date, prev_start: date) -> Noise | None:
    """A rate (a share of counts) gets a two-proportion test; sums and averages are judged against
    their own week-to-week variation in the NOISE_WEEKS before: the standard deviation of one week's
    change, scaled to the period's length (a sum of k weeks varies sqrt(k) times a week's, an
    average 1/sqrt(k) times)."""
    from portal.product.stats import two_proportion  # scipy, only when a KPI is judged

    cur, prev = frame[frame["day"] >= start], frame[(frame["day"] >= prev_start) & (frame["day"] < start)]
    if metric.type == "ratio" and metric.unit == "ratio":
        x1, n1, x2, n2 = (
            int(round(v)) for v in (prev["num"].sum(), prev["den"].sum(), cur["num"].sum(), cur["den"].sum())
        )
        if min(n1, n2) < 30:
            return None
        return Noise(two_proportion(x1, n1, x2, n2)[1], "two-proportion test")
    history = frame[frame["day"] < prev_start]
    block = ((prev_start - history["day"]).map(lambda d: d.days) - 1) // 7  # whole weeks back from prev_start
    weeks = history.assign(b=block.values).groupby("b")[["num", "den"]].sum().sort_index(ascending=False)
    weekly = weeks["num"] / weeks["den"].where(weeks["den"] != 0) if metric.type == "ratio" else weeks["num"]
    diffs = weekly.dropna().diff().dropna()
    if len(diffs) < 5 or cur.empty or value(prev, metric) is None or value(cur, metric) is None:
        return None
    sigma_week = float(diffs.std()) / 2**0.5
    k = max((end - start).days + 1, 1) / 7
    sd = sigma_week * ((2 * k) ** 0.5 if metric.type == "sum" else (2 / k) ** 0.5)
    if sd <= 0:
        return None
    from scipy import stats as sps

    z = (value(cur, metric) - value(prev, metric)) / sd
    return Noise(float(2 * sps.norm.sf(abs(z))), f"against its week-to-week variation over {len(diffs) + 1} weeks")


def kpi(session, metrics: MetricSet, name: str, start: date, end: date, filters: dict | None = None) -> Kpi:
    """The value over [start, end], the same-length previous period, a weekly series, and whether
    the change is beyond noise."""
    m = metrics[name]
    length = (end - start).days + 1
    prev_start, prev_end = start - timedelta(days=length), start - timedelta(days=1)
    history_start = prev_start - timedelta(days=7 * NOISE_WEEKS)
    frame = daily(session, metrics, name, history_start, end, filters)
    cur = frame[frame["day"] >= start]
    prev = frame[(frame["day"] >= prev_start) & (frame["day"] <= prev_end)]
    weeks = (
        cur.assign(week=pd.to_datetime(cur["day"]).dt.to_period("W-SUN").dt.start_time)
        .groupby("week")[["num", "den"]]
        .sum()
    )
    series = (
        (weeks["num"] / weeks["den"].where(weeks["den"] != 0)).rename("value").reset_index()
        if m.type == "ratio"
        else weeks["num"].rename("value").reset_index()
    )
    return Kpi(m, value(cur, m), value(prev, m), series, noise(frame, m, start, end, prev_start))


def format_value(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    if unit == "usd":
        return f"${v:,.2f}" if abs(v) < 1000 else f"${v:,.0f}"
    if unit == "ratio":
        return f"{v:.1%}"
    return f"{v:,.0f}"

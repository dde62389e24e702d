"""Canonical metrics from metrics.toml: one definition per number, so every tile agrees.

A sum metric is a *measure* of a model part (`model = "revenue"`, `measure = "sum(revenue)"`, an
optional `where`, the `dimensions` it may be grouped and filtered by), compiled here into SQL over
the semantic model, or, where no measure can say it, an SQL text returning (day, value) rows. A ratio
metric divides two sum metrics over the same days, dimensions and filters. Every series, at any grain
(day, week, month, quarter, year) and by any declared dimensions, comes from `series()`; whether a
period is still baking is decided by `Metric.still_baking`, once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from portal.reporting.measures import MetricError, check_measure, dimension_name, measure_sql

GRAINS = ("day", "week", "month", "quarter", "year")
_PANDAS_PERIOD = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}

FILTER_NAME = re.compile(r"[a-z_][a-z0-9_]*")  # a filter is a $parameter of the metric's SQL; its values
# come from the column portal.toml's [model.filters] declares for it
UNITS = ("usd", "count", "ratio")
BAKES = ("", "conversion")  # none, or signup to first purchase


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
    model: str = ""  # a measure metric: the model part it aggregates
    measure: str = ""  # …an aggregate over the part's columns (sum and count add up over days; others do not)
    where: str = ""  # …rows that count
    time: str = ""  # …the part's date column the series is by ("": the part's own time)
    dimensions: tuple[str, ...] = ()  # …what it may be grouped and filtered by
    synonyms: tuple[str, ...] = ()  # other words for it ("sales"), for plain-English questions

    @property
    def additive(self) -> bool:
        """Whether days add up to weeks: SQL metrics (day, value) by definition, measures made of sum()
        and count() only. count(DISTINCT …), avg() and the like are computed per period in SQL."""
        if not self.model:
            return True
        from sqlglot import exp

        from portal.model_expr import parse

        aggs = [n for n in parse(self.measure, self.name).tree.walk() if isinstance(n, exp.AggFunc)]
        return all(isinstance(a, exp.Sum | exp.Count) and not a.find(exp.Distinct) for a in aggs)

    def still_baking(self, end: date, through: date | None) -> bool:
        """Whether a period ending `end` reaches into the baking window (its last days are not final):
        the one rule for tiles, charts, the digest, alerts and the API."""
        return bool(through) and self.bakes_days > 0 and (through - end).days < self.bakes_days


@dataclass(frozen=True)
class MetricSet:
    metrics: dict[str, Metric] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Metric:
        if name not in self.metrics:
            raise MetricError(f"Unknown metric {name!r}. Defined: {', '.join(sorted(self.metrics))}.")
        return self.metrics[name]

    def filters_of(self, name: str) -> tuple[str, ...]:
        """The dashboard filters a metric honours: a measure's dimensions, an SQL metric's $filters."""
        m = self[name]
        if m.type == "ratio":
            return tuple(sorted(set(self.filters_of(m.numerator)) & set(self.filters_of(m.denominator))))
        return tuple(dimension_name(d) for d in m.dimensions) if m.model else m.filters

    def additive(self, name: str) -> bool:
        """Whether a metric's days add up to longer periods (a ratio: both of its sides do)."""
        m = self[name]
        if m.type == "ratio":
            return self[m.numerator].additive and self[m.denominator].additive
        return m.additive

    def dimensions_of(self, name: str) -> tuple[str, ...]:
        """What a metric may be grouped by (SQL metrics: nothing; ratios: what both sides allow)."""
        m = self[name]
        if m.type == "ratio":
            return tuple(sorted(set(self.dimensions_of(m.numerator)) & set(self.dimensions_of(m.denominator))))
        return tuple(dimension_name(d) for d in m.dimensions) if m.model else ()


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


def read_definitions(path: Path, error: type[Exception], schema=None) -> dict:
    """A definitions file (metrics.toml, alerts.toml) as TOML, validated against its schema in
    `portal.config_schema` when given; `error` names the file (and line) when it is missing, not valid
    TOML, or has an unknown or mistyped key."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from None
    if schema is not None:
        from portal.config_validate import validate

        validate(schema, data, path, text, error)
    return data


def load_metrics(path: Path | None, model=None) -> MetricSet:
    """The metrics of `path` (None: no metrics configured, an empty set); a named file that is
    missing or malformed raises MetricError. With the semantic `model`, each measure metric's SQL
    is compiled (what lineage, the engines check and the Metrics page show)."""
    from portal.config_schema import MetricsFile

    if path is None:
        return MetricSet()
    where = str(path)
    data = read_definitions(path, MetricError, MetricsFile)
    out: dict[str, Metric] = {}
    for name, d in (data.get("metrics") or {}).items():
        ctx = f"{where}, metric {name!r}"
        mtype = d.get("type", "sum")
        has_measure = bool(d.get("model") or d.get("measure"))
        if mtype == "sum" and has_measure and not (d.get("model") and d.get("measure")):
            raise MetricError(f"{ctx}: a measure metric names both model and measure")
        if mtype == "sum" and has_measure and str(d.get("sql", "")).strip():
            raise MetricError(f"{ctx}: give either a measure or sql, not both")
        if mtype == "sum" and not has_measure and not str(d.get("sql", "")).strip():
            raise MetricError(f"{ctx}: a sum metric needs a measure (model and measure) or sql")
        if mtype == "ratio" and not (d.get("numerator") and d.get("denominator")):
            raise MetricError(f"{ctx}: a ratio metric needs numerator and denominator")
        bad = {
            f
            for f in [*d.get("filters", []), *map(dimension_name, d.get("dimensions", []))]
            if not FILTER_NAME.fullmatch(str(f))
        }
        if bad:
            raise MetricError(f"{ctx}: {', '.join(sorted(bad))} is not a filter or dimension name")
        if has_measure:
            check_measure(ctx, d)
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
            model=str(d.get("model") or ""),
            measure=str(d.get("measure") or ""),
            where=str(d.get("where") or ""),
            time=str(d.get("time") or ""),
            dimensions=tuple(d.get("dimensions", [])),
            synonyms=tuple(str(x).lower() for x in d.get("synonyms", [])),
        )
    for m in out.values():
        for ref in (m.numerator, m.denominator):
            if ref and (ref not in out or out[ref].type != "sum"):
                raise MetricError(f"{where}, metric {m.name!r}: {ref!r} is not a sum metric defined in the file")
    if model is not None:
        out = {n: replace(m, sql=measure_sql(m, model)) if m.model else m for n, m in out.items()}
    return MetricSet(out)


def metric_sql(metric: Metric, model) -> str:
    """The SQL a sum metric runs: its measure compiled over the model, or its own text."""
    return measure_sql(metric, model) if metric.model else metric.sql


def _params(metric: Metric, start: date, end: date, filters: dict) -> dict:
    names = [dimension_name(d) for d in metric.dimensions] if metric.model else metric.filters
    return {"start": start, "end": end, **{f: filters.get(f) or None for f in names}}


def daily(
    session, metrics: MetricSet, name: str, start: date, end: date, filters: dict | None = None, by=(), grain="day"
) -> pd.DataFrame:
    """Columns day, <by…>, num, den (den = 1 for sum metrics); without `by`, every day of the range
    is present (0 where nothing happened). With another `grain` (only for measures that do not add
    up over days: distinct counts, averages), `day` is each period's first day and its value is
    computed over the whole period in SQL."""
    m = metrics[name]
    filters, by = filters or {}, tuple(by)
    unknown = set(by) - set(metrics.dimensions_of(name))
    if unknown:
        allowed = ", ".join(metrics.dimensions_of(name)) or "nothing (an SQL metric)"
        raise MetricError(f"{name} cannot be grouped by {', '.join(sorted(unknown))}; it can be grouped by {allowed}.")

    def run(metric: Metric, column: str) -> pd.DataFrame:
        sql = measure_sql(metric, session.model, by, grain) if metric.model else metric.sql
        frame = session.run(
            sql, _params(metric, start, end, filters), max_rows=100_000, origin=f"metric {metric.name}"
        ).frame
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
        return frame.rename(columns={"value": column})

    if m.type == "ratio":
        frame = run(metrics[m.numerator], "num").merge(run(metrics[m.denominator], "den"), on=["day", *by], how="outer")
    else:
        frame = run(m, "num").assign(den=1.0)
    if not by and grain == "day":
        days = pd.DataFrame({"day": pd.date_range(start, end, freq="D").date})
        frame = days.merge(frame, on="day", how="left")
        if m.type != "ratio":
            frame["den"] = 1.0
    if m.type != "ratio":
        frame["den"] = 1.0
    frame[["num", "den"]] = frame[["num", "den"]].astype(float).fillna(0.0)
    return frame.sort_values(["day", *by]).reset_index(drop=True)[["day", *by, "num", "den"]]


def to_periods(
    frame: pd.DataFrame,
    metric: Metric,
    grain: str,
    by=(),
    through: date | None = None,
    span: tuple[date, date] | None = None,
) -> pd.DataFrame:
    """Rows (daily, or already per period) summed into periods (a week starts on Monday): period,
    <by…>, num, den, value, days (of the period inside `span`, the range asked for), still_baking
    (the period's last day inside the range is not final)."""
    if grain not in (*GRAINS, "total"):
        raise MetricError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}.")
    first, last = span or (min(frame["day"], default=None), max(frame["day"], default=None))
    day = pd.to_datetime(frame["day"])
    if grain == "total":  # one period: the whole range
        period = pd.Series(pd.Timestamp(first), index=frame.index) if len(frame) else day
    else:
        period = day if grain == "day" else day.dt.to_period(_PANDAS_PERIOD[grain]).dt.start_time
    grouped = frame.assign(period=period.dt.date).groupby(["period", *by], sort=True, dropna=False)
    out = grouped.agg(num=("num", "sum"), den=("den", "sum")).reset_index()
    starts = pd.to_datetime(out["period"])
    if grain == "total":
        ends = pd.Series(pd.Timestamp(last), index=out.index)
    else:
        ends = starts if grain == "day" else starts.dt.to_period(_PANDAS_PERIOD[grain]).dt.end_time.dt.normalize()
    out["last"] = [min(e.date(), last) if last else e.date() for e in ends]
    out["days"] = [
        (lst - max(s.date(), first)).days + 1 if first else 1 for s, lst in zip(starts, out["last"], strict=True)
    ]
    if metric.type == "ratio":
        out["value"] = out["num"] / out["den"].where(out["den"] != 0)
    else:
        out["value"] = out["num"]
    out["still_baking"] = [metric.still_baking(d, through) for d in out["last"]]
    return out.drop(columns="last")


def series(
    session,
    metrics: MetricSet,
    name: str,
    start: date,
    end: date,
    grain: str = "day",
    by=(),
    filters: dict | None = None,
    through: date | None = None,
) -> pd.DataFrame:
    """The one metric series: any metric, any grain ("total": one row for the whole range), grouped by
    any of its dimensions, with each period's still-baking flag (against `through`, the data's last day)."""
    if grain not in (*GRAINS, "total"):
        raise MetricError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}.")
    at = "day" if metrics.additive(name) else grain  # distinct counts and averages: per period in SQL
    frame = daily(session, metrics, name, start, end, filters, by, at)
    return to_periods(frame, metrics[name], grain, tuple(by), through, (start, end))


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
    if not metrics.additive(name):  # distinct counts, averages: each period computed whole, in SQL
        cur = daily(session, metrics, name, start, end, filters, grain="total")
        prev = daily(session, metrics, name, prev_start, prev_end, filters, grain="total")
        weeks = series(session, metrics, name, start, end, "week", filters=filters)
        weeks = weeks[["period", "value"]].rename(columns={"period": "week"})
        return Kpi(m, value(cur, m), value(prev, m), weeks, None)  # no noise model for them yet
    return kpi_of_days(m, daily(session, metrics, name, history_start, end, filters), start, end)


def kpi_window(start: date, end: date) -> date:
    """The first day an additive KPI over [start, end] reads: the previous period and the noise weeks."""
    length = (end - start).days + 1
    return start - timedelta(days=length) - timedelta(days=7 * NOISE_WEEKS)


def kpi_of_days(m: Metric, frame, start: date, end: date) -> Kpi:
    """An additive metric's KPI from its days (from `kpi_window` to `end`): what `kpi` computes, and
    what a stored tile recomputes from its stored days."""
    length = (end - start).days + 1
    prev_start, prev_end = start - timedelta(days=length), start - timedelta(days=1)
    cur = frame[frame["day"] >= start]
    prev = frame[(frame["day"] >= prev_start) & (frame["day"] <= prev_end)]
    weeks = to_periods(cur, m, "week", span=(start, end))[["period", "value"]].rename(columns={"period": "week"})
    return Kpi(m, value(cur, m), value(prev, m), weeks, noise(frame, m, start, end, prev_start))


def format_value(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    if unit == "usd":
        return f"${v:,.2f}" if abs(v) < 1000 else f"${v:,.0f}"
    if unit == "ratio":
        return f"{v:.1%}"
    return f"{v:,.0f}"

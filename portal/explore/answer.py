"""Answering an Explore question: each metric through `reporting.metrics.series` (the one series
function: same numbers as tiles, alerts and the API), side by side, with the previous period and
top/bottom N when asked, the chart that fits the question and the SQL that computed it.

It runs on the caller's session, so roles, the PII-free twin, the guard, limits and the audit trail
apply as for any metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from portal.explore.question import Question, QuestionError, describe_range, resolve
from portal.reporting.measures import measure_sql
from portal.reporting.metrics import MetricError, MetricSet, series


@dataclass(frozen=True)
class Answer:
    question: Question
    start: date
    end: date
    frame: pd.DataFrame  # [period], <by…>, one column per metric (and <metric>_previous, <metric>_change)
    chart: str  # "line" (over time), "bar" (categories), "" (a single number)
    sql: str  # what computed it, read-only
    baking: bool  # some period is not final yet (its rows say still_baking)
    partial: tuple = ()  # (period, days inside the range, days in the period) of periods cut by the range

    @property
    def values(self) -> list[str]:
        return [c for c in self.frame.columns if c in self.question.metrics]

    def caption(self) -> str:
        q = self.question
        what = ", ".join(q.metrics)
        parts = [f"{what} {describe_range(q.range)} ({self.start} to {self.end})"]
        if q.filters:
            parts.append(", ".join(f"{d} = {v}" for d, v in q.filters))
        if q.compare:
            parts.append("against the previous period of the same length")
        return " · ".join(parts)


def check_against(q: Question, metrics: MetricSet) -> None:
    """Every metric exists and allows the question's dimensions and filters."""
    for name in q.metrics:
        try:
            metrics[name]
        except MetricError as err:
            raise QuestionError(str(err)) from None
        dims = set(metrics.dimensions_of(name))
        filters = set(metrics.filters_of(name))
        if bad := [b for b in q.by if b not in dims]:
            raise QuestionError(
                f"{name} cannot be grouped by {bad[0]}; it can be grouped by {', '.join(sorted(dims)) or 'nothing'}."
            )
        if bad := [d for d, _ in q.filters if d not in filters]:
            raise QuestionError(
                f"{name} cannot be filtered by {bad[0]}; its filters: {', '.join(sorted(filters)) or 'none'}."
            )


def answer(session, metrics: MetricSet, q: Question, through: date, first: date | None = None) -> Answer:
    """The question's answer on `session` (data through `through`, the data's last day)."""
    q.check()
    check_against(q, metrics)
    start, end = resolve(q.range, through, first)
    end = min(end, through)  # "in 2026" ends with the data
    if start > end:
        raise QuestionError(f"{describe_range(q.range)} starts after the data ends ({through}).")
    grain = q.grain or "total"
    filters = dict(q.filters)
    frame = _values(session, metrics, q, start, end, grain, filters, through)
    if q.compare:
        length = (end - start).days + 1
        p_start, p_end = start - timedelta(days=length), start - timedelta(days=1)
        prev = _values(session, metrics, q, p_start, p_end, grain, filters, through)
        keys = list(q.by)
        if grain != "total":  # align each period with the one a period-length earlier
            prev["period"] = [_shift(p, grain, start, p_start) for p in prev["period"]]
            keys = ["period", *keys]
        prev = prev[[*keys, *q.metrics]].rename(columns={m: f"{m}_previous" for m in q.metrics})
        frame = frame.merge(prev, on=keys, how="left") if keys else pd.concat([frame, prev], axis=1)
        for m in q.metrics:
            before = frame[f"{m}_previous"]
            frame[f"{m}_change"] = (frame[m] / before.where(before != 0) - 1).astype(float)
    if q.top and q.by:
        totals = frame.groupby(list(q.by), dropna=False)[q.metrics[0]].sum().sort_values(ascending=q.bottom)
        keep = totals.head(q.top).index
        frame = frame.set_index(list(q.by)).loc[lambda f: f.index.isin(keep)].reset_index()
    elif q.top:
        frame = frame.sort_values(q.metrics[0], ascending=q.bottom).head(q.top)
    if grain == "total":
        frame = frame.drop(columns=["period"])
    order = (["period"] if grain != "total" else []) + list(q.by)
    if order and not q.top:
        frame = frame.sort_values(order)
    elif q.top and q.by:
        frame = frame.sort_values(q.metrics[0], ascending=q.bottom, kind="stable")
    values = [c for c in frame.columns if c not in (*order, "still_baking")]
    frame = frame[[*order, *values, "still_baking"]].reset_index(drop=True)
    chart = "line" if q.grain else ("bar" if q.by else "")
    sql, _ = statement(session.model, metrics, q)
    cut = _partial(sorted(set(frame["period"])) if "period" in frame else [], grain, start, end)
    return Answer(q, start, end, frame, chart, sql, bool(frame["still_baking"].any()), cut)


def _partial(periods: list, grain: str, start: date, end: date) -> tuple:
    """Periods the date range cuts (a month whose data ends on the 15th): a drop there is not news."""
    out = []
    for p in periods:
        if grain in ("day", "total"):
            continue
        stamp = pd.Timestamp(p)
        last = stamp.to_period({"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[grain]).end_time.date()
        inside = (min(last, end) - max(p, start)).days + 1
        if inside < (last - p).days + 1:
            out.append((p, inside, (last - p).days + 1))
    return tuple(out)


def _values(session, metrics, q: Question, start: date, end: date, grain: str, filters: dict, through) -> pd.DataFrame:
    """period, <by…>, one column per metric, still_baking (any metric's period not final)."""
    out = None
    for name in q.metrics:
        s = series(session, metrics, name, start, end, grain, q.by, filters, through)
        s = s[["period", *q.by, "value", "still_baking"]].rename(columns={"value": name, "still_baking": f"_b_{name}"})
        out = s if out is None else out.merge(s, on=["period", *q.by], how="outer")
    flags = [c for c in out.columns if c.startswith("_b_")]
    out["still_baking"] = out[flags].fillna(False).astype(bool).any(axis=1)
    return out.drop(columns=flags)


def _shift(period: date, grain: str, start: date, p_start: date) -> date:
    """A previous-range period moved onto the current range (same offset from the range's start)."""
    if grain == "day":
        return period + (start - p_start)
    months = {"month": 1, "quarter": 3, "year": 12}.get(grain)
    if months:
        span = (start.year - p_start.year) * 12 + start.month - p_start.month
        span = max(months, round(span / months) * months)
        y, m = divmod(period.month - 1 + span, 12)
        return date(period.year + y, m + 1, 1)
    return period + timedelta(days=7 * max(1, round((start - p_start).days / 7)))


def statement(model, metrics: MetricSet, q: Question) -> tuple[str, list[str]]:
    """The question as one read-only SQL statement and its $parameters (start, end, each filter
    dimension): what the page shows, opens in the workbench and saves as a saved query. Each metric
    is computed at the question's grain in SQL (a measure over the model; an SQL metric's days
    summed), then the metrics are joined on period and dimensions."""
    grain = q.grain or "total"
    by = list(q.by)
    ctes, names = [], []
    for i, name in enumerate(q.metrics, 1):
        m = metrics[name]
        if m.type == "ratio":
            num = _at_grain(metrics[m.numerator], model, q.by, grain)
            den = _at_grain(metrics[m.denominator], model, q.by, grain)
            keys = ", ".join(["day", *(f'"{b}"' for b in by)])
            body = f"SELECT {keys}, n.value / nullif(d.value, 0) AS value\nFROM ({num}) AS n FULL JOIN ({den}) AS d USING ({keys})"
        else:
            body = _at_grain(m, model, q.by, grain)
        ctes.append(f"m{i} AS (\n{body}\n)")
        names.append(name)
    keys = ["day", *(f'"{b}"' for b in by)]
    select = [
        ("CAST($start AS DATE) AS period" if grain == "total" else "day AS period")
        if not by or grain != "total"
        else None,
        *(f'"{b}"' for b in by),
        *(f'm{i}.value AS "{n}"' for i, n in enumerate(names, 1)),
    ]
    select = [c for c in select if c and not (grain == "total" and c.endswith("AS period"))]
    joins = "".join(f"\nFULL JOIN m{i} USING ({', '.join(keys)})" for i in range(2, len(names) + 1))
    order = ", ".join(["period"] if grain != "total" else []) or ", ".join(f'"{b}"' for b in by) or "1"
    if q.top and by and grain == "total":  # top/bottom N groups, as the page shows them
        order = f'"{names[0]}" {"ASC" if q.bottom else "DESC"} NULLS LAST LIMIT {int(q.top)}'
    sql = f"WITH {', '.join(ctes)}\nSELECT {', '.join(select)}\nFROM m1{joins}\nORDER BY {order}"
    from portal.workbench.params import find_params

    return sql, find_params(sql)


def _at_grain(m, model, by, grain: str) -> str:
    if m.model:
        return measure_sql(m, model, tuple(by), grain)
    period = (
        "CAST($start AS DATE)"
        if grain == "total"
        else ("day" if grain == "day" else f"CAST(date_trunc('{grain}', day) AS DATE)")
    )
    return f"SELECT {period} AS day, sum(value) AS value FROM (\n{m.sql.strip()}\n) GROUP BY ALL"


def statement_values(q: Question, start: date, end: date, params: list[str]) -> dict:
    """The values the statement's $parameters take for this answer (unset filters: NULL, all)."""
    chosen = dict(q.filters)
    return {p: start if p == "start" else end if p == "end" else chosen.get(p) for p in params}

"""What one dashboard tile shows, decided outside the page: its label, its data (a metric's KPI or
a saved query's rows) and its chart. The team page only places tiles and draws what this returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import pandas as pd

from portal.library.header import SavedQuery
from portal.reporting.charts import chart as result_chart
from portal.reporting.charts import title
from portal.reporting.dashboards import Tile, query_params_for
from portal.reporting.metrics import Kpi, Metric, MetricSet, format_value
from portal.workbench.params import find_params


def metric_label(tile: Tile, metric: Metric) -> str:
    return tile.title or metric.name.replace("_", " ").capitalize().replace("Cac", "CAC")


@dataclass(frozen=True)
class KpiView:
    """A KPI tile as st.metric wants it."""

    label: str
    value: str
    delta: str | None
    delta_color: str
    help: str
    sparkline: list | None
    delta_description: str | None = None


def query_baking(query: SavedQuery, end: date, data_through: date, windows: dict) -> str:
    """Why a saved query's answer for a range ending `end` is not final yet ("" when it is): its
    header says it is about signups (`-- bakes: conversion`) and the range reaches into the window."""
    w = windows.get(query.bakes) if query.bakes else None
    if w is None or (data_through - end).days >= w.days:
        return ""
    since = data_through - timedelta(days=w.days)
    share = f"{w.share:.0%} buy within {w.days} days" if w.measured else f"assumed {w.days} days"
    return f"Still baking: signups after {since} have not all bought yet ({share}), so these numbers will change."


def kpi_view(tile: Tile, metric: Metric, k: Kpi, baking: bool = False) -> KpiView:
    """A change is coloured only when it is news: a baking metric's change (young data is not a
    collapse) and a change within the metric's noise are grey, and the tile says which."""
    delta = None if k.change is None else f"{k.change:+.1%}"
    described = None
    helps = [metric.description]
    if delta and baking:
        described = "still baking"
        helps.append(
            f"The last {metric.bakes_days} days are not final yet, so the change is not news. {metric.bakes_why}".strip()
        )
    elif delta and k.noise:
        described = f"{'beyond' if k.noise.beyond else 'within'} noise"
        helps.append(f"Change vs the previous period of the same length: {k.noise.words()}.")
    elif delta:
        described = "vs previous period"
    news = delta and not baking and (k.noise is None or k.noise.beyond)
    return KpiView(
        metric_label(tile, metric),
        format_value(k.current, metric.unit),
        delta,
        ("normal" if metric.up_is_good else "inverse") if news else "off",
        " ".join(helps),
        k.series["value"].tolist() if len(k.series) > 1 else None,
        described,
    )


def scope_caption(start: date, end: date, filters: dict, follows: set[str], grain: str = "") -> str:
    """What a tile or chart covers, in words: its period and filters, and which of the page's
    filters it does not follow (so nobody reads an all-time chart as this month's)."""
    parts = [f"{grain} " if grain else ""]
    if {"start", "end"} <= follows:
        parts[0] += f"{start} to {end}"
        cut = [w for w, partial in (("first", start.weekday() != 0), ("last", end.weekday() != 6)) if partial]
        if grain == "Weekly," and cut:  # the chart rings them: say why
            parts.append(f"the {' and '.join(cut)} week{'s are' if len(cut) > 1 else ' is'} partial (ringed)")
    else:
        parts[0] += "All time (not limited to the dates chosen)"
    for name, chosen in filters.items():
        if name not in follows:
            parts.append(f"not by {name}: the {name} filter does not apply")
        else:
            parts.append(f"{name}: {chosen}" if chosen else f"all {name}s")
    return " · ".join(p.strip() for p in parts if p.strip())


def metric_scope(metrics: MetricSet, name: str) -> set[str]:
    return {"start", "end", *metrics.filters_of(name)}


def query_scope(query: SavedQuery) -> set[str]:
    return set(find_params(query.sql))


def tile_chart(frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None, annotations=()) -> alt.Chart:
    """A dashboard tile's chart: the workbench's chart kinds plus heatmap and funnel bars."""
    tips = [alt.Tooltip(c, title=title(c)) for c in dict.fromkeys(c for c in (x, color, y) if c)]
    if kind == "heatmap":
        return (
            alt.Chart(frame)
            .mark_rect()
            .encode(
                x=alt.X(f"{x}:O", title=title(x)),
                y=alt.Y(f"{color}:O", title=title(color)),
                color=alt.Color(f"{y}:Q", title=title(y)),
                tooltip=tips,
            )
            .properties(height=260)
        )
    if kind == "funnel":
        return (
            alt.Chart(frame)
            .mark_bar()
            .encode(y=alt.Y(f"{x}:N", sort=None, title=title(x)), x=alt.X(f"{y}:Q", title=title(y)), tooltip=tips)
            .properties(height=260)
        )
    return result_chart(frame, kind, x, y, color, annotations).properties(height=260)


def metric_chart(tile: Tile, metric: Metric, k: Kpi, annotations=(), data_through: date | None = None,
                 span: tuple[date, date] | None = None) -> alt.Chart:  # fmt: skip
    """A metric's weekly series; weeks inside its baking window are flagged (the chart rings them), and
    so are weeks the range `span` cuts (a partial week's low sum is not a collapse)."""
    frame = k.series.rename(columns={"value": metric.name})
    states = [_week_state(metric, d, data_through, span) for d in pd.to_datetime(frame["week"]).dt.date]
    if any(states):
        frame = frame.assign(still_baking=[bool(x) for x in states], state=states)
    return tile_chart(frame, tile.chart or "line", "week", metric.name, None, annotations)


def _week_state(metric: Metric, monday: date, data_through: date | None, span: tuple[date, date] | None) -> str:
    if span is not None:
        days = (min(monday + timedelta(days=6), span[1]) - max(monday, span[0])).days + 1
        if days < 7:
            return f"partial week: {days} of its 7 days in the range"
    if metric.bakes_days and data_through is not None and metric.still_baking(monday + timedelta(days=6), data_through):
        return "still baking: its period is not over"
    return ""


def query_chart(tile: Tile, query: SavedQuery, frame: pd.DataFrame, annotations=()) -> alt.Chart:
    """The tile's own encoding wins, then the saved query's chart, then the first two columns."""
    saved = query.chart
    kind = tile.chart or (saved.kind if saved else "bar")
    x = tile.x or (saved.x if saved else frame.columns[0])
    y = tile.y or (saved.y if saved else frame.columns[1])
    color = tile.color or (saved.color if saved else None)
    return tile_chart(frame, kind, x, y, color, annotations)


def query_values(query: SavedQuery, start: date, end: date, filters: dict) -> dict:
    """The page's date range and filters as the saved query's parameter values."""
    return query_params_for(find_params(query.sql), start, end, filters)

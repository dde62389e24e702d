"""What one dashboard tile shows, decided outside the page: its label, its data (a metric's KPI or
a saved query's rows) and its chart. The team page only places tiles and draws what this returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import altair as alt
import pandas as pd

from portal.library.header import SavedQuery
from portal.reporting.charts import chart as result_chart
from portal.reporting.charts import title
from portal.reporting.dashboards import Tile, query_params_for
from portal.reporting.metrics import Kpi, Metric, format_value
from portal.workbench.params import find_params

FILTER_OPTIONS_SQL = {
    "platform": "SELECT DISTINCT platform FROM analytics.users WHERE platform IS NOT NULL ORDER BY 1",
    "campaign": "SELECT DISTINCT utm_campaign FROM analytics.campaign_daily WHERE utm_campaign IS NOT NULL ORDER BY 1",
}


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


def still_baking(metric: Metric, end: date, data_through: date) -> bool:
    """Whether the period ends inside the metric's baking window (its last days are not final yet)."""
    return metric.bakes_days > 0 and (data_through - end).days < metric.bakes_days


def kpi_view(tile: Tile, metric: Metric, k: Kpi, baking: bool = False) -> KpiView:
    """A baking metric's change is shown without colour or arrow and says why: young data is not a collapse."""
    delta = None if k.change is None else f"{k.change:+.1%} vs previous period"
    if baking and delta:
        delta = f"{k.change:+.1%}, still baking"  # short: the tile is narrow; help says why
    return KpiView(
        metric_label(tile, metric),
        format_value(k.current, metric.unit),
        delta,
        "off" if baking else ("normal" if metric.up_is_good else "inverse"),
        metric.description + (f" The last {metric.bakes_days} days are not final yet." if baking else ""),
        k.series["value"].tolist() if len(k.series) > 1 else None,
    )


def tile_chart(frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None) -> alt.Chart:
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
    return result_chart(frame, kind, x, y, color).properties(height=260)


def metric_chart(tile: Tile, metric: Metric, k: Kpi) -> alt.Chart:
    frame = k.series.rename(columns={"value": metric.name})
    return tile_chart(frame, tile.chart or "line", "week", metric.name, None)


def query_chart(tile: Tile, query: SavedQuery, frame: pd.DataFrame) -> alt.Chart:
    """The tile's own encoding wins, then the saved query's chart, then the first two columns."""
    saved = query.chart
    kind = tile.chart or (saved.kind if saved else "bar")
    x = tile.x or (saved.x if saved else frame.columns[0])
    y = tile.y or (saved.y if saved else frame.columns[1])
    color = tile.color or (saved.color if saved else None)
    return tile_chart(frame, kind, x, y, color)


def query_values(query: SavedQuery, start: date, end: date, filters: dict) -> dict:
    """The page's date range and filters as the saved query's parameter values."""
    return query_params_for(find_params(query.sql), start, end, filters)

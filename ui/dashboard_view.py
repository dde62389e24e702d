"""Render one team dashboard: filters in the URL, tiles isolated (a failing tile shows its own error),
results cached with a TTL and a refresh button, and an editor for the data team."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from portal.library import SaveConflict, run_saved
from portal.reporting.charts import chart as result_chart
from portal.reporting.dashboards import (
    CHART_KINDS,
    TILE_TYPES,
    Dashboard,
    DashboardStore,
    Tile,
    default_range,
    query_params_for,
)
from portal.reporting.metrics import MetricSet, format_value, kpi, load_metrics, metrics_path
from portal.workbench.params import find_params
from ui.state import catalog, current_user, engine_session, query_store, settings
from ui.text import plain

TTL = 600


def metric_set() -> MetricSet:
    return load_metrics(metrics_path(settings()))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def _kpi(name: str, start: date, end: date, filters: tuple, pii: bool):
    return kpi(engine_session(), metric_set(), name, start, end, dict(filters))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def _query(query_id: str, version: str, start: date, end: date, filters: tuple, pii: bool) -> pd.DataFrame:
    q = query_store().get(query_id)
    values = query_params_for(find_params(q.sql), start, end, dict(filters))
    return run_saved(engine_session(), q, values, max_rows=5000).frame


def _series_chart(frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None) -> alt.Chart:
    if kind == "heatmap":
        return alt.Chart(frame).mark_rect().encode(x=f"{x}:O", y=f"{color}:O", color=f"{y}:Q").properties(height=260)
    if kind == "funnel":
        return alt.Chart(frame).mark_bar().encode(y=alt.Y(f"{x}:N", sort=None), x=f"{y}:Q").properties(height=260)
    return result_chart(frame, kind, x, y, color).properties(height=260)


def render_tile(tile: Tile, start: date, end: date, filters: tuple, metrics: MetricSet) -> None:
    pii = current_user().has_pii
    try:
        if tile.metric:
            m = metrics[tile.metric]
            k = _kpi(tile.metric, start, end, filters, pii)
            label = tile.title or m.name.replace("_", " ").capitalize().replace("Cac", "CAC")
            if tile.type == "kpi":
                delta = None if k.change is None else f"{k.change:+.1%} vs previous period"
                st.metric(label, format_value(k.current, m.unit), delta,
                          delta_color="normal" if m.up_is_good else "inverse", help=m.description,
                          chart_data=k.series["value"].tolist() if len(k.series) > 1 else None, chart_type="area",
                          border=True)
            else:
                st.markdown(f"**{plain(label)}**")
                frame = k.series.rename(columns={"value": m.name})
                st.altair_chart(_series_chart(frame, tile.chart or "line", "week", m.name, None), width="stretch")
            return
        q = query_store().get(tile.query)
        frame = _query(tile.query, q.version, start, end, filters, pii)
        st.markdown(f"**{plain(tile.title or q.title)}**")
        if tile.type == "table":
            st.dataframe(frame, hide_index=True, height=260)
            return
        kind = tile.chart or (q.chart.kind if q.chart else "bar")
        x = tile.x or (q.chart.x if q.chart else frame.columns[0])
        y = tile.y or (q.chart.y if q.chart else frame.columns[1])
        color = tile.color or (q.chart.color if q.chart else None)
        st.altair_chart(_series_chart(frame, kind, x, y, color), width="stretch")
    except Exception as err:  # one broken tile must not take the dashboard down
        st.error(f"{tile.title or tile.metric or tile.query}: {getattr(err, 'message', str(err))}", icon=":material/error:")


def render_dashboard_page(team: str) -> None:
    s = settings()
    store = DashboardStore(s.dashboards_dir)
    metrics = metric_set()
    try:
        d = store.load(team, metrics, {q.id for q in query_store().load_all()[0]})
    except Exception as err:
        st.error(str(err))
        return
    st.title(d.title)
    st.caption(f"{d.description}  \nOwner: {d.owner}")
    through = date.fromisoformat((catalog().data_through or "2026-11-15")[:10])
    lo, hi = default_range(through)
    cols = st.columns(2 + len(d.filters) + 1)
    start = cols[0].date_input("From", lo, key="from", bind="query-params")
    end = cols[1].date_input("To", hi, key="to", bind="query-params")
    filters = {}
    for i, f in enumerate(d.filters, 2):
        options = _filter_options(f)
        filters[f] = cols[i].selectbox(f.capitalize(), [None, *options], key=f, bind="query-params",
                                       format_func=lambda v: "All" if v is None else v)
    if cols[-1].button("Refresh", icon=":material/refresh:", key="dash_refresh"):
        _kpi.clear()
        _query.clear()
    if end < start:
        st.error("The date range ends before it starts.")
        return
    frozen = tuple(sorted(filters.items()))
    for row in d.rows:
        columns = st.columns(len(row))
        for col, tile in zip(columns, row, strict=True):
            with col:
                render_tile(tile, start, end, frozen, metrics)
    if current_user().is_data_team:
        editor(d, store, metrics)


@st.cache_data(ttl=TTL, show_spinner=False)
def _filter_options(name: str) -> list[str]:
    sql = {"platform": "SELECT DISTINCT platform FROM analytics.users ORDER BY 1",
           "campaign": "SELECT DISTINCT utm_campaign FROM analytics.campaign_daily ORDER BY 1"}[name]
    return [r[0] for r in engine_session().run(sql).frame.itertuples(index=False)]


def editor(d: Dashboard, store: DashboardStore, metrics: MetricSet) -> None:
    """Add, reorder and remove tiles; saved back atomically with a conflict check."""
    with st.expander("Edit this dashboard (data team)", icon=":material/edit:"):
        key = f"dash_edit_{d.team}"
        if key not in st.session_state or st.session_state[key][0] != d.version:
            st.session_state[key] = (d.version, [list(r) for r in d.rows])
        base, rows = st.session_state[key]
        labels = [f"row {r + 1} · {i + 1}: {t.type} {t.metric or t.query}" for r, row in enumerate(rows) for i, t in enumerate(row)]
        where = [(r, i) for r, row in enumerate(rows) for i in range(len(row))]
        c1, c2, c3, c4 = st.columns(4)
        pick = c1.selectbox("Tile", range(len(labels)), format_func=lambda i: labels[i], key=f"{key}_pick") if labels else None
        if pick is not None:
            r, i = where[pick]
            if c2.button("Move earlier", key=f"{key}_up") and i > 0:
                rows[r][i - 1], rows[r][i] = rows[r][i], rows[r][i - 1]
                st.rerun()
            if c3.button("Move later", key=f"{key}_down") and i < len(rows[r]) - 1:
                rows[r][i + 1], rows[r][i] = rows[r][i], rows[r][i + 1]
                st.rerun()
            if c4.button("Remove", key=f"{key}_rm"):
                rows[r].pop(i)
                rows[:] = [row for row in rows if row]
                st.rerun()
        a1, a2, a3, a4 = st.columns(4)
        ttype = a1.selectbox("New tile", TILE_TYPES, key=f"{key}_type")
        source = a2.selectbox("From", ["metric", "saved query"] if ttype != "kpi" else ["metric"], key=f"{key}_src")
        if source == "metric":
            ref = a3.selectbox("Metric", sorted(metrics.metrics), key=f"{key}_metric")
        else:
            ref = a3.selectbox("Saved query", [q.id for q in query_store().load_all()[0] if q.is_curated], key=f"{key}_query")
        target = a4.selectbox("Into row", [*range(1, len(rows) + 1), "new row"], key=f"{key}_row")
        kind = st.selectbox("Chart", ["", *CHART_KINDS], key=f"{key}_chart") if ttype == "chart" else ""
        if st.button("Add tile", key=f"{key}_add"):
            tile = Tile(ttype, metric=ref if source == "metric" else "", query=ref if source != "metric" else "", chart=kind)
            if target == "new row":
                rows.append([tile])
            else:
                rows[int(target) - 1].append(tile)
            st.rerun()
        if st.button("Save dashboard", type="primary", key=f"{key}_save"):
            try:
                store.save(replace(d, rows=tuple(tuple(r) for r in rows)), current_user(), base)
                del st.session_state[key]
                st.success("Saved.")
                st.rerun()
            except SaveConflict as conflict:
                st.error("Someone else changed this dashboard since you opened it; nothing was overwritten. "
                         "Reload to see their version (your edits are still here until you do).")
                st.code(conflict.diff, language="diff")
            except (PermissionError, ValueError) as err:
                st.error(str(err))

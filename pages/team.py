"""One team's dashboard (a page per dashboards/<team>.toml, generated in app.py): filters in the URL,
tiles isolated (a failing tile shows its own error), shared results cached per role with a TTL."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.reporting import tiles as view  # what each tile shows, decided outside the page
from portal.reporting.dashboards import DashboardStore, Tile, opening_range, settled_through
from portal.reporting.metrics import MetricSet, settle
from ui.dashboard_editor import dashboard_editor
from ui.date_field import date_field
from ui.resources import annotations, audit_log, metric_definitions, query_store, settings
from ui.role_facts import baking_windows, catalog, filter_options
from ui.sessions import role_key
from ui.share_snapshot import share_box
from ui.sign_in import current_user
from ui.subscribe import subscribe_box
from ui.tables import table
from ui.text import caption_text, error_text, heading_text, plain, warning_text
from ui.tile_data import generation, metric_spec, query_spec, refresh_shared_results, shared_kpi, shared_rows


def metric_set() -> MetricSet:
    """The metrics with this role's measured baking windows."""
    return settle(metric_definitions(), baking_windows())


def tile(
    t: Tile, start: date, end: date, filters: tuple, metrics: MetricSet, role: tuple, through: date, gen: float
) -> None:
    """Every tile says what it covers (scope_caption), charts carry the recorded changes."""
    try:
        if t.metric:
            m = metrics[t.metric]
            k = shared_kpi(t.metric, start, end, filters, gen)
            scope = view.scope_caption(start, end, dict(filters), view.metric_scope(metrics, t.metric), "Weekly,")
            if t.type == "kpi":
                v = view.kpi_view(t, m, k, m.still_baking(end, through))
                st.metric(
                    plain(v.label),
                    v.value,
                    v.delta,
                    delta_color=v.delta_color,
                    delta_arrow="off" if v.delta_color == "off" and v.delta_description == "still baking" else "auto",
                    delta_description=v.delta_description,
                    help=plain(
                        f"{v.help} Scope: {view.scope_caption(start, end, dict(filters), view.metric_scope(metrics, t.metric))}."
                    ),
                    chart_data=v.sparkline,
                    chart_type="area",
                    border=True,
                )
            else:
                heading_text(view.metric_label(t, m))
                caption_text(scope)
                spec = metric_spec(t, m, (start, end, filters, role, gen), tuple(annotations()), through)
                st.vega_lite_chart(spec=spec, width="stretch")
            return
        q = query_store().curated(t.query)  # a draft or a trashed query: this tile's own error
        rows = shared_rows(t.query, q.version, start, end, filters, gen)
        frame = rows.frame
        heading_text(t.title or q.title)
        caption_text(
            view.scope_caption(start, end, dict(filters), view.query_scope(q))
            + " · "
            + rows.computed_text(str(through))
        )
        if baking := view.query_baking(q, end, through, baking_windows()):
            warning_text(baking, icon=":material/hourglass_top:")
        if t.type == "table":  # every row shown up to 20, then it scrolls (6 of 16 rows hid the answer)
            table(frame, height=min(38 + 35 * len(frame), 38 + 35 * 20))
        else:
            spec = query_spec(t, q.id, q.version, (start, end, filters, role, gen), tuple(annotations()))
            st.vega_lite_chart(spec=spec, width="stretch")
    except Exception as err:  # one broken tile must not take the dashboard down
        error_text(f"{t.title or t.metric or t.query}: {getattr(err, 'message', None) or err}")


def team_exposures(team: str) -> list:
    """The dbt project's exposures of this dashboard (none without [dbt] or readable artifacts)."""
    from portal.dbt.artifacts import DbtError, load_project
    from portal.dbt.exposures import linked

    try:
        return linked(load_project(settings().dbt_target), team)
    except DbtError:
        return []


def render(team: str) -> None:
    s, user = settings(), current_user()
    store, metrics = DashboardStore(s.dashboards_dir, audit_log()), metric_set()
    try:
        d = store.load(team, metrics)  # a tile whose query is gone or a draft shows its own error
    except Exception as err:
        error_text(err)
        return
    st.title(plain(d.title))  # a dashboard title is text, never Markdown (issue #21, finding 9)
    caption_text(f"{d.description}\nOwner: {d.owner}")
    for e in team_exposures(team):
        caption_text(
            f"dbt exposure {e.name} ({e.label}): dbt's lineage shows it reading {', '.join(e.depends_on) or 'nothing'}."
        )
    through = date.fromisoformat((catalog().data_through or date.today().isoformat())[:10])
    settled, baking = settled_through([metrics[t.metric] for t in d.tiles if t.metric in metrics.metrics], through)
    lo, hi = opening_range(settled)
    cols = st.columns([1] * (2 + len(d.filters)) + [2.2])
    start = date_field(cols[0], "From", lo, "dash_from")
    end = date_field(cols[1], "To", hi, "dash_to")
    filters = {}
    for i, f in enumerate(d.filters, 2):
        filters[f] = cols[i].selectbox(
            f.capitalize(),
            [None, *filter_options(f)],
            key=f"dash_{f}",
            bind="query-params",
            format_func=lambda v: "All" if v is None else v,
        )
    actions = cols[-1].container(horizontal=True)  # one row: Refresh, Subscribe, Share
    if actions.button("Refresh", icon=":material/refresh:", key="dash_refresh"):
        refresh_shared_results()
    subscribe_box(actions, team, user)
    share_box(actions, d, metrics, user, start, end, dict(filters), through)
    if end < start:
        st.error("The date range ends before it starts.")
        return
    if baking and (start, end) == (lo, hi):
        caption_text(
            f"Opens on the {(hi - lo).days // 7 + 1} whole weeks through {hi}, the last weeks every number here is final for: "
            f"{', '.join(baking)} {'keeps' if len(baking) == 1 else 'keep'} changing for a while after a day "
            "(recent signups are still buying). "
            f"Set To to {through} to see the latest, so far."
        )
    frozen = tuple(sorted(filters.items()))
    role, gen = role_key(), generation()  # once per page: the stored answers' newest time is in the keys
    for row in d.rows:
        for col, t in zip(st.columns(len(row)), row, strict=True):
            with col:
                tile(t, start, end, frozen, metrics, role, through, gen)
    if user.is_data_team:
        dashboard_editor(d, store, metrics, user)

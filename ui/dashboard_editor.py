"""The data team's dashboard editor: add, reorder and remove tiles; saved back atomically with a
conflict check (nobody's edit is overwritten silently)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from portal.config_schema import TILE_CHARTS as CHART_KINDS
from portal.config_schema import TILE_TYPES
from portal.identity import User
from portal.library import SaveConflict
from portal.reporting.dashboards import Dashboard, DashboardStore, Tile
from portal.reporting.metrics import MetricSet
from ui.resources import query_store
from ui.text import error_text


def dashboard_editor(d: Dashboard, store: DashboardStore, metrics: MetricSet, user: User) -> None:
    """Add, reorder and remove tiles; saved back atomically with a conflict check."""
    with st.expander("Edit this dashboard (data team)", icon=":material/edit:"):
        key = f"dash_edit_{d.team}"
        if key not in st.session_state or st.session_state[key][0] != d.version:
            st.session_state[key] = (d.version, [list(r) for r in d.rows])
        base, rows = st.session_state[key]
        labels = [
            f"row {r + 1} · {i + 1}: {t.type} {t.metric or t.query}"
            for r, row in enumerate(rows)
            for i, t in enumerate(row)
        ]
        where = [(r, i) for r, row in enumerate(rows) for i in range(len(row))]
        c1, c2, c3, c4 = st.columns(4)
        pick = (
            c1.selectbox("Tile", range(len(labels)), format_func=lambda i: labels[i], key=f"{key}_pick")
            if labels
            else None
        )
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
            ref = a3.selectbox(
                "Saved query", [q.id for q in query_store().load_all()[0] if q.is_curated], key=f"{key}_query"
            )
        target = a4.selectbox("Into row", [*range(1, len(rows) + 1), "new row"], key=f"{key}_row")
        kind = st.selectbox("Chart", ["", *CHART_KINDS], key=f"{key}_chart") if ttype == "chart" else ""
        if st.button("Add tile", key=f"{key}_add"):
            tile = Tile(
                ttype, metric=ref if source == "metric" else "", query=ref if source != "metric" else "", chart=kind
            )
            if target == "new row":
                rows.append([tile])
            else:
                rows[int(target) - 1].append(tile)
            st.rerun()
        if st.button("Save dashboard", type="primary", key=f"{key}_save"):
            try:
                store.save(replace(d, rows=tuple(tuple(r) for r in rows)), user, base)
                del st.session_state[key]
                st.success("Saved.")
                st.rerun()
            except SaveConflict as conflict:
                st.error(
                    "Someone else changed this dashboard since you opened it; nothing was overwritten. "
                    "Reload to see their version (your edits are still here until you do)."
                )
                st.code(conflict.diff, language="diff")
            except (PermissionError, ValueError) as err:
                error_text(err)

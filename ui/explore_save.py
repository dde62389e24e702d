"""Keeping an Explore answer: as a saved query (the save dialog every page uses) or, for the data
team, as a tile on a team dashboard."""

from __future__ import annotations

import streamlit as st

from portal.explore.publish import add_to_dashboard, saved_query_parts
from portal.library import PermissionDenied, SaveConflict, SaveRefused
from portal.library.check import compile_query
from portal.reporting.dashboards import DashboardError, DashboardStore
from portal.warehouse.errors import QueryError
from ui.resources import audit_log, query_store, settings
from ui.save_dialog import save_form
from ui.sessions import engine_session
from ui.sign_in import current_user
from ui.text import error_text, success_text


def save_panels(q, metrics, a) -> None:
    sql, params, defaults = saved_query_parts(settings().model, metrics, a)
    with st.expander("Save as a saved query"):
        saved = save_form(sql, params, None, defaults, prefix="ex_sv")
        if saved is not None:
            success_text(f"Saved as {saved.id}.")
    user = current_user()
    if not user.is_data_team:
        return
    dashboards = DashboardStore(settings().dashboards_dir, audit=audit_log())
    with st.expander("Add to a team dashboard"):
        teams = dashboards.teams()
        if not teams:
            st.caption("No team dashboards yet.")
            return
        c1, c2 = st.columns([1, 2])
        team = c1.selectbox("Team", teams, key="ex_dash_team")
        title = c2.text_input("Tile title", key="ex_dash_title", max_chars=200, placeholder=", ".join(q.metrics))
        if st.button("Add tile", key="ex_dash_add", type="primary"):
            try:
                saved, _ = add_to_dashboard(
                    query_store(), dashboards, user, settings().model, metrics, a, team,
                    title or ", ".join(q.metrics), compile_check=lambda x: compile_query(engine_session(), x.sql),
                )  # fmt: skip
            except (PermissionDenied, PermissionError, SaveConflict, SaveRefused, DashboardError, QueryError) as err:
                error_text(getattr(err, "message", None) or str(err))
                return
            success_text(f"Added to the {team} dashboard (saved query {saved.id}).")

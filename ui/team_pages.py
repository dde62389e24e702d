"""The Teams section of the navigation, generated from dashboards/*.toml (one page per file)."""

from __future__ import annotations

import streamlit as st

from portal.reporting.dashboards import DashboardStore
from ui.resources import settings


def team_navigation() -> list[st.Page]:
    from pages.team import render

    store = DashboardStore(settings().dashboards_dir)
    return [
        st.Page(
            lambda team=team: render(team),
            title=team.capitalize(),
            icon=store.icon(team),
            url_path=f"team-{team}",
        )
        for team in store.teams()
    ]

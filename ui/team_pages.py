"""The Teams section of the navigation, generated from dashboards/*.toml (one page per file)."""

from __future__ import annotations

import streamlit as st

from portal.reporting.dashboards import DashboardStore
from ui.state import settings

ICONS = {
    "executive": ":material/monitoring:",
    "marketing": ":material/campaign:",
    "growth": ":material/trending_up:",
    "checkout": ":material/shopping_cart:",
    "support": ":material/support_agent:",
}


def team_navigation() -> list[st.Page]:
    from pages.team import render

    return [
        st.Page(
            lambda team=team: render(team),
            title=team.capitalize(),
            icon=ICONS.get(team, ":material/dashboard:"),
            url_path=f"team-{team}",
        )
        for team in DashboardStore(settings().dashboards_dir).teams()
    ]

"""Router of the portal: builds the demo warehouse if needed, picks the user, lays out navigation."""

from pathlib import Path

import streamlit as st

from ui.resources import ensure_warehouse_ready, settings
from ui.router import follow_pending_path
from ui.sign_in import USER_KEY, current_user, oidc_configured, sign_out
from ui.team_pages import team_navigation
from ui.text import caption_text

st.set_page_config(
    page_title="Analytics Portal", page_icon=str(Path(__file__).parent / "ui" / "static" / "icon.png"), layout="wide"
)

HERE = Path(__file__).parent
SECTIONS = {
    "": [
        ("pages/home.py", "Home", ":material/home:"),
        ("pages/explore.py", "Explore", ":material/explore:"),
    ],
    "SQL": [
        ("pages/workbench.py", "SQL workbench", ":material/code:"),
        ("pages/library.py", "Saved queries", ":material/bookmarks:"),
        ("pages/query_check.py", "Breakage check", ":material/rule:"),
    ],
    "Product": [
        ("pages/funnels.py", "Funnels", ":material/filter_alt:"),
        ("pages/cohorts.py", "Cohorts", ":material/grid_on:"),
        ("pages/paths.py", "Paths", ":material/route:"),
        ("pages/lifecycle.py", "Lifecycle", ":material/autorenew:"),
        ("pages/experiments.py", "Experiments", ":material/science:"),
        ("pages/impact.py", "Before/after", ":material/compare_arrows:"),
    ],
    "Metrics": [
        ("pages/metrics.py", "Metric definitions", ":material/functions:"),
        ("pages/alerts.py", "Alerts", ":material/notifications:"),
        ("pages/api_tokens.py", "API tokens", ":material/key:"),
    ],
    "Data team": [("pages/audit.py", "Audit trail", ":material/policy:")],
}


def build_pages(user) -> dict[str, list[st.Page]]:
    """Pages by section, the Data team section only for the data team; Teams from dashboards/*.toml."""
    nav = {
        section: [
            st.Page(str(HERE / path), title=title, icon=icon, default=(path == "pages/home.py"))
            for path, title, icon in entries
        ]
        for section, entries in SECTIONS.items()
        if section != "Data team" or user.is_data_team
    }
    if teams := team_navigation():
        nav["Teams"] = teams
    return nav


user = current_user()  # with sign-in configured, a signed-out visitor stops here (deep links included)
ensure_warehouse_ready()
pages = build_pages(user)
page = st.navigation(pages, expanded=True)  # every team page one click away
follow_pending_path(pages)

with st.sidebar:
    if user.verified:
        caption_text(f"Signed in as {user.name} · {user.role}")  # the identity provider's name: text
        if oidc_configured() and st.button("Sign out", icon=":material/logout:", key="app_signout"):
            sign_out(user)  # ends the sign-in on the server: a copied cookie stops working too
    else:
        people = settings().people
        st.warning(
            "Demo without sign-in: anyone who can reach this portal can pick any persona. "
            "Configure sign-in before real use (README, Production setup).",
            icon=":material/science:",
        )
        st.selectbox(
            "Demo persona",
            people.demo_users,
            key=USER_KEY,
            index=list(people.demo_users).index(people.default_user) if people.default_user in people.demo_users else 0,
        )
        caption_text(f"Role: {current_user().role}")

page.run()

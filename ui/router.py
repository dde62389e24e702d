"""Deep links on a fresh server: every page runs through app.py's router (ui/__init__ calls
`ensure_router` whenever a page imports the ui package)."""

from __future__ import annotations

import streamlit as st


def ensure_router() -> None:
    """Deep links on a fresh server (e.g. a shared /workbench?… link as the very first request)
    would otherwise run the page file alone in Streamlit's legacy pages/ mode, skipping app.py's
    router, sidebar and warehouse bootstrap. Switch to st.navigation mode and rerun once."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        from urllib.parse import parse_qsl, urlparse

        url = urlparse(st.context.url or "")
        st.session_state["_pending_path"] = (
            url.path.strip("/"),
            dict(parse_qsl(url.query)) or st.query_params.to_dict(),
        )
        st.rerun()


def follow_pending_path(pages: dict) -> None:
    """After the legacy-mode rerun above, go to the page the deep link asked for."""
    wanted = st.session_state.pop("_pending_path", None)
    if not wanted or not wanted[0]:
        return
    path, query = wanted
    for section in pages.values():
        for page in section:
            if page.url_path == path.split("/")[-1]:
                st.switch_page(page, query_params=query or None)

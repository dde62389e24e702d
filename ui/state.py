"""Cached connection, catalog and per-user engine session for every page."""

from __future__ import annotations

import threading
import uuid

import streamlit as st

from portal.config import Settings, load_settings
from portal.identity import User, resolve_user
from portal.warehouse.bootstrap import ensure_warehouse, warehouse_ready
from portal.warehouse.catalog import Catalog
from portal.warehouse.engine import Session, Warehouse

USER_KEY = "app_user"


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def warehouse(pii: bool) -> Warehouse:
    """One locked connection per file, shared by all sessions (cursors are per session)."""
    s = settings()
    _warm_up_passes()
    return Warehouse(s.warehouse_path if pii else s.public_warehouse_path, s.limits)


@st.cache_resource
def _warm_up_passes() -> threading.Thread:
    """Compile the funnel and retention passes in the background at first start (seconds, once per
    install: numba keeps them on disk), so the first Funnels or Cohorts page does not wait for it."""
    from portal.product.kernels import funnel_scan, retention_scan

    thread = threading.Thread(target=lambda: (funnel_scan.warm_up(), retention_scan.warm_up()), daemon=True)
    thread.start()
    return thread


def ensure_demo_warehouse() -> None:
    """On a first start, build the demo warehouse with a progress bar instead of failing."""
    s = settings()
    if warehouse_ready(s.warehouse_path):
        return
    bar = st.progress(0.0, text="Building the demo warehouse (first start, about a minute)…")

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"Building the demo warehouse: {label}")

    ensure_warehouse(s, progress=progress)
    bar.empty()


def current_user() -> User:
    browser = st.session_state.setdefault("_browser_session", uuid.uuid4().hex[:16])
    return resolve_user(settings(), dict(st.context.headers), st.session_state.get(USER_KEY), browser)


def engine_session() -> Session:
    """This browser session's own cursor, so Cancel and timeouts touch only this user's query."""
    user = current_user()
    key = f"_engine_session_{'pii' if user.has_pii else 'public'}"
    if key not in st.session_state:
        st.session_state[key] = warehouse(user.has_pii).session()
    return st.session_state[key]


def shared_session(pii: bool) -> Session:
    """A session that belongs to nobody, for results cached and shared between users of one role:
    no user's state (or cancel) can reach what it computes."""
    return warehouse(pii).session()


@st.cache_resource(ttl=600)
def _catalog(pii: bool) -> Catalog:
    return warehouse(pii).session().catalog()


def catalog() -> Catalog:
    return _catalog(current_user().has_pii)


def _ensure_router() -> None:
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


_ensure_router()


def query_store():
    """The saved-query files (cheap to create: everything is read on demand)."""
    from portal.library import QueryStore

    s = settings()
    return QueryStore(s.queries_dir, s.state_dir)

"""Process-wide resources every page shares: settings, the warehouse (one per PII view), the audit
log and the stores, the model, recorded product changes, and the demo warehouse's first build."""

from __future__ import annotations

import threading

import streamlit as st

from portal.audit import AuditLog
from portal.config import Settings, load_settings
from portal.warehouse.bootstrap import ensure_warehouse, missing_message
from portal.warehouse.connect import open_warehouse
from portal.warehouse.engine import Warehouse
from ui.text import error_text, plain


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def warehouse(pii: bool) -> Warehouse:
    """One locked connection per file, shared by all sessions (cursors are per session)."""
    s = settings()
    if s.engine == "duckdb":
        _warm_up_passes()
    return open_warehouse(s, pii)


@st.cache_resource
def _warm_up_passes() -> threading.Thread:
    """Compile the funnel and retention passes in the background at first start (seconds, once per
    install: numba keeps them on disk), so the first Funnels or Cohorts page does not wait for it."""
    from portal.product.kernels import funnel_scan, retention_scan

    thread = threading.Thread(target=lambda: (funnel_scan.warm_up(), retention_scan.warm_up()), daemon=True)
    thread.start()
    return thread


def ensure_warehouse_ready() -> None:
    """The demo configuration builds its demo warehouse on a first start (with a progress bar); any
    other configuration never builds: a missing, unreadable or out-of-date file stops every page
    with what to do. A cluster's warehouse is loaded by its own build."""
    s = settings()
    problem = missing_message(s)
    if not problem:
        return
    if s.builds_demo:
        bar = st.progress(0.0, text="Building the demo warehouse (first start, about a minute)…")

        def progress(done: int, total: int, label: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"Building the demo warehouse: {label}")

        ensure_warehouse(s, progress=progress)
        bar.empty()
        problem = missing_message(s)
    if problem:
        st.title("Analytics Portal")
        error_text(problem, icon=":material/database_off:")
        st.stop()


def metric_definitions():
    """The company's metrics (metrics.toml, measures compiled over the model), read again only when
    the file changes: compiling them was a tenth of a dashboard's first view, once per tile."""
    from portal.reporting.metrics import metrics_path

    path = metrics_path(settings())
    try:
        stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path else None
    except OSError:
        stamp = None  # missing: load_metrics says so
    return _metric_definitions(str(path), stamp)


@st.cache_resource(max_entries=4, show_spinner=False)
def _metric_definitions(path: str, stamp):
    from portal.reporting.metrics import load_metrics, metrics_path

    return load_metrics(metrics_path(settings()), settings().model)


@st.cache_resource
def audit_log() -> AuditLog:
    return AuditLog(settings().state)


def query_store():
    """The saved-query files (cheap to create: everything is read on demand)."""
    from portal.library import QueryStore
    from portal.reporting.dashboards import DashboardStore

    s = settings()
    return QueryStore(s.queries_dir, s.state_dir, in_use=DashboardStore(s.dashboards_dir).uses, audit=audit_log())


@st.cache_resource
def result_store():
    """Stored answers (background runs, refreshed tiles); jobs whose server stopped beating are failed
    with a reason when this server starts."""
    from portal.results.store import open_results

    store = open_results(settings())
    store.recover()
    store.sweep()
    return store


@st.cache_resource
def job_runner():
    """This server's background runs (threads that outlive the page that started them)."""
    from portal.config import ROOT
    from portal.results.jobs import JobRunner, job_mail

    return JobRunner(result_store(), notify=job_mail(settings(), ROOT / ".streamlit" / "secrets.toml"))


@st.cache_resource
def token_store():
    from portal.api.tokens import TokenStore

    return TokenStore(settings().state)


def site_base() -> str:
    """This portal's address as its users reach it ([site] url, else what this browser used)."""
    from portal.library.share import site_base as base

    return base(settings().site_url, st.context.url)


def model():
    """The semantic model: which of the company's tables the product pages read (portal.toml)."""
    return settings().model


@st.cache_data(show_spinner=False, max_entries=4)
def _annotations(path: str, mtime_ns: int) -> tuple[list, str]:
    """Read once per version of the file (a dashboard asks once per chart)."""
    from portal.reporting.annotations import AnnotationError, load_annotations

    try:
        return load_annotations(path), ""
    except AnnotationError as err:
        return [], str(err)


def annotations() -> list:
    """The recorded product changes for charts; a malformed file is reported and means none, so one
    bad entry never takes a dashboard down."""
    from portal.reporting.annotations import annotations_path

    path = annotations_path(settings())
    if path is None:
        return []
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return []
    found, error = _annotations(str(path), mtime)
    if error:
        st.toast(f"Annotations not shown: {plain(error)}", icon=":material/warning:")
    return found

"""Cached connection, catalog and per-user engine session for every page."""

from __future__ import annotations

import threading
import uuid

import streamlit as st

from portal.audit import AuditLog
from portal.config import Settings, load_settings
from portal.identity import SignInRefused, User, denied_schemas, resolve_user
from portal.warehouse.bootstrap import ensure_warehouse, missing_message
from portal.warehouse.catalog import Catalog
from portal.warehouse.connect import open_warehouse
from portal.warehouse.engine import Session, Warehouse
from ui.text import error_text, info_text, plain

USER_KEY = "app_user"


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


_SIGNATURE: dict = {"at": -1e9, "value": ()}


def _secrets_signature() -> tuple:
    """The secrets files as they are now (path, modification time): what the sign-in setup depends
    on. Looked at again at most every 2 s (a page asks many times per run)."""
    import os
    import time

    if time.monotonic() - _SIGNATURE["at"] < 2.0:
        return _SIGNATURE["value"]
    out = []
    for path in st.config.get_option("secrets.files") or []:
        try:
            out.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            out.append((path, None))
    _SIGNATURE.update(at=time.monotonic(), value=tuple(out))
    return _SIGNATURE["value"]


@st.cache_resource(show_spinner=False, max_entries=4)
def _auth_state(signature: tuple) -> tuple[bool, str]:
    """`_read_auth` once per version of the secrets files instead of on every call (looking for a
    missing file again and again was 5% of the server's time under load)."""
    return _read_auth()


def _read_auth() -> tuple[bool, str]:
    """(sign-in configured, what is wrong with it)."""
    from streamlit.errors import StreamlitSecretNotFoundError

    from portal.identity import auth_secrets_problem

    try:
        if "auth" not in st.secrets:
            return False, ""
        return True, auth_secrets_problem(st.secrets["auth"].to_dict())
    except StreamlitSecretNotFoundError as err:
        if getattr(err, "error_id", "") == "no-secrets-found":
            return False, ""  # no secrets file at all: the demo without sign-in
        return True, "The secrets file (.streamlit/secrets.toml) cannot be read: it is not valid TOML."


def oidc_configured() -> bool:
    """Real sign-in is on when .streamlit/secrets.toml has an [auth] section. Fail closed: a secrets
    file that cannot be read, or an [auth] section that cannot work, stops the portal with a message;
    it never falls back to demo personas (issue #21)."""
    if getattr(st.secrets, "_secrets", None) is not None:  # parsed (or given by a test): cheap to read
        configured, problem = _read_auth()
    else:  # no file found yet: Streamlit looks again on every access, so remember per file version
        configured, problem = _auth_state(_secrets_signature())
    if not configured:
        return False
    if problem:
        st.title("Analytics Portal")
        error_text(f"Sign-in is misconfigured, so the portal is closed: {problem}", icon=":material/lock:")
        st.stop()
    return True


def sign_in() -> str:
    """The sign-in mode now (demo, proxy or oidc): which API tokens are honoured."""
    from portal.identity import sign_in_mode

    return sign_in_mode(settings(), oidc_configured())


def current_user() -> User:
    """The signed-in user (or demo persona). Nobody signed in while sign-in is configured: the page
    stops here, before it shows or runs anything."""
    browser = st.session_state.setdefault("_browser_session", uuid.uuid4().hex[:16])
    oidc = oidc_configured()
    claims = st.user.to_dict() if oidc and st.user.is_logged_in else None
    if claims is not None and (ended := _ended_sign_in(claims)):
        st.title("Analytics Portal")
        info_text(ended)
        if st.button("Sign in again", type="primary", key="app_signin_again"):
            st.logout()
        st.stop()
    try:
        user = resolve_user(settings(), dict(st.context.headers), st.session_state.get(USER_KEY), browser, claims, oidc)
    except SignInRefused as err:
        error_text(str(err), icon=":material/block:")
        if st.button("Sign out", key="app_signout_refused"):
            st.logout()
        st.stop()
    if user is None:
        sign_in_page(oidc)
        st.stop()
    if user.verified and st.session_state.get("_signed_in_as") != user.name:
        st.session_state["_signed_in_as"] = user.name
        audit_log().record(user, "sign-in", "oidc" if oidc else "proxy header")
    return user


@st.cache_resource
def sign_outs():
    from portal.sign_outs import SignOuts

    return SignOuts(settings().state)


def _ended_sign_in(claims: dict) -> str:
    """Why this browser's sign-in is over (signed out elsewhere, or too old for its roles), or ""."""
    from portal.sign_outs import DEFAULT_MAX_SESSION_HOURS, why_not_valid

    subject = f"{claims.get('iss', '')}|{claims.get('sub', '')}"
    hours = float(settings().extra.get("auth", {}).get("max_session_hours", DEFAULT_MAX_SESSION_HOURS))
    return why_not_valid(claims, sign_outs().last(subject), hours)


def sign_out(user: User) -> None:
    """End this person's sign-in on the server (every copy of the cookie), then in this browser."""
    if user.subject:
        sign_outs().record(user.subject)
    audit_log().record(user, "sign-in", "sign out", "ended")
    st.logout()


def sign_in_page(oidc: bool) -> None:
    """The only page a signed-out visitor gets, whatever path they asked for: no navigation, no data."""

    def view() -> None:
        st.title("Analytics Portal")
        if oidc:
            st.write("Sign in with your company account to continue.")
            if st.button("Sign in", type="primary", icon=":material/login:", key="app_signin"):
                st.login()
        else:
            st.error("This portal expects your sign-in from the company's SSO proxy, and none arrived.")

    st.navigation([st.Page(view, title="Sign in", url_path="sign-in", default=True)], position="hidden").run()


@st.cache_resource
def audit_log() -> AuditLog:
    return AuditLog(settings().state)


def engine_session() -> Session:
    """This browser session's own session for this user: Cancel and timeouts touch only this user's
    statements, permissions come from their roles, and what they run goes to the audit trail (each
    call says where it came from: `origin=`)."""
    user = current_user()
    key = f"_engine_session_{user.name}_{'pii' if user.has_pii else 'public'}"
    if key not in st.session_state:
        st.session_state[key] = warehouse(user.has_pii).session(user, audit_log(), denied_schemas(settings(), user))
    return st.session_state[key]


def shared_session(pii: bool, denied: tuple[str, ...]) -> Session:
    """The session of the system principal that computes results cached and shared between users of
    one role (the cache key carries `pii` and `denied`): audited under that principal's name, with
    exactly that role's access; no user's state or cancel can reach what it computes."""
    return warehouse(pii).session(_role_principal(pii, denied), audit_log(), denied)


def _role_principal(pii: bool, denied: tuple[str, ...]):
    from portal.identity import system_principal

    return system_principal(
        "shared results for "
        + ("PII readers" if pii else "analysts")
        + (f" without {', '.join(denied)}" if denied else ""),
        pii,
    )


def role_key() -> tuple[bool, tuple[str, ...]]:
    """What a shared cache entry must be keyed by: which warehouse and which schemas this user may read."""
    user = current_user()
    return user.has_pii, denied_schemas(settings(), user)


@st.cache_resource(ttl=600)
def _catalog(pii: bool, denied: tuple[str, ...]) -> Catalog:
    return shared_session(pii, denied).catalog()


def catalog() -> Catalog:
    """The tables this user may read: restricted schemas' tables are not listed at all."""
    return _catalog(*role_key())


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
    from portal.reporting.dashboards import DashboardStore

    s = settings()
    return QueryStore(s.queries_dir, s.state_dir, in_use=DashboardStore(s.dashboards_dir).uses, audit=audit_log())


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


@st.cache_data(ttl=600, show_spinner=False)
def _filter_options(name: str, pii: bool, denied: tuple[str, ...]) -> list[str]:
    from portal.model import filter_options_sql

    return shared_session(pii, denied).frame(filter_options_sql(settings().model, name)).iloc[:, 0].tolist()


def filter_options(name: str) -> list[str]:
    """The values a dashboard filter can take in the warehouse this user sees, from the column
    portal.toml's [model.filters] declares for it ([] when it declares none)."""
    from portal.model import ModelError

    try:
        return _filter_options(name, *role_key())
    except ModelError:
        return []


@st.cache_data(ttl=600, show_spinner=False)
def _event_names(pii: bool, denied: tuple[str, ...]) -> list[str]:
    from portal.product.vocabulary import event_names

    return event_names(shared_session(pii, denied))


def event_names() -> list[str]:
    """The event names in the data this user sees, most frequent first (the pickers' options)."""
    return _event_names(*role_key())


@st.cache_data(ttl=600, show_spinner=False)
def _data_range(pii: bool, denied: tuple[str, ...]):
    from portal.product.vocabulary import data_range

    return data_range(shared_session(pii, denied))


def data_range():
    """(first day, last day) of events in the data this user sees; None without events."""
    return _data_range(*role_key())


def model():
    """The semantic model: which of the company's tables the product pages read (portal.toml)."""
    return settings().model


@st.cache_data(ttl=600, show_spinner=False)
def _experiment_names(pii: bool, denied: tuple[str, ...]) -> list[str]:
    from portal.product.experiments import ExperimentError, list_experiments

    try:
        return list_experiments(shared_session(pii, denied))["experiment"].tolist()
    except ExperimentError:
        return []  # no [model.experiments]: no variant breakdowns


@st.cache_data(ttl=600, show_spinner=False)
def _key_spaces(pii: bool, denied: tuple[str, ...]) -> dict[str, str]:
    from portal.model_check import key_space_findings

    try:
        found = key_space_findings(shared_session(pii, denied), settings().model)
    except Exception:  # advice only: a page never fails because the check could not run
        return {}
    return {f.part: f.message for f in found if f.level == "error"}


def key_space_problem(part: str) -> str | None:
    """`model check`'s finding when most person keys of a model part (experiments, revenue, people)
    are not among the events' persons: pages say it instead of showing inf%, $0 or empty readouts."""
    return _key_spaces(*role_key()).get(part)


def experiment_names() -> list[str]:
    """Experiments in the data this user sees, newest first (variant breakdowns)."""
    return _experiment_names(*role_key())


@st.cache_resource
def token_store():
    from portal.api.tokens import TokenStore

    return TokenStore(settings().state)


def site_base() -> str:
    """This portal's address as its users reach it ([site] url, else what this browser used)."""
    from portal.library.share import site_base as base

    return base(settings().site_url, st.context.url)


@st.cache_data(ttl=600, show_spinner=False, max_entries=8)
def _baking_windows(pii: bool, denied: tuple[str, ...], through: str) -> dict:
    from datetime import date

    from portal.product.baking import baking_windows

    return baking_windows(shared_session(pii, denied), date.fromisoformat(through[:10]))


def baking_windows() -> dict:
    """How long numbers keep changing, measured on this role's data (one window for every page)."""
    through = catalog().data_through
    return _baking_windows(*role_key(), through) if through else {}

"""Who is asking: real sign-in (OIDC from the secrets' [auth]), a trusted proxy header, or the demo's
personas; sign-out that ends a sign-in on the server; the page a signed-out visitor gets. Fail closed:
a secrets file that cannot be read closes the portal."""

from __future__ import annotations

import uuid

import streamlit as st

from portal.identity import SignInRefused, User, resolve_user
from ui.resources import audit_log, settings
from ui.text import error_text, info_text

USER_KEY = "app_user"


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


def sign_in_mode() -> str:
    """The sign-in mode now (demo, proxy or oidc): which API tokens are honoured."""
    from portal.identity import sign_in_mode as mode

    return mode(settings(), oidc_configured())


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

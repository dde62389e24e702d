"""The sessions pages run on: this browser session's own (its user's roles, Cancel, audit), and the
one of a role's system principal for results shared between people of that role."""

from __future__ import annotations

import streamlit as st

from portal.identity import denied_schemas
from portal.warehouse.engine import Session
from ui.resources import audit_log, settings, warehouse
from ui.sign_in import current_user


def engine_session() -> Session:
    """This browser session's own session for this user: Cancel and timeouts touch only this user's
    statements, permissions come from their roles, and what they run goes to the audit trail (each
    call says where it came from: `origin=`)."""
    user = current_user()
    key = f"_engine_session_{user.name}_{'pii' if user.has_pii else 'public'}"
    if key not in st.session_state:
        st.session_state[key] = warehouse(user.has_pii).session(user, audit_log(), denied_schemas(settings(), user))
    return st.session_state[key]


def job_session() -> Session:
    """A session of this user's own for one background run: it outlives the page (and its Cancel
    comes through the result store, from any tab)."""
    user = current_user()
    return warehouse(user.has_pii).session(user, audit_log(), denied_schemas(settings(), user))


def result_role() -> str:
    """This user's role key as the result store writes it."""
    from portal.results.store import role_key_text

    return role_key_text(*role_key())


def shared_session(pii: bool, denied: tuple[str, ...]) -> Session:
    """The session of the system principal that computes results cached and shared between users of
    one role (the cache key carries `pii` and `denied`): audited under that principal's name, with
    exactly that role's access; no user's state or cancel can reach what it computes."""
    return warehouse(pii).session(role_principal(pii, denied), audit_log(), denied)


def role_principal(pii: bool, denied: tuple[str, ...]):
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

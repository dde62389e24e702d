"""Save / Save as / Fork form and the conflict panel. They return outcomes (the saved query, or the
text to load); the calling page decides what to do with them."""

from __future__ import annotations

import streamlit as st

from portal.library import PermissionDenied, SaveConflict, SavedQuery, SaveRefused, parse_query
from portal.library.check import compile_query
from portal.library.drafts import allowed_statuses, build_query, save_modes
from portal.library.store import version_of
from portal.warehouse.errors import QueryError
from portal.workbench.lint import has_errors, lint
from ui.resources import query_store, settings
from ui.role_facts import catalog
from ui.sessions import engine_session
from ui.sign_in import current_user
from ui.text import caption_text, error_text


def save_form(
    sql: str, param_names: list[str], opened: SavedQuery | None, defaults: dict | None = None, prefix: str = "sv"
) -> SavedQuery | None:
    """Render the save form; returns the saved query after a successful save, else None."""
    user, store = current_user(), query_store()
    mode = st.radio(
        "Save mode",
        save_modes(opened, opened is not None and store.can_edit(user, opened)),
        horizontal=True,
        key=f"{prefix}_mode",
    )
    base = opened if (opened and mode == "Save") else None
    title = st.text_input("Title", value=(opened.title if base else ""), key=f"{prefix}_title_{mode}", max_chars=200)
    description = st.text_area(
        "Description",
        value=(opened.description if opened else ""),
        key=f"{prefix}_desc_{mode}",
        height=80,
        max_chars=5000,
    )
    c1, c2, c3 = st.columns(3)
    team = c1.text_input(
        "Team folder", value=opened.team if opened else "analysts", key=f"{prefix}_team_{mode}", max_chars=60
    )
    tags = c2.text_input(
        "Tags (comma-separated)",
        value=", ".join(opened.tags) if opened else "",
        key=f"{prefix}_tags_{mode}",
        max_chars=300,
    )
    statuses = allowed_statuses(user)
    status = c3.selectbox(
        "Status",
        statuses,
        index=statuses.index(base.status) if base and base.status in statuses else 0,
        key=f"{prefix}_status_{mode}",
        help="Only the data team can curate or deprecate.",
    )
    message = st.text_input("What changed (for the history)", key=f"{prefix}_msg_{mode}", max_chars=300)
    if not st.button(mode, type="primary", key=f"{prefix}_go_{mode}"):
        return None
    findings = lint(sql, catalog(), engine_session(), settings().lint)
    if has_errors(findings):
        error_text("The query must parse and bind before it is saved: " + findings[0].message)
        return None
    query = build_query(sql, param_names, opened, mode, title, description, team, tags, status, user, defaults)
    try:
        saved = store.save(
            query,
            user,
            base.version if base else None,
            message,
            compile_check=lambda q: compile_query(engine_session(), q.sql),
        )
    except SaveConflict as conflict:
        st.session_state[f"{prefix}_conflict"] = conflict
        error_text(f"{conflict} Nothing was overwritten.")
        return None
    except (PermissionDenied, SaveRefused, QueryError) as err:
        error_text(getattr(err, "message", None) or str(err))
        return None
    for f in findings:
        caption_text(f"{f.code} {f.message}")
    return saved


def conflict_panel(prefix: str = "sv") -> tuple[str, SavedQuery] | None:
    """A pending conflict with a diff and the three ways out; never loses either side. Returns
    (sql, query) to load into the editor when the user takes theirs or merges by hand."""
    conflict: SaveConflict | None = st.session_state.get(f"{prefix}_conflict")
    if conflict is None:
        return None
    st.warning("Someone saved this query after you opened it. Choose what to keep.", icon=":material/merge:")
    st.code(conflict.diff or "(no textual difference)", language="diff")
    c1, c2, c3 = st.columns(3)
    user = current_user()
    theirs = parse_query(conflict.theirs, conflict.query_id, version_of(conflict.theirs))
    mine = parse_query(conflict.mine, conflict.query_id)
    if c1.button("Keep mine as a fork", key=f"{prefix}_keep_fork"):
        fork_id = f"{conflict.query_id}_{user.name}"
        try:
            query_store().fork(mine, user, fork_id, f"{mine.title} ({user.name})")
            caption_text(f"Your version is saved as {fork_id}.")
            del st.session_state[f"{prefix}_conflict"]
        except (SaveRefused, SaveConflict) as err:
            error_text(err)
    if c2.button("Take theirs", key=f"{prefix}_take_theirs"):
        del st.session_state[f"{prefix}_conflict"]
        return theirs.sql, theirs
    if c3.button("Merge by hand", key=f"{prefix}_merge"):
        del st.session_state[f"{prefix}_conflict"]
        merged = (
            mine.sql + "\n-- ===== their version =====\n" + "\n".join("-- " + line for line in theirs.sql.splitlines())
        )
        return merged, theirs
    return None

"""Save / Save as / Fork from the workbench: a small form over portal.library."""

from __future__ import annotations

import re

import streamlit as st

from portal.library import PermissionDenied, SaveConflict, SavedQuery, SaveRefused
from portal.library.check import compile_query
from portal.workbench.lint import has_errors, lint
from portal.workbench.params import Param, guess_type
from ui.state import catalog, current_user, engine_session, plain, query_store, settings


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "query"


def save_form(sql: str, param_names: list[str], opened: SavedQuery | None, defaults: dict | None = None) -> None:
    """Render the save form; `opened` is the saved query loaded in the editor, if any; `defaults` are
    parameter defaults for a generated query (e.g. a funnel's date range)."""
    user = current_user()
    store = query_store()
    editable = opened is not None and store.can_edit(user, opened)
    mode_options = (["Save"] if editable else []) + ["Save as new"] + (["Fork"] if opened is not None else [])
    mode = st.radio("Save mode", mode_options, horizontal=True, key="sv_mode")
    base = opened if (opened and mode == "Save") else None
    title = st.text_input("Title", value=(opened.title if opened and mode == "Save" else ""), key=f"sv_title_{mode}")
    description = st.text_area("Description", value=(opened.description if opened else ""), key=f"sv_desc_{mode}", height=80)
    team_default = opened.team if opened else "analysts"
    c1, c2, c3 = st.columns(3)
    team = c1.text_input("Team folder", value=team_default, key=f"sv_team_{mode}")
    tags = c2.text_input("Tags (comma-separated)", value=", ".join(opened.tags) if opened else "", key=f"sv_tags_{mode}")
    statuses = ["draft", "curated", "deprecated"] if user.is_data_team else ["draft"]
    status = c3.selectbox("Status", statuses, index=statuses.index(base.status) if base and base.status in statuses else 0,
                          key=f"sv_status_{mode}", help="Only the data team can curate or deprecate.")
    message = st.text_input("What changed (for the history)", key=f"sv_msg_{mode}")
    if not st.button(mode, type="primary", key=f"sv_go_{mode}"):
        return
    findings = lint(sql, catalog(), engine_session(), settings().lint)
    if has_errors(findings):
        st.error("The query must parse and bind before it is saved: " + findings[0].message)
        return
    declared = {p.name: p for p in (opened.params if opened else ())}
    params = tuple(declared.get(n) or Param(n, guess_type(n), (defaults or {}).get(n)) for n in param_names)
    qid = base.id if base else f"{_slug(team)}/{_slug(title)}"
    query = SavedQuery(id=qid, title=title.strip(), sql=sql, description=description, owner=(base.owner if base else user.name),
                       team=_slug(team), tags=tuple(t.strip() for t in tags.split(",") if t.strip()), status=status,
                       params=params, chart=opened.chart if opened else None)
    try:
        saved = store.save(query, user, base.version if base else None, message,
                           compile_check=lambda q: compile_query(engine_session(), q.sql))
    except SaveConflict as conflict:
        st.session_state.sv_conflict = conflict
        st.error(f"{conflict} Nothing was overwritten.")
        return
    except (PermissionDenied, SaveRefused) as err:
        st.error(str(err))
        return
    except Exception as err:  # a compile error from the engine, in plain words
        st.error(getattr(err, "message", str(err)))
        return
    st.session_state.wb_opened_query = saved
    st.success(f"Saved as {plain(saved.id)}.", icon=":material/check:")
    for f in findings:
        st.caption(f"{f.code} {f.message}")


def conflict_panel() -> None:
    """Show a pending conflict with a diff and the three ways out; never loses either side."""
    conflict: SaveConflict | None = st.session_state.get("sv_conflict")
    if conflict is None:
        return
    st.warning(f"{conflict} Choose what to keep.", icon=":material/merge:")
    st.code(conflict.diff or "(no textual difference)", language="diff")
    c1, c2, c3 = st.columns(3)
    if c1.button("Keep mine as a fork", key="sv_keep_fork"):
        store = query_store()
        from portal.library import parse_query

        mine = parse_query(conflict.mine, conflict.query_id)
        fork_id = f"{conflict.query_id}_{current_user().name}"
        try:
            store.fork(mine, current_user(), fork_id, f"{mine.title} ({current_user().name})")
            st.success(f"Your version is saved as {fork_id}.")
            del st.session_state.sv_conflict
        except (SaveRefused, SaveConflict) as err:
            st.error(str(err))
    if c2.button("Take theirs", key="sv_take_theirs"):
        from portal.library import parse_query
        from portal.library.store import version_of

        theirs = parse_query(conflict.theirs, conflict.query_id, version_of(conflict.theirs))
        st.session_state.wb_sql_pending = theirs.sql
        st.session_state.wb_opened_query = theirs
        del st.session_state.sv_conflict
        st.rerun()
    if c3.button("Merge by hand", key="sv_merge"):
        from portal.library import parse_query

        st.session_state.wb_sql_pending = (parse_query(conflict.mine, conflict.query_id).sql
                                           + "\n-- ===== their version =====\n"
                                           + "\n".join("-- " + line for line in parse_query(conflict.theirs, conflict.query_id).sql.splitlines()))
        from portal.library.store import version_of

        st.session_state.wb_opened_query = parse_query(conflict.theirs, conflict.query_id, version_of(conflict.theirs))
        del st.session_state.sv_conflict
        st.rerun()

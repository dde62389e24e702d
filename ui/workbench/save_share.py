"""The workbench's Save and Share expanders, over ui.save_dialog and portal.library.share."""

from __future__ import annotations

import streamlit as st

from portal.library import SavedQuery, share_query, share_sql
from portal.library.share import absolute
from portal.workbench.params import Param, ParamError, bind
from ui.resources import site_base
from ui.save_dialog import conflict_panel, save_form
from ui.text import caption_text


def save_and_share(
    sql: str, names: list[str], opened: SavedQuery | None, declared: list[Param], values: dict
) -> SavedQuery | None:
    """Draw both; returns the saved query when a save just happened."""
    S = st.session_state
    if opened:
        caption_text(f"Opened saved query {opened.title} ({opened.id}, {opened.status})")
    if S.get("sv_conflict"):
        S["wb_save_box"] = True  # a conflict is answered inside the form: keep it open
    # Keyed and tracked, the expander keeps its open state when a Run changes the page above it
    # (untracked, the first edit after a Run re-created it collapsed: issue #25, defect 3).
    with st.expander("Save", icon=":material/save:", key="wb_save_box", on_change="rerun"):
        saved = save_form(sql, names, opened)
    resolved = conflict_panel()
    if resolved is not None:  # "take theirs" or "merge by hand": load that text into the editor
        S.wb_sql_pending, S.wb_opened_query = resolved
        st.rerun()
    opened = saved or opened  # just saved: the link points at the saved query, not at this SQL
    with st.expander("Share", icon=":material/share:"):
        unchanged = opened is not None and opened.sql.strip() == sql.strip()
        try:
            suffix = share_query(opened.id, bind(sql, declared, values)) if unchanged else share_sql(sql)
        except ParamError:
            suffix = share_query(opened.id, {}) if unchanged else share_sql(sql)
        st.caption("Saved query with its parameter values" if unchanged else "This SQL, compressed into the link")
        st.code(absolute(site_base(), "/workbench" + suffix), language=None)
    return saved

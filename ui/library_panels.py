"""Panels of the Saved queries page: trash, revision history and curation (widgets only; the store
decides who may do what)."""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from portal.identity import User
from portal.library import PermissionDenied, QueryStore, SaveConflict, SavedQuery, SaveRefused
from portal.library.store import diff_text
from ui.text import caption_text, error_text


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def trash_panel(store: QueryStore, user: User) -> None:
    trash = store.trash()
    if not trash:
        return
    with st.expander(f"Trash ({len(trash)})", icon=":material/delete:"):
        for qid, path in trash:
            t1, t2 = st.columns([4, 1])
            t1.text(f"{qid} · deleted {_when(path.stat().st_mtime)}")
            if t2.button("Restore", key=f"lib_untrash_{path.name}"):
                try:
                    store.restore_from_trash(path, user)
                    st.rerun()
                except (SaveRefused, PermissionDenied) as err:
                    error_text(err)


def history_tab(store: QueryStore, q: SavedQuery, user: User) -> None:
    revs = store.revisions(q.id)
    if not revs:
        st.caption("No revisions recorded yet (the file predates the portal's history).")
    for r in reversed(revs):
        st.text(f"#{r.number} · {_when(r.when)} · {r.user} · {r.message}")
    if len(revs) < 2:
        return
    nums = [r.number for r in revs if r.text]
    a, b = st.columns(2)
    ra = a.selectbox("Compare revision", nums, index=max(0, len(nums) - 2), key="lib_rev_a")
    rb = b.selectbox("with", nums, index=len(nums) - 1, key="lib_rev_b")
    ta = next(r.text for r in revs if r.number == ra)
    tb = next(r.text for r in revs if r.number == rb)
    st.code(diff_text(ta, tb, f"#{ra}", f"#{rb}") or "(identical)", language="diff")
    if store.can_edit(user, q) and st.button(f"Restore revision #{ra}", key="lib_restore_rev"):
        try:
            store.restore_revision(q.id, ra, user, q.version)
            st.rerun()
        except (SaveConflict, SaveRefused, PermissionDenied) as err:
            error_text(err)


def manage_tab(store: QueryStore, q: SavedQuery, user: User) -> bool:
    """Curation and trash; returns True when the query was moved to the trash."""
    if user.is_data_team:
        for col, status in zip(st.columns(3), ("curated", "draft", "deprecated"), strict=True):
            if q.status != status and col.button(f"Mark {status}", key=f"lib_mark_{status}"):
                try:
                    store.save(replace(q, status=status), user, q.version, message=f"marked {status}")
                    st.rerun()
                except (SaveConflict, SaveRefused, PermissionDenied) as err:
                    error_text(err)
    else:
        st.caption("Only the data team can curate or deprecate queries.")
    if not store.can_edit(user, q):
        caption_text(f"This query is {q.status}: fork it in the workbench to change it.")
        return False
    if st.button("Move to trash", key="lib_delete", icon=":material/delete:"):
        try:
            store.delete(q.id, user, q.version)
            return True
        except (SaveConflict, PermissionDenied) as err:
            error_text(err)
    return False

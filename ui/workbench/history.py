"""The workbench's History expander: search and restore this person's recent statements."""

from __future__ import annotations

import time

import streamlit as st

from portal.workbench.history import History
from ui.resources import result_store
from ui.sign_in import current_user


def owner_name() -> str:
    return current_user().name


def history_panel(history: History, owner: str) -> str | None:
    """Draw the panel (only when open); returns SQL to restore into the editor."""
    box = st.expander("History", icon=":material/history:", key="wb_history_open", on_change="rerun")
    if not box.open:  # drawn only when open, so every Run stays light
        return None
    with box:
        jobs = result_store().jobs(owner_name(), limit=10)
        if jobs:
            st.caption("Runs that went on in the background (a link brings each back, answer included, for a week):")
            for job in jobs:
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created))
                rows = f" · {job.rows:,} rows" if job.rows is not None else ""
                st.page_link(
                    "pages/workbench.py",
                    label=f"{when} · {job.status}{rows} · {job.sql.strip()[:60]}",
                    query_params={"job": job.id},
                    icon=":material/cloud_sync:",
                )
        q = st.text_input("Search your history", key="wb_hist_search")
        for entry in history.recent(owner, q, limit=30):
            h1, h2 = st.columns([5, 1])
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.ran_at))
            detail = f"{entry.row_count:,} rows" if entry.row_count is not None else (entry.error or "")[:80]
            dur = f" · {entry.seconds * 1000:.0f} ms" if entry.seconds else ""
            h1.text(f"{when} {entry.status}{dur} · {detail}")
            h1.code(entry.sql.strip()[:300], language="sql")
            if h2.button("Restore", key=f"wb_restore_{entry.id}"):
                return entry.sql
    return None

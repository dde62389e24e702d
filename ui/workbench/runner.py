"""Running the workbench's queued statements, one per script run, so a Cancel click lands between
them; shows the queue position while the statement waits for a worker."""

from __future__ import annotations

import streamlit as st

from portal.warehouse.runner import BackgroundRun
from portal.workbench.history import History
from portal.workbench.run_plan import Step, error_mark, outcome


def run_next(session, history: History, history_key: str, origin: str) -> None:
    """Run (or finish waiting for) the next statement; reruns the page while more are queued, or
    when an error position must reach the editor's gutter."""
    S = st.session_state
    job = (
        S.get("wb_running")
        or BackgroundRun(session, (step := S.wb_queue.pop(0)).sql, step.params, origin=origin).start()
    )
    S.wb_running, step = job, Step(job.sql, job.params or {})
    status = st.empty()
    while not job.wait(0.1):
        waiting = session.queue_position
        status.info(
            f"Waiting for a free worker: position {waiting:d} in the queue… {job.elapsed:.1f} s"
            if waiting
            else f"Running… {job.elapsed:.1f} s (Cancel stops only your query)",
            icon=":material/hourglass_top:",
        )
    status.empty()
    del S["wb_running"]
    record = outcome(step, job.result, job.error, job.elapsed)
    history.record(history_key, record.sql, record.seconds, record.row_count, record.status, record.error)
    S.wb_results = [*S.get("wb_results", []), (step, job.result, job.error)]
    marked = bool(job.error and (mark := error_mark(job.error, step.sql, S.wb_sql)))
    if marked:
        S.wb_marks = [*(S.get("wb_marks") or []), mark]
    if job.error and job.error.kind == "cancelled":
        S.wb_queue = []
    if S.get("wb_queue") or marked:
        st.rerun()

"""Running the workbench's queued statements, one per script run, so a Cancel click lands between
them. Each statement is a background job (issue #33): it runs on the server under the background time
limit, the URL carries `?job=…` while it runs, and a reloaded or reopened tab re-attaches to it;
Cancel reaches it from any tab through the result store."""

from __future__ import annotations

import time

import streamlit as st

from portal.results.jobs import as_error, as_query_result
from portal.results.store import warehouse_version
from portal.workbench.history import History
from portal.workbench.run_plan import Step, error_mark, outcome
from ui.resources import job_runner, result_store, settings
from ui.sessions import job_session, result_role
from ui.sign_in import current_user
from ui.text import plain

BACKGROUND_AFTER = 3.0  # seconds: then the page says the run continues without it


def start_job(step: Step, origin: str) -> str:
    cfg = settings()
    rid = job_runner().start(
        job_session(),
        step.sql,
        step.params,
        cfg.limits.max_rows,
        cfg.limits.background_timeout_seconds,
        result_role(),
        warehouse_version(cfg.warehouse_path),
        origin,
    )
    if address := st.session_state.get("wb_notify_to"):  # checked when it was set (notify_box)
        job_runner().mail_when_done(rid, address)
    return rid


def notify_box(container) -> None:
    """E-mail me when a run finishes: for runs long enough to leave the tab."""
    from pydantic import TypeAdapter, ValidationError

    from portal.config_schema import Address
    from ui.text import caption_text, error_text

    with container.popover("Notify", icon=":material/mail:", help="E-mail me when a run finishes"):
        text = st.text_input("E-mail me when a run finishes", key="wb_notify_email", placeholder="you@company.com")
        try:
            st.session_state.wb_notify_to = TypeAdapter(Address).validate_python(text.strip()) if text.strip() else None
        except ValidationError:
            st.session_state.wb_notify_to = None
            error_text(f"{text!r} is not one e-mail address.")
        if st.session_state.wb_notify_to:
            caption_text(f"Runs from now on mail {st.session_state.wb_notify_to} when they finish.")


def run_next(session, history: History, history_key: str, origin: str) -> None:
    """Run (or re-attach to) the next statement; reruns the page while more are queued, or when an
    error position must reach the editor's gutter."""
    S = st.session_state
    store, user = result_store(), current_user()
    rid = S.get("wb_job") or start_job(S.wb_queue.pop(0), origin)
    S.wb_job = rid
    st.query_params["job"] = rid  # a reload or a new tab with this link re-attaches
    status = st.empty()
    began = time.time()
    while (job := store.get(rid, user.name, result_role())) is not None and not job.finished:
        if not job_runner().running_here(rid):
            store.recover()  # its server is gone: failed with a reason once its heartbeat is stale
        waited = time.time() - job.created
        status.info(
            f"Running… {waited:.1f} s (Cancel stops only your query)"
            + (
                ". It keeps running on the server: you may reload or close this tab; this page's link brings you back."
                if waited > BACKGROUND_AFTER
                else ""
            ),
            icon=":material/hourglass_top:",
        )
        job_runner().wait(rid, 0.2) if job_runner().running_here(rid) else time.sleep(0.5)
    status.empty()
    del S["wb_job"]
    if "job" in st.query_params:
        del st.query_params["job"]
    if job is None:
        return
    step = Step(job.sql, job.params)
    try:
        result, error = (as_query_result(job, store.read(job)), None) if job.status == "done" else (None, as_error(job))
    except FileNotFoundError:
        result, error = None, as_error(job)
    if time.time() - began > BACKGROUND_AFTER or job.created < began - 1:
        st.toast(plain(f"Your query finished: {job.status}."), icon=":material/done_all:")
    record = outcome(step, result, error, (job.computed_at or time.time()) - job.created)
    history.record(history_key, record.sql, record.seconds, record.row_count, record.status, record.error)
    S.wb_results = [*S.get("wb_results", []), (step, result, error)]
    marked = bool(error and (mark := error_mark(error, step.sql, S.wb_sql)))
    if marked:
        S.wb_marks = [*(S.get("wb_marks") or []), mark]
    if error and error.kind == "cancelled":
        S.wb_queue = []
    if S.get("wb_queue") or marked:
        st.rerun()


def reattach(set_sql) -> None:
    """`?job=…` in the URL: show that run (still running, or its answer), if it is this person's."""
    S = st.session_state
    rid = st.query_params.get("job")
    if not rid or rid in (S.get("wb_job"), S.get("wb_seen_job")):
        return
    S.wb_seen_job = rid
    job = result_store().get(rid, current_user().name, result_role())
    if job is None:
        from ui.text import warning_text

        warning_text("That run is not one of yours, or it is no longer kept (answers are kept for a while).")
        del st.query_params["job"]
        return
    set_sql(job.sql)
    S.wb_job, S.wb_queue, S.wb_results = rid, [], []

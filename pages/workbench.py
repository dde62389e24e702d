"""SQL workbench: editor, schema browser, lint, size guard, run/cancel, results, charts, history.

Layout only: what a Run means is `portal.workbench.run_plan`; every statement goes through this
browser session's warehouse session (worker processes, limits, cancel)."""

from __future__ import annotations

import streamlit as st

from portal.demo.sample import demo_sample
from portal.workbench.completions import schema_payload, starter_sql
from portal.workbench.formatting import format_sql
from portal.workbench.history import History
from portal.workbench.params import find_params
from portal.workbench.run_plan import lint_script, plan_run
from ui.editor import sql_editor
from ui.resources import result_store, settings
from ui.role_facts import catalog
from ui.sessions import engine_session
from ui.sign_in import current_user
from ui.text import caption_text, error_text, success_text, warning_text
from ui.workbench.history import history_panel
from ui.workbench.links import open_link
from ui.workbench.lint_panel import lint_panel
from ui.workbench.params import param_panel
from ui.workbench.results import result_tabs
from ui.workbench.runner import notify_box, reattach, run_next
from ui.workbench.save_share import save_and_share
from ui.workbench.schema import schema_sidebar

S = st.session_state
cfg, user, cat = settings(), current_user(), catalog()
S.setdefault("wb_sql", starter_sql(cat, demo_sample(cat, cfg.demo)))
S.setdefault("wb_editor_rev", 0)
history = History(cfg.state)


def set_sql(text: str) -> None:
    """Replace the editor content (restore from history, format, schema click, links)."""
    S.wb_sql = text
    S.wb_editor_rev += 1


open_link(set_sql)  # ?q=team/name&p_x=… or ?sql=…: loads, never runs by itself
reattach(set_sql)  # ?job=…: a run that went on without this tab
if S.get("wb_sql_pending"):
    set_sql(S.pop("wb_sql_pending"))

st.title("SQL workbench")
left, right = st.columns([3, 2], gap="medium")
with left:
    # filled once this run's findings are known, so the gutter shows them at once; a container, not
    # st.empty: the old editor stays on screen meanwhile and keeps the keyboard focus after a run
    editor_slot = st.container()
    event = S.get("wb_editor")  # the editor's last event (its widget value) arrives before it is drawn
    if event and event.get("text") is not None and event.get("id"):
        S.wb_sql = event["text"]
        S.wb_cursor = event.get("cursor") or S.get("wb_cursor")
    b1, b2, b3, b4, b5, b6 = st.columns([1, 1, 1, 1, 1.2, 1.1], vertical_alignment="center")
    run_clicked = b1.button(
        "Run",
        type="primary",
        icon=":material/play_arrow:",
        key="wb_run",
        help="Runs the selection, or every statement (Ctrl/Cmd+Enter in the editor).",
    )
    lint_clicked = b2.button("Lint", icon=":material/rule:", key="wb_lint")
    if b3.button("Format", icon=":material/format_align_left:", key="wb_format"):
        try:
            set_sql(format_sql(S.wb_sql))
            st.rerun()
        except ValueError as err:
            error_text(err)
    if b4.button("Cancel", icon=":material/stop:", key="wb_cancel", disabled="wb_job" not in S) and "wb_job" in S:
        result_store().request_cancel(S.wb_job, user.name)  # reaches the job from any tab or server
    b5.toggle("Wrap", key="wb_wrap", help="Wrap long lines in the editor instead of scrolling sideways.")
    notify_box(b6)

submitted = bool(event and event.get("type") == "submit" and event.get("id") != S.get("wb_last_event"))
if submitted:
    S.wb_last_event = event["id"]
sql_to_run = event["selected"] if submitted and (event.get("selected") or "").strip() else S.wb_sql

opened = S.get("wb_opened_query")
names = find_params(S.wb_sql)
declared, values = param_panel(left, names, opened, cat.data_through)

if lint_clicked and not (run_clicked or submitted):
    S.wb_findings, S.wb_marks = lint_script(sql_to_run, cat, engine_session(), cfg)
if run_clicked or submitted:
    plan = plan_run(sql_to_run, declared, values, engine_session(), cat, cfg)
    S.wb_findings, S.wb_marks = plan.findings, plan.marks
    for record in plan.history:
        history.record(user.history_key, record.sql, record.seconds, record.row_count, record.status, record.error)
    S.wb_plan = plan
if S.get("wb_run_anyway"):
    S.wb_plan, S.wb_run_anyway = S.wb_plan.confirmed(), False

with right:
    with st.container(height=330, border=False):  # in view at 1440x900, beside the editor
        inserted = schema_sidebar(cat, S.wb_sql, S.get("wb_cursor"))
    if inserted is not None:
        set_sql(inserted)
        st.rerun()
    if (fixed := lint_panel(S.get("wb_findings"), S.wb_sql, cat)) is not None:
        set_sql(fixed)
        S.wb_findings = None
        st.rerun()

with editor_slot:
    sql_editor(
        S.wb_sql,
        schema_payload(cat),
        S.wb_editor_rev,
        key="wb_editor",
        annotations=S.get("wb_marks"),
        wrap=S.get("wb_wrap", False),
    )

plan = S.get("wb_plan")
if plan is not None and plan.blocked:
    error_text(plan.blocked)
    S.wb_plan, S.wb_stale = None, bool(S.get("wb_results"))
elif plan is not None and plan.confirm:
    warning_text(plan.confirm)
    if st.button("Run anyway", key="wb_run_anyway_btn"):
        S.wb_run_anyway = True
        st.rerun()
elif plan is not None and plan.ready:
    S.wb_plan, S.wb_results, S.wb_queue, S.wb_stale = None, [], list(plan.steps), False
    for text in plan.estimates:
        caption_text(text)
if S.get("wb_job") or S.get("wb_queue"):  # one statement per script run; a Cancel click lands in between
    run_next(engine_session(), history, user.history_key, "workbench link" if S.get("wb_link_seen") else "workbench")

if S.get("wb_results"):
    result_tabs(S.wb_results, engine_session(), cfg.limits, S.get("wb_stale", False))
saved = save_and_share(S.wb_sql, names, opened, declared, values)
if saved is not None:
    S.wb_opened_query = saved
    success_text(f"Saved as {saved.id}.")
if (restored := history_panel(history, user.history_key)) is not None:
    set_sql(restored)
    st.rerun()

"""SQL workbench: editor, schema browser, lint, size guard, run/cancel, results, charts, history."""

from __future__ import annotations

import time

import streamlit as st

from portal.library import HeaderError, SaveRefused, decode_sql, share_query, share_sql
from portal.library.share import ShareError, params_from_url
from portal.reporting.charts import CHART_KINDS, chart, default_chart
from portal.warehouse.errors import QueryError
from portal.warehouse.guard import judge
from portal.warehouse.runner import BackgroundRun
from portal.warehouse.statements import split_statements
from portal.workbench.completions import schema_payload
from portal.workbench.formatting import format_sql, insert_at
from portal.workbench.history import History
from portal.workbench.lint import has_errors, lint
from portal.workbench.params import TYPES, Param, ParamError, bind, find_params, guess_type
from ui.editor import sql_editor
from ui.params_widgets import param_input, widget_key, widget_value
from ui.save_dialog import conflict_panel, save_form
from ui.state import catalog, current_user, engine_session, plain, query_store, settings

S = st.session_state
S.setdefault("wb_sql", "SELECT platform, browser, count(*) AS users\nFROM analytics.users\nGROUP BY ALL\nORDER BY users DESC\n")
S.setdefault("wb_editor_rev", 0)
cfg = settings()
user = current_user()
cat = catalog()
history = History(cfg.state_dir)


def set_sql(text: str) -> None:
    """Replace the editor content (restore from history, format, schema click)."""
    S.wb_sql = text
    S.wb_editor_rev += 1


# Links: ?q=team/name&p_x=… opens a saved query, ?sql=… a shared unsaved one. Nothing runs by itself:
# the SQL then goes through the same lint, guard and engine as typed SQL.
link = (st.query_params.get("q"), st.query_params.get("sql"))
if any(link) and S.get("wb_link_seen") != link:
    S.wb_link_seen = link
    try:
        if link[0]:
            opened_q = query_store().get(link[0])
            S.wb_opened_query = opened_q
            set_sql(opened_q.sql)
            url_values = params_from_url(dict(st.query_params))
            for p in opened_q.params:
                value = url_values.get(p.name, p.default)
                if value is not None:
                    S[f"wb_ptype_{p.name}"] = p.type
                    S[widget_key(p.name, p.type)] = widget_value(p, value)
        else:
            S.pop("wb_opened_query", None)
            set_sql(decode_sql(link[1]))
    except (KeyError, ShareError, SaveRefused, HeaderError, ParamError) as err:
        st.error(f"Could not open the link: {err}")
if S.get("wb_sql_pending"):
    set_sql(S.pop("wb_sql_pending"))


# ---------------------------------------------------------------- sidebar: schema browser + history
with st.sidebar:
    st.subheader("Schema")
    needle = st.text_input("Search tables and columns", key="wb_schema_search", placeholder="e.g. campaign")
    for table in cat.search(needle):
        label = f"{table.full_name} · {table.row_count:,}" + (" · raw dump" if table.is_raw else "")
        exp = st.expander(label, expanded=bool(needle) and len(cat.search(needle)) <= 3, key=f"wb_exp_{table.full_name}",
                          on_change="rerun")
        if not exp.open:  # columns are drawn only for open tables: every rerun stays light
            continue
        with exp:
            if table.is_raw:
                st.warning(f"Unstable production dump. Use **{table.replacement or 'an analytics table'}** instead.",
                           icon=":material/warning:")
            st.caption(table.description)
            if st.button("Insert name", key=f"wb_ins_{table.full_name}", icon=":material/add:"):
                set_sql(insert_at(S.wb_sql, S.get("wb_cursor"), table.full_name) if S.wb_sql.strip()
                        else f"SELECT *\nFROM {table.full_name}\n")
                st.rerun()
            st.dataframe(
                [{"column": c.name, "type": c.type, "description": c.description} for c in table.columns],
                hide_index=True, key=f"wb_cols_{table.full_name}", height=min(36 * (len(table.columns) + 1), 300),
            )

# ---------------------------------------------------------------- editor and lint panel
st.title("SQL workbench")
left, right = st.columns([3, 2], gap="medium")
with left:
    event = sql_editor(S.wb_sql, schema_payload(cat), S.wb_editor_rev, key="wb_editor", annotations=S.get("wb_marks"))
    if event and event.get("text") is not None and event.get("id"):
        S.wb_sql = event["text"]
        S.wb_cursor = event.get("cursor") or S.get("wb_cursor")
    b1, b2, b3, b4 = st.columns(4)
    run_clicked = b1.button("Run", type="primary", icon=":material/play_arrow:", key="wb_run",
                            help="Runs the selection, or every statement (Ctrl/Cmd+Enter in the editor).")
    lint_clicked = b2.button("Lint", icon=":material/rule:", key="wb_lint")
    if b3.button("Format", icon=":material/format_align_left:", key="wb_format"):
        set_sql(format_sql(S.wb_sql))
        st.rerun()
    cancel_clicked = b4.button("Cancel", icon=":material/stop:", key="wb_cancel", disabled="wb_running" not in S)

submitted = bool(event and event.get("type") == "submit" and event.get("id") != S.get("wb_last_event"))
if submitted:
    S.wb_last_event = event["id"]
sql_to_run = S.wb_sql
if submitted and (event.get("selected") or "").strip():
    sql_to_run = event["selected"]

# Parameters: one typed widget per $name, shared syntax with saved queries.
names = find_params(S.wb_sql)
declared: list[Param] = []
values: dict[str, object] = {}
opened = S.get("wb_opened_query")
known = {p.name: p for p in (opened.params if opened else ())}
if names:
    with left.container(border=True):
        st.caption("Parameters (bound as values, never pasted into the SQL)")
        for name in names:
            c1, c2 = st.columns([1, 3])
            first = known[name].type if name in known else guess_type(name)
            typ = c1.selectbox(f"${name} type", TYPES, index=TYPES.index(first), key=f"wb_ptype_{name}")
            values[name] = param_input(c2, name, typ, known.get(name) if name in known and known[name].type == typ else None)
            base = known.get(name)
            declared.append(Param(name, typ, base.default if base and base.type == typ else None,
                                  base.choices if base and base.type == typ else ()))

findings = []
if run_clicked or submitted or lint_clicked:
    findings = lint(sql_to_run, cat, engine_session(), cfg.lint) if len(split_statements(sql_to_run)) == 1 else [
        f for stmt in split_statements(sql_to_run) for f in lint(stmt, cat, engine_session(), cfg.lint)]
    S.wb_findings = findings
    S.wb_marks = [{"row": f.line - 1, "column": f.col - 1, "type": f.severity, "text": f"{f.code} {f.message}"}
                  for f in findings if len(split_statements(sql_to_run)) == 1]
with right:
    st.subheader("Lint")
    shown = S.get("wb_findings")
    if shown is None:
        st.caption("Findings appear here on every run, or press Lint.")
    elif not shown:
        st.success("No findings.", icon=":material/check:")
    else:
        for f in shown:
            box = {"error": st.error, "warning": st.warning, "info": st.info}[f.severity]
            box(f"**{f.code}** line {f.line}:{f.col} · {f.message}" + (f"  \n*Fix:* {f.fix}" if f.fix else ""))

# ---------------------------------------------------------------- run with guard, cancel, history
if cancel_clicked and "wb_running" in S:
    S.wb_running.cancel()


def start_runs(statements: list[str], params: dict) -> None:
    S.wb_results = []
    S.wb_queue = list(statements)
    S.wb_params = params
    S.pop("wb_guard", None)


if run_clicked or submitted or S.get("wb_run_anyway"):
    try:
        statements = split_statements(sql_to_run) if not S.get("wb_run_anyway") else S.wb_pending
        params = {} if not names else bind(S.wb_sql, declared, values)
    except ParamError as err:
        st.error(str(err))
        statements = []
    if statements and has_errors(findings) and not S.get("wb_run_anyway"):
        st.error("Fix the lint errors above before running.", icon=":material/error:")
        history.record(user.name, sql_to_run, None, None, "error", findings[0].message)
    elif statements:
        rows = {t.full_name: t.row_count for t in cat.tables}
        verdicts = []
        for stmt in statements:
            stmt_params = {k: v for k, v in params.items() if k in find_params(stmt)}
            try:
                verdicts.append(judge(engine_session().estimate(stmt, stmt_params, rows), cfg.guard))
            except QueryError:
                verdicts.append(None)  # the run itself reports the error with its position
        worst = max((v for v in verdicts if v), key=lambda v: ["ok", "warn", "refuse"].index(v.level), default=None)
        if worst and worst.level == "refuse":
            st.error(worst.message, icon=":material/block:")
            history.record(user.name, sql_to_run, None, None, "refused", worst.message)
        elif worst and worst.level == "warn" and not S.get("wb_run_anyway"):
            S.wb_guard = worst.message
            S.wb_pending = statements
            S.wb_pending_params = params
        else:
            start_runs(statements, S.get("wb_pending_params", params) if S.get("wb_run_anyway") else params)
            for v in verdicts:
                if v:
                    st.caption(f"Estimate: {v.message}")
    S.wb_run_anyway = False

if S.get("wb_guard"):
    st.warning(S.wb_guard, icon=":material/warning:")
    if st.button("Run anyway", key="wb_run_anyway_btn"):
        S.wb_run_anyway = True
        S.wb_guard = None
        st.rerun()

if S.get("wb_queue"):
    stmt = S.wb_queue.pop(0)
    stmt_params = {k: v for k, v in S.wb_params.items() if k in find_params(stmt)}
    job = BackgroundRun(engine_session(), stmt, stmt_params).start()
    S.wb_running = job
    status = st.empty()
    while not job.wait(0.1):
        status.info(f"Running… {job.elapsed:.1f} s (Cancel stops only your query)", icon=":material/hourglass_top:")
    status.empty()
    del S["wb_running"]
    if job.error:
        history.record(user.name, stmt, job.elapsed, None, job.error.kind if job.error.kind != "failed" else "error",
                       job.error.message)
    else:
        history.record(user.name, stmt, job.result.elapsed_s, job.result.row_count, "ok")
    S.wb_results.append((stmt, stmt_params, job.result, job.error))
    if job.error is not None and job.error.line and stmt.strip() == S.wb_sql.strip():
        S.wb_marks = [*(S.get("wb_marks") or []), {"row": job.error.line - 1, "column": (job.error.col or 1) - 1,
                                                    "type": "error", "text": job.error.message}]
    if S.wb_queue:
        st.rerun()

# ---------------------------------------------------------------- results
results = S.get("wb_results") or []
if results:
    tabs = st.tabs([f"Result {i + 1}" + (" ⚠" if err else "") for i, (_, _, _, err) in enumerate(results)])
    for i, (tab, (stmt, stmt_params, res, err)) in enumerate(zip(tabs, results, strict=True)):
        with tab:
            st.code(stmt.strip()[:400], language="sql")
            if err:
                where = f" (line {err.line}, column {err.col})" if err.line else ""
                st.error(f"{err.message}{where}", icon=":material/error:")
                if err.line:
                    lines = stmt.splitlines()
                    if 0 < err.line <= len(lines):
                        st.code(lines[err.line - 1] + "\n" + " " * ((err.col or 1) - 1) + "^", language=None)
                continue
            st.caption(f"{res.row_count:,} rows · {res.elapsed_s * 1000:.0f} ms")
            if res.truncated:
                st.warning(f"Truncated at {res.max_rows:,} rows. Download the full result (up to "
                           f"{cfg.limits.download_max_rows:,} rows) below.", icon=":material/content_cut:")
            st.dataframe(res.frame, hide_index=True, height=360)
            d1, d2, _ = st.columns([1, 1, 3])
            for col, fmt, mime in ((d1, "csv", "text/csv"), (d2, "parquet", "application/octet-stream")):
                col.download_button(
                    f"Download {fmt.upper()}",
                    data=lambda stmt=stmt, p=stmt_params, fmt=fmt: engine_session().download(stmt, p, fmt)[0],
                    file_name=f"result_{i + 1}.{fmt}", mime=mime, key=f"wb_dl_{fmt}_{i}", on_click="ignore",
                )
            if len(res.frame.columns) >= 2 and len(res.frame):
                chart_box = st.expander("Chart", icon=":material/bar_chart:", key=f"wb_chart_open_{i}", on_change="rerun")
                if not chart_box.open:  # built only when asked for: a Run stays light, and stays open once opened
                    continue
                with chart_box:
                    guess = default_chart(res.frame)
                    cols = list(res.frame.columns)
                    c1, c2, c3, c4 = st.columns(4)
                    kind = c1.selectbox("Type", CHART_KINDS, index=CHART_KINDS.index(guess["kind"]), key=f"wb_ck_{i}")
                    x = c2.selectbox("x", cols, index=cols.index(guess["x"]) if guess["x"] in cols else 0, key=f"wb_cx_{i}")
                    y = c3.selectbox("y", cols, index=cols.index(guess["y"]) if guess["y"] in cols else min(1, len(cols) - 1),
                                     key=f"wb_cy_{i}")
                    color = c4.selectbox("Colour", [None, *cols], key=f"wb_cc_{i}")
                    try:
                        st.altair_chart(chart(res.frame, kind, x, y, color), width="stretch")
                    except ValueError as exc:
                        st.info(str(exc))

# ---------------------------------------------------------------- save and share
if opened:
    st.caption(f"Opened saved query **{plain(opened.title)}** ({opened.id}, {opened.status})")
with st.expander("Save", icon=":material/save:", expanded=bool(S.get("sv_conflict"))):
    save_form(S.wb_sql, names, opened)
conflict_panel()
with st.expander("Share", icon=":material/share:"):
    unchanged = opened is not None and opened.sql.strip() == S.wb_sql.strip()
    try:
        suffix = share_query(opened.id, bind(S.wb_sql, declared, values)) if unchanged else share_sql(S.wb_sql)
    except ParamError:
        suffix = share_query(opened.id, {}) if unchanged else share_sql(S.wb_sql)
    st.caption("Saved query with its parameter values" if unchanged else "This SQL, compressed into the link")
    st.code("/workbench" + suffix, language=None)

# ---------------------------------------------------------------- history
history_box = st.expander("History", icon=":material/history:", key="wb_history_open", on_change="rerun")
if history_box.open:  # drawn only when open, so every Run stays light
    with history_box:
        q = st.text_input("Search your history", key="wb_hist_search")
        for entry in history.recent(user.name, q, limit=30):
            h1, h2 = st.columns([5, 1])
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.ran_at))
            detail = f"{entry.row_count:,} rows" if entry.row_count is not None else (entry.error or "")[:80]
            dur = f" · {entry.seconds * 1000:.0f} ms" if entry.seconds else ""
            h1.markdown(f"`{when}` **{entry.status}**{dur} · {detail}")
            h1.code(entry.sql.strip()[:300], language="sql")
            if h2.button("Restore", key=f"wb_restore_{entry.id}"):
                set_sql(entry.sql)
                st.rerun()

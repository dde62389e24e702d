"""Explore: any metric by any of its dimensions, at any grain, over any dates, without SQL; or a
plain-English question. The URL holds the whole question (a share link)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.explore.answer import answer, statement
from portal.explore.question import QuestionError
from portal.library.share import share_sql
from portal.reporting.metrics import MetricError, settle
from portal.warehouse.errors import QueryError
from ui.explore import answer_chart, baking_caption, question_box, question_widgets, shown_frame
from ui.explore_save import save_panels
from ui.resources import metric_definitions, settings
from ui.role_facts import baking_windows, catalog, data_range
from ui.sessions import engine_session
from ui.tables import table
from ui.text import caption_text, error_text, info_text

st.title("Explore")
st.caption(
    "Pick metrics, filters, up to two dimensions to group by, a grain and dates, or ask in plain English. "
    "Every number is the canonical metric's, as on the dashboards."
)
try:
    metrics = settle(metric_definitions(), baking_windows())
except MetricError as err:
    error_text(err)
    st.stop()
if not metrics.metrics:
    info_text("No metrics yet: the data team defines them in metrics.toml ([paths] metrics in portal.toml).")
    st.stop()
question_box(metrics, "ex_ask")
q = question_widgets(metrics)
if q is None:
    st.stop()
st.query_params.from_dict(q.to_params())  # the address bar is the share link
through = catalog().data_through
span = data_range()
if not through:
    info_text("No data yet: the events table is empty (or [model] freshness names an empty column).")
    st.stop()
try:
    a = answer(engine_session(), metrics, q, date.fromisoformat(through[:10]), span[0] if span else None)
except (QuestionError, MetricError) as err:
    error_text(err)
    st.stop()
except QueryError as err:
    error_text(err.message)
    st.stop()
caption_text(a.caption())
if a.frame.empty:
    info_text("No rows: nothing happened in this range with these filters.")
    st.stop()
answer_chart(a)
baking_caption(a)
table(shown_frame(a), key="ex_table", kinds={f"{m}_change": "percent" for m in q.metrics})
with st.expander("SQL (read-only)"):
    sql, params = statement(settings().model, metrics, q)
    st.code(sql, language="sql")
    caption_text(
        "Parameters: " + ", ".join(f"${p}" for p in params) + ". Top N and the comparison are applied to its rows."
    )
    st.page_link("pages/workbench.py", label="Open in workbench", icon=":material/code:",
                 query_params=dict(p.split("=", 1) for p in share_sql(sql).lstrip("?").split("&")))  # fmt: skip
save_panels(q, metrics, a)

"""Widgets of the Explore page and the question box (Home and Explore). The question lives in the
URL in `Question.to_params` form; the widgets are its editable chips."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.explore.ask import parse
from portal.explore.question import GRAINS, Question, QuestionError
from portal.explore.service import vocabulary_for
from portal.reporting.charts import chart
from portal.reporting.measures import dimension_values
from portal.reporting.metrics import MetricError, MetricSet
from ui.sessions import engine_session
from ui.text import caption_text, error_text, info_text

RANGES = ["last 7 days", "last 30 days", "last 12 weeks", "this month", "last month", "this quarter",
          "last quarter", "this year", "last year", "all time"]  # fmt: skip
STATE_KEYS = ("ex_metrics", "ex_by", "ex_grain", "ex_range", "ex_compare", "ex_top", "ex_bottom")


def go_to(q: Question) -> None:
    """Open Explore on `q` (its URL is the share link)."""
    for k in [k for k in st.session_state if str(k).startswith(("ex_f_", *STATE_KEYS))]:
        del st.session_state[k]
    st.switch_page("pages/explore.py", query_params=q.to_params())


def question_box(metrics, key: str) -> None:
    """Ask in plain English: a question it can place opens Explore with what it understood; a word it
    cannot place is named, with the closest names it knows; two readings are offered, none picked.
    `metrics` is the MetricSet, or a function returning it (read only when a question is asked)."""
    with st.form(f"{key}_form", border=False, enter_to_submit=True):
        c1, c2 = st.columns([6, 1], vertical_alignment="bottom")
        text = c1.text_input("Ask a question", key=key, max_chars=500, placeholder="orders by country since 2026-08-01")
        asked = c2.form_submit_button("Ask", type="primary", width="stretch")
    if not (asked and text and text.strip()):
        return
    try:
        metrics = metrics() if callable(metrics) else metrics
    except MetricError as err:
        error_text(f"Questions need the metric definitions: {err}")
        return
    parsed = parse(text, vocabulary_for(engine_session(), metrics))
    if parsed.question is not None:
        go_to(parsed.question)
    error_text(parsed.message()) if not parsed.choices else info_text(parsed.message())
    for i, q in enumerate(parsed.choices):
        label = " · ".join(t for _, t in q.words())
        if st.button(label, key=f"{key}_choice_{i}"):
            go_to(q)


def _start_from_url(metrics: MetricSet) -> Question | None:
    """The question in the URL, set into the widgets once (a share link opens as it was)."""
    params = {k: st.query_params.get(k) for k in st.query_params}
    if "ex_metrics" not in params or "ex_metrics" in st.session_state:
        return None
    try:
        q = Question.from_params(params)
    except QuestionError as err:
        error_text(f"This link's question cannot be read: {err}")
        return None
    st.session_state.ex_metrics = [m for m in q.metrics if m in metrics.metrics]
    st.session_state.ex_by = list(q.by)
    st.session_state.ex_grain = q.grain or "total"
    st.session_state.ex_range = q.range
    st.session_state.ex_compare = q.compare
    st.session_state.ex_top = q.top
    st.session_state.ex_bottom = q.bottom
    for d, v in q.filters:
        st.session_state[f"ex_f_{d}"] = v
    return q


def question_widgets(metrics: MetricSet) -> Question | None:
    """The question as widgets (metrics, filters, group by, grain, dates, compare, top N)."""
    _start_from_url(metrics)
    names = sorted(metrics.metrics)
    chosen = st.multiselect("Metrics", names, key="ex_metrics", placeholder="revenue, orders…")
    if not chosen:
        info_text("Pick a metric, or ask a question above.")
        return None
    dims = sorted(set.intersection(*(set(metrics.dimensions_of(m)) for m in chosen)))
    c1, c2, c3, c4 = st.columns([3, 2, 3, 2])
    by = c1.multiselect("Group by", dims, key="ex_by", max_selections=2, placeholder="nothing")
    grain = c2.selectbox("Time grain", ["total", *GRAINS], key="ex_grain")
    st.session_state.setdefault("ex_range", "last 30 days")
    current = st.session_state["ex_range"]
    rng = c3.selectbox(
        "Dates", [*([current] if current not in RANGES else []), *RANGES], key="ex_range", accept_new_options=True,
        help="Relative ranges count back from the data's last day. Also: 2026-03, 2026-Q1, 2026, since 2026-02-15, 2026-01-05..2026-02-01.",
    )  # fmt: skip
    st.session_state.setdefault("ex_top", 0)
    top = c4.number_input("Top N (0: all)", 0, 1000, key="ex_top", step=1)
    f1, f2, _ = st.columns([2, 2, 6])
    compare = f1.checkbox("vs previous period", key="ex_compare")
    bottom = f2.checkbox("bottom N instead", key="ex_bottom", disabled=not top)
    filters = []
    filterable = sorted(set.intersection(*(set(metrics.filters_of(m)) for m in chosen)))
    if filterable:
        cols = st.columns(min(len(filterable), 4))
        for i, d in enumerate(filterable):
            values = ["all", *dimension_values(engine_session(), metrics, d)]
            current = st.session_state.get(f"ex_f_{d}")
            if current and current not in values:
                values.append(current)
            v = cols[i % len(cols)].selectbox(d, values, key=f"ex_f_{d}")
            if v and v != "all":
                filters.append((d, v))
    try:
        return Question(tuple(chosen), tuple(by), "" if grain == "total" else grain, rng or "last 30 days",
                        tuple(sorted(filters)), compare, int(top or 0), bool(bottom)).check()  # fmt: skip
    except QuestionError as err:
        error_text(err)
        return None


def answer_chart(a) -> None:
    """A line over time, bars for categories; one series per metric (or per the first dimension)."""
    if not a.chart or a.frame.empty:
        return
    q = a.question
    x = "period" if a.chart == "line" else q.by[0]
    values = list(q.metrics)
    frame = a.frame
    if a.partial and "period" in frame:  # ringed like a baking period: not a whole period
        cut = {p for p, _, _ in a.partial}
        frame = frame.assign(still_baking=frame["still_baking"] | frame["period"].isin(cut))
    if len(values) > 1:
        frame = frame.melt(id_vars=[x, "still_baking"], value_vars=values, var_name="metric", value_name="value")
        st.altair_chart(chart(frame, a.chart, x, "value", "metric"), width="stretch")
        return
    color = q.by[0] if a.chart == "line" and q.by else q.by[1] if len(q.by) > 1 else None
    if color:
        frame = frame.assign(**{color: frame[color].astype(str)})
    st.altair_chart(chart(frame, a.chart, x, values[0], color), width="stretch")


def baking_caption(a) -> None:
    for p, inside, length in a.partial:
        caption_text(
            f"The period from {p} has {inside} of its {length} days in the range (ringed): not a whole period."
        )
    if a.baking:
        young = a.frame[a.frame["still_baking"]]
        first = young["period"].min() if "period" in young else a.start
        caption_text(f"Ringed periods from {first} are still baking: their numbers will still change.")


def shown_frame(a) -> pd.DataFrame:
    """The answer as the table shows it: periods as dates, the baking flag only when it says something."""
    frame = a.frame.drop(columns=["still_baking"]) if not a.baking else a.frame
    if "period" in frame:
        frame = frame.assign(period=pd.to_datetime(frame["period"]))
    return frame

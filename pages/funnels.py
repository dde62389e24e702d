"""Funnels for product managers: steps, window, breakdown, statistics, drop-offs. State lives in the URL."""

from __future__ import annotations

import streamlit as st

from portal.csv_out import frame_csv
from portal.product.funnels import FunnelError, FunnelSpec, dropped_users, spec_from_form, user_levels
from portal.reporting.charts import funnel_chart
from portal.results.pages import computed_words
from ui.date_field import date_field
from ui.funnel_data import details, headline
from ui.funnel_tabs import funnel_tabs, save_funnel, segment_callouts, variant_problem
from ui.resources import model
from ui.role_facts import data_range, event_names, experiment_names
from ui.sessions import engine_session
from ui.text import caption_text, error_text, info_text

st.title("Funnels")
st.caption(
    "Where do people drop off, for whom, and is the difference real? Each person counts once: their longest chain "
    "of steps in order, all within the window from the first step. A dashboard rate that counts visits or orders "
    "differs from it by definition."
)


def dropped_csv(spec: FunnelSpec, step: int) -> bytes:
    """Built when the download is clicked: the per-user chains are recomputed then, not kept around."""
    frame = dropped_users(user_levels(engine_session(), spec), step)
    data = frame_csv(frame).encode()
    engine_session().exported(f"people who dropped after step {step} of {spec.steps}", len(frame), len(data), "funnels")
    return data


events, span = model().events, data_range()
if events is None or span is None:
    info_text(
        "Funnels read the company's events: configure [model.events] in portal.toml (docs/ADOPTING.md)"
        if events is None
        else "The events table has no events yet."
    )
    st.stop()
names, props = event_names(), list(events.properties)
c1, c2 = st.columns([3, 2])
steps_text = c1.multiselect(
    "Steps, in order (2 to 10)",
    names,
    default=[e for e in events.default_steps if e in names] or names[:2],
    key="fn_steps",
    bind="query-params",
    max_selections=10,
)
window = c2.number_input("Conversion window (days)", 1, 90, 14, key="fn_window", bind="query-params")
d1, d2, d3, d4, d5 = st.columns(5)
start = date_field(d1, "From", span[0], "fn_from")  # applies on Enter or Tab, like the dashboards' dates
end = date_field(d2, "To", span[1], "fn_to")
mode = d3.selectbox(
    "Order",
    ["sequential", "strict"],
    key="fn_mode",
    bind="query-params",
    help="sequential: other events may happen between steps; strict: they may not.",
)
breakdown = d4.selectbox(
    "Breakdown",
    ["none", *props, *(f"variant:{e}" for e in experiment_names())],
    key="fn_breakdown",
    bind="query-params",
)
breakdown2 = d5.selectbox(
    "and by",
    ["none", *props],
    key="fn_breakdown2",
    bind="query-params",
    help="A two-way breakdown: platform × browser",
)
with st.expander("Step filters (optional)"):
    f1, f2, f3 = st.columns(3)
    filter_step = f1.selectbox(
        "Step", ["none", *[f"{i + 1}. {s}" for i, s in enumerate(steps_text)]], key="fn_fstep", bind="query-params"
    )
    filter_col = f2.selectbox("Property", props or ["none"], key="fn_fcol", bind="query-params")
    filter_val = f3.text_input("equals", key="fn_fval", bind="query-params")

try:
    spec = spec_from_form(
        steps_text, filter_step, filter_col, filter_val, start, end, window, mode, breakdown, breakdown2
    )
except FunnelError as err:
    info_text(err)
    st.stop()
if problem := variant_problem(spec):  # everyone would be "not in experiment"
    error_text(problem)
    st.stop()
try:
    result = headline(spec)
except Exception as err:
    error_text(getattr(err, "message", None) or err)
    st.stop()

counts = result["counts"]
if counts.empty or counts.iloc[0]["users"] == 0:
    st.warning("Nobody did the first step in this date range.")
    st.stop()
overall = counts[counts.segment == "all"]
caption_text(computed_words(result["computed_at"], span[1]))
m = st.columns(len(spec.steps))
for col, r in zip(m, overall.itertuples(), strict=True):
    col.metric(
        f"{r.step}. {r.step_label}",
        f"{r.users:,}",
        f"{r.pct_of_first:.1%} of first" if r.step > 1 else None,
        delta_color="off",
        delta_arrow="off",  # a share of the first step, not growth
    )
st.altair_chart(funnel_chart(counts[counts.segment != "all"] if spec.breakdown else overall), width="stretch")

segment_callouts(spec, result)
funnel_tabs(spec, result, overall, lambda k: dropped_csv(spec, k), lambda: details(spec))
save_box = st.expander("Save as a saved query", icon=":material/save:", key="fn_save_open", on_change="rerun")
if save_box.open:  # generated and drawn only when asked for
    with save_box:
        save_funnel(spec)
details(spec)  # the funnel is on screen by now: prepare the other tabs while it is read

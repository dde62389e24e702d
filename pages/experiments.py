"""Experiments: users per variant, sample-ratio check, lift with interval and p-value, in plain words."""

from __future__ import annotations

import streamlit as st

from portal.product.experiments import (
    ExperimentError,
    cumulative_lift,
    experiment_readouts,
    list_experiments,
    settling_sentence,
    variant_counts,
    with_intervals,
)
from portal.product.vocabulary import default_index
from portal.reporting.charts import lift_chart
from ui.experiment_metrics import metric_section
from ui.role_facts import event_names, key_space_problem
from ui.sessions import engine_session
from ui.tables import table
from ui.text import caption_text, error_text, info_text, success_text, warning_text

st.title("Experiments")
try:
    exps = list_experiments(engine_session())
except ExperimentError as err:
    info_text(err)
    st.stop()
if exps.empty:
    st.info("No experiments in the warehouse.")
    st.stop()
if problem := key_space_problem("experiments"):  # readouts would say 0 conversions and inf%
    error_text(problem)
    st.stop()
events, by_name = event_names(), exps.set_index("experiment")


def judge_on_its_own_event() -> None:
    """Each experiment is judged on its own target event: the picker is set to it, so it always
    shows what the readout uses (issue #25; popping the value left the browser's old one shown)."""
    target = by_name.loc[st.session_state["ex_experiment"]].target_event
    st.session_state["ex_event"] = events[default_index(events, target)] if events else None


name = st.selectbox(
    "Experiment",
    exps["experiment"].tolist(),
    key="ex_experiment",
    bind="query-params",
    on_change=judge_on_its_own_event,
)
row = by_name.loc[name]
caption_text(f"{row.description}\nRan {row.started_at:%Y-%m-%d} to {row.ended_at:%Y-%m-%d}.".strip())
names = events
event = st.selectbox(
    "Conversion event", names, index=default_index(names, row.target_event), key="ex_event", bind="query-params"
)
if event is None:
    info_text("The events table has no events to convert on.")
    st.stop()
try:
    counts = with_intervals(variant_counts(engine_session(), name, event))
    readouts = experiment_readouts(counts, row.control_variant)
except Exception as err:  # a misconfigured model or an experiment without its control: say so
    error_text(getattr(err, "message", None) or err)
    st.stop()
for r in readouts:
    box = success_text if r.significant and r.lift > 0 else error_text if r.significant else info_text
    box(r.sentence(event))
    (warning_text if r.srm else caption_text)(r.split_sentence())
table(
    counts,
    key="ex_counts",
    kinds={"ci_low": "percent", "ci_high": "percent"},
    labels={"ci_low": "95% CI low", "ci_high": "95% CI high"},
)
st.subheader("The effect over time")
lift = cumulative_lift(engine_session(), name, event, row.control_variant)
if lift.empty:
    caption_text("Not enough conversions in the control yet to draw the lift by day.")
else:
    st.altair_chart(lift_chart(lift), width="stretch")
    caption_text(settling_sentence(lift))
metric_section(name, row.control_variant, [v for v in counts["variant"] if v != row.control_variant])
st.divider()
st.page_link(
    "pages/impact.py",
    label="Checking a product change that was not a randomised test? Compare before/after",
    icon=":material/compare_arrows:",
)

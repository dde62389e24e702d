"""The Experiments page's section on revenue and orders per person: Welch with CUPED, the always-valid
sequential test and guardrails (`portal.product.experiment_metrics`), shared per role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.product.experiment_metrics import METRICS, WINDOW_DAYS, guardrail, person_data, readout
from ui.resources import model
from ui.shared_cache import by_role
from ui.tables import table
from ui.text import caption_text, error_text, info_text, success_text, warning_text


@by_role(ttl=600, show_spinner="Reading each person's orders…", max_entries=16)
def _data(session, experiment: str, days: int):
    return person_data(session, experiment, days)


def metric_section(experiment: str, control: str, variants: list[str]) -> None:
    st.subheader("On revenue and orders per person")
    if model().revenue is None:
        info_text("Configure [model.revenue] in portal.toml to judge experiments on revenue and orders per person.")
        return
    c1, c2, c3 = st.columns([2, 1, 3])
    metric = c1.selectbox("Metric", list(METRICS), key="ex_metric", bind="query-params")
    days = int(c2.number_input("Days after assignment", 1, 180, WINDOW_DAYS, key="ex_days", bind="query-params"))
    guards = c3.multiselect(
        "Guardrails (must not get worse)", [m for m in METRICS if m != metric], key="ex_guards", bind="query-params"
    )
    try:
        data = _data(experiment, days)
        readouts = [readout(data, metric, control, v) for v in variants]
    except Exception as err:  # a model that does not fit, an arm without people: say so, keep the page up
        error_text(getattr(err, "message", None) or err)
        return
    for r in readouts:
        a = r.result.adjusted
        box = success_text if a.p < 0.05 and a.diff > 0 else error_text if a.p < 0.05 else info_text
        box(r.sentence())
        caption_text(r.sequential_sentence())
        for g in guards:
            gr = guardrail(data, g, control, r.variant)
            {"holds": caption_text, "worse": error_text}.get(gr.verdict, warning_text)(gr.sentence)
    money = {
        c: "money"
        for c in (f"{metric}, control", f"{metric}, variant", "difference (CUPED)", "95% CI low", "95% CI high")
    }
    table(
        pd.DataFrame(
            [
                {
                    "variant": r.variant,
                    "people": r.result.adjusted.n2,
                    f"{metric}, control": r.result.raw.mean1,
                    f"{metric}, variant": r.result.raw.mean2,
                    "difference (CUPED)": r.result.adjusted.diff,
                    "95% CI low": r.result.adjusted.low,
                    "95% CI high": r.result.adjusted.high,
                    "interval narrowed by CUPED": r.result.narrowed,
                    "always-valid p": r.looks[-1].p_always_valid if r.looks else None,
                }
                for r in readouts
            ]
        ),
        key="ex_metric_table",
        kinds={
            "interval narrowed by CUPED": "percent",
            "people": "count",
            **(money if metric.startswith("revenue") else {}),
        },
    )

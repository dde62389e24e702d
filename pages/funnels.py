"""Funnels for product managers: steps, window, breakdown, statistics, drop-offs. State lives in the URL."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.demo.stories import DEMO_END_DATE, DEMO_START_DATE
from portal.product.funnels import (
    BREAKDOWNS,
    EVENTS,
    FILTER_COLUMNS,
    FunnelError,
    FunnelSpec,
    Step,
    dropped_users,
    saved_query_sql,
    summary,
    user_levels,
)
from portal.product.stats import compare_segments
from portal.reporting.charts import funnel_chart, weekly_conversion_chart
from portal.workbench.params import find_params
from ui.save_dialog import save_form
from ui.state import current_user, engine_session
from ui.text import success_text

st.title("Funnels")
st.caption("Where do users drop off, for whom, and is the difference real? Counts follow ClickHouse's windowFunnel: "
           "the longest chain of steps in order, all within the window from the first step.")


@st.cache_data(ttl=600, show_spinner="Computing the funnel…", max_entries=8)
def compute(spec: FunnelSpec, pii: bool) -> dict:
    """Small tables only: the per-user chains (millions of rows) are not cached, so a rerun is cheap."""
    return summary(user_levels(engine_session(), spec), spec)


def dropped_csv(spec: FunnelSpec, step: int) -> bytes:
    """Built when the download is clicked: the per-user chains are recomputed then, not kept around."""
    return dropped_users(user_levels(engine_session(), spec), step).to_csv(index=False).encode()


c1, c2 = st.columns([3, 2])
steps_text = c1.multiselect("Steps, in order (2 to 10)", EVENTS, default=["product_view", "add_to_cart", "checkout_start", "purchase"],
                            key="fn_steps", bind="query-params", max_selections=10)
window = c2.number_input("Conversion window (days)", 1, 90, 14, key="fn_window", bind="query-params")
d1, d2, d3, d4 = st.columns(4)
start = d1.date_input("From", DEMO_START_DATE, key="fn_from", bind="query-params")
end = d2.date_input("To", DEMO_END_DATE, key="fn_to", bind="query-params")
mode = d3.selectbox("Order", ["sequential", "strict"], key="fn_mode", bind="query-params",
                    help="sequential: other events may happen between steps; strict: they may not.")
breakdown = d4.selectbox("Breakdown", ["none", *BREAKDOWNS, "variant:onboarding_address_step", "variant:checkout_button_color"],
                         key="fn_breakdown", bind="query-params")
with st.expander("Step filters (optional)"):
    f1, f2, f3 = st.columns(3)
    filter_step = f1.selectbox("Step", ["none", *[f"{i + 1}. {s}" for i, s in enumerate(steps_text)]], key="fn_fstep", bind="query-params")
    filter_col = f2.selectbox("Property", FILTER_COLUMNS, key="fn_fcol", bind="query-params")
    filter_val = f3.text_input("equals", key="fn_fval", bind="query-params")

steps = [Step(e) for e in steps_text]
if filter_step != "none" and filter_val:
    i = int(filter_step.split(".")[0]) - 1
    if i < len(steps):
        steps[i] = Step(steps[i].event, filter_col, filter_val)
spec = FunnelSpec(tuple(steps), start if isinstance(start, date) else DEMO_START_DATE,
                  end if isinstance(end, date) else DEMO_END_DATE, float(window), mode,
                  None if breakdown == "none" else breakdown)
try:
    spec.validate()
except FunnelError as err:
    st.info(str(err))
    st.stop()

try:
    result = compute(spec, current_user().has_pii)
except Exception as err:
    st.error(getattr(err, "message", str(err)))
    st.stop()

counts = result["counts"]
if counts.empty or counts.iloc[0]["users"] == 0:
    st.warning("Nobody did the first step in this date range.")
    st.stop()
overall = counts[counts.segment == "all"]
m = st.columns(len(spec.steps))
for col, r in zip(m, overall.itertuples(), strict=True):
    col.metric(f"{r.step}. {r.step_label}", f"{r.users:,}", f"{r.pct_of_first:.1%} of first" if r.step > 1 else None,
               delta_color="off")
st.altair_chart(funnel_chart(counts[counts.segment != "all"] if spec.breakdown else overall), width="stretch")

tab_table, tab_time, tab_week, tab_seg, tab_drop = st.tabs(["Table", "Time to convert", "Over time", "Segments", "Drop-offs"])
with tab_table:
    st.dataframe(counts, hide_index=True, key="fn_counts", column_config={
        "pct_of_first": st.column_config.NumberColumn("% of first", format="percent"),
        "pct_of_previous": st.column_config.NumberColumn("% of previous", format="percent")})
with tab_time:
    st.dataframe(result["time"], hide_index=True, key="fn_time")
with tab_week:
    st.altair_chart(weekly_conversion_chart(result["weeks"]), width="stretch")
with tab_seg:
    if not spec.breakdown:
        st.caption("Choose a breakdown to compare segments.")
    else:
        cmp = compare_segments(result["segments"])
        st.caption("Each segment against all the others (two-proportion test, Wilson 95% intervals, Holm correction "
                   "for the number of segments). Segments with fewer than 30 users are not judged.")
        for r in cmp.itertuples():
            if r.verdict.startswith("significantly"):
                (st.error if "worse" in r.verdict else st.success)(
                    f"**{r.segment}**: {r.conversion:.1%} complete the funnel vs {r.rest_conversion:.1%} for the rest "
                    f"({r.verdict}, adjusted p = {r.p_adjusted:.2g}).")
        st.dataframe(cmp, hide_index=True, key="fn_segments", column_config={
            "conversion": st.column_config.NumberColumn(format="percent"),
            "ci_low": st.column_config.NumberColumn(format="percent"), "ci_high": st.column_config.NumberColumn(format="percent"),
            "rest_conversion": st.column_config.NumberColumn(format="percent")})
with tab_drop:
    k = st.selectbox("Users who reached step… but not the next", list(range(1, len(spec.steps))),
                     format_func=lambda i: f"{i}. {spec.steps[i - 1].label}", key="fn_drop_step")
    n_dropped = int(overall.loc[overall.step == k, "users"].iloc[0] - overall.loc[overall.step == k + 1, "users"].iloc[0])
    st.caption(f"{n_dropped:,} users")
    st.download_button("Download as CSV", lambda: dropped_csv(spec, k), file_name=f"dropped_after_step_{k}.csv",
                       mime="text/csv", key="fn_drop_dl", on_click="ignore")

save_box = st.expander("Save as a saved query", icon=":material/save:", key="fn_save_open", on_change="rerun")
if save_box.open:  # generated and drawn only when asked for
    with save_box:
        st.caption("The funnel's SQL (same counts as above): steps, filters and window written in, the date range as "
                   "$start / $end parameters, so dashboards and links can move it.")
        generated = saved_query_sql(spec)
        st.code(generated, language="sql")
        saved = save_form(generated, find_params(generated), None, defaults={"start": spec.start, "end": spec.end},
                          prefix="fn_sv")
        if saved is not None:
            success_text(f"Saved as {saved.id}. Open it from Saved queries.")

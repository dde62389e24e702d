"""Cohorts: retention, orders and cumulative revenue per user by cohort, with CAC payback lines."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.product.cohorts import (
    ANCHORS,
    GRAINS,
    PAYBACK,
    CohortSpec,
    average_curve,
    cac_by_channel,
    cac_payback,
    lowest_cac,
    payback_note,
    retention,
    revenue,
    splits,
)
from portal.reporting.charts import chart, curves, heatmap
from portal.results.pages import COHORT_PERIODS, computed_words, retention_key
from ui.resources import annotations, model
from ui.role_facts import baking_windows, catalog, event_names, filter_options, key_space_problem
from ui.shared_cache import by_role
from ui.stored import stored
from ui.tables import table
from ui.text import caption_text, error_text, info_text, stop_with

st.title("Cohorts")
st.caption(
    "Each row is a cohort of customers who started in the same week or month. Faded cells are periods "
    "that have not finished yet: young cohorts are still baking, not doing badly."
)

if model().people is None or model().events is None:
    stop_with(info_text, "Cohorts read people and events: configure [model.people] and [model.events] in portal.toml.")
controls = st.container()  # filled below unless CAC payback is open: none of these apply to it
through = catalog().data_through


# Each tab's numbers cached apart (per role, on a session that belongs to nobody), so the retention
# heatmap does not wait for the revenue tabs nobody opened.
@by_role(ttl=600, show_spinner="Computing retention…", max_entries=16)
def retention_for(s, spec: CohortSpec, through: str):
    return stored(s, retention_key(spec, through), lambda: retention(s, spec, date.fromisoformat(through[:10])))


@by_role(ttl=600, show_spinner="Computing revenue per user…", max_entries=16)
def revenue_for(s, spec: CohortSpec, through: str):
    return revenue(s, spec, date.fromisoformat(through[:10])), cac_by_channel(s)


@by_role(ttl=600, show_spinner="Computing CAC payback…", max_entries=32)
def payback(s, campaign: str | None, through: str, bakes_days: int):
    return cac_payback(s, date.fromisoformat(through[:10]), campaign, bakes_days=bakes_days)


if not through:
    stop_with(info_text, "No data yet: the events table is empty (or [model] freshness names an empty column).")
tab_ret, tab_orders, tab_rev, tab_cac = st.tabs(
    ["Retention", "Orders per user", "Cumulative revenue per user", "CAC payback"], key="co_tab", bind="query-params"
)  # only the open tab is drawn; the URL keeps it
if not tab_cac.open:
    c1, c2, c3, c4, c5 = controls.columns(5)
    grain = c1.selectbox("Cohort by", GRAINS, key="co_grain", bind="query-params")
    anchor = c2.selectbox("Starting at", list(ANCHORS), key="co_anchor", bind="query-params")
    split = c3.selectbox("Split by", splits(model()), key="co_split", bind="query-params")
    active = c4.selectbox("Active means", ["any event", *event_names()], key="co_active", bind="query-params")
    periods = c5.number_input("Periods", 4, 52, COHORT_PERIODS, key="co_periods", bind="query-params")
    spec = CohortSpec(grain, anchor, split, None if active == "any event" else active, int(periods))
    try:
        ret, computed_at = retention_for(spec, through)
    except Exception as err:
        stop_with(error_text, getattr(err, "message", None) or err)
    recent = sorted(ret["cohort"].unique())[-(24 if grain == "week" else 18) :]
if tab_ret.open:
    with tab_ret:
        caption_text(computed_words(computed_at, through))
        shown = ret[ret["cohort"].isin(recent)]
        if split == "none":
            st.altair_chart(heatmap(shown, "retention"), width="stretch")
        st.altair_chart(curves(average_curve(ret, "retention"), "retention"), width="stretch")
        st.caption("Curves average complete periods only, weighted by cohort size.")
if (tab_orders.open or tab_rev.open or tab_cac.open) and (problem := key_space_problem("revenue")):
    stop_with(error_text, problem)  # revenue joined to nobody would read $0
if tab_orders.open or tab_rev.open:
    try:
        rev, cac = revenue_for(spec, through)
    except Exception as err:  # e.g. no [model.revenue] or [model.spend]: say what to configure
        stop_with(error_text, getattr(err, "message", None) or err)
if tab_orders.open:
    with tab_orders:
        if split == "none":
            st.altair_chart(heatmap(rev[rev["cohort"].isin(recent)], "orders_per_user", ".2f"), width="stretch")
        st.altair_chart(curves(average_curve(rev, "orders_per_user"), "orders_per_user", fmt=".2f"), width="stretch")
if tab_rev.open:
    with tab_rev:
        avg = average_curve(rev, "cumulative_revenue_per_user", cumulative=True)
        lines = cac.rename(columns={"channel": "segment"}) if split == model().people.channel else None
        st.altair_chart(curves(avg, "cumulative_revenue_per_user", lines, fmt="$.0f"), width="stretch")
        caption_text(
            f"{PAYBACK} Here: revenue per signup against acquisition cost per signup (dashed, when split by "
            f"{model().people.channel or 'channel'}); the CAC payback tab divides both by paying customers."
        )
        table(cac, key="co_cac")
if tab_cac.open:
    with tab_cac:
        campaign = st.selectbox(
            "Campaign", ["all paid campaigns", *filter_options("campaign")], key="co_campaign", bind="query-params"
        )
        try:
            pay = payback(
                None if campaign == "all paid campaigns" else campaign,
                through,
                baking_windows()["conversion"].days,
            )
        except Exception as err:
            stop_with(error_text, getattr(err, "message", None) or err)
        if note := payback_note(pay):
            stop_with(info_text, note)
        caption_text(
            f"Monthly signup cohorts of {campaign}, all months to {through} (the cohort controls of the other tabs do "
            f"not apply here): CAC is the metric cac over the signup month (spend over the customers those signups "
            f"became), with its 95% interval from how many signups became customers. {PAYBACK} Payback month 0 means "
            f"the signup month's own revenue already covered CAC. Ringed cohorts are still baking: "
            f"{baking_windows()['conversion'].words()}"
        )
        if verdict := lowest_cac(pay):
            info_text(verdict)
        st.altair_chart(chart(pay, "bar", "cohort", "cac", annotations=annotations()), width="stretch")
        table(
            pay.drop(columns=["still_baking"]),
            key="co_payback",
            labels={
                "cohort": "Signup month",
                "customers": "Paying customers",
                "cac": "CAC",
                "cac_low": "CAC, 95% CI low",
                "cac_high": "CAC, 95% CI high",
                "payback_month": "Payback month (0 = signup month)",
                **{f"revenue_per_customer_m{m}": f"Revenue per customer, month {m}" for m in (1, 3, 6, 12)},
            },
            kinds={"payback_month": "count", "cac_low": "money", "cac_high": "money"},
            overrides={"cohort": st.column_config.DateColumn("Signup month", format="YYYY-MM")},
        )

"""The Funnels page below the chart: table, time to convert, weekly trend, segment tests, drop-offs,
and saving the funnel as a saved query."""

from __future__ import annotations

from itertools import pairwise

import streamlit as st

from portal.product.funnels import FunnelSpec, saved_query_sql
from portal.product.stats import compare_segments, driver, p_text
from portal.reporting.charts import weekly_conversion_chart
from portal.workbench.params import find_params
from ui.resources import annotations, model
from ui.role_facts import key_space_problem
from ui.save_dialog import save_form
from ui.tables import table
from ui.text import caption_text, error_text, info_text, success_text, warning_text


def funnel_tabs(spec: FunnelSpec, result: dict, overall, dropped_csv, details) -> None:
    """`result` is the cached headline (counts, segments); `details()` gives time to convert and the
    weekly trend (computed only when one of those tabs is open); `dropped_csv(step)` builds a
    drop-off download on click. Only the open tab is drawn."""
    counts = result["counts"]
    tab_table, tab_corr, tab_time, tab_week, tab_seg, tab_drop = st.tabs(
        ["Table", "Correlation", "Time to convert", "Over time", "Segments", "Drop-offs"],
        key="fn_tab",
        bind="query-params",
    )
    if tab_table.open:
        with tab_table:
            table(counts, key="fn_counts", labels={"pct_of_first": "% of first", "pct_of_previous": "% of previous"})
    if tab_corr.open:
        with tab_corr:
            from ui.funnel_correlation import correlation_tab

            correlation_tab(spec)
    if tab_time.open:
        with tab_time:
            table(
                details()["time"],
                key="fn_time",
                labels={"median_minutes": "Median (minutes)", "p90_minutes": "90th percentile (minutes)"},
            )
    if tab_week.open:
        with tab_week:
            weekly_tab(spec, details()["weeks"])
    if tab_seg.open:
        with tab_seg:
            segments_tab(spec, result["segments"])
    if tab_drop.open:
        with tab_drop:
            drop_tab(spec, overall, dropped_csv)


def weekly_tab(spec: FunnelSpec, weeks) -> None:
    caption_text(
        f"Weekly, {spec.start} to {spec.end}: people by the week of their first step, and the share who "
        f"completed all {len(spec.steps)} steps within {spec.window_days:g} days. Recorded product changes are marked."
    )
    st.altair_chart(weekly_conversion_chart(weeks, annotations()), width="stretch")
    st.caption("Did a change move a step? Compare before/after, with significance:")
    for a, b in pairwise(spec.steps):
        st.page_link(
            "pages/impact.py",
            label=f"{a.event} → {b.event}",
            icon=":material/compare_arrows:",
            query_params={
                "im_metric": "funnel_step",
                "im_from": a.event,
                "im_to": b.event,
                "im_window": int(spec.window_days),
            },
        )


def segments_tab(spec: FunnelSpec, segments) -> None:
    if not spec.breakdown:
        st.caption("Choose a breakdown to compare segments.")
        return
    st.caption(
        "Each segment against all the others (two-proportion test, Wilson 95% intervals, Holm correction "
        "for the number of segments). Segments with fewer than 30 users are not judged."
    )
    table(
        compare_segments(segments),
        key="fn_segments",
        kinds={"ci_low": "percent", "ci_high": "percent"},
        labels={"ci_low": "95% CI low", "ci_high": "95% CI high", "p_adjusted": "p (Holm)"},
    )


def drop_tab(spec: FunnelSpec, overall, dropped_csv) -> None:
    k = st.selectbox(
        "Users who reached step… but not the next",
        list(range(1, len(spec.steps))),
        format_func=lambda i: f"{i}. {spec.steps[i - 1].label}",
        key="fn_drop_step",
    )
    n_dropped = int(
        overall.loc[overall.step == k, "users"].iloc[0] - overall.loc[overall.step == k + 1, "users"].iloc[0]
    )
    st.caption(f"{n_dropped:,} users")
    st.download_button(
        "Download as CSV",
        lambda: dropped_csv(k),
        file_name=f"dropped_after_step_{k}.csv",
        mime="text/csv",
        key="fn_drop_dl",
        on_click="ignore",
    )
    before, after = spec.steps[k - 1], spec.steps[k]
    st.page_link(
        "pages/paths.py",
        label=f"Where did those who did not do {after.event} go instead?",
        icon=":material/route:",
        query_params={"pa_start": before.event, "pa_without": after.event},
        help="Paths after the step, for the people who did not do the next one in the same visit "
        "(a visit, not the funnel's window; step filters do not apply).",
    )


def segment_callouts(spec: FunnelSpec, result: dict) -> None:
    """Above the tabs, the answer first: the segments that differ beyond noise, worst first (the
    Segments tab has the full table)."""
    if not spec.breakdown:
        return
    cmp = compare_segments(result["segments"])
    judged = cmp[cmp["verdict"].str.startswith("significantly")].sort_values("conversion")
    worse = judged[judged["verdict"] == "significantly worse"]
    for r in worse.itertuples():
        error_text(
            f"{r.segment}: {r.conversion:.1%} complete the funnel (95% CI {r.ci_low:.1%} to {r.ci_high:.1%}) vs "
            f"{r.rest_conversion:.1%} for everyone else: significantly worse (Holm-adjusted {p_text(r.p_adjusted)})."
        )
    if worse.empty and judged.empty:
        info_text("No segment differs from the rest beyond noise (two-proportion tests, Holm-corrected).")
    better = len(judged) - len(worse)
    why = driver(result["segments"])
    if why:
        warning_text(
            f"{why.better} segments look better than everyone else mainly because {why.segment} ({why.share:.0%} of "
            f'those who started, {why.conversion:.1%} complete) pulls "everyone else" down: compared with everyone '
            f"else except {why.segment}, {why.still_better} of them still do better."
        )
    elif better:
        caption_text(f"{better} segment(s) do significantly better than the rest; see the Segments tab.")


def save_funnel(spec: FunnelSpec) -> None:
    st.caption(
        "The funnel's SQL (same counts as above): steps, filters and window written in, the date range as "
        "$start / $end parameters, so dashboards and links can move it."
    )
    generated = saved_query_sql(spec, model())
    st.code(generated, language="sql")
    saved = save_form(
        generated, find_params(generated), None, defaults={"start": spec.start, "end": spec.end}, prefix="fn_sv"
    )
    if saved is not None:
        success_text(f"Saved as {saved.id}. Open it from Saved queries.")


def variant_problem(spec) -> str | None:
    """model check's finding when a variant breakdown would put everyone in "not in experiment"."""
    return key_space_problem("experiments") if str(spec.breakdown or "").startswith("variant:") else None

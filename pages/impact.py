"""Before/after: did a recorded change (annotations.toml) move a rate, beyond noise? No SQL: pick
the change, the rate (a metric or a funnel step), optionally a segment and an unaffected control."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from portal.product.impact import PRE_WEEKS, ImpactError, fix_choices, weekly, windows
from portal.product.impact_data import FUNNEL_STEP, Measure, measure_impact, rate_metrics
from portal.product.stats import p_text
from portal.product.vocabulary import default_index
from portal.reporting.charts import impact_chart
from ui.resources import annotations, metric_definitions, settings
from ui.role_facts import data_range, event_names, filter_options
from ui.shared_cache import by_role
from ui.text import caption_text, error_text, info_text, success_text, warning_text

CUSTOM = "Dates of my own"

st.title("Before/after impact")
st.caption(
    "Did a product change move a rate, or is it noise? Both sides with 95% intervals, the change with its "
    "interval and p-value (two-proportion test), a check for a trend already under way before the change, "
    "the same dates a year earlier, and optionally a segment the change did not touch."
)
metrics = metric_definitions()
recorded = annotations()
changes = fix_choices(recorded)  # titles in the URL: bound widgets store what they show


@by_role(ttl=600, show_spinner="Comparing…", max_entries=64)  # shared between users of one role
def _compare(session, m: Measure, before, after, data_from, platform, control):
    return measure_impact(session, metrics, m, before, after, data_from, platform, control, recorded)


span = data_range()
if span is None:
    info_text("Before/after reads the company's events: configure [model.events] in portal.toml (docs/ADOPTING.md).")
    st.stop()
data_from, data_through = span
c1, c2, c3 = st.columns([3, 3, 1])
options = [*rate_metrics(metrics), FUNNEL_STEP]  # no metrics configured: funnel steps only


def open_on_its_own_metric() -> None:
    """Each change opens on its own metric: the Rate picker is set to it, so it shows what the verdict
    measures (issue #25; popping the value left the browser's old one shown)."""
    picked = changes.get(st.session_state["im_change"], (None,))[0]
    st.session_state["im_metric"] = picked.metric if picked and picked.metric in options else options[0]


chosen = c1.selectbox(
    "Change", [*changes, CUSTOM], key="im_change", bind="query-params", on_change=open_on_its_own_metric
)
change, fix = changes.get(chosen, (None, False))
if change is None:
    d1, d2 = st.columns(2)
    started = d1.date_input("Change started", data_through.replace(day=1), key="im_start", bind="query-params")
    ended = d2.date_input("Ended (empty if still in place)", None, key="im_end", bind="query-params")
else:
    started, ended = change.start, change.end
    caption_text(
        f"The fix of {change.title} on {change.end + timedelta(days=1)}: the days after it, against the days "
        f"before the problem began (not against the problem itself). {change.description}"
        if fix
        else f"{change.label()}: {change.description}"
    )
default = change.metric if change and change.metric in options else options[0]
what = c2.selectbox(
    "Rate",
    options,
    index=options.index(default),
    key="im_metric",
    bind="query-params",
    help="Rate metrics from metrics.toml, or funnel_step for any step of a funnel.",
)
days = c3.number_input("Days each side", 7, 120, 28, key="im_days", bind="query-params")
measure = Measure(what)
if what == FUNNEL_STEP:
    f1, f2, f3 = st.columns(3)
    names, steps = event_names(), settings().model.events.default_steps
    first = f1.selectbox(
        "From step", names, index=default_index(names, *steps[-2:-1]), key="im_from", bind="query-params"
    )
    then = f2.selectbox(
        "To step", names, index=default_index(names, *steps[-1:], fallback=1), key="im_to", bind="query-params"
    )
    window = f3.number_input("Within (days)", 1, 90, 14, key="im_window", bind="query-params")
    measure = Measure(FUNNEL_STEP, first, then, int(window))
s1, s2 = st.columns(2)
platform = s1.selectbox(
    "Segment",
    [None, *filter_options("platform")],
    key="im_platform",
    bind="query-params",
    format_func=lambda v: v or "Everyone",
)
control = s2.selectbox(
    "Compare against an unaffected segment (difference-in-differences)",
    [None, *filter_options("platform")],
    key="im_control",
    bind="query-params",
    format_func=lambda v: v or "None",
)
try:
    before, after = windows(started, ended, int(days), data_from, data_through, fix)
    impact, frame = _compare(measure, before, after, data_from, platform, control)
except ImpactError as err:
    info_text(err)
    st.stop()
except Exception as err:
    error_text(getattr(err, "message", None) or err)
    st.stop()

label = measure.label(metrics)
good = (impact.change > 0) == (metrics[what].up_is_good if what != FUNNEL_STEP else True)
verdict = {"significant": success_text if good else error_text, "within noise": info_text}
verdict.get(impact.verdict, warning_text)(impact.headline(label))
b, a = impact.before, impact.after
lo, hi = impact.change_ci
rlo, rhi = impact.relative_ci
m1, m2, m3, m4 = st.columns(4)
m1.metric("Before", f"{b.rate:.1%}", help=f"{b.window}: {b.x:,} of {b.n:,}", border=True)
m2.metric("After", f"{a.rate:.1%}", help=f"{a.window}: {a.x:,} of {a.n:,}", border=True)
m3.metric(
    "Change",
    f"{impact.change * 100:+.1f} points",
    delta_description=f"95% CI {lo * 100:+.1f} to {hi * 100:+.1f}",
    border=True,
)
m4.metric(
    "Relative change", f"{impact.relative:+.1%}", delta_description=f"95% CI {rlo:+.1%} to {rhi:+.1%}", border=True
)
caption_text(
    f"Before: {b.window} ({b.x:,} of {b.n:,}, 95% CI {b.ci[0]:.1%} to {b.ci[1]:.1%}) · After: {a.window} "
    f"({a.x:,} of {a.n:,}, 95% CI {a.ci[0]:.1%} to {a.ci[1]:.1%}) · {p_text(impact.p_value)} · "
    f"{platform or 'all platforms'}"
    + (f", everyone but {control} when compared with it" if control and not platform else "")
)
for note in impact.notes():
    (warning_text if note.startswith("Careful") else caption_text)(note)
recent = frame[frame["day"] >= before.start - timedelta(weeks=PRE_WEEKS)]  # the checks read further back than the chart
st.altair_chart(impact_chart(weekly(recent), before, after, recorded), width="stretch")
if what != FUNNEL_STEP:
    st.page_link(
        "pages/metrics.py", label=f"Definition of {what}", icon=":material/functions:", query_params={"m_search": what}
    )

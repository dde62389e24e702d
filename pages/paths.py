"""Paths: where people went after an event (or came from before one) within the same visit. Layout
only: the counts are `portal.product.paths`, shared per role; the chart is `reporting.flow_chart`."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from portal.csv_out import frame_csv
from portal.product.paths import PathSpec, paths, people_at, started
from portal.product.vocabulary import default_index
from portal.reporting.flow_chart import paths_chart
from portal.results.pages import computed_words
from ui.resources import model
from ui.role_facts import data_range, event_names
from ui.sessions import engine_session
from ui.shared_cache import by_role
from ui.stored import stored
from ui.tables import table
from ui.text import caption_text, error_text, info_text

st.title("Paths")
st.caption(
    "Where people went next after an event, or where they came from before one, within the same visit (a "
    "gap longer than the window ends it), repeats of one event counted once. Every column adds up to the "
    "people who started: **dropped off** left the visit, **other** is every step outside the most common."
)


@by_role(ttl=600, show_spinner="Following each person's visit…", max_entries=16)
def _paths(session, spec: PathSpec):
    return stored(session, f"paths {spec!r}", lambda: paths(session, spec))


span, names = data_range(), event_names()
if model().events is None or span is None or not names:
    info_text("Paths read the company's events: configure [model.events] in portal.toml (docs/ADOPTING.md).")
    st.stop()
first, last = span
steps = model().events.default_steps
c1, c2, c3 = st.columns([2, 2, 2])
direction = c1.segmented_control(
    "Paths", ["after an event", "before an event"], default="after an event", key="pa_dir", bind="query-params"
)
reverse = direction == "before an event"
anchor = c2.selectbox(
    "Event" if not reverse else "Up to the event",
    names,
    index=default_index(names, *(steps[-1:] if reverse else steps[:1])),
    key="pa_start",
    bind="query-params",
)
end = (
    None
    if reverse
    else c3.selectbox(
        "Ending at (optional)", [None, *names], key="pa_end", bind="query-params", format_func=lambda v: v or "—"
    )
)
d1, d2, d3, d4 = st.columns(4)
depth = d1.slider("Steps", 1, 8, 4, key="pa_depth", bind="query-params")
window = d2.number_input("Visit ends after a gap of (minutes)", 1, 24 * 60, 30, key="pa_window", bind="query-params")
top = d3.number_input("Steps named per column", 2, 12, 6, key="pa_top", bind="query-params")
breakdown = d4.selectbox(
    "Break down by",
    [None, *model().events.properties],
    key="pa_by",
    bind="query-params",
    format_func=lambda v: v or "—",
)
without = st.selectbox(
    "Only people who did not do, in that visit (e.g. the funnel's next step)",
    [None, *names],
    key="pa_without",
    bind="query-params",
    format_func=lambda v: v or "—",
)
picked = st.date_input(
    "Start events from … to",
    (max(first, last - timedelta(days=27)), last),
    min_value=first,
    max_value=last,
    key="pa_range",
)
lo, hi = picked if isinstance(picked, tuple) and len(picked) == 2 else (max(first, last - timedelta(days=27)), last)
spec = PathSpec(
    None if reverse else anchor, anchor if reverse else end, depth, int(window), lo, hi, int(top), without, breakdown
)
try:
    frame, at = _paths(spec)
except Exception as err:  # an event that is gone, a model that does not fit: say so, keep the page up
    error_text(getattr(err, "message", None) or err)
    st.stop()
if frame.empty:
    info_text(f"Nobody did {anchor} between {lo} and {hi}" + (f" without {without}" if without else "") + ".")
    st.stop()
whole = frame.groupby(["depth", "step", "previous"], as_index=False)["people"].sum() if breakdown else frame
caption_text(
    f"{started(whole):,} people did {anchor} between {lo} and {hi}"
    + (f" and not {without} in the same visit" if without else "")
    + "; each is followed from their first time."
)
caption_text(computed_words(at, last))
st.altair_chart(paths_chart(whole, anchor, reverse), width="stretch")
if reverse:
    caption_text(f"Read from {anchor} back: each column is one step earlier; dropped off means the visit began there.")
total = started(whole)
shown = whole.assign(share=whole["people"] / total)
table(shown, key="pa_table", kinds={"people": "count", "share": "percent"})
if breakdown:
    with st.expander(f"By {breakdown}", icon=":material/table:"):
        table(frame, key="pa_by_table", kinds={"people": "count"})

st.subheader("The people at a step")
nodes = list(whole[["depth", "step", "previous"]].itertuples(index=False, name=None))
node = st.selectbox("Step", nodes, key="pa_node", format_func=lambda n: f"step {n[0]}: {n[2]} → {n[1]}")


def people_csv() -> bytes:
    """Built when the download is clicked, and audited as an export."""
    who = people_at(engine_session(), spec, node[0], node[1], node[2])
    data = frame_csv(who).encode()
    engine_session().exported(
        f"people at step {node[0]} ({node[2]} → {node[1]}) of paths from {anchor}", len(who), len(data), "paths"
    )
    return data


st.download_button(
    "Download their ids as CSV",
    people_csv,
    file_name="path_people.csv",
    mime="text/csv",
    key="pa_people_dl",
    on_click="ignore",
)

"""Lifecycle and stickiness: is the user base growing or churning underneath, and how habitual is the
product? Layout only: the counts are `portal.product.lifecycle`, shared per role."""

from __future__ import annotations

import streamlit as st

from portal.product.lifecycle import lifecycle, stickiness
from portal.reporting.charts import lifecycle_chart, stickiness_chart
from portal.results.pages import computed_words, lifecycle_key, lifecycle_range
from ui.resources import model
from ui.role_facts import data_range
from ui.shared_cache import by_role
from ui.stored import stored
from ui.tables import table
from ui.text import caption_text, error_text, info_text

st.title("Lifecycle")
st.caption(
    "Each period's active people: **new** (first activity ever), **returning** (active the period before "
    "too), **resurrecting** (back after a gap); **dormant** (active the period before, not now) is drawn "
    "below zero. Growth is the bars above outweighing the one below."
)


@by_role(ttl=600, show_spinner="Counting people per period…", max_entries=16)
def _lifecycle(session, grain, start, end):
    return stored(session, lifecycle_key("lifecycle", grain, start, end), lambda: lifecycle(session, grain, start, end))


@by_role(ttl=600, show_spinner="Counting active days…", max_entries=16)
def _stickiness(session, grain, start, end):
    return stored(
        session, lifecycle_key("stickiness", grain, start, end), lambda: stickiness(session, grain, start, end)
    )


span = data_range()
if model().events is None or span is None:
    info_text("Lifecycle reads the company's events: configure [model.events] in portal.toml (docs/ADOPTING.md).")
    st.stop()
first, last = span
c1, c2 = st.columns([1, 3])
grain = c1.segmented_control("Period", ["day", "week", "month"], default="week", key="lc_grain", bind="query-params")
grain = grain or "week"
opening = lifecycle_range(span, grain)
picked = c2.date_input(
    "Periods from … to",
    opening,
    min_value=first,
    max_value=last,
    key="lc_range",
)
start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else opening
try:
    frame, at = _lifecycle(grain, start, end)
except Exception as err:  # a model that does not fit the warehouse: say so, keep the page up
    error_text(getattr(err, "message", None) or err)
    st.stop()
caption_text(computed_words(at, last))
st.altair_chart(lifecycle_chart(frame, grain), width="stretch")
caption_text(
    f"The last {grain} may still be under way (data through {last}): its dormant count is not final until it ends."
)
with st.expander("The numbers", icon=":material/table:"):
    table(frame, key="lc_table", kinds={c: "count" for c in ("new", "returning", "resurrecting", "dormant")})

st.subheader("Stickiness")
per = "month" if grain == "month" else "week"
sticky, _ = _stickiness(per, start, end)
caption_text(f"How many days of a {per} people were active on: the more people to the right, the more habitual.")
st.altair_chart(stickiness_chart(sticky, per), width="stretch")

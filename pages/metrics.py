"""Metric definitions: each canonical metric, its owner and SQL, and every dashboard that uses it."""

from __future__ import annotations

import streamlit as st

from portal.library import lineage
from portal.reporting.dashboards import DashboardStore
from portal.reporting.metrics import load_metrics, metrics_path
from ui.state import catalog, query_store, settings
from ui.text import plain

st.title("Metric definitions")
st.caption("Defined once in metrics.toml; every dashboard tile and the weekly digest use these, so two teams "
           "never report two different numbers for the same thing.")
s = settings()
metrics = load_metrics(metrics_path(s))
store = DashboardStore(s.dashboards_dir)
dashboards = {}
for team in store.teams():
    try:
        dashboards[team] = store.load(team)
    except ValueError as err:
        st.error(str(err))
queries = query_store().load_all()[0]
cat = catalog()
needle = st.text_input("Search metrics", key="m_search")
for m in metrics.metrics.values():
    if needle and needle.lower() not in (m.name + m.description).lower():
        continue
    with st.container(border=True):
        direction = "up is good" if m.up_is_good else "down is good"
        st.markdown(f"**{plain(m.name)}** · {m.unit} · owner {plain(m.owner)} · {direction}")
        st.write(m.description)
        used_by = [f"{d.title} ({t})" for t, d in dashboards.items() if any(tile.metric == m.name for tile in d.tiles)]
        ratio_of = [n for n, other in metrics.metrics.items() if m.name in (other.numerator, other.denominator)]
        st.caption("Dashboards: " + (", ".join(used_by) or "none") + (" · part of: " + ", ".join(ratio_of) if ratio_of else ""))
        if m.type == "ratio":
            st.code(f"{m.numerator} / {m.denominator}", language=None)
        else:
            st.code(m.sql.strip(), language="sql")
            tables = lineage(m.sql, cat).tables
            related = [q.id for q in queries if lineage(q.sql, cat).tables & tables]
            st.caption("Saved queries over the same tables: " + (", ".join(related) or "none"))

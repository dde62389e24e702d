"""Metric definitions: each canonical metric, its owner and SQL, and every dashboard that uses it."""

from __future__ import annotations

import streamlit as st

from portal.reporting.dashboards import DashboardStore
from portal.reporting.usage import load_dashboards, metric_users, related_queries
from ui.resources import metric_definitions, query_store, settings
from ui.role_facts import catalog
from ui.text import caption_text, error_text, heading_text

st.title("Metric definitions")
st.caption(
    "Defined once in metrics.toml; every dashboard tile and the weekly digest use these, so two teams "
    "never report two different numbers for the same thing."
)
s = settings()
metrics = metric_definitions()
dashboards, errors = load_dashboards(DashboardStore(s.dashboards_dir))
for err in errors:
    error_text(err)
queries = query_store().load_all()[0]
cat = catalog()
needle = st.text_input("Search metrics", key="m_search", bind="query-params")
for m in metrics.metrics.values():
    if needle and needle.lower() not in (m.name + m.description).lower():
        continue
    with st.container(border=True):
        direction = "up is good" if m.up_is_good else "down is good"
        heading_text(m.name, f"· {m.unit} · owner {m.owner} · {direction}")
        st.text(m.description)
        used_by, part_of = metric_users(m, metrics, dashboards)
        caption_text(
            "Dashboards: " + (", ".join(used_by) or "none") + (" · part of: " + ", ".join(part_of) if part_of else "")
        )
        if m.type == "ratio":
            st.code(f"{m.numerator} / {m.denominator}", language=None)
            if m.unit == "ratio":
                st.page_link(
                    "pages/impact.py",
                    label="Compare before/after",
                    icon=":material/compare_arrows:",
                    query_params={"im_metric": m.name},
                )
        else:
            st.code(m.sql.strip(), language="sql")
            caption_text(
                "Saved queries over the same tables: " + (", ".join(related_queries(m, queries, cat)) or "none")
            )

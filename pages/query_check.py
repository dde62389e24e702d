"""Breakage check and impact: which saved queries does the current schema break, and who uses what."""

from __future__ import annotations

import streamlit as st

from portal.library import check_all, impact, lineage
from portal.library.build_lineage import CHANGES, build_lineage, find_sources, what_if
from portal.reporting.dashboards import DashboardStore
from portal.reporting.metrics import load_metrics, metrics_path
from portal.reporting.usage import dashboard_lineage, load_dashboards, metric_sqls
from ui.resources import query_store, settings
from ui.role_facts import catalog
from ui.sessions import engine_session
from ui.text import caption_text, heading_text

st.title("Breakage check")
st.caption(
    "Every saved query compiled against the current warehouse without running it. "
    "Run the same check in CI with `python -m portal check`."
)

s = settings()
queries, errors = query_store().load_all()
cat = catalog()
results = check_all(engine_session(), queries, cat, errors)
broken = [r for r in results if not r.ok]
c1, c2 = st.columns(2)
c1.metric("Saved queries", len(results))
c2.metric("Broken", len(broken))
if broken:
    st.error(f"{len(broken)} saved queries no longer compile.", icon=":material/error:")
    for r in broken:
        with st.container(border=True):
            heading_text(r.title, f"· {r.id}" + (f" · line {r.line}" if r.line else ""))
            st.code(r.error, language=None)
            caption_text(
                "Depends on tables: "
                + (", ".join(sorted(r.lineage.tables)) or "?")
                + " · columns: "
                + (", ".join(sorted(r.lineage.columns)) or "?")
            )
else:
    st.success("Every saved query compiles against the current warehouse.", icon=":material/check:")

st.subheader("Impact: who uses a table or column?")
tables = [t.full_name for t in cat.tables]
a, b = st.columns(2)
revenue = s.model.revenue and cat.table(s.model.revenue.table)  # a table every team reads, if modelled
table = a.selectbox("Table", tables, index=tables.index(revenue.full_name) if revenue else 0, key="chk_table")
t = cat.table(table)
column = b.selectbox("Column (optional)", [None, *[c.name for c in t.columns]] if t else [None], key="chk_column")
dashboards, _ = load_dashboards(DashboardStore(s.dashboards_dir))
metric_set = load_metrics(metrics_path(s), s.model)
used = dashboard_lineage(dashboards, metric_set, {r.id: r.lineage for r in results}, cat)
metric_users = {f"metric:{n}": lineage("\n;\n".join(metric_sqls(metric_set, n)), cat) for n in metric_set.metrics}
users_of = {**{r.id: r.lineage for r in results}, **used}
users = impact(results, table, column, extra_users={**used, **metric_users})
caption_text(f"{len(users)} saved queries, metrics and dashboards use {table}{'.' + column if column else ''}:")
titles = {r.id: (r.title, "broken" if not r.ok else "ok") for r in results}
titles.update({u: (metric_set[u[7:]].description, "metric") for u in metric_users})
st.dataframe(
    [
        {
            "query": u,
            "title": titles.get(u, (u.removeprefix("dashboard:").capitalize() + " dashboard", ""))[0],
            "status": titles.get(u, ("", "dashboard"))[1],
        }
        for u in users
    ],
    hide_index=True,
    key="chk_users",
)
st.subheader("What if a source table or column changed?")
caption_text(
    "Follows the warehouse build (portal/sql/analytics, parsed with sqlglot): the analytics tables whose build "
    "would fail, the analytics columns computed from it, and the saved queries, metrics and dashboards downstream. "
    "Nothing is changed."
)
build = build_lineage(cat)
sources = set(s.lint.raw_schemas) | {src.split(".")[0] for srcs in build.sources.values() for src in srcs}
found = find_sources(cat, st.text_input("Find a source table or column", key="chk_find", bind="query-params"), sources)
if found:  # one search, then the first match is picked: the what-if shows at once
    pick = st.selectbox(
        "Matches", found, key="chk_pick", format_func=lambda tc: tc[0] + (f".{tc[1]}" if tc[1] else " (table)")
    )
    raw_table, raw_column = pick
else:
    raw_tables = [t.full_name for t in cat.tables if t.schema in sources]
    w1, w2 = st.columns(2)
    raw_table = w1.selectbox("Source table", raw_tables, key="chk_raw_table", bind="query-params")
    rt = cat.table(raw_table) if raw_table else None
    raw_column = w2.selectbox(
        "Source column", [c.name for c in rt.columns] if rt else [], key="chk_raw_column", bind="query-params"
    )
kinds = {v: k for k, v in CHANGES.items()}  # the URL keeps what the radio shows
change = kinds.get(st.radio("If it…", list(kinds), horizontal=True, key="chk_change", bind="query-params"))
if raw_table:
    wi = what_if(build, raw_table, raw_column, {**users_of, **metric_users}, change or "rename")
    what = f"{raw_table}{'.' + raw_column if raw_column else ''}"
    caption_text(
        f"Builds that {'may' if change == 'type' else 'would'} fail: {', '.join(wi.broken_builds) or 'none'} · "
        "analytics columns computed from "
        f"{what}: {', '.join(wi.changed_columns) or 'none'}"
    )
    st.dataframe([{"affected": uid, "how": why} for uid, why in wi.affected], hide_index=True, key="chk_what_if")

with st.expander("Lineage of every saved query"):
    st.dataframe(
        [
            {
                "query": r.id,
                "tables": ", ".join(sorted(r.lineage.tables)),
                "columns": ", ".join(sorted(r.lineage.columns)),
            }
            for r in results
        ],
        hide_index=True,
        key="chk_lineage",
    )

"""Breakage check and impact: which saved queries does the current schema break, and who uses what."""

from __future__ import annotations

import streamlit as st

from portal.library import check_all
from portal.library.build_lineage import CHANGES, find_sources
from portal.library.consumers import gather, impact, readers
from ui.resources import audit_log, query_store, settings
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
everyone = gather(s, engine_session(), cat, audit_log(), checked=results)
tables = [t.full_name for t in cat.tables]
a, b = st.columns(2)
revenue = s.model.revenue and cat.table(s.model.revenue.table)  # a table every team reads, if modelled
table = a.selectbox("Table", tables, index=tables.index(revenue.full_name) if revenue else 0, key="chk_table")
t = cat.table(table)
column = b.selectbox("Column (optional)", [None, *[c.name for c in t.columns]] if t else [None], key="chk_column")
users = readers(everyone.users, table, column)
caption_text(
    f"{len(users)} saved queries, metrics, dashboards, alerts and pages use {table}{'.' + column if column else ''}:"
)
broken = {r.id for r in results if not r.ok}
st.dataframe(
    [
        {"kind": u.kind, "used by": u.id, "title": u.title, "status": "broken" if u.id[6:] in broken else ""}
        for u in users
    ],
    hide_index=True,
    key="chk_users",
)
st.subheader("What if a source table or column changed?")
build = everyone.build
caption_text(
    {
        "dbt model": "Follows the dbt project's compiled models (column lineage with sqlglot)",
        "warehouse build": "Follows the warehouse build (portal/sql/analytics, parsed with sqlglot)",
    }.get(
        everyone.build_kind, "No build lineage (set [dbt] target to the dbt project's artifacts); direct readers only"
    )
    + " to the saved queries, metrics, dashboards, alerts, API answers, model pages and dbt exposures downstream, "
    "each marked breaks or silently wrong. Nothing is changed; `python -m portal impact` answers the same in CI."
)
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
    hit = impact(build, everyone.build_kind, everyone.users, raw_table, raw_column, change or "rename")
    breaks = sum(a.verdict == "breaks" for a in hit)
    caption_text(f"{len(hit)} affected: {breaks} break, {len(hit) - breaks} silently wrong.")
    st.dataframe(
        [{"verdict": a.verdict, "kind": a.kind, "affected": a.id, "how": a.why} for a in hit],
        hide_index=True,
        key="chk_what_if",
    )

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

"""Breakage check and impact: which saved queries does the current schema break, and who uses what."""

from __future__ import annotations

import streamlit as st

from portal.library import Lineage, check_all, impact, lineage
from portal.reporting.dashboards import DashboardStore
from portal.reporting.metrics import load_metrics, metrics_path
from ui.state import catalog, engine_session, query_store, settings
from ui.text import plain


def dashboard_lineage(results, catalog) -> dict[str, Lineage]:
    """What each team dashboard reads: its saved queries' lineage plus its metrics' SQL."""
    s = settings()
    metrics = load_metrics(metrics_path(s))
    by_id = {r.id: r.lineage for r in results}
    out = {}
    store = DashboardStore(s.dashboards_dir)
    for team in store.teams():
        try:
            d = store.load(team)
        except ValueError:
            continue
        tables, columns = set(), set()
        for t in d.tiles:
            parts = [by_id.get(t.query, Lineage())] if t.query else []
            if t.metric:
                m = metrics.metrics.get(t.metric)
                names = [m.numerator, m.denominator] if m and m.type == "ratio" else [t.metric]
                parts += [lineage(metrics.metrics[n].sql, catalog) for n in names if n in metrics.metrics]
            for lin in parts:
                tables |= lin.tables
                columns |= lin.columns
        out[f"dashboard:{team}"] = Lineage(frozenset(tables), frozenset(columns))
    return out


st.title("Breakage check")
st.caption("Every saved query compiled against the current warehouse without running it. "
           "Run the same check in CI with `python -m portal check`.")

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
            st.markdown(f"**{plain(r.title)}** · `{r.id}`" + (f" · line {r.line}" if r.line else ""))
            st.code(r.error, language=None)
            st.caption("Depends on tables: " + (", ".join(sorted(r.lineage.tables)) or "?")
                       + " · columns: " + (", ".join(sorted(r.lineage.columns)) or "?"))
else:
    st.success("Every saved query compiles against the current warehouse.", icon=":material/check:")

st.subheader("Impact: who uses a table or column?")
tables = [t.full_name for t in cat.tables]
a, b = st.columns(2)
table = a.selectbox("Table", tables, index=tables.index("analytics.orders") if "analytics.orders" in tables else 0,
                    key="chk_table")
t = cat.table(table)
column = b.selectbox("Column (optional)", [None, *[c.name for c in t.columns]] if t else [None], key="chk_column")
users = impact(results, table, column, extra_users=dashboard_lineage(results, cat))
st.write(f"**{len(users)}** saved queries and dashboards use {table}{'.' + column if column else ''}:")
titles = {r.id: (r.title, "broken" if not r.ok else "ok") for r in results}
st.dataframe([{"query": u, "title": titles.get(u, (u.removeprefix("dashboard:").capitalize() + " dashboard", ""))[0],
               "status": titles.get(u, ("", "dashboard"))[1]} for u in users], hide_index=True, key="chk_users")
with st.expander("Lineage of every saved query"):
    st.dataframe([{"query": r.id, "tables": ", ".join(sorted(r.lineage.tables)),
                   "columns": ", ".join(sorted(r.lineage.columns))} for r in results], hide_index=True, key="chk_lineage")

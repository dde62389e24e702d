"""Saved queries: search, filter, run in place with parameters and the saved chart, history, curation."""

from __future__ import annotations

import streamlit as st

from portal.library import run_saved, share_query
from portal.library.search import LibraryFilter, facets, search
from portal.library.share import absolute, params_from_url
from portal.reporting.charts import chart as make_chart
from portal.warehouse.errors import QueryError
from portal.workbench.params import ParamError, bind
from ui.library_panels import history_tab, manage_tab, trash_panel
from ui.params_widgets import param_input, widget_key, widget_value
from ui.resources import query_store, site_base
from ui.sessions import engine_session
from ui.share_snapshot import query_share
from ui.sign_in import current_user
from ui.tables import table
from ui.text import caption_text, error_text, info_text, plain, warning_text

S = st.session_state
store, user = query_store(), current_user()
queries, errors = store.load_all()
by_id = {q.id: q for q in queries}
BADGES = {
    "curated": ":green-badge[:material/verified: curated]",
    "deprecated": ":red-badge[deprecated]",
    "draft": ":gray-badge[draft]",
}

st.title("Saved queries")
st.caption(
    "Curated queries are the answers the data team stands behind. Anyone can run and fork them; "
    "drafts are anyone's work in progress."
)
for err in errors:
    error_text(f"Skipped a malformed file: {err}")

selected = st.query_params.get("q")
if selected and selected not in by_id:
    warning_text(f"There is no saved query {selected!r} (it may have been deleted).")
    selected = None

if not selected:
    options = facets(queries)
    c1, c2, c3, c4, c5 = st.columns([3, 1, 1, 1, 1])
    wanted = LibraryFilter(
        c1.text_input("Search title, description and SQL", key="lib_search"),
        tuple(c2.multiselect("Team", options["teams"], key="lib_team")),
        tuple(c3.multiselect("Tag", options["tags"], key="lib_tag")),
        tuple(c4.multiselect("Owner", options["owners"], key="lib_owner")),
        tuple(c5.multiselect("Status", options["statuses"], key="lib_status")),
    )
    shown = search(queries, wanted)
    st.caption(f"{len(shown)} of {len(queries)} queries")
    for q in shown:
        with st.container(border=True):
            a, b = st.columns([5, 1])
            a.markdown(f"**{plain(q.title)}** {BADGES[q.status]}  \n{plain(q.description)}")
            caption_text(f"{q.id} · team {q.team} · owner {q.owner} · " + ", ".join(q.tags))
            if b.button("Open", key=f"lib_open_{q.id}"):
                st.query_params["q"] = q.id
                st.rerun()
            b.page_link("pages/workbench.py", label="Workbench", icon=":material/code:", query_params={"q": q.id})
    trash_panel(store, user)
    st.stop()

# ------------------------------------------------------------------------------ one query
q = by_id[selected]
if st.button("All saved queries", icon=":material/arrow_back:", key="lib_back"):
    del st.query_params["q"]
    st.rerun()
st.header(plain(q.title))
st.markdown(BADGES[q.status] + f" · team {plain(q.team)} · owner {plain(q.owner)}")
if q.description:
    st.text(q.description)
if q.status == "deprecated":
    st.warning("Deprecated: the data team no longer stands behind this query.")

url_values = params_from_url(dict(st.query_params))
if S.get("lib_loaded") != (q.id, q.version):
    S.lib_loaded = (q.id, q.version)
    for p in q.params:
        if p.name in url_values:
            S[widget_key(p.name, p.type, "lib_p")] = widget_value(p, url_values[p.name])
values = {}
if q.params:
    cols = st.columns(min(len(q.params), 4))
    for i, p in enumerate(q.params):
        values[p.name] = param_input(cols[i % len(cols)], p.name, p.type, p, prefix="lib_p")

run = st.button("Run", type="primary", icon=":material/play_arrow:", key="lib_run")
tabs = st.tabs(["Result", "SQL", "History", "Manage"])
with tabs[0]:
    if run or S.get("lib_last") == (q.id, q.version, str(values)):
        try:
            res = run_saved(engine_session(), q, values, origin="library link" if url_values else "library")
            S.lib_last = (q.id, q.version, str(values))
            st.caption(
                f"{res.row_count:,} rows · {res.elapsed_s * 1000:.0f} ms" + (" · truncated" if res.truncated else "")
            )
            if q.chart:
                try:
                    st.altair_chart(
                        make_chart(res.frame, q.chart.kind, q.chart.x, q.chart.y, q.chart.color), width="stretch"
                    )
                except ValueError as err:
                    info_text(f"Saved chart cannot be drawn: {err}")
            table(res.frame, key="lib_grid")
            st.caption("Share link: this query with these values, run as whoever opens it")
            st.code(
                absolute(site_base(), "/library" + share_query(q.id, bind(q.sql, list(q.params), values))),
                language=None,
            )
            query_share(q, bind(q.sql, list(q.params), values), user)
        except (ParamError, QueryError) as err:
            error_text(getattr(err, "message", None) or err)
    else:
        st.caption("Set the parameters and press Run.")
    st.page_link("pages/workbench.py", label="Open in the workbench", icon=":material/code:", query_params={"q": q.id})
with tabs[1]:
    st.code(q.sql, language="sql")
with tabs[2]:
    history_tab(store, q, user)
with tabs[3]:
    if manage_tab(store, q, user):
        del st.query_params["q"]
        st.rerun()

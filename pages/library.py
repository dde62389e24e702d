"""Saved queries: search, filter, run in place with parameters and the saved chart, history, curation."""

from __future__ import annotations

import time

import streamlit as st

from portal.library import PermissionDenied, SaveConflict, SaveRefused, run_saved, share_query
from portal.library.share import params_from_url
from portal.library.store import diff_text
from portal.reporting.charts import chart as make_chart
from portal.workbench.params import ParamError
from ui.params_widgets import param_input, widget_key, widget_value
from ui.state import current_user, engine_session, query_store
from ui.text import plain

S = st.session_state
store = query_store()
user = current_user()
queries, errors = store.load_all()
by_id = {q.id: q for q in queries}

st.title("Saved queries")
st.caption("Curated queries are the answers the data team stands behind. Anyone can run and fork them; "
           "drafts are anyone's work in progress.")
for err in errors:
    st.error(f"Skipped a malformed file: {err}", icon=":material/error:")

selected = st.query_params.get("q")
if selected and selected not in by_id:
    st.warning(f"There is no saved query {selected!r} (it may have been deleted).")
    selected = None

if not selected:
    c1, c2, c3, c4, c5 = st.columns([3, 1, 1, 1, 1])
    text = c1.text_input("Search title, description and SQL", key="lib_search")
    team = c2.multiselect("Team", sorted({q.team for q in queries}), key="lib_team")
    tag = c3.multiselect("Tag", sorted({t for q in queries for t in q.tags}), key="lib_tag")
    owner = c4.multiselect("Owner", sorted({q.owner for q in queries if q.owner}), key="lib_owner")
    status = c5.multiselect("Status", ["curated", "draft", "deprecated"], key="lib_status")
    needle = text.strip().lower()
    shown = [q for q in queries
             if (not needle or needle in q.title.lower() or needle in q.description.lower() or needle in q.sql.lower())
             and (not team or q.team in team) and (not tag or set(tag) & set(q.tags))
             and (not owner or q.owner in owner) and (not status or q.status in status)]
    st.caption(f"{len(shown)} of {len(queries)} queries")
    for q in shown:
        with st.container(border=True):
            a, b = st.columns([5, 1])
            badge = {"curated": ":green-badge[:material/verified: curated]", "deprecated": ":red-badge[deprecated]",
                     "draft": ":gray-badge[draft]"}[q.status]
            a.markdown(f"**{plain(q.title)}** {badge}  \n{plain(q.description)}")
            a.caption(f"{q.id} · team {plain(q.team)} · owner {plain(q.owner)} · " + ", ".join(plain(t) for t in q.tags))
            if b.button("Open", key=f"lib_open_{q.id}"):
                st.query_params["q"] = q.id
                st.rerun()
            b.page_link("pages/workbench.py", label="Workbench", icon=":material/code:", query_params={"q": q.id})
    trash = store.trash()
    if trash:
        with st.expander(f"Trash ({len(trash)})", icon=":material/delete:"):
            for qid, path in trash:
                t1, t2 = st.columns([4, 1])
                t1.write(f"{qid} · deleted {time.strftime('%Y-%m-%d %H:%M', time.localtime(path.stat().st_mtime))}")
                if t2.button("Restore", key=f"lib_untrash_{path.name}"):
                    try:
                        store.restore_from_trash(path, user)
                        st.rerun()
                    except (SaveRefused, PermissionDenied) as err:
                        st.error(str(err))
    st.stop()

# ------------------------------------------------------------------------------ one query
q = by_id[selected]
if st.button("All saved queries", icon=":material/arrow_back:", key="lib_back"):
    del st.query_params["q"]
    st.rerun()
st.header(plain(q.title))
st.markdown({"curated": ":green-badge[:material/verified: curated]", "deprecated": ":red-badge[deprecated]",
             "draft": ":gray-badge[draft]"}[q.status] + f" · team {plain(q.team)} · owner {plain(q.owner)}")
if q.description:
    st.write(q.description)
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
            res = run_saved(engine_session(), q, values)
            S.lib_last = (q.id, q.version, str(values))
            st.caption(f"{res.row_count:,} rows · {res.elapsed_s * 1000:.0f} ms" + (" · truncated" if res.truncated else ""))
            if q.chart:
                try:
                    st.altair_chart(make_chart(res.frame, q.chart.kind, q.chart.x, q.chart.y, q.chart.color), width="stretch")
                except ValueError as err:
                    st.info(f"Saved chart cannot be drawn: {err}")
            st.dataframe(res.frame, hide_index=True, key="lib_grid")
            try:
                from portal.workbench.params import bind

                st.code(share_query(q.id, bind(q.sql, list(q.params), values)), language=None)
                st.caption("Share link (append to this page's address)")
            except ParamError:
                pass
        except ParamError as err:
            st.error(str(err))
        except Exception as err:  # engine errors in plain words
            st.error(getattr(err, "message", str(err)))
    else:
        st.caption("Set the parameters and press Run.")
    st.page_link("pages/workbench.py", label="Open in the workbench", icon=":material/code:", query_params={"q": q.id})
with tabs[1]:
    st.code(q.sql, language="sql")
with tabs[2]:
    revs = store.revisions(q.id)
    if not revs:
        st.caption("No revisions recorded yet (the file predates the portal's history).")
    for r in reversed(revs):
        st.write(f"#{r.number} · {time.strftime('%Y-%m-%d %H:%M', time.localtime(r.when))} · {plain(r.user)} · {plain(r.message)}")
    if len(revs) >= 2:
        nums = [r.number for r in revs if r.text]
        a, b = st.columns(2)
        ra = a.selectbox("Compare revision", nums, index=max(0, len(nums) - 2), key="lib_rev_a")
        rb = b.selectbox("with", nums, index=len(nums) - 1, key="lib_rev_b")
        ta = next(r.text for r in revs if r.number == ra)
        tb = next(r.text for r in revs if r.number == rb)
        st.code(diff_text(ta, tb, f"#{ra}", f"#{rb}") or "(identical)", language="diff")
        if store.can_edit(user, q) and st.button(f"Restore revision #{ra}", key="lib_restore_rev"):
            try:
                store.restore_revision(q.id, ra, user, q.version)
                st.rerun()
            except (SaveConflict, SaveRefused, PermissionDenied) as err:
                st.error(str(err))
with tabs[3]:
    if user.is_data_team:
        c1, c2, c3 = st.columns(3)
        for col, status in ((c1, "curated"), (c2, "draft"), (c3, "deprecated")):
            if q.status != status and col.button(f"Mark {status}", key=f"lib_mark_{status}"):
                try:
                    from dataclasses import replace

                    store.save(replace(q, status=status), user, q.version, message=f"marked {status}")
                    st.rerun()
                except (SaveConflict, SaveRefused, PermissionDenied) as err:
                    st.error(str(err))
    else:
        st.caption("Only the data team can curate or deprecate queries.")
    if store.can_edit(user, q):
        if st.button("Move to trash", key="lib_delete", icon=":material/delete:"):
            try:
                store.delete(q.id, user, q.version)
                del st.query_params["q"]
                st.rerun()
            except (SaveConflict, PermissionDenied) as err:
                st.error(str(err))
    else:
        st.caption(f"This query is {q.status}: fork it in the workbench to change it.")

"""A team dashboard's Share control: a snapshot link for someone without an account (signed,
expiring, revocable; computed on the PII-free twin), the dashboard as PDF, a chart as PNG."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.identity import denied_schemas
from portal.reporting.digest import dashboard_pdf, digest_items, png_bytes
from portal.results.snapshots import Snapshots, dashboard_snapshot
from ui.resources import annotations, audit_log, query_store, settings, site_base
from ui.sessions import engine_session
from ui.text import caption_text, error_text


@st.cache_resource
def snapshots() -> Snapshots:
    return Snapshots(settings().state, settings().results_folder, audit_log())


def share_box(container, d, metrics, user, start: date, end: date, filters: dict, through: date) -> None:
    box = container.popover("Share", icon=":material/ios_share:", key="dash_share_box", on_change="rerun")
    if not box.open:  # built when opened: a dashboard's first view draws its tiles, not this menu
        return
    with box:
        days = st.number_input("Link works for (days)", 1, 90, 7, key="dash_snap_days")
        if st.button(
            "Create a snapshot link",
            key="dash_snap_go",
            help="A static copy, no personal data; the viewer runs no SQL.",
        ):
            try:
                title, page = dashboard_snapshot(settings(), d.team, audit_log(), denied_schemas(settings(), user))
                _, token = snapshots().create(user, "dashboard", d.team, title, page, float(days))
                st.code(f"{site_base()}/snapshot/{token}", language=None)
                caption_text(
                    "Copy it now: it is shown once. Anyone with it sees this copy until it expires or you revoke it."
                )
            except Exception as err:  # a snapshot that cannot be computed: say so, keep the page
                error_text(getattr(err, "message", None) or err)
        for snap in [s for s in snapshots().mine(user.name) if s.team_is(d.team) and s.live]:
            c1, c2 = st.columns([3, 1])
            with c1:
                caption_text(f"Link of {date.fromtimestamp(snap.created)} · expires {date.fromtimestamp(snap.expires)}")
            if c2.button("Revoke", key=f"dash_snap_revoke_{snap.id}"):
                snapshots().revoke(user, snap.id)
                st.rerun()
        st.divider()

        def items():
            return digest_items(
                engine_session(), d, metrics, query_store(), start, end, filters, tuple(annotations()), through
            )

        st.download_button(
            "Download as PDF", lambda: dashboard_pdf(items(), d.title, f"{start} to {end}"), file_name=f"{d.team}.pdf",
            mime="application/pdf", key="dash_pdf", on_click="ignore",
        )  # fmt: skip
        charts = [t.title or t.metric or t.query for t in d.tiles if t.type not in ("kpi", "table")]
        if charts:
            pick = st.selectbox("Chart", range(len(charts)), format_func=lambda i: charts[i], key="dash_png_pick")
            st.download_button(
                "Download the chart as PNG", lambda: png_bytes(items(), pick), file_name=f"{d.team}-chart.png",
                mime="image/png", key="dash_png", on_click="ignore",
            )  # fmt: skip


def query_share(q, values: dict, user) -> None:
    """A saved query's answer with these values as a snapshot link (PII-free, no SQL for the viewer)."""
    from portal.results.snapshots import query_snapshot

    with st.popover("Snapshot link", icon=":material/ios_share:"):
        days = st.number_input("Link works for (days)", 1, 90, 7, key="lib_snap_days")
        if st.button("Create", key="lib_snap_go", help="A static copy of this answer, without personal data."):
            try:
                title, page = query_snapshot(settings(), q, values, audit_log(), denied_schemas(settings(), user))
                _, token = snapshots().create(user, "query", q.id, title, page, float(days))
                st.code(f"{site_base()}/snapshot/{token}", language=None)
                caption_text(
                    "Copy it now: it is shown once. Revoke it from the dashboard Share menu's list or let it expire."
                )
            except Exception as err:  # a query that cannot run on the twin: say so
                error_text(getattr(err, "message", None) or err)

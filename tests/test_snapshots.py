"""Issue #33: a dashboard as a signed, expiring, revocable snapshot link that works signed out and
shows no personal data (computed on the PII-free twin; the viewer runs no SQL); the dashboard as PDF
and a chart as PNG."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from conftest import streamlit_server

from portal.audit import AuditFilter, AuditLog
from portal.config import load_settings
from portal.identity import make_user
from portal.results.snapshots import SnapshotError, Snapshots, dashboard_snapshot


def test_a_snapshot_page_is_computed_on_the_twin_and_links_live_expire_and_are_revoked(portal_env, tmp_path):
    settings = load_settings()
    audit = AuditLog(tmp_path)
    title, page = dashboard_snapshot(settings, "executive", audit, ())
    assert title == "Executive" and "snapshot of" in page and "<img" in page and "@" not in page.replace("&#x27;", "")
    store = Snapshots(tmp_path, tmp_path / "results", audit)
    dana = make_user("dana", settings, "t")
    snap, token = store.create(dana, "dashboard", "executive", title, page, 7)
    assert store.page(token) == (store.get(snap.id), page)
    assert store.page("forged") == (None, None)
    with pytest.raises(SnapshotError, match="1 to 90 days"):
        store.create(dana, "dashboard", "executive", title, page, 365)
    assert not store.revoke(make_user("alex", settings, "t"), snap.id)  # not theirs
    assert store.revoke(dana, snap.id) and store.page(token) == (store.get(snap.id), None)
    short, tok2 = store.create(dana, "dashboard", "executive", title, page, 1)
    with store.db.connect() as con:
        con.execute("UPDATE snapshots SET expires = ? WHERE id = ?", (time.time() - 1, short.id))
    assert store.page(tok2)[1] is None  # expired
    kinds = [r["object"] for r in audit.query(AuditFilter(kind="snapshot"))]
    assert any(o.startswith("dashboard executive for 7 days") for o in kinds) and any(
        o.startswith("revoked") for o in kinds
    )


def test_the_dashboard_as_pdf_and_a_chart_as_png(portal_env, warehouse):
    from conftest import session_for

    from portal.library import QueryStore
    from portal.reporting.dashboards import DashboardStore
    from portal.reporting.digest import dashboard_pdf, digest_items, png_bytes
    from portal.reporting.metrics import load_metrics

    settings = load_settings()
    metrics = load_metrics(settings.metrics_path, settings.model)
    d = DashboardStore(settings.dashboards_dir).load("checkout", metrics)
    items = digest_items(
        session_for(warehouse), d, metrics, QueryStore(settings.queries_dir, settings.state_dir),
        date(2026, 10, 19), date(2026, 11, 15),
    )  # fmt: skip
    assert not items.errors
    pdf = dashboard_pdf(items, d.title, "2026-10-19 to 2026-11-15")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert png_bytes(items, 0).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="could not be drawn"):
        png_bytes(items, 99)


@pytest.mark.browser
def test_a_snapshot_link_works_signed_out_and_stops_when_revoked(portal_env, demo_db, browser, tmp_path):
    """The page is made from the dashboard, the link opened in a fresh browser with no session."""
    folder = tmp_path / "srv"
    with streamlit_server(demo_db, folder) as base:
        settings = load_settings()
        audit = AuditLog(Path(base.state_dir))
        store = Snapshots(Path(base.state_dir), Path(base.state_dir) / "results", audit)
        title, page = dashboard_snapshot(settings, "checkout", audit, ())
        dana = make_user("dana", settings, "t")
        snap, token = store.create(dana, "dashboard", "checkout", title, page, 7)
        ctx = browser.new_context()  # signed out: no cookies, no Streamlit session
        tab = ctx.new_page()
        shown = tab.goto(f"{base}/snapshot/{token}")
        assert shown.status == 200 and tab.locator("h1").inner_text().startswith("Checkout: snapshot of")
        assert tab.locator("img").count() >= 2  # the charts, inlined
        store.revoke(dana, snap.id)
        gone = tab.goto(f"{base}/snapshot/{token}")
        assert gone.status == 410 and "revoked" in tab.inner_text("body")
        ctx.close()
        with pytest.raises(urllib.error.HTTPError) as nothing:
            urllib.request.urlopen(f"{base}/snapshot/not-a-token", timeout=30)
        assert nothing.value.code == 404


@pytest.mark.browser
def test_a_link_made_from_the_share_menu_works_signed_out_until_it_expires_or_is_revoked(
    portal_env, demo_db, browser, tmp_path
):
    """Made in the dashboard's Share menu (built when it opens), opened by a browser with no session:
    it works, then stops once its time is up; a second link stops when revoked from the same menu."""
    with streamlit_server(demo_db, tmp_path / "srv") as base:
        store = Snapshots(Path(base.state_dir), Path(base.state_dir) / "results", AuditLog(Path(base.state_dir)))
        page = browser.new_page()
        page.goto(f"{base}/team-checkout")
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=120_000)

        def make_link() -> str:
            page.get_by_role("button", name="Share").click()
            page.get_by_role("button", name="Create a snapshot link").click()
            code = page.locator('[data-testid="stCode"] code').first
            code.wait_for(timeout=120_000)
            link = code.inner_text().strip()
            page.keyboard.press("Escape")
            return link

        def opened(link: str):
            ctx = browser.new_context()  # signed out: no cookies, no Streamlit session
            try:
                tab = ctx.new_page()
                shown = tab.goto(link)
                return shown.status, tab.inner_text("body")
            finally:
                ctx.close()

        first = make_link()
        status, body = opened(first)
        assert status == 200 and "Checkout: snapshot of" in body
        (snap,) = [s for s in store.mine("alex") if s.live]  # the demo's default persona made it
        with store.db.connect() as con:  # its days are up
            con.execute("UPDATE snapshots SET expires = ? WHERE id = ?", (time.time() - 1, snap.id))
        assert opened(first)[0] == 410
        second = make_link()
        assert opened(second)[0] == 200
        page.get_by_role("button", name="Share").click()
        page.get_by_role("button", name="Revoke").click()
        page.get_by_role("button", name="Revoke").wait_for(state="detached", timeout=60_000)
        status, body = opened(second)
        assert status == 410 and "revoked" in body


def test_a_saved_querys_answer_as_a_snapshot_without_personal_data(portal_env, tmp_path):
    """Run on the PII-free twin: a query selecting e-mails shows blanks in its snapshot."""
    from portal.library import QueryStore
    from portal.library.header import parse_query
    from portal.results.snapshots import query_snapshot

    settings = load_settings()
    audit = AuditLog(tmp_path)
    q = QueryStore(settings.queries_dir, settings.state_dir).get("executive/revenue_by_week")
    title, page = query_snapshot(settings, q, {}, audit, ())
    assert title == q.title and "<table" in page and "<img" in page and "snapshot of" in page
    sneaky = parse_query(
        "-- title: Contacts\n-- status: curated\nSELECT email, '=1+1' AS formula FROM raw.users LIMIT 3\n", "x/contacts"
    )
    _, leak = query_snapshot(settings, sneaky, {}, audit, ())
    assert "@" not in leak  # no address reaches the page: the twin blanked them
    store = Snapshots(tmp_path, tmp_path / "results", audit)
    snap, token = store.create(make_user("dana", settings, "t"), "query", q.id, title, page, 3)
    assert store.page(token)[1] == page

"""Issue #33 in a real browser: a workbench run survives a reload and a closed tab (the link brings it
back with its answer), and a server restarted mid-run reports the job as failed, never lost."""

from __future__ import annotations

import re
import time

import pytest
from conftest import open_editor, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def editor_shows(page, text: str) -> None:
    """The editor (in the component's iframe, drawn after the page's own elements) comes to hold `text`."""
    from playwright.sync_api import expect

    expect(page.frame_locator('iframe[title*="sql_editor"]').locator(".ace_content")).to_contain_text(
        text, timeout=30_000
    )


def start_run(page, base: str, sql: str) -> str:
    """Type `sql`, run it, and return the job id once the URL carries it."""
    open_editor(page, base)
    page.keyboard.press("Delete")
    page.keyboard.type(sql)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => location.search.includes('job=')", timeout=30_000)
    return re.search(r"job=([0-9a-f]+)", page.url).group(1)


def test_a_run_survives_a_reload_and_a_closed_tab(app_server, browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    first = ctx.new_page()
    job = start_run(first, app_server, "SELECT test_sleep(4) AS slept")
    first.reload()  # the page's session is gone; the job is not
    wait_for_app(first, 60_000)
    first.wait_for_selector("text=Result 1", timeout=60_000)
    editor_shows(first, "test_sleep(4) AS slept")
    assert "1 rows" in first.inner_text("body")
    second_job = start_run(first, app_server, "SELECT test_sleep(4) AS napped")
    assert second_job != job
    first.close()  # the tab is closed while it runs
    again = ctx.new_page()
    again.goto(f"{app_server}/workbench?job={second_job}")
    wait_for_app(again, 60_000)
    again.wait_for_selector("text=Result 1", timeout=60_000)
    editor_shows(again, "AS napped")
    assert "1 rows" in again.inner_text("body")
    again.goto(f"{app_server}/workbench?job={job}")  # a finished job's link still shows its answer
    wait_for_app(again, 60_000)
    again.wait_for_selector("text=Result 1", timeout=60_000)
    editor_shows(again, "AS slept")
    assert "1 rows" in again.inner_text("body")
    ctx.close()


def test_a_server_restarted_mid_run_reports_the_job_as_failed(demo_db, browser, tmp_path):
    import shutil

    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    with streamlit_server(demo_db, tmp_path / "before") as base:
        job = start_run(page, base, "SELECT test_sleep(120) AS never")
        page.wait_for_selector("text=It keeps running on the server", timeout=30_000)
    # the server stopped mid-run; it starts again on the same disk (its app state and stored answers)
    (tmp_path / "after").mkdir()
    shutil.copytree(tmp_path / "before" / "state", tmp_path / "after" / "state")
    with streamlit_server(demo_db, tmp_path / "after") as base:
        page.goto(f"{base}/workbench?job={job}")
        page.wait_for_selector("text=the server restarted while it ran", timeout=90_000)
        assert page.locator('[data-testid="stException"]').count() == 0
    ctx.close()


def test_two_replicas_serve_one_stored_tile_and_a_pii_job_never_reaches_an_analyst(demo_db, browser, tmp_path):
    """Two servers on one app state (as behind the proxy): the tile the first computed and stored is
    what the second shows, computed once; dana's job on raw.users is hers alone, on either server."""
    import os

    from portal.results.store import ResultStore

    (tmp_path / "a" / "state").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    os.symlink(tmp_path / "a" / "state", tmp_path / "b" / "state")
    store = ResultStore(tmp_path / "a" / "state", tmp_path / "a" / "state" / "results")

    def tiles() -> int:
        with store.db.connect() as con:
            return con.execute("SELECT count(*) FROM results WHERE kind = 'tile'").fetchone()[0]

    def computed(page, base: str) -> str:
        page.goto(f"{base}/team-checkout")
        wait_for_app(page, 90_000)
        line = page.get_by_text(re.compile(r"computed \d{4}-\d\d-\d\d \d\d:\d\d")).first
        line.wait_for(timeout=90_000)
        return line.inner_text()

    with streamlit_server(demo_db, tmp_path / "a") as a, streamlit_server(demo_db, tmp_path / "b") as b:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        first = computed(page, a)
        stored = tiles()
        assert stored >= 1 and computed(page, b) == first and tiles() == stored  # read, not recomputed
        page.goto(f"{a}/workbench")
        wait_for_app(page, 60_000)
        page.get_by_label("Demo persona").click()  # a persona lasts for this page's session
        page.get_by_role("option", name="dana", exact=True).click()
        page.wait_for_selector("text=Role: data team (PII access)", timeout=60_000)
        wait_for_app(page, 60_000)
        editor = page.frame_locator('iframe[title*="sql_editor"]').locator(".ace_editor")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        # slow enough for the link to show while it runs; reads e-mail addresses (dana may)
        page.keyboard.type(
            "SELECT u.email, s.slept FROM (SELECT email FROM raw.users LIMIT 1) AS u, (SELECT test_sleep(3) AS slept) AS s"
        )
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Enter")
        page.wait_for_function("() => location.search.includes('job=')", timeout=30_000)
        job = re.search(r"job=([0-9a-f]+)", page.url).group(1)
        page.wait_for_selector("text=Result 1", timeout=60_000)
        assert store._get(job).owner == "dana" and store._get(job).role_key.startswith("pii")
        ctx.close()
        analyst = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()  # alex, by default
        analyst.goto(f"{b}/workbench?job={job}")
        wait_for_app(analyst, 60_000)
        analyst.wait_for_selector("text=not one of yours", timeout=60_000)
        assert "@" not in analyst.inner_text("body")
        analyst.context.close()


def test_a_refreshed_tile_shows_its_new_computed_time(demo_db, browser, tmp_path):
    """Last night's refresh (its answers aged an hour here), then this morning's: the tile says so."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    from portal.results.store import ResultStore

    with streamlit_server(demo_db, tmp_path) as base:
        env = {**os.environ, "PORTAL_DB": str(demo_db), "PORTAL_STATE_DIR": str(base.state_dir)}
        refresh = [sys.executable, "-m", "portal", "refresh", "--team", "checkout"]
        assert subprocess.run(refresh, cwd=ROOT, env=env, capture_output=True, timeout=300).returncode == 0
        store = ResultStore(base.state_dir, base.state_dir / "results")
        with store.db.connect() as con:
            con.execute("UPDATE results SET computed_at = computed_at - 3600")
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()

        def stamp() -> str:
            page.goto(f"{base}/team-checkout")
            wait_for_app(page, 90_000)
            line = page.get_by_text(re.compile(r"computed \d{4}-\d\d-\d\d \d\d:\d\d")).first
            line.wait_for(timeout=90_000)
            return re.search(r"computed (\S+ \S+)", line.inner_text()).group(1)

        before = stamp()
        assert subprocess.run(refresh, cwd=ROOT, env=env, capture_output=True, timeout=300).returncode == 0
        with store.db.connect() as con:  # this morning's answers (a refresh may cross a minute)
            fresh = [r[0] for r in con.execute("SELECT computed_at FROM results WHERE kind = 'tile'").fetchall()]
        after = stamp()  # the same server, its memory of the old answers included
        assert after != before and after in {time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) for t in fresh}
        page.context.close()

"""Issue #33 in a real browser: a workbench run survives a reload and a closed tab (the link brings it
back with its answer), and a server restarted mid-run reports the job as failed, never lost."""

from __future__ import annotations

import re

import pytest
from conftest import open_editor, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def shown_sql(page) -> str:
    """What the editor holds (it lives in the component's iframe)."""
    return page.frame_locator('iframe[title*="sql_editor"]').locator(".ace_content").inner_text()


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
    assert "test_sleep(4) AS slept" in shown_sql(first) and "1 rows" in first.inner_text("body")
    second_job = start_run(first, app_server, "SELECT test_sleep(4) AS napped")
    assert second_job != job
    first.close()  # the tab is closed while it runs
    again = ctx.new_page()
    again.goto(f"{app_server}/workbench?job={second_job}")
    wait_for_app(again, 60_000)
    again.wait_for_selector("text=Result 1", timeout=60_000)
    assert "AS napped" in shown_sql(again) and "1 rows" in again.inner_text("body")
    again.goto(f"{app_server}/workbench?job={job}")  # a finished job's link still shows its answer
    wait_for_app(again, 60_000)
    again.wait_for_selector("text=Result 1", timeout=60_000)
    assert "AS slept" in shown_sql(again) and "1 rows" in again.inner_text("body")
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

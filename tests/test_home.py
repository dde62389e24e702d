"""Home page: what is in the warehouse, for each role (AppTest), and in a real browser."""

from __future__ import annotations

import pytest
from conftest import ROOT, session_for
from streamlit.testing.v1 import AppTest

from portal.warehouse.overview import summary, tables_frame


def test_summary_and_tables_frame(warehouse):
    cat = session_for(warehouse).catalog()
    facts = summary(cat)
    assert facts["schemas"] == 2 and facts["tables"] == 23
    frame = tables_frame(cat, "raw")
    assert len(frame) == 10
    assert frame["rows"].min() > 0
    assert cat.data_through is not None


def run_app(portal_env, user=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if user:
        at.session_state["app_user"] = user
    at.run()
    return at


def test_home_lists_tables_with_descriptions(portal_env):
    at = run_app(portal_env)
    assert not at.exception, at.exception
    assert at.title[0].value == "Analytics Portal"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tables"] == "23"
    assert metrics["Data through"].startswith("2026-11")
    frames = [df.value for df in at.dataframe]
    names = set().union(*(set(f["table"]) for f in frames))
    assert {"analytics.events", "analytics.users", "raw.users", "raw.events"} <= names
    assert all(f["description"].str.len().min() > 10 for f in frames)
    assert any("Answered by DuckDB" in c.value for c in at.caption)  # which engine (tests/test_spark.py: Spark)


def test_home_tells_analysts_that_pii_is_masked(portal_env):
    analyst = run_app(portal_env, "alex")
    assert any("masked" in c.value for c in analyst.caption)
    dana = run_app(portal_env, "dana")
    assert not dana.exception
    assert not any("masked" in c.value for c in dana.caption)


@pytest.mark.browser
def test_home_in_a_real_browser(app_server, page):
    from conftest import wait_for_app

    page.goto(app_server)
    wait_for_app(page)
    page.wait_for_selector("text=What is in the warehouse", timeout=30_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Analytics Portal" in body
    assert page.locator('[data-testid="stException"]').count() == 0
    # The grid draws on a canvas; its accessible table mirrors the visible cells.
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td'))"
        ".some(td => td.innerText.includes('analytics.events'))",
        timeout=30_000,
    )
    cells = page.locator('[data-testid="stDataFrame"] table td').all_inner_texts()
    assert "analytics.users" in cells
    assert "Data through" in body and "2026-11-15" in body
    assert page.page_errors == []
    for path in ("/workbench", "/funnels", "/team-executive"):
        page.goto(app_server + path)
        wait_for_app(page, 60_000)
        page.wait_for_timeout(1500)
    assert page.external_requests == []  # fonts, icons, scripts: all served locally


def test_first_start_builds_the_demo_warehouse(tmp_path, monkeypatch):
    from conftest import _clear_streamlit_caches

    cfg = tmp_path / "portal.toml"
    cfg.write_text('[warehouse]\npath = "data/warehouse.duckdb"\ndemo = true\ndemo_scale = 0.003\n')
    monkeypatch.setenv("PORTAL_CONFIG", str(cfg))
    for var in ("PORTAL_DB", "PORTAL_STATE_DIR"):
        monkeypatch.delenv(var, raising=False)
    _clear_streamlit_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert (tmp_path / "data" / "warehouse.duckdb").exists() and (
        tmp_path / "data" / "warehouse.public.duckdb"
    ).exists()
    assert at.title[0].value == "Analytics Portal"
    _clear_streamlit_caches()

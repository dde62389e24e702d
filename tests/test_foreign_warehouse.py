"""The portal on a warehouse it did not build (issue #20): tests/foreign/schema.sql is a company's
file with a GA4-export-shaped event log (text person ids, epoch-µs times) in schema `ga4`, customers
and orders in `main`, spend and experiments in `sales`, and no demo table. Only PORTAL_CONFIG points
at it. Every page must open, the funnel must equal an independent reference, the twin must hold no
PII, and the company's file must not change by a byte."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, app_reading, run_page, session_for, shown

FOREIGN = ROOT / "tests" / "foreign"
PAGES = [
    "pages/home.py",
    "pages/workbench.py",
    "pages/library.py",
    "pages/query_check.py",
    "pages/funnels.py",
    "pages/cohorts.py",
    "pages/experiments.py",
    "pages/impact.py",
    "pages/metrics.py",
]
STEPS = ["session_start", "view_item", "begin_checkout", "purchase"]


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def cli(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") or k == "PORTAL_TEST_SLEEP"}
    env["PORTAL_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
    )


def build_company(folder: Path) -> Path:
    """The company's warehouse, made from text as its own pipeline would (never by the portal)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FOREIGN / "portal.toml", folder / "portal.toml")
    for name in ("queries", "dashboards"):
        (folder / name).mkdir(exist_ok=True)
    con = duckdb.connect(str(folder / "company.duckdb"))
    con.execute((FOREIGN / "schema.sql").read_text(encoding="utf-8"))
    con.close()
    return folder / "portal.toml"


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """(portal.toml, warehouse file, its md5 before the portal saw it) with its twin built by the CLI."""
    config = build_company(tmp_path_factory.mktemp("company"))
    db = config.parent / "company.duckdb"
    before = md5(db)
    done = cli(config, "twin")
    assert done.returncode == 0, done.stderr
    return config, db, before


@pytest.fixture
def company_env(company, monkeypatch):
    with app_reading(company[0], monkeypatch):
        yield company


def read(db: Path, sql: str) -> list[tuple]:
    """Rows of `sql` on a file opened read-only, as the company's own tools would read it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def events(db: Path) -> list[dict]:
    rows = read(
        db, "SELECT user_pseudo_id, make_timestamp(event_timestamp), event_name, device_category FROM ga4.events"
    )
    return [{"user": u, "t": t, "name": n, "device": d} for u, t, n, d in rows]


def reference_counts(rows: list[dict], steps: list[str], window: timedelta) -> dict[int, int]:
    """Plain Python, independent of the portal: per person, the longest chain of the steps in order,
    each at or after the previous, all within `window` of the first; people reaching each step."""
    by_person: dict[str, list] = {}
    for r in rows:
        by_person.setdefault(r["user"], []).append((r["t"], r["name"]))
    reached = {k: 0 for k in range(1, len(steps) + 1)}
    for evs in by_person.values():
        evs.sort()
        best = 0
        for t0, n0 in evs:
            if n0 != steps[0]:
                continue
            level, prev = 1, t0
            for step in steps[1:]:
                nxt = [t for t, n in evs if n == step and t >= prev]
                if not nxt or min(nxt) > t0 + window:
                    break
                prev, level = min(nxt), level + 1
            best = max(best, level)
        for k in range(1, best + 1):
            reached[k] += 1
    return reached


def test_cli_commands_work_with_only_the_configuration(company, tmp_path):
    config, db, before = company
    done = cli(config, "query", "SELECT count(*) AS n FROM customers")  # a bare name in main
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", "600"]
    pii = cli(
        config, "query", "SELECT count(contact) AS c, count(display_name) AS d, count(last_ip) AS i FROM customers"
    )
    assert pii.stdout.splitlines()[1] == "0,0,0", "analysts read the twin: declared and tagged PII blanked"
    sql = tmp_path / "mine.sql"
    sql.write_text("SELECT source, count(*) AS n FROM customers JOIN big_spenders ON buyer = customer_key GROUP BY 1\n")
    linted = cli(config, "lint", str(sql))
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "L002" not in linted.stdout
    assert cli(config, "check").returncode == 0
    funnel = cli(config, "funnel", "--steps", ",".join(STEPS))
    assert funnel.returncode == 0, funnel.stderr
    got = {int(r.split(",")[1]): int(r.split(",")[2]) for r in funnel.stdout.splitlines()[1:] if r.startswith("all,")}
    assert got == reference_counts(events(db), STEPS, timedelta(days=14))
    unknown = cli(config, "funnel", "--steps", "session_start,page_view")  # the demo's event: not here
    assert unknown.returncode == 2 and "page_view" in unknown.stderr
    assert md5(db) == before


def test_funnel_by_a_property_equals_the_reference_and_counts_text_ids(company, tmp_path):
    from portal.config import load_settings
    from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels
    from portal.warehouse.connect import open_warehouse

    settings = load_settings(company[0])
    wh = open_warehouse(settings, pii=False)
    spec = FunnelSpec(
        tuple(Step(s) for s in STEPS), date(2026, 3, 1), date(2026, 4, 30), 14, breakdown="device_category"
    )
    levels = user_levels(session_for(wh), spec)
    assert levels["user_id"].map(type).eq(str).all()  # the company's own ids, not codes
    counts = step_counts(levels, spec)
    rows = events(company[1])
    for device in ("android", "ios", "web"):
        mine = [r for r in rows if r["device"] == device]
        want = reference_counts(mine, STEPS, timedelta(days=14))
        got = counts[counts.segment == device].set_index("step")["users"].to_dict()
        assert got == want, device
    assert "p00007" not in " ".join(levels[levels.level >= 3]["user_id"])  # skipped a step: no jump


def test_twin_holds_no_declared_or_scanned_pii(company):
    from portal.warehouse.pii_scan import scan

    twin = company[1].with_name("company.public.duckdb")
    found = [s for s in scan(twin) if s.matches]
    assert found == [], found
    full = {s.column for s in scan(company[1]) if s.matches}  # nothing declared: the scan finds them by value
    assert {"main.customers.display_name", "main.customers.last_ip"} <= full
    assert "main.customers.contact" not in full  # tagged [pii] in its description: declared, so not listed
    (blank,) = read(twin, "SELECT count(contact), count(display_name), count(last_ip), count(*) FROM customers")
    assert blank == (0, 0, 0, 600)


def test_pii_scan_lists_undeclared_columns_and_exits_1(tmp_path):
    config = build_company(tmp_path / "c")
    text = config.read_text().replace('columns = ["customers.display_name", "main.customers.last_ip"]', "columns = []")
    config.write_text(text)
    done = cli(config, "pii-scan")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("main.customers.display_name\tvalues look like person names") for line in lines)
    assert any(line.startswith("main.customers.last_ip\tvalues look like IP addresses") for line in lines)
    assert not any(line.startswith("main.customers.contact") for line in lines)  # tagged [pii] in its description


def test_a_twin_older_than_its_warehouse_is_refused(tmp_path):
    config = build_company(tmp_path / "c")
    assert cli(config, "twin").returncode == 0
    assert cli(config, "query", "SELECT 1 AS x").returncode == 0
    con = duckdb.connect(str(config.parent / "company.duckdb"))  # the company's nightly build runs again
    con.execute("INSERT INTO main.customers (customer_key) VALUES ('late')")
    con.close()
    stale = cli(config, "query", "SELECT 1 AS x")
    assert stale.returncode != 0 and "older than the warehouse" in stale.stderr
    assert cli(config, "twin").returncode == 0
    assert cli(config, "query", "SELECT count(*) AS n FROM customers").stdout.splitlines()[1] == "601"


def test_a_missing_warehouse_is_a_message_and_never_a_build(tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    config = tmp_path / "portal.toml"
    config.write_text('[warehouse]\npath = "nowhere/company.duckdb"\n')
    done = cli(config, "query", "SELECT 1")
    assert done.returncode != 0 and "No warehouse file" in done.stderr
    for k in [k for k in os.environ if k.startswith("PORTAL_") and k != "PORTAL_TEST_SLEEP"]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("No warehouse file" in shown(e) for e in at.error)
    assert not (tmp_path / "nowhere").exists(), "the portal created something where the company's file should be"
    st.cache_resource.clear()


def test_the_demo_configuration_builds_only_at_the_demo_path(tmp_path, monkeypatch):
    from dataclasses import replace

    from portal.config import load_settings
    from portal.warehouse.bootstrap import ensure_warehouse

    demo = load_settings(ROOT / "portal.toml")
    assert demo.demo
    theirs = tmp_path / "theirs.duckdb"
    theirs.write_bytes(b"not a duckdb file, and not ours")
    before = md5(theirs)
    assert not ensure_warehouse(replace(demo, warehouse_path=theirs))
    assert md5(theirs) == before and not theirs.with_name("theirs.public.duckdb").exists()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_on_the_company_warehouse(company_env, path):
    at = run_page(path, user="dana")
    assert not at.exception
    assert md5(company_env[1]) == company_env[2]


def test_product_pages_show_the_company_data(company_env):
    funnels = run_page("pages/funnels.py", user="alex")
    assert funnels.multiselect(key="fn_steps").options[:1] == ["session_start"]  # most frequent first
    assert "page_view" not in funnels.multiselect(key="fn_steps").options
    assert funnels.selectbox(key="fn_breakdown").options[:3] == ["none", "device_category", "country"]
    assert "variant:checkout_copy" in funnels.selectbox(key="fn_breakdown").options
    assert [m.value for m in funnels.metric][0] == "600"
    cohorts = run_page("pages/cohorts.py", user="alex")
    assert cohorts.selectbox(key="co_split").options == ["none", "source", "campaign_code"]
    experiments = run_page("pages/experiments.py", user="alex")
    assert experiments.selectbox(key="ex_experiment").value == "checkout_copy"
    assert not experiments.error, [shown(e) for e in experiments.error]
    corr = run_page("pages/funnels.py", {"fn_tab": "Correlation"}, user="alex")  # text ids, GA4 properties
    grid = corr.dataframe[0].value
    assert set(grid["properties"]) <= {"device_category", "country", "device_category × country"} and len(grid) >= 3


def test_retention_with_text_ids_equals_its_sql_reference(company):
    from portal.config import load_settings
    from portal.product.cohorts import CohortSpec, _sql, retention
    from portal.warehouse.connect import open_warehouse

    session = session_for(open_warehouse(load_settings(company[0]), pii=True))
    spec = CohortSpec("week", "signup", "source", None, 6)
    fast = retention(session, spec, date(2026, 4, 30))
    ref = session.frame(_sql("retention", spec, session), {"periods": 6})
    merged = fast.merge(ref, on=["cohort", "segment", "period"], suffixes=("", "_sql"))
    assert len(merged) == len(ref) > 0
    assert (merged["active_users"] == merged["active_users_sql"]).all()


def test_names_resolve_as_duckdb_resolves_them(company):
    from portal.config import load_settings
    from portal.warehouse.connect import open_warehouse
    from portal.workbench.lint import lint

    session = session_for(open_warehouse(load_settings(company[0]), pii=False))
    cat = session.catalog()
    assert cat.table("customers").full_name == "main.customers"
    assert cat.table("big_spenders").full_name == "main.big_spenders"  # views too
    assert cat.table("events") is None and cat.table("ga4.events") is not None
    found = lint("SELECT * FROM events", cat, session)
    assert [f.fix for f in found if f.code == "L002"] == ["write ga4.events"]
    typo = lint("SELECT 1 FROM customer", cat)
    assert [f.fix for f in typo if f.code == "L002"] == ["did you mean customers?"]
    assert not [f for f in lint("SELECT count(*) FROM customers", cat, session) if f.severity == "error"]


def test_a_browser_walk_of_the_company_warehouse(company, page, tmp_path):
    """Every product page in a real browser, on the company's configuration only."""
    from conftest import streamlit_server, wait_for_app

    config, db, before = company
    with streamlit_server(None, tmp_path, config=config) as url:
        for path, expect in (
            ("/funnels", "session_start"),
            ("/cohorts", "Cohorts"),
            ("/experiments", "sample-ratio mismatch"),
            ("/impact", "Before/after"),
            ("/workbench", "SQL workbench"),
        ):
            page.goto(url + path)
            wait_for_app(page, 60_000)
            page.screenshot(path=str(tmp_path / f"{path.strip('/')}.png"), full_page=True)
            page.wait_for_function("t => document.body.innerText.includes(t)", arg=expect, timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0, path
            if path == "/funnels":
                page.wait_for_selector('[data-testid="stMetric"]', timeout=30_000)
                page.screenshot(path=str(tmp_path / "funnels.png"), full_page=True)
    assert page.page_errors == [] and page.external_requests == []
    assert md5(db) == before

"""Issue #34: a warehouse built by the data team's dbt project (tests/dbt_project, built for real by
dbt-core 1.10 and dbt-duckdb in their own virtualenv), configured as ADOPTING.md says ([dbt]
target). Home, the schema browser, completion and `catalog` show dbt's descriptions, test results and
freshness; the twin blanks what dbt marks personal; `impact` follows dbt's compiled SQL to every
consumer; exposures written by the portal are read back by dbt itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, app_reading, run_page, shown
from test_foreign_warehouse import cli

from portal.dbt.artifacts import DbtError, load_project, read_project
from portal.dbt.lineage import dbt_lineage, personal_columns

PROJECT = ROOT / "tests" / "dbt_project"
DBT_VENV = Path(os.environ.get("DBT_VENV", ROOT / ".venv-dbt"))


def dbt_build(out: Path) -> None:
    done = subprocess.run(
        ["bash", str(PROJECT / "build.sh"), str(out)],
        env={**os.environ, "DBT_VENV": str(DBT_VENV)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def acme(tmp_path_factory) -> Path:
    """The company's folder: its dbt-built warehouse, dbt's target/, and the portal's configuration."""
    folder = tmp_path_factory.mktemp("acme")
    dbt_build(folder)
    for name in ("portal.toml", "metrics.toml", "alerts.toml"):
        shutil.copy(PROJECT / name, folder / name)
    for name in ("queries", "dashboards"):
        shutil.copytree(PROJECT / name, folder / name)
    done = cli(folder / "portal.toml", "twin")
    assert done.returncode == 0, done.stderr
    return folder / "portal.toml"


@pytest.fixture(scope="module")
def project(acme):
    return read_project(acme.parent / "target")


def csv_rows(text: str) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


def test_the_artifacts_give_descriptions_tests_freshness_and_personal_columns(project):
    orders = project.relation("marts.fct_orders")
    assert orders.kind == "model" and orders.description.startswith("Succeeded charges")
    assert orders.columns["revenue"] == "Order value in US dollars."
    assert orders.quality() == "3 tests pass" and orders.quality("order_id") == "2 tests pass"
    customers = project.relation("marts.dim_customers")
    assert customers.quality() == "1 test passes, 1 fails" and customers.quality("first_order_date") == "1 test fails"
    (failing,) = [t for t in customers.tests if t.status == "fail"]
    assert failing.name == "not_null" and failing.failures > 0  # accounts that never bought
    users = project.relation("app.users")
    assert users.kind == "source" and users.freshness.status == "error"  # loaded 2026-11-30, stale on purpose
    assert users.freshness.text() == "stale: loaded 2026-11-30 06:00 UTC (warn after 12 hours, error after 24 hours)"
    assert project.relation("stripe.charges").freshness.text().startswith("late: loaded 2026-11-30 06:00 UTC")
    assert project.pii_columns() == ["app.users.email", "staging.stg_users.email", "staging.stg_users.full_name"]
    (exposure,) = project.exposures
    assert exposure.name == "finance_dashboard" and exposure.depends_on == ("marts.fct_orders",)
    assert project.run_kind == "build" and project.notes == ()


def test_personal_columns_reach_the_sources_their_values_come_from(project):
    """dbt marks stg_users.full_name (a view); the twin must blank app.users.full_name for it to be blank."""
    assert {"app.users.full_name", "app.users.email"} <= set(personal_columns(project))


def test_column_lineage_follows_the_compiled_models_to_the_sources(project):
    build = dbt_lineage(project)
    assert build.unread == ()
    assert build.sources["marts.fct_orders.revenue"] == {"stripe.charges.amount"}
    assert build.sources["marts.dim_customers.lifetime_revenue"] == {"stripe.charges.amount"}
    assert build.broken_builds("stripe.charges", "amount") == [
        "marts.dim_customers",
        "marts.fct_orders",
        "staging.stg_charges",
    ]
    # a status filter is read (breaks on rename) without feeding any value
    assert "marts.fct_orders" in build.broken_builds("stripe.charges", "status")
    assert not any("stripe.charges.status" in s for c, s in build.sources.items() if c.startswith("marts.fct_orders."))
    assert build.sources["staging.stg_charges.status"] == {"stripe.charges.status"}  # passed through as a column


def test_models_without_compiled_sql_are_named_not_skipped(project, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(project.folder, target)
    shutil.rmtree(target / "compiled")
    build = dbt_lineage(read_project(target))
    assert any(u.startswith("marts.fct_orders: no compiled SQL") for u in build.unread)


def test_unreadable_artifacts_are_a_clear_error_and_a_docs_run_is_not_a_test_run(project, tmp_path):
    with pytest.raises(DbtError, match="manifest.json: not found"):
        read_project(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DbtError, match="not readable as JSON"):
        read_project(tmp_path)
    target = tmp_path / "docs_only"
    shutil.copytree(project.folder, target)
    run = json.loads((target / "run_results.json").read_text())
    run["args"]["which"] = "generate"
    (target / "run_results.json").write_text(json.dumps(run))
    docs = read_project(target)
    assert docs.relation("marts.dim_customers").quality() == "2 tests not run"
    assert any("dbt generate" in n for n in docs.notes)


def test_artifacts_are_read_again_when_they_change(project, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(project.folder, target)
    assert load_project(target).relation("marts.fct_orders").description.startswith("Succeeded charges")
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["nodes"]["model.acme.fct_orders"]["description"] = "Rewritten by the data team."
    time.sleep(0.01)
    (target / "manifest.json").write_text(json.dumps(manifest))
    assert load_project(target).relation("marts.fct_orders").description == "Rewritten by the data team."


def test_catalog_prints_one_row_per_column_with_dbt_facts(acme):
    done = cli(acme, "catalog")
    assert done.returncode == 0, done.stderr
    rows = {(r["schema"], r["table"], r["column"]): r for r in csv_rows(done.stdout)}
    revenue = rows[("marts", "fct_orders", "revenue")]
    assert revenue["description"] == "Order value in US dollars." and revenue["tests"] == "1 test passes"
    assert revenue["type"] == "DOUBLE" and revenue["freshness"].startswith("built ")
    assert rows[("marts", "dim_customers", "first_order_date")]["tests"] == "1 test fails"
    assert rows[("app", "users", "id")]["freshness"].startswith("stale: loaded 2026-11-30")
    assert rows[("stripe", "charges", "amount")]["description"] == "Charge amount in cents."


def test_the_twin_blanks_what_dbt_marks_personal(acme):
    public = acme.parent / "acme.public.duckdb"
    con = duckdb.connect(str(public), read_only=True)
    try:
        for sql in (
            "SELECT count(email), count(full_name) FROM app.users",
            "SELECT count(email), count(full_name) FROM staging.stg_users",
        ):
            assert con.execute(sql).fetchone() == (0, 0), sql
        assert con.execute("SELECT count(plan) FROM staging.stg_users").fetchone()[0] == 300
    finally:
        con.close()


def test_a_view_whose_personal_column_still_shows_values_is_left_out_of_the_twin(acme, tmp_path):
    """Declared on the view only (not where its values come from): the twin fails closed."""
    folder = tmp_path / "leaky"
    folder.mkdir()
    shutil.copy(acme.parent / "acme.duckdb", folder / "acme.duckdb")
    (folder / "portal.toml").write_text(
        '[warehouse]\npath = "acme.duckdb"\n[pii]\ncolumns = ["staging.stg_users.email", "app.users.full_name"]\n'
        'not_personal = ["app.users.email"]\n',
        encoding="utf-8",
    )
    done = cli(folder / "portal.toml", "twin")
    assert done.returncode == 1
    assert "error: view staging.stg_users (its personal column email still shows 300 values" in done.stderr
    assert "not a column" not in done.stderr
    con = duckdb.connect(str(folder / "acme.public.duckdb"), read_only=True)
    try:
        views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    finally:
        con.close()
    assert "stg_users" not in views and "stg_charges" in views


def impact_rows(acme, target: str, change: str) -> tuple[int, dict[str, dict]]:
    done = cli(acme, "impact", target, "--change", change, "--format", "csv")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, {r["consumer"]: r for r in csv_rows(done.stdout)}


def test_impact_of_renaming_a_source_column_names_the_saved_query_on_a_model_built_from_it(acme):
    code, rows = impact_rows(acme, "stripe.charges.amount", "rename")
    assert code == 1  # something breaks: a CI job on the pull request fails
    assert rows["query:finance/revenue_by_plan"]["verdict"] == "breaks"
    assert "marts.fct_orders" in rows["query:finance/revenue_by_plan"]["why"]
    for consumer, kind in [
        ("staging.stg_charges", "dbt model"),
        ("marts.fct_orders", "dbt model"),
        ("metric:revenue", "metric"),
        ("dashboard:finance", "dashboard"),
        ("alert:revenue_drop", "alert"),
        ("page:Cohorts: orders and revenue", "page"),
        ("exposure:finance_dashboard", "dbt exposure"),
    ]:
        assert rows[consumer]["kind"] == kind and rows[consumer]["verdict"] == "breaks", consumer


def test_a_unit_change_breaks_nothing_and_is_silently_wrong_downstream(acme):
    code, rows = impact_rows(acme, "stripe.charges.amount", "unit")
    assert code == 0
    assert {r["verdict"] for r in rows.values()} == {"silently wrong"}
    assert {"marts.fct_orders", "metric:revenue", "alert:revenue_drop", "query:finance/revenue_by_plan"} <= set(rows)
    assert "revenue" in rows["marts.fct_orders"]["why"]
    code, email = impact_rows(acme, "app.users.email", "unit")  # read by the staging view only
    assert code == 0 and set(email) == {"staging.stg_users"}


def test_impact_says_what_it_cannot_find(acme):
    done = cli(acme, "impact", "stripe.charges.amount_cents", "--change", "rename")
    assert done.returncode == 2 and "no stripe.charges.amount_cents in the warehouse" in done.stderr
    done = cli(acme, "impact", "charges", "--change", "drop")
    assert done.returncode == 2 and "schema.table" in done.stderr


def test_dbt_reads_back_the_exposures_the_portal_writes(acme, project, tmp_path):
    done = cli(acme, "dbt", "exposures")
    assert done.returncode == 0, done.stderr
    assert "portal_dashboard_finance" in done.stdout and "portal_query_finance_revenue_by_plan" in done.stdout
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("target", "logs"))
    (copy / "models" / "portal_exposures.yml").write_text(done.stdout, encoding="utf-8")
    listed = subprocess.run(
        [str(DBT_VENV / "bin" / "dbt"), "ls", "--resource-type", "exposure", "--output", "json", "--quiet"],
        cwd=copy,
        env={**os.environ, "DBT_PROFILES_DIR": str(copy), "ACME_DUCKDB": str(acme.parent / "acme.duckdb")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    exposures = {
        json.loads(line)["name"]: json.loads(line) for line in listed.stdout.splitlines() if line.startswith("{")
    }
    assert {"finance_dashboard", "portal_dashboard_finance", "portal_query_finance_revenue_by_plan"} <= set(exposures)
    assert exposures["portal_query_finance_revenue_by_plan"]["depends_on"]["nodes"] == ["model.acme.fct_orders"]


def test_dbt_metrics_map_onto_the_semantic_layer_or_say_why_not(acme, project):
    from portal.config import load_settings
    from portal.dbt.semantic import map_metrics

    settings = load_settings(acme)
    mapped = {m.metric: m for m in map_metrics(project, settings.model)}
    assert mapped["revenue"].maps and mapped["revenue"].reason == "model revenue, measure sum(revenue)"
    assert mapped["orders"].reason == "model revenue, measure count(*)"
    assert mapped["average_order_value"].maps
    assert not mapped["cumulative_revenue"].maps and "cumulative" in mapped["cumulative_revenue"].reason
    done = cli(acme, "dbt", "metrics")
    assert done.returncode == 0, done.stderr
    # the printed sections are a metrics.toml the portal loads, and its revenue is dbt's revenue
    (acme.parent / "dbt_metrics.toml").write_text(done.stdout, encoding="utf-8")
    from portal.reporting.metrics import load_metrics

    metrics = load_metrics(acme.parent / "dbt_metrics.toml", settings.model)
    assert set(metrics.metrics) == {"revenue", "orders", "average_order_value"}


def test_dbt_import_says_what_it_takes(acme):
    done = cli(acme, "dbt", "import", str(acme.parent / "target"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "5 models, 2 sources" in out and "7 of 7 relations" in out
    assert "failing: marts.dim_customers.first_order_date not_null" in out
    assert "cumulative_revenue: does not map" in out and "revenue: maps to model revenue" in out
    missing = cli(acme, "dbt", "import", str(acme.parent / "nowhere"))
    assert missing.returncode == 2 and "manifest.json: not found" in missing.stderr


@pytest.fixture
def acme_app(acme, monkeypatch):
    with app_reading(acme, monkeypatch):
        yield acme


def test_home_shows_dbt_descriptions_tests_and_freshness(acme_app):
    at = run_page("pages/home.py")
    frames = {tuple(d.value["table"])[0].split(".")[0]: d.value for d in at.dataframe if "table" in d.value.columns}
    marts = frames["marts"].set_index("table")
    assert marts.loc["marts.dim_customers", "tests"] == "1 test passes, 1 fails"
    assert marts.loc["marts.fct_orders", "description"].startswith("Succeeded charges")
    app = frames["app"].set_index("table")
    assert app.loc["app.users", "freshness"].startswith("stale: loaded 2026-11-30 06:00 UTC")
    assert any("dbt project (tests as of the run at 20" in shown(c) for c in at.caption)
    assert at.metric[3].value == "2026-11-30"  # data through: every source's newest load, the oldest of them


def test_the_schema_browser_and_completion_carry_dbt_docs(acme_app):
    from portal.config import load_settings
    from portal.dbt.docs import documented
    from portal.warehouse.connect import analysts_warehouse
    from portal.workbench.completions import schema_payload

    at = run_page("pages/workbench.py", state={"wb_schema_search": "fct_orders", "wb_exp_marts.fct_orders": True})
    assert at.session_state["wb_sql"] == "SELECT *\nFROM marts.dim_customers\nLIMIT 100\n"  # not the demo's tables
    assert any("3 tests pass" in shown(c) for c in at.caption)
    (cols,) = [d.value for d in at.dataframe if "tests" in d.value.columns]
    assert dict(zip(cols["column"], cols["description"], strict=True))["revenue"] == "Order value in US dollars."
    settings = load_settings(acme_app)
    wh = analysts_warehouse(settings, None, None)
    try:
        from conftest import session_for

        payload = schema_payload(documented(session_for(wh).catalog(), load_project(settings.dbt_target)))
    finally:
        wh.close()
    (table,) = [t for t in payload["tables"] if t["full"] == "marts.fct_orders"]
    assert table["doc"].startswith("Succeeded charges") and "3 tests pass" in table["doc"]
    assert ["revenue", "DOUBLE", "Order value in US dollars.\n1 test passes"] in table["columns"]


def test_the_what_if_page_follows_dbt(acme_app):
    at = run_page("pages/query_check.py", {"chk_find": "stripe.charges.amount"})
    (table,) = [d.value for d in at.dataframe if "how" in d.value.columns]
    verdict = dict(zip(table["affected"], table["verdict"], strict=True))
    assert verdict["query:finance/revenue_by_plan"] == verdict["exposure:finance_dashboard"] == "breaks"
    assert any("dbt project's compiled models" in shown(c) for c in at.caption)


def test_queries_the_api_answered_are_consumers_too(acme, tmp_path):
    """A script pulling finance/revenue_by_plan through the API in the last 90 days is named."""
    from portal.api.service import Api
    from portal.config import load_settings
    from portal.identity import make_user

    settings = load_settings(acme)
    api = Api(settings, secrets_files=(tmp_path / "none.toml",))
    _, secret = api.tokens.create(make_user("dana", settings, "cli"), "sheet", mode="cli")
    token, user = api.authenticate(f"Bearer {secret}", None, "test")
    answer = api.query(token, user, "finance/revenue_by_plan", "csv", {})
    assert answer.rows == 3  # free, pro, team
    code, rows = impact_rows(acme, "stripe.charges.amount", "unit")
    served = rows["api:/api/queries/finance/revenue_by_plan"]
    assert served["kind"] == "API" and served["verdict"] == "silently wrong"


@pytest.mark.browser
def test_completion_shows_dbt_descriptions_as_text_in_a_real_browser(acme, page, tmp_path):
    from conftest import open_editor, streamlit_server

    with streamlit_server(None, tmp_path, config=acme) as url:
        frame = open_editor(page, url)
        page.keyboard.press("Delete")
        page.keyboard.type("SELECT marts.fct_orders.reve")
        page.keyboard.press("Control+Space")
        frame.locator(".ace_autocomplete").wait_for(timeout=10_000)
        tip = frame.locator(".ace_doc-tooltip")
        tip.wait_for(timeout=10_000)
        assert tip.inner_text() == "Order value in US dollars.\n1 test passes"
        assert tip.locator("*").count() == 0  # text, no markup


def test_a_dbt_exposure_of_a_dashboard_is_shown_on_it(acme_app):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("from pages.team import render\nrender('finance')\n", default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any(
        "dbt exposure finance_dashboard (Finance dashboard): dbt's lineage shows it reading marts.fct_orders"
        in shown(c)
        for c in at.caption
    )

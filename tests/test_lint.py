"""Every lint rule against its good and bad fixture, plus the CLI contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import session_for

from portal.workbench.lint import RULES, LintConfig, has_errors, lint

FIXTURES = Path(__file__).parent / "lint_fixtures"
CODES = sorted({p.name.split("_")[0] for p in FIXTURES.glob("L*_bad.sql")})
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ctx(warehouse):
    s = session_for(warehouse)
    return s.catalog(), s


def test_every_rule_has_fixtures():
    assert set(CODES) >= {
        "L001",
        "L002",
        "L003",
        "L004",
        "L005",
        "L006",
        "L007",
        "L008",
        "L009",
        "L010",
        "L011",
        "L012",
    }
    assert set(RULES) <= set(CODES)
    for code in CODES:
        assert (FIXTURES / f"{code}_good.sql").exists()


@pytest.mark.parametrize("code", CODES)
def test_bad_fixture_is_flagged(code, ctx):
    cat, session = ctx
    findings = lint((FIXTURES / f"{code}_bad.sql").read_text(), cat, session, LintConfig(raw_schemas=("raw",)))
    hits = [f for f in findings if f.code == code]
    assert hits, findings
    f = hits[0]
    assert f.line >= 1 and f.col >= 1 and f.message and f.fix


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_is_clean_for_that_rule(code, ctx):
    cat, session = ctx
    findings = lint((FIXTURES / f"{code}_good.sql").read_text(), cat, session, LintConfig())
    assert [f for f in findings if f.code == code] == []
    assert not has_errors(findings)


def test_positions_point_at_the_problem(ctx):
    cat, session = ctx
    sql = "SELECT user_id\nFROM analytics.users\nWHERE country = NULL"
    (f,) = [f for f in lint(sql, cat, session) if f.code == "L005"]
    assert (f.line, f.col) == (3, 7)
    (f,) = [f for f in lint("SELECT countryy FROM analytics.users", cat, session) if f.code == "L002"]
    assert (f.line, f.col) == (1, 8) and "country" in f.fix


def test_unknown_table_suggests_the_close_name(ctx):
    cat, session = ctx
    (f,) = [f for f in lint("SELECT 1 FROM analytics.userz", cat, session) if f.code == "L002"]
    assert "analytics.users" in f.fix


def test_monster_thresholds_are_configurable(ctx):
    cat, session = ctx
    sql = (FIXTURES / "L012_good.sql").read_text()
    assert any(f.code == "L012" for f in lint(sql, cat, session, LintConfig(max_lines=3)))


def test_cli_prints_findings_and_exits_1_on_errors(demo_db, tmp_path):
    warned, bad, good = FIXTURES / "L005_bad.sql", FIXTURES / "L002_bad.sql", FIXTURES / "L003_good.sql"

    def lint_cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "portal", "lint", "--db", str(demo_db), *map(str, args)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    r = lint_cli(warned)
    assert r.returncode == 0 and f"{warned}:3:7: L005 " in r.stdout  # a warning: it would run
    r = lint_cli(bad)
    assert r.returncode == 1 and "L002" in r.stdout  # an error: it would fail
    copy = tmp_path / "fix_me.sql"
    copy.write_text("SELECT user_id FROM analytics.users WHERE first_order_at = NULL -- keep = NULL here\nLIMIT 5\n")
    r = lint_cli("--fix", copy)
    assert "applied 2 fixes" in r.stderr
    fixed = copy.read_text()
    assert "first_order_at IS NULL -- keep = NULL here" in fixed and "ORDER BY ALL\nLIMIT 5" in fixed  # comments kept
    assert "L005" not in r.stdout and "L007" not in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "portal", "lint", "--db", str(demo_db), str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    r = subprocess.run(
        [sys.executable, "-m", "portal", "lint", "--db", str(demo_db), str(good)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout


def test_qualified_column_typo_suggests_the_alias_tables_column(ctx):
    cat, session = ctx
    (f,) = [
        f
        for f in lint("SELECT o.order_id FROM analytics.orders o WHERE o.order_totl > 5", cat, session)
        if f.code == "L002"
    ]
    assert "did you mean order_total?" == f.fix


def test_raw_schemas_come_from_config_without_table_comments(ctx):
    from dataclasses import replace

    from portal.warehouse.catalog import Catalog

    cat, session = ctx
    bare = Catalog(tuple(replace(t, description="") for t in cat.tables))  # a warehouse without comments
    (f,) = [
        f for f in lint("SELECT * FROM raw.orders", bare, None, LintConfig(raw_schemas=("raw",))) if f.code == "L011"
    ]
    assert "raw.orders" in f.message and "analytics" in f.fix
    assert [
        f for f in lint("SELECT * FROM raw.orders", bare, None, LintConfig(raw_schemas=())) if f.code == "L011"
    ] == []
    (f,) = [
        f
        for f in lint("SELECT * FROM staging.orders", None, None, LintConfig(raw_schemas=("staging",)))
        if f.code == "L011"
    ]
    assert "staging.orders" in f.message
    (f,) = [
        f for f in lint("SELECT * FROM raw.orders", cat, None, LintConfig(raw_schemas=("raw",))) if f.code == "L011"
    ]
    assert f.fix == "Use analytics.orders instead."  # the comment names the replacement


def test_raw_schemas_read_from_portal_toml(tmp_path):
    from portal.config import load_settings

    cfg = tmp_path / "portal.toml"
    cfg.write_text('[lint]\nraw_schemas = ["raw", "staging"]\nmax_lines = 99\n')
    lint_cfg = load_settings(cfg).lint
    assert lint_cfg.raw_schemas == ("raw", "staging") and lint_cfg.max_lines == 99


def test_an_ambiguous_join_key_is_qualified_by_the_one_click_fix(ctx):
    from portal.workbench.lint.fixes import apply_fixes

    cat, _ = ctx
    sql = "SELECT a.variant, count(DISTINCT user_id) AS buyers\nFROM analytics.experiment_assignments a\nJOIN analytics.orders o ON o.user_id = a.user_id\nGROUP BY 1"
    (f,) = [f for f in lint(sql, cat) if f.code == "L008"]
    assert f.severity == "error" and "a.user_id" in f.fix
    fixed, n = apply_fixes(sql, {"L008"}, cat)
    assert n == 1 and "count(DISTINCT a.user_id)" in fixed and not [g for g in lint(fixed, cat) if g.code == "L008"]
    other = "SELECT platform FROM analytics.orders o JOIN analytics.users u ON u.user_id = o.user_id"
    assert apply_fixes(other, {"L008"}, cat) == (other, 0)  # not a join key: which table is the analyst's call

"""`python -m portal query` and `python -m portal demo` as a script would use them."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent


def portal(*args, env=None, stdin=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        cwd=ROOT,
        env=e,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_query_prints_csv(demo_db, db):
    r = portal(
        "query", "--db", str(demo_db), "SELECT platform, count(*) AS n FROM analytics.users GROUP BY 1 ORDER BY 1"
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    expected = db.execute("SELECT platform, count(*) FROM analytics.users GROUP BY 1 ORDER BY 1").fetchall()
    assert [(row["platform"], int(row["n"])) for row in rows] == expected


def test_query_reads_stdin_and_reports_truncation(demo_db):
    r = portal("query", "--db", str(demo_db), "--max-rows", "5", "-", stdin="SELECT * FROM range(100)")
    assert r.returncode == 0
    assert len(r.stdout.strip().splitlines()) == 6  # header + 5
    assert "truncated at 5 rows" in r.stderr


def test_refused_statement_exits_2_with_reason(demo_db):
    r = portal("query", "--db", str(demo_db), "DROP TABLE analytics.users")
    assert r.returncode == 2
    assert "DROP is refused" in r.stderr and r.stdout == ""


def test_failed_statement_exits_1_with_reason(demo_db):
    r = portal("query", "--db", str(demo_db), "SELECT nope FROM analytics.users")
    assert r.returncode == 1
    assert "nope" in r.stderr and "Traceback" not in r.stderr


def test_timeout_flag_stops_a_slow_query(demo_db, tmp_path):
    import shutil

    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    r = portal(
        "query",
        "--db",
        str(db),
        "--timeout",
        "1",
        "SELECT count(*) FROM analytics.events a, analytics.events b WHERE a.user_id < b.user_id",
    )
    assert r.returncode == 1
    assert "time limit" in r.stderr


def test_bad_flags_are_explained(demo_db, tmp_path):
    assert portal("query", "--db", str(demo_db), "--max-rows", "-1", "SELECT 1").returncode == 2
    r = portal("query", "--db", str(tmp_path / "missing.duckdb"), "SELECT 1")
    assert r.returncode == 1 and "python -m portal demo" in r.stderr
    r = portal("demo", "--scale", "0")
    assert r.returncode == 2 and "--scale" in r.stderr


def test_default_database_is_the_pii_free_twin(demo_db):
    r = portal("query", "SELECT count(email) AS n FROM raw.users", env={"PORTAL_DB": str(demo_db)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[1] == "0"


def test_demo_command_builds_a_warehouse(tmp_path):
    out = tmp_path / "w.duckdb"
    r = portal("demo", "--out", str(out), "--scale", "0.005", "--seed", "5")
    assert r.returncode == 0, r.stderr
    assert out.exists() and (tmp_path / "w.public.duckdb").exists()
    assert "analytics.events" in r.stdout
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT seed FROM analytics.build_info").fetchall() == [(5,)]
    con.close()


def test_the_command_table_is_the_modules_own():
    """cli.COMMANDS (what --help lists without importing anything) says what each module registers."""
    import argparse
    import importlib

    from portal.cli import COMMANDS

    for name, (module, text) in COMMANDS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"portal.commands.{module}").register(sub)
        assert list(sub.choices) == [name] and sub._choices_actions[0].help == text, name
    modules = {p.stem for p in (ROOT / "portal" / "commands").glob("*.py") if p.stem != "__init__"}
    assert modules == {m for m, _ in COMMANDS.values()}


def test_help_imports_no_command_and_no_engine():
    """--help starts in a blink: no command module, no DuckDB, pandas or sqlglot is imported."""
    code = (
        "import sys\nfrom portal import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('duckdb', 'pandas', 'sqlglot', 'portal')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "start here:" in done.stdout and "python -m portal ask" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "['portal', 'portal.cli']"


def test_a_closed_pipe_ends_quietly(demo_db):
    """`python -m portal query … | head -1`: the reader leaves, the command ends without a traceback."""
    env = {**os.environ, "PORTAL_DB": str(demo_db)}
    p = subprocess.Popen(
        [sys.executable, "-m", "portal", "query", "--max-rows", "200000", "SELECT * FROM range(200000)"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert p.stdout.readline().strip() == b"range"
    p.stdout.close()
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err


@pytest.mark.parametrize(
    "argv",
    [["funnel", "--steps", "a,b"], ["ask", "revenue"], ["check"], ["lint", "x.sql"], ["index"], ["twin"],
     ["token", "list"], ["audit"], ["ready"], ["refresh"], ["model", "check"]],
)  # fmt: skip
def test_a_malformed_configuration_is_a_message_not_a_traceback(argv, tmp_path):
    bad = tmp_path / "portal.toml"
    bad.write_text("[model\nsearch_path = 1\n")
    done = portal(*argv, env={"PORTAL_CONFIG": str(bad)})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and f"error: {bad}: not valid TOML" in done.stderr

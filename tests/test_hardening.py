"""Issue #12: every finding of the security review, each with a test that failed on the old main.

The executor's limits hold for any statement (a single function call included), no statement leaves
state behind for the next one or for another user, and server paths never reach an analyst."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from conftest import private_warehouse, rss_mb, session_for, spark_warehouse

from portal.config import Limits
from portal.demo.build import demo_model
from portal.warehouse.engine import Warehouse
from portal.warehouse.errors import QueryCancelled, QueryError, QueryRefused, QueryTimeout

LIMITS = Limits(timeout_seconds=3.0, max_rows=500, max_cell_chars=1000, threads=2, memory_limit="1GB", workers=3)


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def wh(request, demo_db, tmp_path_factory):
    """Each engine in turn: the same attacks hold on DuckDB and on the Spark cluster (issue #16)."""
    if request.param == "spark":
        request.getfixturevalue("spark_loaded")
        yield spark_warehouse(request.getfixturevalue("spark_cluster"), LIMITS)
        return
    w = private_warehouse(demo_db, tmp_path_factory.mktemp("hardening"), LIMITS)
    yield w
    w.close()


def duckdb_only(wh, why: str) -> None:
    if not isinstance(wh, Warehouse):  # the Spark warehouse
        pytest.skip(why)


# ---------------------------------------------------------------- finding 1: no statement changes any state
STATEFUL = {
    "explain_analyze_macro": "EXPLAIN ANALYZE CREATE OR REPLACE TEMP MACRO sum(x) AS 1",
    "explain_analyze_lower": "EXPLAIN ANALYZE CREATE OR REPLACE TEMP MACRO lower(x) AS 'pwned'",
    "explain_analyse_table": "EXPLAIN ANALYSE CREATE TEMP TABLE t AS SELECT 1 AS x",
    "explain_analyze_view": "EXPLAIN ANALYZE CREATE TEMP VIEW v AS SELECT 1 AS x",
    "explain_analyze_sequence": "EXPLAIN ANALYZE CREATE TEMP SEQUENCE s",
    "explain_analyze_insert": "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
    "explain_json_create": "EXPLAIN (FORMAT JSON) CREATE TEMP TABLE t2 AS SELECT 1 AS x",
    "explain_comment_analyze": "EXPLAIN /* hide */ ANALYZE CREATE OR REPLACE TEMP MACRO count_star() AS 0",
    "explain_plain_create": "EXPLAIN CREATE TEMP MACRO avg(x) AS 0",
    "explain_analyze_merge": "EXPLAIN ANALYZE MERGE INTO t USING (SELECT 1 AS x) s ON true WHEN MATCHED THEN DELETE",
}
# Statement-making table functions and other wrappers: refused before anything runs, whatever the path.
WRAPPED = {
    "query_create": "SELECT * FROM query('CREATE TEMP TABLE x AS SELECT 1')",
    "query_macro": "FROM query('CREATE TEMP MACRO sum(x) AS 1')",
    "summarize_create": "SUMMARIZE CREATE TEMP TABLE x AS SELECT 1",
    "pivot_then_create": "PIVOT analytics.vendors ON country USING count(*); CREATE TEMP TABLE y AS SELECT 1",
}


@pytest.mark.parametrize("sql", WRAPPED.values(), ids=WRAPPED.keys())
def test_wrappers_that_would_make_state_are_refused(wh, sql):
    s = session_for(wh)
    with pytest.raises(QueryError):
        s.run(sql)
    assert s.run("SELECT sum(x) AS s FROM (VALUES (2), (3)) t(x)").frame.iloc[0, 0] == 5


@pytest.mark.parametrize("sql", STATEFUL.values(), ids=STATEFUL.keys())
def test_explain_wrappers_are_refused_by_run_lint_and_estimate(wh, sql):
    s = session_for(wh)
    for call in (lambda: s.run(sql), lambda: s.check(sql), lambda: s.estimate(sql)):
        with pytest.raises(QueryRefused, match="EXPLAIN only explains queries"):
            call()


def test_nothing_an_analyst_sends_changes_what_others_see(wh):
    duckdb_only(wh, "PIVOT's temporary enum type is DuckDB's; the Spark variant is in test_spark.py")
    from portal.config import load_settings
    from portal.reporting.metrics import kpi, load_metrics, metrics_path

    metrics = load_metrics(metrics_path(load_settings()))
    other = session_for(wh)
    before = kpi(other, metrics, "revenue", date(2026, 10, 1), date(2026, 11, 15)).current
    attacker = session_for(wh)
    for sql in STATEFUL.values():
        for call in (attacker.run, attacker.check, attacker.estimate):
            with pytest.raises(QueryError):
                call(sql)
    attacker.run("PIVOT analytics.users ON platform USING count(*)")  # declares a temporary enum type
    assert attacker.run("SELECT sum(x) AS s, lower('A') AS l FROM (VALUES (2), (3)) t(x)").frame.iloc[0].tolist() == [
        5,
        "a",
    ]
    assert kpi(other, metrics, "revenue", date(2026, 10, 1), date(2026, 11, 15)).current == before
    temp = attacker.run("SELECT count(*) AS n FROM duckdb_types() WHERE type_name LIKE '__pivot_enum%'").frame.iloc[
        0, 0
    ]
    assert temp == 0  # the PIVOT's type died with its cursor


# ---------------------------------------------------------------- finding 2: limits hold inside one function
RUNAWAYS = {
    "huge_list": "SELECT len(range(500000000))",
    "levenshtein": "SELECT levenshtein(repeat('a', 200000), repeat('b', 200000))",
    "test_sleep": "SELECT test_sleep(30)",
    "constant_folded": "SELECT 1 WHERE len(range(400000000)) > 0",
    "summarize": "SUMMARIZE SELECT levenshtein(repeat('a', 200000), repeat('b', 200000)) AS d",
    "from_first": "FROM (SELECT len(range(500000000)) AS n)",
    "pivot": "PIVOT (SELECT test_sleep(30) AS s, 'x' AS k) ON k USING max(s)",
    "query_function": "SELECT * FROM query('SELECT levenshtein(repeat(''a'', 200000), repeat(''b'', 200000))')",
    "explain_analyze": "EXPLAIN ANALYZE SELECT levenshtein(repeat('a', 200000), repeat('b', 200000))",
}


@pytest.mark.parametrize("sql", RUNAWAYS.values(), ids=RUNAWAYS.keys())
def test_a_runaway_single_function_ends_within_its_limit(wh, sql):
    s = session_for(wh)
    for call in (lambda: s.run(sql), lambda: s.estimate(sql), lambda: s.check(sql)):
        try:  # it ends (a call left running would hold the test until pytest's timeout fails it)
            call()
        except (QueryTimeout, QueryError):
            pass
    assert s.run("SELECT 42 AS answer").frame.iloc[0, 0] == 42  # the session keeps working


def test_cancel_stops_a_single_function_at_once(wh):
    s = session_for(wh)
    outcome = {}

    def work():
        try:
            s.run("SELECT levenshtein(repeat('a', 200000), repeat('b', 200000))", timeout_s=3)
        except QueryError as err:
            outcome["err"] = err

    t = threading.Thread(target=work)
    t.start()
    time.sleep(0.8)
    assert s.cancel()
    t.join(10)  # the statement alone would run far longer than this (a generous bound)
    assert not t.is_alive() and isinstance(outcome["err"], QueryCancelled)


def test_a_memory_hog_gets_a_plain_error_and_the_app_process_does_not_grow(wh):
    duckdb_only(wh, "worker-process memory caps are DuckDB's; Spark's executors have their own heap")

    before = rss_mb()
    with pytest.raises(QueryError) as info:
        session_for(wh).run("SELECT len(range(500000000))")
    assert "memory" in info.value.message.lower() or info.value.kind == "timeout"
    assert rss_mb() - before < 200


def warm(w, n: int = 3) -> None:
    """Start the pool's workers first, so timings below measure waiting, not interpreter start-up."""
    threads = [threading.Thread(target=session_for(w).run, args=("SELECT test_sleep(0.3)",)) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_small_queries_keep_running_beside_a_runaway(wh):
    duckdb_only(wh, "the worker pool's slow lane is DuckDB's; Spark's scheduler shares the executors")
    warm(wh)
    slow = session_for(wh)
    runaway = threading.Thread(target=lambda: pytest.raises(QueryError, slow.run, "SELECT test_sleep(30)"), daemon=True)
    runaway.start()
    time.sleep(0.3)
    quick = session_for(wh)
    assert quick.run("SELECT count(*) FROM analytics.users").frame.iloc[0, 0] > 0
    assert runaway.is_alive()  # answered beside the runaway, not after it


def test_test_sleep_times_out_deterministically(wh):
    duckdb_only(wh, "test_sleep is a DuckDB test function")
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit of 1 s"):
        session_for(wh).run("SELECT test_sleep(10)", timeout_s=1)
    assert time.monotonic() - t0 >= 1  # never before its limit (no upper bound: a busy machine may be slow)


# ---------------------------------------------------------------- finding 6: server paths stay on the server
REVEALING = [
    "SELECT * FROM duckdb_settings()",
    "SELECT current_setting('temp_directory')",
    "SELECT path FROM duckdb_databases()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM pg_catalog.pg_settings",
    'SELECT * FROM "DuckDB_Settings"()',
    "FROM duckdb_temporary_files()",
    "SELECT * FROM pragma_database_list()",
]


@pytest.mark.parametrize("sql", REVEALING)
def test_server_configuration_is_not_shared(wh, sql):
    with pytest.raises(QueryRefused, match="server's own configuration"):
        session_for(wh).run(sql)


def test_error_messages_carry_no_server_paths(wh):
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM '/root/x.parquet'"):
        with pytest.raises(QueryError) as info:
            session_for(wh).run(sql)
        text = f"{info.value.message} {info.value.detail}"
        assert "/etc/" not in text and "/root/" not in text and "/tmp/" not in text
        if isinstance(wh, Warehouse):  # the Spark warehouse has no file
            assert str(wh.path.parent) not in text


def test_a_thousand_nested_brackets_are_a_plain_finding_not_a_crash(wh):
    from portal.library import lineage
    from portal.workbench.formatting import format_sql
    from portal.workbench.lint import lint

    sql = "SELECT " + "(" * 1000 + "1" + ")" * 1000
    s = session_for(wh)
    (finding,) = lint(sql, s.catalog(), s)
    assert finding.severity == "error" and "nests too deeply" in finding.message
    assert lineage(sql).tables == frozenset()
    with pytest.raises(ValueError, match="too deeply"):
        format_sql(sql)


def test_a_rebuilt_warehouse_is_noticed_without_a_restart(tmp_path):
    from portal.demo import build_demo

    path = tmp_path / "w.duckdb"
    build_demo(path, scale=0.02, seed=1)
    w = Warehouse(path, LIMITS, demo_model())
    s = session_for(w)
    first = s.run("SELECT count(*) AS n FROM analytics.users").frame.iloc[0, 0]
    assert first == s.frame("SELECT count(*) AS n FROM analytics.users").iloc[0, 0]
    build_demo(path, scale=0.04, seed=1)  # `portal demo` swaps a new file in under the running app
    second = s.run("SELECT count(*) AS n FROM analytics.users").frame.iloc[0, 0]
    assert second > first
    assert s.frame("SELECT count(*) AS n FROM analytics.users").iloc[0, 0] == second
    w.close()


# ---------------------------------------------------------------- finding 7: history belongs to a person
def test_demo_personas_do_not_share_one_history(tmp_path):
    from portal.config import load_settings
    from portal.identity import resolve_user
    from portal.workbench.history import History

    settings = load_settings()
    a = resolve_user(settings, {}, "alex", session_id="browser-a")
    b = resolve_user(settings, {}, "alex", session_id="browser-b")
    h = History(tmp_path)
    h.record(a.history_key, "SELECT 'secret of a'", 0.1, 1, "ok")
    assert a.name == b.name == "alex" and h.recent(b.history_key) == []
    assert [e.sql for e in h.recent(a.history_key)] == ["SELECT 'secret of a'"]

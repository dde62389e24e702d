"""The hardened engine against hostile and careless SQL: every case gets a plain error (or truncation),
nothing changes, no file is touched, and the warehouse keeps serving everyone afterwards."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import private_warehouse, session_for

from portal.config import Limits
from portal.warehouse.engine import Warehouse
from portal.warehouse.errors import QueryCancelled, QueryError, QueryRefused, QueryTimeout

LIMITS = Limits(
    timeout_seconds=2.0, max_rows=500, max_cell_chars=1000, max_query_chars=200_000, threads=2, memory_limit="1GB"
)
COUNT_USERS = "SELECT count(*) FROM analytics.users"


@pytest.fixture(scope="module")
def wh(demo_db, tmp_path_factory):
    w = private_warehouse(demo_db, tmp_path_factory.mktemp("engine"), LIMITS)
    yield w
    w.close()


@pytest.fixture(scope="module")
def users_before(wh):
    return session_for(wh).run(COUNT_USERS).frame.iloc[0, 0]


@pytest.fixture
def sess(wh):
    return session_for(wh)


def still_serving(wh, users_before):
    assert session_for(wh).run(COUNT_USERS).frame.iloc[0, 0] == users_before


REFUSED = {
    "copy_to": "COPY analytics.users TO '{tmp}/leak.csv'",
    "copy_from": "COPY analytics.users FROM '{tmp}/in.csv'",
    "export_database": "EXPORT DATABASE '{tmp}/export'",
    "attach": "ATTACH '{tmp}/other.duckdb' AS other",
    "detach": "DETACH warehouse",
    "use": "USE raw",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set": "SET threads = 64",
    "set_external_access": "SET enable_external_access = true",
    "reset": "RESET threads",
    "pragma": "PRAGMA threads = 64",
    "create": "CREATE TABLE analytics.x AS SELECT 1",
    "create_macro": "CREATE MACRO evil(x) AS x",
    "insert": "INSERT INTO analytics.vendors VALUES (999, 'x', 'US', 'Home', 1)",
    "update": "UPDATE analytics.users SET country = 'XX'",
    "delete": "DELETE FROM analytics.users",
    "drop": "DROP TABLE analytics.users",
    "alter": "ALTER TABLE analytics.users RENAME TO u2",
    "delete_in_cte": "WITH x AS (SELECT 1) DELETE FROM analytics.users",
    "drop_after_line_comment": "-- just a select\nDROP TABLE analytics.users",
    "drop_after_block_comment": "/* SELECT 1 */ DROP TABLE analytics.users",
    "two_statements": "SELECT 1; DROP TABLE analytics.users",
    "two_selects": "SELECT 1; SELECT 2",
    "call": "CALL pragma_version()",
    "checkpoint": "CHECKPOINT",
    "empty": "",
    "blank": "   \n\t ",
    "only_comment": "-- nothing here",
    "one_megabyte": "SELECT 1 AS x" + " " * 1_000_000,
}

# These parse as SELECT, so the locked configuration (not a word list) is what stops them.
BLOCKED_BY_CONFIG = {
    "read_csv_local": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text_local": "SELECT * FROM read_text('/etc/hostname')",
    "replacement_scan_file": "SELECT * FROM '/etc/passwd'",
    "glob_files": "SELECT * FROM glob('/etc/*')",
    "https_url": "SELECT * FROM read_csv('https://example.com/data.csv')",
    "https_replacement": "SELECT * FROM 'https://example.com/data.parquet'",
    "read_parquet_s3": "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
    "attach_via_function": "SELECT * FROM duckdb_databases() , read_blob('/etc/hostname')",
    "pragma_function_write": "SELECT * FROM query('COPY analytics.users TO ''/tmp/leak.csv''')",
    "drop_via_query": "SELECT * FROM query('DROP TABLE analytics.users')",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_before_running(name, sess, wh, users_before, tmp_path):
    sql = REFUSED[name].format(tmp=tmp_path)
    with pytest.raises(QueryError) as info:
        sess.run(sql)
    err = info.value
    assert err.kind == "refused", err
    assert len(err.message) < 400 and "Traceback" not in err.message
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere
    still_serving(wh, users_before)


@pytest.mark.parametrize("name", sorted(BLOCKED_BY_CONFIG))
def test_files_urls_and_nested_writes_are_blocked(name, sess, wh, users_before):
    with pytest.raises(QueryError) as info:
        sess.run(BLOCKED_BY_CONFIG[name])
    assert info.value.message
    assert not Path("/tmp/leak.csv").exists()
    still_serving(wh, users_before)


def test_configuration_is_locked_and_hardened(sess):
    settings = dict(
        sess.frame(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('enable_external_access', 'lock_configuration', 'autoload_known_extensions', "
            "'autoinstall_known_extensions', 'allow_community_extensions', 'python_enable_replacements', "
            "'access_mode')"
        ).itertuples(index=False, name=None)
    )
    assert settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["allow_community_extensions"] == "false"
    assert settings["python_enable_replacements"] == "false"
    assert settings["access_mode"].lower() == "read_only"


def test_huge_range_is_truncated_not_materialised(sess):
    # DuckDB 2.0 has no range(DOUBLE): the literal form is a plain binding error...
    with pytest.raises(QueryError, match="range"):
        sess.run("SELECT * FROM range(1e12)")
    # ...and the integer form streams only the capped rows: answered (not killed at the time or
    # memory limit, as materialising a trillion rows would be), truncated at the cap
    res = sess.run("SELECT * FROM range(1000000000000)")
    assert res.truncated and res.row_count == LIMITS.max_rows


def test_row_cap_and_truncated_flag(sess):
    res = sess.run("SELECT * FROM range(10)", max_rows=3)
    assert res.row_count == 3 and res.truncated
    res = sess.run("SELECT * FROM range(3)", max_rows=3)
    assert res.row_count == 3 and not res.truncated


def test_cross_join_of_large_tables_is_refused_or_stopped(sess, wh, users_before):
    """Beyond the size ceiling a cross join is refused before it runs (115B pairs of events); below
    it, billions of pairs are stopped by the time limit."""
    with pytest.raises(QueryRefused, match="Refused before running"):
        sess.run(
            "SELECT count(*) FROM analytics.events AS a CROSS JOIN analytics.events AS b "
            "WHERE a.session_id <> b.session_id"
        )
    with pytest.raises(QueryTimeout) as info:
        sess.run(
            "SELECT count(*) FROM analytics.users AS a CROSS JOIN analytics.events AS b "
            "WHERE a.user_id <> b.user_id AND hash(a.signup_at, b.event_at) % 7 = 3"
        )
    assert "time limit" in info.value.message
    still_serving(wh, users_before)


def test_never_ending_recursive_cte_is_stopped(sess, wh, users_before):
    with pytest.raises(QueryError) as info:
        sess.run("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r")
    assert info.value.kind in {"timeout", "failed"}
    still_serving(wh, users_before)


def test_gigantic_string_is_stopped_or_cut(sess, wh, users_before):
    with pytest.raises(QueryError, match="repeat"):  # DuckDB 2.0: no repeat(VARCHAR, DOUBLE)
        sess.run("SELECT repeat('x', 1e9) AS s")
    try:
        res = sess.run("SELECT repeat('x', 1000000000) AS s")
    except QueryError as err:
        assert err.kind in {"timeout", "failed"}
        assert "memory" in err.message.lower() or "time" in err.message.lower()
    else:
        assert len(res.frame.iloc[0, 0]) <= LIMITS.max_cell_chars + 1
    still_serving(wh, users_before)


def test_long_text_cells_are_cut(sess):
    res = sess.run("SELECT repeat('ab', 5000) AS s, 1 AS n")
    assert len(res.frame.iloc[0, 0]) == LIMITS.max_cell_chars + 1  # cut plus an ellipsis
    assert res.frame.iloc[0, 1] == 1


def test_errors_are_plain_words_with_a_position(sess):
    with pytest.raises(QueryError) as info:
        sess.run("SELECT 1\nFROM analytics.users\nWHERE nope = 1")
    err = info.value
    assert "nope" in err.message and (err.line, err.col) == (3, 7)
    with pytest.raises(QueryError) as info:
        sess.run("SELEC 1")
    assert info.value.message.startswith("Syntax error")


def test_parameters_are_bound_not_pasted(sess):
    res = sess.run("SELECT count(*) AS n FROM analytics.users WHERE country = $c", params={"c": "US' OR 1=1 --"})
    assert res.frame.iloc[0, 0] == 0
    res = sess.run("SELECT count(*) AS n FROM analytics.users WHERE country = $c", params={"c": "US"})
    assert res.frame.iloc[0, 0] > 0


def test_one_users_cancel_never_touches_another(wh, users_before):
    slow, quick = session_for(wh), session_for(wh)
    outcome: dict = {}

    def run_slow():
        try:
            slow.run("SELECT count(*) FROM analytics.events AS a, analytics.events AS b WHERE a.user_id < b.user_id")
        except QueryError as err:
            outcome["slow"] = err

    t = threading.Thread(target=run_slow)
    t.start()
    deadline = time.time() + 5
    while slow.running_since is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert quick.run(COUNT_USERS).frame.iloc[0, 0] == users_before  # runs while the other is busy
    assert not quick.cancel()  # nothing of quick's is running
    assert slow.cancel()
    t.join(10)
    assert isinstance(outcome.get("slow"), QueryCancelled)
    assert quick.run(COUNT_USERS).frame.iloc[0, 0] == users_before


def test_one_users_timeout_never_touches_another(wh, users_before):
    slow, quick = session_for(wh), session_for(wh)
    outcome: dict = {}

    def run_slow():
        try:
            slow.run(
                "SELECT count(*) FROM analytics.events AS a, analytics.events AS b WHERE a.user_id < b.user_id",
                timeout_s=1.0,
            )
        except QueryError as err:
            outcome["slow"] = err

    t = threading.Thread(target=run_slow)
    t.start()
    results = []
    while t.is_alive():
        results.append(quick.run(COUNT_USERS).frame.iloc[0, 0])
        time.sleep(0.05)
    t.join()
    assert isinstance(outcome.get("slow"), QueryTimeout)
    assert results and set(results) == {users_before}


def test_pii_is_out_of_reach_on_the_public_twin(public_warehouse):
    res = session_for(public_warehouse).run("SELECT count(email), count(phone), count(*) FROM raw.users")
    assert list(res.frame.iloc[0])[:2] == [0, 0] and res.frame.iloc[0, 2] > 0


def test_refused_types_cover_plain_reads(sess):
    for sql in [
        "SELECT 1",
        "WITH a AS (SELECT 1 AS x) SELECT * FROM a",
        "VALUES (1), (2)",
        "FROM analytics.vendors LIMIT 1",
        "EXPLAIN SELECT 1",
        "DESCRIBE analytics.users",
        "SHOW ALL TABLES",
        "SUMMARIZE analytics.vendors",
        "PIVOT analytics.vendors ON country USING count(*) GROUP BY category",
    ]:
        assert sess.run(sql).row_count >= 1, sql


def test_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m portal demo"):
        Warehouse(tmp_path / "nope.duckdb", LIMITS)


def test_query_refused_is_a_query_error():
    assert issubclass(QueryRefused, QueryError)

"""Issue #21: every policy in the seam, for every caller. Each test here failed on the main before it:
sessions without a principal or audit log, table functions outside an allow-list, denied schemas on
some operations only, the cell cap bypassed by duplicate names and wide types, EXPLAIN failing for
restricted roles, audit gaps and PII in audit details, and no declared contract for the engines."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from conftest import ROOT, audit_for_tests, session_for

from portal.audit import AuditFilter, AuditLog
from portal.identity import User
from portal.warehouse.errors import QueryError, QueryRefused

ANA = User("ana@example.com", frozenset({"analyst"}), verified=True)


@pytest.fixture
def restricted(warehouse):
    return session_for(warehouse, ANA, ("raw",))


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request, warehouse):
    """Each engine in turn: the policies are the seam's, not one engine's (review #3)."""
    if request.param == "duckdb":
        return warehouse
    from conftest import spark_warehouse

    from portal.config import Limits

    request.getfixturevalue("spark_loaded")
    return spark_warehouse(request.getfixturevalue("spark_cluster"), Limits())


def test_a_session_needs_a_principal_an_audit_log_and_its_denied_schemas(engine):
    with pytest.raises(TypeError):
        engine.session()  # nothing optional: no "privileged and unaudited" default
    with pytest.raises(TypeError):
        engine.session(None, audit_for_tests(), ())
    with pytest.raises(TypeError):
        engine.session(ANA, None, ())
    assert session_for(engine, ANA).run("SELECT 1 AS x").frame.iloc[0, 0] == 1


def test_denied_schemas_hold_for_every_operation_on_both_engines(engine):
    """Analysts' SQL and the portal's own (scan), every operation, and the catalog's listing."""
    restricted_ = session_for(engine, ANA, ("raw",))
    sql = "SELECT email FROM raw.users"
    for call in (
        lambda: restricted_.run(sql),
        lambda: restricted_.download(sql, None, "csv"),
        lambda: restricted_.check(sql),
        lambda: restricted_.estimate(sql),
        lambda: restricted_.scan(sql),
        lambda: restricted_.run("WITH u AS (SELECT * FROM raw.users) SELECT count(*) AS n FROM u"),
    ):
        with pytest.raises(QueryRefused, match="restricted"):
            call()
    assert restricted_.run("SELECT count(*) AS n FROM analytics.orders").frame.iloc[0, 0] > 0
    cat = restricted_.catalog()
    assert "raw" not in cat.schemas and cat.table("raw.users") is None


def test_both_engines_keep_one_typed_contract(warehouse):
    from portal.config import Limits
    from portal.demo.build import demo_model
    from portal.warehouse.contract import WarehouseSession
    from portal.warehouse.spark.engine import SparkWarehouse

    duck = session_for(warehouse, ANA)
    spark = SparkWarehouse("sc://127.0.0.1:1", Limits(), public=True, model=demo_model()).session(
        ANA, audit_for_tests(), ()
    )  # no cluster is asked anything: the contract is what the objects offer
    assert isinstance(duck, WarehouseSession) and isinstance(spark, WarehouseSession)
    assert duck.capabilities.engine == "duckdb" and not duck.capabilities.pushdown
    assert spark.capabilities.engine == "spark" and spark.capabilities.pushdown
    assert not hasattr(spark.warehouse, "path")  # no fake file path on the cluster


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT email FROM raw.users'))",
        "SELECT * FROM pragma_storage_info('raw.users')",
        "SELECT * FROM query('SELECT * FROM duckdb_' || 'settings()')",
        "SELECT * FROM query('SELECT * FROM duckdb_' || 'databases()')",
        "SELECT * FROM test_all_types()",
        "SELECT * FROM duckdb_memory()",
    ],
)
def test_table_functions_outside_the_allow_list_are_refused_for_everyone(warehouse, restricted, sql):
    for s in (restricted, session_for(warehouse)):  # a restricted analyst and the data team alike
        with pytest.raises(QueryRefused) as err:
            s.run(sql)
        assert "raw.users" not in err.value.message or "restricted" in err.value.message


def test_generators_and_the_catalog_stay_callable(warehouse, restricted):
    s = session_for(warehouse)
    assert s.run("SELECT count(*) AS n FROM range(5)").frame.iloc[0, 0] == 5
    assert s.run("SELECT sum(x) AS n FROM generate_series(1, 3) AS t(x)").frame.iloc[0, 0] == 6
    assert s.run("SELECT count(*) AS n FROM unnest([1, 2])").frame.iloc[0, 0] == 2
    assert s.run("SELECT count(*) AS n FROM information_schema.tables").frame.iloc[0, 0] > 10
    assert restricted.run("SELECT count(*) AS n FROM range(3)").frame.iloc[0, 0] == 3
    with pytest.raises(QueryRefused):  # a restricted role does not list restricted tables' names
        restricted.run("SELECT table_name FROM information_schema.tables")
    with pytest.raises(QueryRefused, match="restricted"):  # a table named by a string is still planned
        restricted.run("SELECT * FROM query_table('raw' || '.users')")


def test_denied_schemas_hold_for_every_operation(restricted):
    sql = "SELECT email FROM raw.users"
    for call in (
        lambda: restricted.run(sql),
        lambda: restricted.download(sql, None, "csv"),
        lambda: restricted.check(sql),
        lambda: restricted.estimate(sql),
        lambda: restricted.scan(sql),
        lambda: restricted.run("WITH u AS (SELECT * FROM raw.users) SELECT count(*) FROM u"),
        lambda: restricted.run("DESCRIBE raw.users"),  # answered at bind time: no scan in its plan
        lambda: restricted.run("SHOW raw.users"),
        lambda: restricted.run("SELECT * FROM (DESCRIBE raw.users)"),
        lambda: restricted.run("SUMMARIZE raw.users"),
        lambda: restricted.run("EXPLAIN ANALYZE SELECT * FROM raw.users"),
    ):
        with pytest.raises(QueryRefused, match="restricted"):
            call()
    assert restricted.run("DESCRIBE analytics.orders").row_count > 3  # what the role may read, it may describe
    cat = restricted.catalog()
    assert "raw" not in cat.schemas and cat.table("raw.users") is None  # names, columns, counts: hidden


def test_explain_works_for_a_restricted_role_and_explains_nothing_denied(restricted):
    """Finding 10: with schema_roles set every EXPLAIN failed ("syntax error at or near EXPLAIN")."""
    res = restricted.run("EXPLAIN SELECT count(*) FROM analytics.orders")
    assert res.row_count >= 1
    assert restricted.run("EXPLAIN ANALYZE SELECT count(*) FROM analytics.orders").row_count >= 1
    with pytest.raises(QueryRefused, match="restricted"):
        restricted.run("EXPLAIN SELECT * FROM raw.users")


def test_every_cell_is_capped_whatever_its_name_or_type(private_limits_warehouse):
    s = session_for(private_limits_warehouse)
    cap = private_limits_warehouse.limits.max_cell_chars
    res = s.run("SELECT repeat('x', 3000000) AS a, 1 AS a")  # duplicate names used to skip the cap
    assert res.columns == ["a", "a_1"]
    assert len(res.frame.iloc[0, 0]) == cap + 1 and res.frame.iloc[0, 1] == 1
    wide = s.run(
        "SELECT repeat('ab', 500000)::BLOB AS b, [repeat('y', 100000)] AS l, {'k': repeat('z', 100000)} AS st, "
        "map {'k': repeat('m', 100000)} AS m"
    )
    for col in ("b", "l", "st", "m"):
        assert len(str(wide.frame[col].iloc[0])) <= cap + 1, col


@pytest.fixture(scope="module")
def private_limits_warehouse(demo_db, tmp_path_factory):
    from conftest import private_warehouse

    from portal.config import Limits

    wh = private_warehouse(demo_db, tmp_path_factory.mktemp("cells"), Limits(max_cell_chars=200))
    yield wh
    wh.close()


def test_duplicate_column_names_are_made_unique_as_duckdbs_clients_do(warehouse):
    res = session_for(warehouse).run(
        "SELECT * FROM analytics.orders AS o JOIN analytics.users AS u USING (user_id) LIMIT 3"
    )
    assert len(set(res.columns)) == len(res.columns) == len(res.frame.columns)
    assert "platform_1" in res.columns  # both tables have platform: the second is platform_1


def test_the_size_guard_refuses_for_every_caller(engine, warehouse):
    from portal.library.header import SavedQuery
    from portal.library.store import run_saved

    cross = "SELECT count(*) AS n FROM analytics.events AS a, analytics.events AS b, analytics.events AS c"
    q = SavedQuery(id="x/cross", title="Cross", sql=cross)
    with pytest.raises(QueryRefused, match="Refused before running"):
        run_saved(session_for(engine), q, {})
    with pytest.raises(QueryRefused, match="Refused before running"):
        session_for(engine).download(cross, None, "csv")
    if engine is warehouse:  # DuckDB streams a generator and caps it; Spark's plan counts it and refuses
        big = session_for(warehouse).run("SELECT * FROM range(1000000000000)")
        assert big.truncated


def test_the_size_guard_counts_every_pair_a_join_without_an_equality_compares(demo_db, tmp_path):
    """Security review #3 (low): `ON a.user_id <> b.user_id` passed the ceiling: DuckDB guesses its
    nested-loop join returns ~321k rows, but it compares every pair (173M here). An equality join of
    the same tables, and a range join done by sorting, stay allowed."""
    from conftest import private_warehouse

    from portal.config import Limits

    wh = private_warehouse(demo_db, tmp_path, Limits(ceiling_rows=50_000_000))
    try:
        s = session_for(wh)
        with pytest.raises(QueryRefused, match="Refused before running"):
            s.run("SELECT count(*) AS n FROM analytics.users a JOIN analytics.users b ON a.user_id <> b.user_id")
        same = "SELECT count(*) AS n FROM analytics.users a JOIN analytics.users b ON a.user_id = b.user_id"
        assert s.run(same).frame.iloc[0, 0] > 0
        ranged = (
            "SELECT count(*) AS n FROM analytics.orders o JOIN analytics.users u "
            "ON o.ordered_at BETWEEN u.signup_at AND u.signup_at + INTERVAL 1 DAY AND o.user_id = u.user_id"
        )
        assert s.run(ranged).frame.iloc[0, 0] >= 0
    finally:
        wh.close()


def test_refusals_lint_estimates_and_exports_are_audited(engine, tmp_path):
    from portal.config import load_settings
    from portal.workbench.run_plan import plan_run

    audit = AuditLog(tmp_path)
    s = engine.session(ANA, audit, ("raw",))
    plan_run("SELECT * FROM analytics.nope", [], {}, s, s.catalog(), load_settings())  # a lint error
    plan_run("SELECT count(*) AS n FROM analytics.orders", [], {}, s, s.catalog(), load_settings())  # bound
    s.estimate("SELECT count(*) FROM analytics.orders", origin="size guard")
    s.exported("people who dropped after step 2", 10, 123, "funnels")
    kinds = [(r["kind"], r["origin"]) for r in audit.query(AuditFilter(user=ANA.name))]
    assert ("refused", "workbench") in kinds
    assert ("lint", "lint") in kinds and ("estimate", "size guard") in kinds and ("export", "funnels") in kinds


def test_values_quoted_in_errors_never_reach_the_audit_trail(engine, tmp_path):
    """Finding 6: "Could not convert string 'Ethan Khan <ethan…>'" was stored and shown."""
    audit = AuditLog(tmp_path)
    s = engine.session(ANA, audit, ())
    with pytest.raises(QueryError):
        s.run("SELECT CAST(email AS INTEGER) FROM raw.users")
    (row,) = audit.query(AuditFilter(user=ANA.name))
    assert "@" not in (row["detail"] or "") and "'…'" in row["detail"]


def cli(*args, state, person=None):
    env = {**os.environ, "PORTAL_STATE_DIR": str(state)}
    return subprocess.run(
        [sys.executable, "-m", "portal", *args, *(["--as", person] if person else [])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_commands_run_as_a_person_with_their_roles_and_are_audited(demo_db, tmp_path):
    env_db = {"PORTAL_DB": str(demo_db)}
    os.environ.update(env_db)
    try:
        ana = cli("query", "SELECT count(email) AS e FROM raw.users", state=tmp_path, person="alex")
        dana = cli("query", "SELECT count(email) AS e FROM raw.users", state=tmp_path, person="dana")
        bad = cli("query", "SELECT 1", state=tmp_path, person="no body")
    finally:
        for k in env_db:
            os.environ.pop(k)
    assert ana.stdout.splitlines()[1] == "0"  # alex has no pii: the twin
    assert int(dana.stdout.splitlines()[1]) > 0  # dana (pii in [people]) reads the full warehouse
    assert bad.returncode != 0 and "not a person's name" in bad.stderr
    rows = AuditLog(tmp_path).query()
    assert {("command", "alex"), ("command", "dana"), ("statement", "alex"), ("statement", "dana")} <= {
        (r["kind"], r["user"]) for r in rows
    }
    assert all(r["origin"] == "command line" for r in rows)


def test_saved_files_keep_a_readable_mode(tmp_path):
    from portal.library.files import atomic_write

    path = tmp_path / "q.sql"
    atomic_write(path, "SELECT 1\n")
    assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044  # group and others may read, as git expects
    path.chmod(0o640)
    atomic_write(path, "SELECT 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # an existing file keeps its mode


def test_shared_results_are_cached_per_role_never_per_pii_alone(portal_env, monkeypatch):
    """Security review #3: Funnels and Cohorts keyed their shared results on `pii` alone, so a role
    denied a schema got results computed with it. One decorator keys every shared result by role and
    computes it on that role's own session."""
    from ui import shared_cache

    roles = iter([(False, ()), (False, ("raw",)), (False, ()), (False, ("raw",))])
    monkeypatch.setattr(shared_cache, "role_key", lambda: next(roles))
    computed = []

    @shared_cache.by_role(ttl=60)
    def whose(session, x):
        computed.append(session.user.name)
        return session.user.name, session.denied_schemas, x

    open_role, restricted, again, again_restricted = whose(1), whose(1), whose(1), whose(1)
    assert restricted[1] == ("raw",) and open_role[1] == ()  # each role's own access
    assert open_role == again and restricted == again_restricted and len(computed) == 2  # cached per role
    whose.clear()

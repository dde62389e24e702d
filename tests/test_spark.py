"""Issue #16: the same portal on a Spark Connect cluster. The statement checks are pure; the rest runs
against a real local cluster (two executor JVMs, Spark Connect on 127.0.0.1) started once per test
run (conftest), with the small demo warehouse and its PII-free twin loaded into it as Parquet tables.
The hostile-SQL tests of the engine run on Spark too (tests/test_hardening.py, parametrized)."""

from __future__ import annotations

import pytest
from conftest import ROOT, session_for

from portal.warehouse.spark.statements import SparkStatementError, check_spark_statement, translate

REFUSED = {
    "SELECT reflect('java.lang.System', 'getProperty', 'user.home')": "reflect",
    "SELECT REFLECT('java.lang.Runtime', 'getRuntime')": "reflect",
    "select Java_Method('java.lang.System', 'getenv', 'HOME')": "java_method",
    "SELECT try_reflect('java.lang.System', 'getProperty', 'x')": "try_reflect",
    "SELECT * FROM (SELECT reflect('a', 'b') AS r) AS t": "reflect",
    "WITH x AS (SELECT java_method('a', 'b') AS v) SELECT v FROM x": "java_method",
    "SELECT * FROM parquet.`/etc/passwd`": "files by path",
    "SELECT * FROM csv.`/tmp/anything`": "files by path",
    "SELECT * FROM read_files('/tmp')": "read_files",
    "SELECT input_file_name() FROM analytics.orders": "input_file_name",
    "ADD JAR /tmp/evil.jar": "read-only",
    "SET spark.sql.ansi.enabled = false": "read-only",
    "CREATE TABLE analytics.t AS SELECT 1": "read-only",
    "INSERT INTO analytics.orders SELECT * FROM analytics.orders": "read-only",
    "DROP TABLE analytics.orders": "read-only",
    "CREATE FUNCTION f AS 'com.evil.Udf'": "read-only",
    "CACHE TABLE analytics.orders": "read-only",
    "SELECT 1; SELECT 2": "exactly one",
    "SELECT * FROM READ_CSV('/etc/passwd')": "table function read_csv",
    "SELECT xpath_string('<a>x</a>', '//a')": "xpath_string",
    "SELECT * FROM json.`/etc/passwd`": "files by path",
}


@pytest.mark.parametrize("sql", sorted(REFUSED))
def test_statements_that_reach_outside_sql_are_refused(sql):
    with pytest.raises(SparkStatementError, match=REFUSED[sql]):
        check_spark_statement(sql)


def test_the_portal_dialect_is_translated_and_a_plain_query_passes():
    spark_sql = translate(
        "SELECT date_trunc('week', order_date) AS week, count(*) FILTER (WHERE status = 'completed') AS n "
        "FROM analytics.orders WHERE order_date BETWEEN $start AND $end GROUP BY ALL ORDER BY 1"
    )
    assert ":start" in spark_sql and "GROUP BY ALL" in spark_sql
    check_spark_statement(spark_sql)


def test_the_cluster_listens_on_loopback_only_and_says_where_its_logs_are(spark_cluster):
    cluster = spark_cluster
    status = cluster.status()
    assert status["running"] and status["url"].startswith("sc://127.0.0.1:")
    assert any(cluster.logs.iterdir())
    assert _listen_addresses(cluster.port) == {"loopback"}  # not 0.0.0.0 or ::


def _listen_addresses(port: int) -> set[str]:
    """How the kernel says sockets listen on `port` (/proc/net/tcp*): loopback, or any."""
    loopback = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                out.add("loopback" if addr in loopback else f"other {addr}")
    return out


def test_the_demo_warehouse_loads_with_the_same_rows(spark_loaded, warehouse):
    loaded = spark_loaded
    s = session_for(warehouse)
    tables = s.frame(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name IN ('raw', 'analytics')"
    ).iloc[:, 0]
    assert len(tables) > 20
    for name in tables:
        (n,) = s.frame(f"SELECT count(*) FROM {name}").iloc[0]
        assert loaded[name] == n, name
        assert loaded["public_" + name] == n, name


def test_a_curated_query_gives_the_same_numbers_on_spark(spark_cluster, spark_loaded, warehouse):
    cluster = spark_cluster
    from datetime import date

    from portal.library import QueryStore, run_saved

    q = QueryStore(ROOT / "queries", ROOT / "state").get("checkout/checkout_conversion_by_week")
    values = {"start": date(2026, 8, 3), "end": date(2026, 11, 1), "platform": "all"}
    want = run_saved(session_for(warehouse), q, values).frame
    spark_sql = translate(q.sql)
    check_spark_statement(spark_sql)
    got = cluster.session().sql(spark_sql, args=values).toPandas()
    assert len(got) == len(want) == 13
    assert got["checkouts"].tolist() == want["checkouts"].tolist()
    assert got["purchases"].tolist() == want["purchases"].tolist()


# ---------------------------------------------------------------- the engine behind the seam
@pytest.fixture(scope="module")
def spark(spark_cluster, spark_loaded):
    """Analysts' view: the PII-free twin's schemas under the names analysts use."""
    from conftest import spark_warehouse

    from portal.config import Limits

    return spark_warehouse(spark_cluster, Limits(timeout_seconds=20, max_rows=50, max_cell_chars=100), public=True)


def test_run_caps_rows_and_cells_binds_parameters_and_says_truncated(spark, public_warehouse):
    from datetime import date

    s = session_for(spark)
    sql = "SELECT user_id, repeat('x', 500) AS long FROM analytics.users WHERE signup_at >= $since ORDER BY user_id"
    got = s.run(sql, {"since": date(2025, 6, 1)})
    want = session_for(public_warehouse).run(sql.replace("repeat('x', 500)", "'x'"), {"since": date(2025, 6, 1)})
    assert got.truncated and got.row_count == 50 == s.limits.max_rows
    assert got.frame["user_id"].tolist() == want.frame["user_id"].tolist()[:50]
    assert got.frame["long"].str.len().max() == 101 and got.frame["long"].iloc[0].endswith("…")
    assert got.columns == ["user_id", "long"] and got.types == ["BIGINT", "STRING"]
    small = s.run("SELECT count(*) AS n FROM analytics.orders")
    assert (
        not small.truncated
        and small.frame.iloc[0, 0]
        == session_for(public_warehouse).frame("SELECT count(*) FROM analytics.orders").iloc[0, 0]
    )


def test_the_twin_holds_no_personal_data_and_roles_are_enforced(spark_cluster, spark):
    from conftest import spark_warehouse

    from portal.config import Limits
    from portal.warehouse.errors import QueryRefused

    full = session_for(spark_warehouse(spark_cluster, Limits()))
    public = session_for(spark)
    sql = "SELECT count(*) FILTER (WHERE email IS NOT NULL) AS emails FROM raw.users"
    assert full.run(sql).frame.iloc[0, 0] > 0
    assert public.run(sql).frame.iloc[0, 0] == 0  # the twin's raw.users has its personal data blanked
    for sneaky in ("SELECT * FROM public_analytics.users", "SELECT * FROM spark_catalog.analytics.users"):
        with pytest.raises(QueryRefused):
            public.run(sneaky)
    with pytest.raises(QueryRefused, match="restricted to the data team"):
        session_for(spark, denied=("raw",)).run("SELECT * FROM raw.users")


def test_downloads_hold_the_whole_result_up_to_their_own_cap(spark, public_warehouse):
    import io

    import pandas as pd
    import pyarrow.parquet as pq

    s = session_for(spark)
    n = session_for(public_warehouse).frame("SELECT count(*) FROM analytics.orders").iloc[0, 0]
    data, capped = s.download("SELECT order_id, revenue FROM analytics.orders ORDER BY order_id", None, "csv")
    assert not capped and len(pd.read_csv(io.BytesIO(data))) == n > s.limits.max_rows
    data, capped = s.download("SELECT order_id FROM analytics.orders", None, "parquet", max_rows=10)
    assert capped and pq.read_table(io.BytesIO(data)).num_rows == 10


def test_the_estimate_comes_from_sparks_plan_statistics(spark, public_warehouse):
    n = session_for(public_warehouse).frame("SELECT count(*) FROM analytics.events").iloc[0, 0]
    est = session_for(spark).estimate("SELECT * FROM analytics.events")
    # EXPLAIN COST prints row counts to three significant digits (3.39E+5)
    assert est.scanned == {"analytics.events": pytest.approx(n, rel=0.01)} and est.returns == pytest.approx(n, rel=0.01)
    assert "analytics.events" in est.describe()


def test_cancel_stops_only_this_users_statement(spark):
    import threading
    import time

    from portal.warehouse.errors import QueryCancelled

    slow, other = session_for(spark), session_for(spark)
    outcome = {}

    def work():
        try:
            # billions of pairs: minutes of work, yet under the size ceiling
            slow.run("SELECT count(*) FROM analytics.users u JOIN analytics.events e ON u.user_id <> e.user_id")
        except Exception as err:  # noqa: BLE001 - the test inspects it
            outcome["err"] = err

    t = threading.Thread(target=work)
    t.start()
    time.sleep(1.5)
    assert other.run("SELECT count(*) AS n FROM analytics.products").frame.iloc[0, 0] > 0  # not queued behind it
    assert slow.cancel() and not other.cancel(), outcome
    t.join(30)  # the sum would run far longer (a generous bound)
    assert not t.is_alive()
    assert isinstance(outcome["err"], QueryCancelled)
    assert slow.run("SELECT 1 AS one").frame.iloc[0, 0] == 1


def test_an_analyst_cannot_leave_state_behind(spark):
    from portal.warehouse.errors import QueryError

    s = session_for(spark)
    before = s.run("SELECT sum(revenue) AS r FROM analytics.orders").frame.iloc[0, 0]
    for sql in (
        "SET spark.sql.ansi.enabled = false",
        "CREATE TEMP VIEW orders AS SELECT 1 AS revenue",
        "CACHE TABLE analytics.orders",
        "EXPLAIN ANALYZE SELECT 1",
        "SELECT * FROM IDENTIFIER('analytics.orders')",
    ):
        with pytest.raises(QueryError):
            s.run(sql)
    assert session_for(spark).run("SELECT sum(revenue) AS r FROM analytics.orders").frame.iloc[0, 0] == before
    folding = spark.client(analyst=True).conf.get("spark.sql.optimizer.excludedRules")
    assert "ConstantFolding" in folding  # still hardened


def test_a_memory_hog_fails_on_the_cluster_not_in_the_app(spark):
    from conftest import rss_mb

    from portal.warehouse.errors import QueryError

    before = rss_mb()
    with pytest.raises(QueryError):
        session_for(spark).run("SELECT size(sequence(1, 400000000)) AS n", timeout_s=10)
    assert rss_mb() - before < 200
    assert session_for(spark).run("SELECT 42 AS answer").frame.iloc[0, 0] == 42  # the cluster recovers


def test_lint_binds_against_spark_and_names_what_cannot_translate(spark):
    from portal.workbench.lint import lint

    s = session_for(spark)
    cat = s.catalog()
    (finding,) = [f for f in lint("SELECT amout FROM analytics.orders", cat, s) if f.severity == "error"]
    assert "amout" in finding.message
    assert not [f for f in lint("SELECT count(*) AS n FROM analytics.orders", cat, s) if f.severity == "error"]


def test_the_catalog_comes_from_the_cluster(spark, public_warehouse):
    got, want = session_for(spark).catalog(), session_for(public_warehouse).catalog()
    assert [t.full_name for t in got.tables] == [t.full_name for t in want.tables]
    assert got.data_through == want.data_through
    for a, b in zip(got.tables, want.tables, strict=True):
        assert a.description == b.description and a.row_count == b.row_count, a.full_name
        assert [c.name for c in a.columns] == [c.name for c in b.columns]
        assert [c.description for c in a.columns] == [c.description for c in b.columns]


# ---------------------------------------------------------------- same answers as DuckDB
FUNNELS = [
    ("sequential", None, 14.0, ()),
    ("sequential", "platform+browser", 7.0, ()),
    ("strict", "device", 14.0, ()),
    ("sequential", "variant:checkout_button_color", 3.0, ()),
    ("sequential", "country", 14.0, ((1, "platform", "iOS"),)),
]


@pytest.mark.parametrize(("mode", "breakdown", "window", "filters"), FUNNELS)
def test_funnels_run_on_the_executors_with_duckdbs_counts(spark, public_warehouse, mode, breakdown, window, filters):
    from datetime import date

    import pandas as pd

    from portal.product.funnels import FunnelSpec, Step, segment_table, step_counts, time_to_convert, user_levels

    steps = [Step(e) for e in ("product_view", "add_to_cart", "checkout_start", "purchase")]
    for i, col, value in filters:
        steps[i] = Step(steps[i].event, col, value)
    spec = FunnelSpec(tuple(steps), date(2026, 5, 1), date(2026, 11, 15), window, mode=mode, breakdown=breakdown)
    got, want = user_levels(session_for(spark), spec), user_levels(session_for(public_warehouse), spec)
    assert len(got) == len(want) > 100
    for summarize in (step_counts, segment_table, time_to_convert):
        pd.testing.assert_frame_equal(summarize(got, spec), summarize(want, spec), check_dtype=False)


def test_funnels_on_generated_logs_match_the_reference(spark_cluster):
    """Hypothesis-generated logs (ties, repeats, steps out of order), many logs to one table so the
    cluster runs each spec once; every person's level equals the reference state machine's."""
    from dataclasses import replace
    from datetime import date

    import pandas as pd
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from test_funnels import event_rows, reference_levels, step_lists

    from portal.config import Limits
    from portal.product.funnels import FunnelSpec, Step, user_levels

    client = spark_cluster.session()
    client.sql("CREATE DATABASE IF NOT EXISTS generated")
    from portal.demo.build import demo_model
    from portal.warehouse.spark.engine import SparkWarehouse

    wh = SparkWarehouse(
        spark_cluster.url, Limits(timeout_seconds=120), model=demo_model(), schemas={"analytics": "generated"}
    )
    events = wh.model.events  # the generated logs carry two of the demo's event properties
    wh.model = replace(wh.model, events=replace(events, properties=("platform", "page")))

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        logs=st.lists(event_rows, min_size=12, max_size=12),
        steps=step_lists,
        window_h=st.sampled_from([1, 12, 48, 24 * 7]),
        mode=st.sampled_from(["sequential", "strict"]),
    )
    def check(logs, steps, window_h, mode):
        rows = [{**r, "user_id": r["user_id"] + 100 * i} for i, log in enumerate(logs) for r in log]
        if not rows:
            return
        frame = pd.DataFrame(rows)
        frame["event_date"] = frame["event_at"].dt.date
        client.createDataFrame(frame).write.mode("overwrite").saveAsTable("generated.events")
        spec = FunnelSpec(tuple(Step(e) for e in steps), date(2026, 1, 1), date(2026, 1, 10), window_h / 24, mode)
        expected = reference_levels(rows, spec.steps, spec.start, spec.end, window_h * 3600, mode)
        got = user_levels(session_for(wh), spec)
        assert dict(zip(got["user_id"].tolist(), got["level"].tolist(), strict=True)) == expected

    check()


def test_retention_runs_on_the_cluster_with_duckdbs_numbers(spark, public_warehouse):
    from datetime import date

    import pandas as pd

    from portal.product.cohorts import CohortSpec, retention

    through = date(2026, 11, 15)
    for spec in (CohortSpec(), CohortSpec(grain="month", split="platform", event="purchase")):
        pd.testing.assert_frame_equal(
            retention(session_for(spark), spec, through),
            retention(session_for(public_warehouse), spec, through),
            check_dtype=False,
        )


def test_check_engine_spark_compares_every_curated_query(spark_cluster, spark_loaded, demo_db):
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal",
            "check",
            "--db",
            str(demo_db.with_name("warehouse.public.duckdb")),
            "--engine",
            "spark",
            "--url",
            spark_cluster.url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0 not" in out.stdout and out.stdout.count("\nsame ") >= 25, out.stdout


# ---------------------------------------------------------------- the same pages on Spark
@pytest.fixture
def on_spark(portal_env, spark_cluster, spark_loaded, monkeypatch):
    """The app configured for the cluster, as `[warehouse] engine = "spark"` and its url would."""
    monkeypatch.setenv("PORTAL_ENGINE", "spark")
    monkeypatch.setenv("PORTAL_SPARK_URL", spark_cluster.url)
    return portal_env


def _texts(at) -> str:
    from conftest import shown

    parts = [shown(x) for kind in ("markdown", "caption", "error", "warning", "info", "success") for x in at.get(kind)]
    return "\n".join(parts)


def test_home_and_the_schema_browser_read_the_clusters_catalog(on_spark, public_warehouse):
    from conftest import run_page

    at = run_page("pages/home.py")
    assert "Answered by Apache Spark" in _texts(at) and "sc://" not in _texts(at)
    n = session_for(public_warehouse).frame("SELECT count(*) FROM analytics.events").iloc[0, 0]
    grids = [d.value for d in at.dataframe]
    assert grids and any("analytics.events" in g.to_string() for g in grids)
    assert f"{n:,}" in "\n".join(g.to_string() for g in grids) or n in [
        v for g in grids for v in g.select_dtypes("number").to_numpy().ravel()
    ]


def test_the_workbench_runs_on_spark_with_lint_estimate_and_history(on_spark, public_warehouse):
    from test_workbench_page import workbench

    sql = "SELECT platform, count(*) AS users FROM analytics.users GROUP BY 1 ORDER BY 2 DESC"
    at = workbench(sql)
    at.button(key="wb_run").click().run()
    assert not at.exception, at.exception
    (grid,) = [d.value for d in at.dataframe if "users" in d.value.columns]
    want = session_for(public_warehouse).run(sql).frame
    assert grid["users"].tolist() == want["users"].tolist()
    text = _texts(at)
    assert "Estimate: Scans" in text and "No findings" in text
    at.session_state["wb_sql"] = "SELECT reflect('java.lang.System', 'getProperty', 'user.home')"
    at.button(key="wb_run").click().run()
    assert not at.exception and "reflect is not allowed" in _texts(at)


def test_funnels_cohorts_and_a_dashboard_draw_on_spark(on_spark):
    from conftest import run_page

    at = run_page("pages/funnels.py", {"fn_breakdown": "platform"})
    assert [m.label for m in at.metric][:4] == ["1. product_view", "2. add_to_cart", "3. checkout_start", "4. purchase"]
    assert "iOS" in _texts(at)
    at = run_page("pages/cohorts.py", {"co_grain": "month"})
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("from pages.team import render\nrender('executive')\n", default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["Revenue", "Orders", "New customers", "CAC"]
    assert not at.error, [e.value for e in at.error]


def test_the_breakage_check_compiles_every_saved_query_on_spark(on_spark):
    from conftest import run_page

    at = run_page("pages/query_check.py")
    assert not at.error, [e.value for e in at.error]
    assert "no longer compile" not in _texts(at)


def test_the_weekly_digest_reads_the_same_numbers_from_spark(spark, public_warehouse):
    import re
    from datetime import date

    from portal.library import QueryStore
    from portal.reporting.dashboards import DashboardStore
    from portal.reporting.digest import build_digest
    from portal.reporting.metrics import load_metrics

    d = DashboardStore(ROOT / "dashboards").load("executive")
    metrics = load_metrics(ROOT / "metrics.toml")
    store = QueryStore(ROOT / "queries", ROOT / "state")

    def digest(session) -> str:
        html = build_digest(session, d, metrics, store, date(2026, 11, 9), date(2026, 11, 15))
        return re.sub(r"data:image/png;base64,[^\"']+", "", html)  # charts: same data, not byte-equal PNGs

    html = digest(session_for(spark))
    assert "Could not compute" not in html
    assert html == digest(session_for(public_warehouse))


def test_only_sparks_built_in_functions_are_callable():
    from portal.warehouse.spark.statements import check_functions

    builtins = frozenset({"percentile", "upper", "count"})
    check_functions("SELECT percentile(x, 0.5), upper(y), count(*) FROM analytics.t", builtins)
    for sql, why in (
        ("SELECT send_email(x) FROM analytics.t", "Unknown function send_email"),
        ("SELECT default.my_udf(x) FROM analytics.t", "schema"),
        ("SELECT reflect('a', 'b')", "reflect"),
    ):
        with pytest.raises(SparkStatementError, match=why):
            check_functions(sql, builtins | {"reflect"})


def test_a_function_the_cluster_registered_is_not_callable(spark, spark_cluster):
    from portal.warehouse.errors import QueryRefused

    s = session_for(spark)
    with pytest.raises(QueryRefused, match="Unknown function"):
        s.run("SELECT nosuch_fn(1) AS x")
    assert s.run("SELECT upper('a') AS x, percentile(v, 0.5) AS p FROM VALUES (1), (3) AS t(v)").frame.iloc[
        0
    ].tolist() == [
        "A",
        2.0,
    ]


def test_spark_errors_name_no_server_paths_even_as_file_uris():
    from portal.warehouse.spark.engine import from_spark

    err = from_spark(
        Exception("[PATH_NOT_FOUND] Path does not exist: file:/srv/spark/storage/public_analytics/x.parquet."),
        {"raw": "public_raw", "analytics": "public_analytics"},
    )
    assert "/srv/" not in err.message + err.detail and "<server path>" in err.message


# ---------------------------------------------------------------- security review #3, the Spark engine
def test_the_views_schemas_are_the_companys_own_databases():
    from portal.warehouse.spark.engine import view_schemas

    found = ["default", "segment", "public_segment", "stripe", "public_stripe", "ads", "raw", "public_raw"]
    assert view_schemas(found, public=False) == {d: d for d in ("ads", "raw", "segment", "stripe")}
    assert view_schemas(found, public=True) == {
        "raw": "public_raw",
        "segment": "public_segment",
        "stripe": "public_stripe",
    }  # ads has no twin: not readable without PII rights


def test_a_company_on_spark_uses_its_own_database_names(spark_cluster, spark_loaded):
    """Review #3: `raw` and `analytics` were hard-coded, so a company on Spark had to rename its
    databases. A database the company loads (`segment`, with its twin) is read under its own name."""
    from conftest import spark_warehouse

    from portal.config import Limits

    client = spark_cluster.session()
    for db, email in (("segment", "'a@example.com'"), ("public_segment", "CAST(NULL AS STRING)")):
        client.sql(f"CREATE DATABASE IF NOT EXISTS {db}")
        client.sql(f"DROP TABLE IF EXISTS {db}.identifies")
        client.sql(
            f"CREATE TABLE {db}.identifies USING parquet AS "
            f"SELECT CAST(id AS STRING) AS anonymous_id, {email} AS email FROM range(5)"
        )
    full = session_for(spark_warehouse(spark_cluster, Limits()))
    public = session_for(spark_warehouse(spark_cluster, Limits(), public=True))
    sql = "SELECT count(*) AS n, count(email) AS emails FROM segment.identifies"
    assert full.run(sql).frame.iloc[0].tolist() == [5, 5]
    assert public.run(sql).frame.iloc[0].tolist() == [5, 0]  # its twin, under the company's name
    assert "segment" in {t.schema for t in public.catalog().tables}
    with pytest.raises(Exception, match="Name the schema of identifies: analytics.identifies or raw"):
        public.run("SELECT * FROM identifies")


def test_the_portals_own_sql_is_held_to_the_roles_denied_schemas(spark):
    """Review #3: on Spark the portal's own SQL (`SELECT email FROM raw.users`) was pointed at the
    twin with no refusal for a role that may not read raw; as on DuckDB it is refused."""
    from portal.warehouse.errors import QueryRefused

    restricted = session_for(spark, denied=("raw",))
    with pytest.raises(QueryRefused, match="restricted to the data team"):
        restricted.frame("SELECT email FROM raw.users")
    assert restricted.frame("SELECT count(*) AS n FROM analytics.users").iloc[0, 0] > 0


def test_spark_holds_statements_to_the_size_ceiling_and_caps_cells_of_every_type(spark_cluster, spark_loaded):
    """Review #3: Spark had no size ceiling and capped text cells only."""
    from conftest import spark_warehouse

    from portal.config import Limits
    from portal.warehouse.errors import QueryRefused

    s = session_for(spark_warehouse(spark_cluster, Limits(ceiling_rows=1_000_000, max_cell_chars=50), public=True))
    with pytest.raises(QueryRefused, match="Refused before running"):
        s.run("SELECT count(*) AS n FROM analytics.events a, analytics.events b")
    wide = s.run("SELECT array_repeat('xxxxxxxxxx', 100) AS a, repeat('y', 500) AS a, unhex(repeat('ab', 200)) AS b")
    assert [len(str(v)) for v in wide.frame.iloc[0]] == [51, 51, 51]  # arrays, duplicate names, binary: all cut

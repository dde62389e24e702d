"""Issue #16 (in progress): the Spark Connect engine's first pieces. The statement checks are pure;
the rest runs against a real local cluster (two executor JVMs, Spark Connect on 127.0.0.1) started
once for this module, with the small demo warehouse loaded into it as Parquet tables."""

from __future__ import annotations

import pytest
from conftest import ROOT

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
    s = warehouse.session()
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
    want = run_saved(warehouse.session(), q, values).frame
    spark_sql = translate(q.sql)
    check_spark_statement(spark_sql)
    got = cluster.session().sql(spark_sql, args=values).toPandas()
    assert len(got) == len(want) == 13
    assert got["checkouts"].tolist() == want["checkouts"].tolist()
    assert got["purchases"].tolist() == want["purchases"].tolist()

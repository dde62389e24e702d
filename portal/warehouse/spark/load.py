"""The demo warehouse in the cluster: every `raw` and `analytics` table of the DuckDB file (and of
its PII-free twin, as `public_raw` and `public_analytics`) written as Parquet into the cluster's
storage and registered as a Spark table. Same seed, same rows."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb


def export_parquet(warehouse: Path, folder: Path, prefix: str = "") -> dict[str, Path]:
    """Each table of `warehouse` as `folder/<schema>/<table>.parquet`; names as they will be in Spark."""
    con = duckdb.connect(str(warehouse), read_only=True)
    out = {}
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('raw', 'analytics') "
            "AND NOT temporary ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            target = folder / f"{prefix}{schema}" / f"{table}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            con.execute(f"COPY {schema}.{table} TO '{target}' (FORMAT parquet)")
            out[f"{prefix}{schema}.{table}"] = target
    finally:
        con.close()
    return out


def load_demo(spark, warehouse: Path, twin: Path | None, storage: Path) -> dict[str, int]:
    """Export and register; returns each Spark table's row count."""
    folder = storage / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    files = export_parquet(warehouse, folder)
    if twin is not None and twin.exists():
        files |= export_parquet(twin, folder, "public_")
    comments = _comments(warehouse)
    for db in sorted({name.split(".")[0] for name in files}):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {db}")

    def register(item: tuple[str, Path]) -> tuple[str, int]:
        name, path = item
        table_comment, column_comments = comments.get(name.removeprefix("public_"), ("", {}))
        # one statement with the descriptions (Home, the schema browser) and the columns' types
        fields = spark.read.parquet(str(path)).schema.fields
        columns = ", ".join(
            f"`{f.name}` {f.dataType.simpleString()}"
            + (f" COMMENT {spark_string(column_comments[f.name])}" if f.name in column_comments else "")
            for f in fields
        )
        spark.sql(f"DROP TABLE IF EXISTS {name}")
        spark.sql(
            f"CREATE TABLE {name} ({columns}) USING parquet LOCATION {spark_string(str(path))}"
            + (f" COMMENT {spark_string(table_comment)}" if table_comment else "")
        )
        spark.sql(f"ANALYZE TABLE {name} COMPUTE STATISTICS")  # row counts for EXPLAIN COST and Home
        return name, spark.table(name).count()

    with ThreadPoolExecutor(8) as pool:  # Spark Connect takes concurrent requests; tables are independent
        return dict(pool.map(register, files.items()))


def spark_string(text: str) -> str:
    """A Spark SQL string literal (backslash escapes are on by default there)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _comments(warehouse: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Each table's COMMENT ON text and its columns', as the build wrote them."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name || '.' || table_name, coalesce(comment, '') FROM duckdb_tables() "
            "WHERE schema_name IN ('raw', 'analytics')"
        ).fetchall()
        columns = con.execute(
            "SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name IN ('raw', 'analytics') AND coalesce(comment, '') <> ''"
        ).fetchall()
    finally:
        con.close()
    out = {name: (text, {}) for name, text in tables}
    for name, column, text in columns:
        out[name][1][column] = text
    return out

"""Build the demo warehouse: simulate in temp tables, write `raw`, derive `analytics`, then the twin.

All heavy lifting is set-based DuckDB SQL in portal/sql/{demo,raw,analytics}; this module only runs
the files in order, reports progress and swaps the finished files into place atomically, so a
half-built warehouse is never opened by the app.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from portal.config import public_twin
from portal.demo.stories import DEMO_END_DATE, variables
from portal.sqlfiles import load_sql
from portal.warehouse.event_index import building_dir, seal, share_index, write_arrays

Progress = Callable[[int, int, str], None]

SIMULATION = ["demo/macros", "demo/channels", "demo/calendar", "demo/people", "demo/sessions"]
RAW_BEFORE_CARTS = ["raw/vendors", "raw/products"]
CARTS = ["demo/checkout"]
RAW = [
    "raw/users",
    "raw/events",
    "raw/orders",
    "raw/order_items",
    "raw/support_tickets",
    "raw/shipments",
    "raw/ad_spend",
    "raw/experiment_assignments",
]
ANALYTICS = [
    "analytics/test_accounts",
    "analytics/users",
    "analytics/events",
    "analytics/orders",
    "analytics/order_items",
    "analytics/products",
    "analytics/vendors",
    "analytics/shipments",
    "analytics/support_tickets",
    "analytics/campaign_daily",
    "analytics/experiments",
    "analytics/daily_metrics",
    "analytics/build_info",
]
STEPS = SIMULATION + RAW_BEFORE_CARTS + CARTS + RAW + ANALYTICS

# Columns blanked in the public twin: personal data only people with PII access may see.
PII_COLUMNS = {("raw", "users"): ("email", "full_name", "phone", "street_address")}


@dataclass
class BuildReport:
    path: Path
    public_path: Path
    seconds: float
    file_bytes: int
    row_counts: dict[str, int] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)


def build_demo(
    out: str | Path,
    scale: float = 1.0,
    seed: int = 42,
    progress: Progress | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> BuildReport:
    """Build `out` and its PII-free twin; same seed and scale give the same data."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    twin = public_twin(out)
    tmp, tmp_twin = out.with_name(out.name + ".building"), twin.with_name(twin.name + ".building")
    for p in (tmp, tmp_twin):
        p.unlink(missing_ok=True)
    report = progress or (lambda done, total, label: None)
    total = len(STEPS) + 2
    start = time.perf_counter()
    step_seconds: dict[str, float] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET enable_progress_bar = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute("SET memory_limit = ?", [memory_limit])
        con.execute("SET preserve_insertion_order = false")
        values = variables(scale, seed) | {
            "built_at": datetime.now().replace(microsecond=0),
            "loaded_at": datetime.combine(DEMO_END_DATE, datetime.min.time()),
        }
        for name, value in values.items():
            con.execute(f"SET VARIABLE {name} = ?", [value])
        con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS analytics")
        for i, step in enumerate(STEPS):
            report(i, total, step)
            t0 = time.perf_counter()
            con.execute(load_sql(step))
            step_seconds[step] = time.perf_counter() - t0
        report(len(STEPS), total, "writing the PII-free twin")
        t0 = time.perf_counter()
        counts = _row_counts(con)
        _write_public_twin(con, tmp_twin)
        step_seconds["public twin"] = time.perf_counter() - t0
        con.execute("CHECKPOINT")
        t0 = time.perf_counter()
        index = write_arrays(con, building_dir(out))  # the funnels' event index (event_index.py)
        step_seconds["event index"] = time.perf_counter() - t0
    except BaseException:
        con.close()
        for p in (tmp, tmp_twin):
            p.unlink(missing_ok=True)
            p.with_name(p.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp_twin, twin)
    os.replace(tmp, out)
    seal(building_dir(out), out, index)  # tied to the files as they now are
    share_index(out, twin)
    report(total, total, "done")
    return BuildReport(
        out, twin, time.perf_counter() - start, out.stat().st_size + twin.stat().st_size, counts, step_seconds
    )


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str, str | None]]:
    return con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() "
        "WHERE database_name = ? AND NOT temporary ORDER BY schema_name, table_name",
        [database],
    ).fetchall()


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    db = con.execute("SELECT current_database()").fetchall()[0][0]
    return {
        f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchall()[0][0] for s, t, _ in _tables(con, db)
    }


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_public_twin(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Copy every table into a fresh file with PII columns blanked (a fresh file, so no PII bytes
    survive in free blocks), and carry over every description."""
    db = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH {_quote(str(path))} AS public_twin")
    try:
        for schema in ("raw", "analytics"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS public_twin.{schema}")
        for schema, table, comment in _tables(con, db):
            blank = PII_COLUMNS.get((schema, table), ())
            replace = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in blank)
            select = f"SELECT * REPLACE ({replace})" if blank else "SELECT *"
            con.execute(f'CREATE TABLE public_twin.{schema}."{table}" AS {select} FROM {db}.{schema}."{table}"')
            if comment:
                con.execute(f'COMMENT ON TABLE public_twin.{schema}."{table}" IS {_quote(comment)}')
        for schema, table, column, comment in con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = ? AND comment IS NOT NULL",
            [db],
        ).fetchall():
            con.execute(f'COMMENT ON COLUMN public_twin.{schema}."{table}"."{column}" IS {_quote(comment)}')
        con.execute("CHECKPOINT public_twin")
    finally:
        con.execute("DETACH public_twin")

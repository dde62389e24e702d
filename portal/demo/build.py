"""Build the demo warehouse: simulate in temp tables, write `raw`, derive `analytics`, then the twin.

All heavy lifting is set-based DuckDB SQL in portal/sql/{demo,raw,analytics}; this module only runs
the files in order, reports progress and swaps the finished files into place atomically, so a
half-built warehouse is never opened by the app.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from portal.demo.stories import DEMO_END_DATE, variables
from portal.sqlfiles import load_sql
from portal.warehouse.event_index import building_dir, seal, share_index, write_arrays
from portal.warehouse.twin import public_twin, write_twin

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

# Columns blanked in the public twin: personal data only people with PII access may see (the demo's
# portal.toml declares the same list in [pii]; a company's warehouse declares its own).
PII_COLUMNS = ("raw.users.email", "raw.users.full_name", "raw.users.phone", "raw.users.street_address")


def demo_model():
    """The demo's semantic model, as the shipped portal.toml declares it (one definition)."""
    from portal.config import ROOT
    from portal.model_load import load_model

    path = ROOT / "portal.toml"
    return load_model(tomllib.loads(path.read_text(encoding="utf-8")).get("model", {}), str(path))


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
    tmp = out.with_name(out.name + ".building")
    tmp.unlink(missing_ok=True)
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
        counts = _row_counts(con)
        con.execute("CHECKPOINT")
        t0 = time.perf_counter()
        index = write_arrays(con, building_dir(out), demo_model().events)  # the funnels' event index
        step_seconds["event index"] = time.perf_counter() - t0
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, out)
    seal(building_dir(out), out, index)  # tied to the file as it now is
    report(len(STEPS) + 1, total, "writing the PII-free twin")
    t0 = time.perf_counter()
    write_twin(out, PII_COLUMNS, twin)  # the same code as `python -m portal twin` for any warehouse
    step_seconds["public twin"] = time.perf_counter() - t0
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

"""`python -m portal check [--db PATH] [DIR]`: which saved queries does the current schema break?
`--engine spark [--url sc://…]`: run every curated query and metric on DuckDB and on the Spark
cluster too, and compare the answers."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from portal.library import QueryStore, check_all
from portal.warehouse.connect import add_person_argument, open_for


def register(sub) -> None:
    p = sub.add_parser("check", help="compile every saved query against the warehouse (exit 1 if any broke)")
    p.add_argument("dir", nargs="?", help="queries folder (default: queries/)")
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    p.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="spark: also compare with the cluster"
    )
    p.add_argument("--url", help="Spark Connect address (default: [warehouse] url in portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (opened := open_for(args, "check")) is None:
        return 2
    settings, wh, session = opened
    folder = Path(args.dir) if args.dir else settings.queries_dir
    if not folder.is_dir():
        print(f"error: no queries folder at {folder}", file=sys.stderr)
        wh.close()
        return 2
    queries, errors = QueryStore(folder, settings.state_dir).load_all()
    results = check_all(session, queries, session.catalog(), errors)
    broken = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            print(f"ok      {r.id}")
        else:
            where = f" (line {r.line})" if r.line else ""
            deps = ", ".join(sorted(r.lineage.tables)) or "?"
            print(f"BROKEN  {r.id}{where}: {r.error.splitlines()[0]}  [uses {deps}]")
    print(f"{len(results) - len(broken)} ok, {len(broken)} broken")
    differ = _compare_engines(args, settings, session, queries) if args.engine == "spark" else 0
    wh.close()
    return 1 if broken or differ else 0


def _compare_engines(args, settings, session, queries) -> int:
    """Each curated query and metric on DuckDB (the reference) and on Spark; returns how many differ."""
    from portal.library.engines import compare, curated
    from portal.reporting.metrics import load_metrics, metrics_path
    from portal.warehouse.spark.engine import SparkWarehouse

    cluster = SparkWarehouse(
        args.url or settings.spark_url, settings.limits, public=not session.user.has_pii, model=settings.model
    )
    spark = cluster.session(session.user, session.audit, session.denied_schemas)  # the same person, audited
    through = date.fromisoformat(session.catalog().data_through or date.today().isoformat())
    items = curated(queries, load_metrics(metrics_path(settings), settings.model), through)
    print(f"\nDuckDB and Spark ({spark.warehouse.url}), {len(items)} curated queries and metrics:")
    bad = 0
    for item in items:
        c = compare(session, spark, item)
        bad += not c.ok
        print(f"{c.status:<15} {c.id}" + (f" ({c.rows} rows)" if c.ok else f": {c.detail}"))
    print(f"{len(items) - bad} same, {bad} not")
    spark.warehouse.close()
    return bad

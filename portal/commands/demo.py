"""`python -m portal demo`: build the demo warehouse (and its PII-free twin)."""

from __future__ import annotations

import sys
from pathlib import Path

from portal.config import load_settings


def register(sub) -> None:
    p = sub.add_parser("demo", help="build the demo warehouse")
    p.add_argument("--out", help="output file (default: the warehouse path in portal.toml)")
    p.add_argument("--scale", type=float, default=1.0, help="1 = 100k users; 10 = 1M users")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="spark: also load it into the local cluster"
    )
    p.add_argument("--port", type=int, default=15002, help="the local cluster's port (with --engine spark)")
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.demo import build_demo

    if args.scale <= 0:
        print("error: --scale must be positive", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else load_settings().warehouse_path
    out.parent.mkdir(parents=True, exist_ok=True)

    def progress(done: int, total: int, label: str) -> None:
        bar = "#" * int(30 * done / max(total, 1))
        print(f"\r[{bar:<30}] {done}/{total} {label[:40]:<40}", end="", file=sys.stderr, flush=True)

    report = build_demo(out, scale=args.scale, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(f"built {report.path} in {report.seconds:.1f} s ({report.file_bytes / 1e6:.0f} MB)")
    for name, n in sorted(report.row_counts.items()):
        print(f"  {name:<40} {n:>12,}")
    from portal.product.kernels import funnel_scan, retention_scan

    funnel_scan.warm_up()  # compile the product passes now (kept on disk), not on the first page view
    retention_scan.warm_up()
    if args.engine == "spark":
        return load_into_spark(report.path, report.public_path, args.port)
    return 0


def load_into_spark(path: Path, twin: Path, port: int) -> int:
    from portal.commands.cluster import cluster_for
    from portal.warehouse.spark.load import load_demo

    c = cluster_for(port)
    if not c.answering():
        print(f"error: no Spark cluster on {c.url}; start it with python -m portal cluster start", file=sys.stderr)
        return 2
    counts = load_demo(c.session(), path, twin, c.storage)
    print(f"loaded {len(counts)} tables into {c.url} ({sum(counts.values()):,} rows) as Parquet in {c.storage}")
    return 0

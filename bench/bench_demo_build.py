"""Benchmark: demo warehouse build time, against the I/O floor measured in the same run.

The floor is copying the finished warehouse into a fresh file (COPY FROM DATABASE): writing the
same bytes without generating or deriving anything. Run: python bench/bench_demo_build.py [--scale 1] [--smoke]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.demo import build_demo  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from smoke import SMOKE_SCALE, check, parser  # noqa: E402


def copy_floor(src: Path, dst: Path) -> float:
    dst.unlink(missing_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY); ATTACH '{dst}' AS dst; COPY FROM DATABASE src TO dst")
    con.execute("CHECKPOINT dst")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    ap = parser(__doc__, 3)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    if args.smoke:
        args.scale, args.runs = SMOKE_SCALE, 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "warehouse.duckdb"
        builds, floors, report = [], [], None
        for _ in range(args.runs):
            report = build_demo(out, scale=args.scale, seed=42)
            builds.append(report.seconds)
            floors.append(copy_floor(out, Path(tmp) / "copy.duckdb"))
        check(report.row_counts.get("analytics.events", 0) > 0, "the build wrote no events")
        b, f = statistics.median(builds), statistics.median(floors)
        print(
            f"scale {args.scale}: build median {b:.1f} s over {args.runs} runs "
            f"(min {min(builds):.1f}, max {max(builds):.1f}); copy floor median {f:.1f} s; ratio {b / f:.1f}x"
        )
        print(f"files: {report.file_bytes / 1e6:.0f} MB (warehouse + public twin)")
        print(f"users {report.row_counts['analytics.users']:,}, events {report.row_counts['analytics.events']:,}")
        slowest = sorted(report.step_seconds.items(), key=lambda kv: -kv[1])[:5]
        print("slowest steps (last run): " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))


if __name__ == "__main__":
    main()

"""Benchmark (issue #32): paths after product_view (4 steps, 30-minute visits, top 6 per step) and
paths to purchase (3 steps before), ours (the event index and one compiled pass) against plain
DuckDB SQL computing the same counts (window functions over each person's events, tests/test_paths.py),
side by side in one run, counts checked equal. Medians of --runs, 2 DuckDB threads.

Run: python bench/bench_paths.py --db /work/bench-data/warehouse10.duckdb [--runs 5] [--smoke]
(build it with python -m portal demo --scale 10 --out PATH)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402
from test_paths import reference_paths  # noqa: E402

from portal.config import Limits  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.product.paths import PathSpec, paths  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402

SPECS = {
    "after product_view, 4 steps": PathSpec(start="product_view", depth=4),
    "before purchase, 3 steps": PathSpec(end="purchase", depth=3),
}


def timed(fn, runs: int):
    out = fn()  # warm: the index mapped, the pass compiled, the plan cached
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def same(ours, ref) -> bool:
    key = ["depth", "step", "previous"]
    a = ours[[*key, "people"]].sort_values(key).reset_index(drop=True)
    b = ref[[*key, "people"]].astype({"depth": int, "people": int}).sort_values(key).reset_index(drop=True)
    return a.to_dict("records") == b.to_dict("records")


def main() -> None:
    ap = parser(__doc__, 5)
    ap.add_argument("--db", default="/work/bench-data/warehouse10.duckdb")
    args = ap.parse_args()
    args.db = str(prepare(args) or args.db)
    wh = Warehouse(
        args.db, Limits(threads=2, memory_limit="12GB", app_memory_limit="12GB", timeout_seconds=900), demo_model()
    )
    s = bench_session(wh)
    check(s.event_index() is not None, f"no current event index: python -m portal index --db {args.db}")
    events = int(s.frame("SELECT count(*) FROM analytics.events").iloc[0, 0])
    rows = []
    for label, spec in SPECS.items():
        ours_t, ours = timed(lambda spec=spec: paths(s, spec), args.runs)
        sql_t, ref = timed(lambda spec=spec: reference_paths(s, spec), args.runs)
        check(same(ours, ref), f"the paths counts differ from plain SQL's ({label})")
        rows.append((label, ours_t, sql_t, int(ours.loc[ours.depth == 1, "people"].sum())))
    wh.close()
    print(f"{events:,} events, medians of {args.runs} runs, counts equal")
    print("| paths | people | ours | plain DuckDB SQL | SQL / ours |")
    print("|---|---|---|---|---|")
    for label, ours_t, sql_t, people in rows:
        print(f"| {label} | {people:,} | {ours_t:.2f} s | {sql_t:.2f} s | {sql_t / ours_t:.1f}x |")


if __name__ == "__main__":
    main()

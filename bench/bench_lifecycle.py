"""Benchmark (issue #32): weekly lifecycle (new, returning, resurrecting, dormant) over every event,
ours (the event index and one pass in numpy) against plain DuckDB SQL computing the same counts
(window functions over the distinct person-weeks), side by side in one run, counts checked equal.
Also monthly stickiness against its SQL. Medians of --runs, 2 DuckDB threads.

Run: python bench/bench_lifecycle.py --db /work/bench-data/warehouse10.duckdb [--runs 5] [--smoke]
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
from test_lifecycle import reference_lifecycle, reference_stickiness  # noqa: E402

from portal.config import Limits  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.product.lifecycle import lifecycle, stickiness  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402


def timed(fn, runs: int):
    out = fn()  # warm: the index mapped, the plan cached
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = parser(__doc__, 5)
    ap.add_argument("--db", default="/work/bench-data/warehouse10.duckdb")
    args = ap.parse_args()
    args.db = str(prepare(args) or args.db)
    wh = Warehouse(
        args.db, Limits(threads=2, memory_limit="12GB", app_memory_limit="12GB", timeout_seconds=600), demo_model()
    )
    s = bench_session(wh)
    check(s.event_index() is not None, f"no current event index: python -m portal index --db {args.db}")
    events = int(s.frame("SELECT count(*) FROM analytics.events").iloc[0, 0])
    ours_t, ours = timed(lambda: lifecycle(s, "week"), args.runs)
    sql_t, ref = timed(lambda: reference_lifecycle(s, "week"), args.runs)
    shown = ours[(ours[["new", "returning", "resurrecting", "dormant"]] != 0).any(axis=1)].reset_index(drop=True)
    equal = all(
        shown[c].tolist() == ref[c].astype(int).tolist() for c in ("new", "returning", "resurrecting", "dormant")
    )
    check(equal and len(shown) == len(ref), "the lifecycle counts differ from plain SQL's")
    st_t, st = timed(lambda: stickiness(s, "month"), args.runs)
    st_sql_t, st_ref = timed(lambda: reference_stickiness(s, "month"), args.runs)
    check({int(r.days): int(r.people) for r in st.itertuples() if r.people} == st_ref, "stickiness differs")
    wh.close()
    print(f"{events:,} events, {len(ours)} weeks, medians of {args.runs} runs, counts equal: {equal}")
    print("| measure | ours | plain DuckDB SQL | SQL / ours |")
    print("|---|---|---|---|")
    print(f"| weekly lifecycle | {ours_t:.2f} s | {sql_t:.2f} s | {sql_t / ours_t:.1f}x |")
    print(f"| monthly stickiness | {st_t:.2f} s | {st_sql_t:.2f} s | {st_sql_t / st_t:.1f}x |")


if __name__ == "__main__":
    main()

"""Load: two sessions run the slowest single-function statements we know while eight others run
small queries (issue #12). Bounded: a fixed number of rounds, loopback only (no network at all:
the sessions share this process's worker pool, as a Streamlit server's sessions do).

Reports, from one run: the small queries' p50/p95 alone and beside the runaways (target: p95 within
1.5x), the memory of the app process plus its workers (target: under the per-statement cap times
the runaways, plus a stated margin), and how long each runaway took against its limit (target:
limit + 2 s).

Run: python bench/bench_hostile_load.py [--db data/warehouse.duckdb] [--seconds 20] [--smoke]
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402

from portal.config import load_settings  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402
from portal.warehouse.errors import QueryError  # noqa: E402
from portal.warehouse.executor import parse_bytes  # noqa: E402

SMALL = [
    "SELECT platform, count(*) AS users FROM analytics.users GROUP BY 1",
    "SELECT status, sum(order_total) AS revenue FROM analytics.orders GROUP BY 1",
    "SELECT utm_campaign, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1",
    "SELECT * FROM analytics.daily_metrics ORDER BY 1 DESC LIMIT 50",
]
RUNAWAYS = [
    "SELECT len(range(500000000))",  # 16 GB in one function before the fix
    "SELECT levenshtein(repeat('a', 200000), repeat('b', 200000))",  # 100 s of one function
]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its children (the worker processes), from /proc."""
    total = 0
    pids = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids += [int(p) for p in child.read_text().split()]
        except FileNotFoundError:  # a thread that ended while we looked
            continue
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


FAILED_SMALL: list[str] = []  # a small query that failed: its timing would be of an error


def small_loop(wh: Warehouse, stop: threading.Event, out: list[float]) -> None:
    s = bench_session(wh)
    i = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            s.run(SMALL[i % len(SMALL)])
        except QueryError as err:
            FAILED_SMALL.append(f"{SMALL[i % len(SMALL)]}: {err}")
        out.append(time.perf_counter() - t0)
        i += 1


def runaway_loop(wh: Warehouse, sql: str, stop: threading.Event, out: list[tuple[float, str]]) -> None:
    s = bench_session(wh)
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            s.run(sql)
            kind = "finished"
        except QueryError as err:
            kind = err.kind
        out.append((time.perf_counter() - t0, kind))


def phase(wh: Warehouse, seconds: float, with_runaways: bool) -> tuple[list[float], list, list[float]]:
    stop, small, wild, memory = threading.Event(), [], [], []
    threads = [threading.Thread(target=small_loop, args=(wh, stop, small)) for _ in range(8)]
    if with_runaways:
        threads += [threading.Thread(target=runaway_loop, args=(wh, sql, stop, wild)) for sql in RUNAWAYS]
    for t in threads:
        t.start()
    end = time.time() + seconds
    while time.time() < end:
        memory.append(tree_rss_mb(os.getpid()))
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(60)
    return small, wild, memory


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else values[0]


def main() -> None:
    ap = parser(__doc__, 1)
    ap.add_argument("--db", default=None, help="the warehouse (default: the configured PII-free twin)")
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    smoke = prepare(args)
    settings = load_settings()
    args.db = args.db or str(settings.public_warehouse_path)
    if smoke:
        args.seconds = 2.0
    limits = settings.with_limits(timeout_seconds=2.0 if smoke else 10.0, workers=4).limits
    wh = Warehouse(args.db, limits, demo_model())
    for sql in SMALL:  # warm the workers and the file cache
        bench_session(wh).run(sql)
    base_mem = tree_rss_mb(os.getpid())
    alone, _, mem_alone = phase(wh, args.seconds, with_runaways=False)
    beside, wild, mem_load = phase(wh, args.seconds, with_runaways=True)
    check(not FAILED_SMALL, f"{len(FAILED_SMALL)} small queries failed, e.g. {FAILED_SMALL[:1]}")
    check(bool(alone) and bool(beside) and bool(wild), "a phase ran no statement at all")
    time.sleep(2)
    after = tree_rss_mb(os.getpid())
    cap = parse_bytes(limits.memory_limit) / 2**20
    a50, a95, b50, b95 = pct(alone, 50), pct(alone, 95), pct(beside, 50), pct(beside, 95)
    print(
        f"limits: {limits.timeout_seconds:g} s per statement, {limits.memory_limit} per statement, "
        f"{limits.workers} workers, lower priority after {limits.slow_after_seconds:g} s"
    )
    print(f"small queries alone:          {len(alone)} runs, p50 {a50 * 1000:.1f} ms, p95 {a95 * 1000:.1f} ms")
    print(
        f"small queries beside 2 runaways: {len(beside)} runs, p50 {b50 * 1000:.1f} ms, p95 {b95 * 1000:.1f} ms"
        f"  (p95 ratio {b95 / a95:.2f}x, target <= 1.5x)"
    )
    worst = max(t for t, _ in wild)
    kinds = sorted({k for _, k in wild})
    print(
        f"runaways: {len(wild)} ended ({', '.join(kinds)}), longest {worst:.2f} s "
        f"(target <= {limits.timeout_seconds + 2:g} s)"
    )
    print(
        f"memory (app + workers): before {base_mem:.0f} MB, alone peak {max(mem_alone):.0f} MB, "
        f"under load peak {max(mem_load):.0f} MB, after {after:.0f} MB; "
        f"bound: {len(RUNAWAYS)} x {cap:.0f} MB cap + {max(mem_alone):.0f} MB baseline"
    )


if __name__ == "__main__":
    main()

"""Benchmark (issue #16): the portal's product work on DuckDB and on a local Spark Connect cluster,
side by side, then on Spark at three times the data.

Same run, same machine (2 cores): the 5-step funnel (Funnels page), 12-week retention (Cohorts page),
three curated saved queries and the executive dashboard's eight tiles, each as the portal runs it
(DuckDB: worker processes and the event index; Spark: translated SQL and the funnel pass on the
executors). Reports the cluster's start-up and load times, each item's median over --runs, and the
ratios Spark/DuckDB and Spark scale 30 / scale 10.

Run: python bench/bench_spark.py --db10 PATH --db30 PATH [--runs 3] [--port 15090] [--smoke]
A different answer on Spark than on DuckDB ends it with exit status 1.
(build the files with python -m portal demo --scale 10 --out PATH; twins are not needed)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402

from portal.config import Limits  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.library import QueryStore, run_saved  # noqa: E402
from portal.product.cohorts import CohortSpec, retention  # noqa: E402
from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels  # noqa: E402
from portal.reporting.dashboards import DashboardStore, default_range, query_params_for  # noqa: E402
from portal.reporting.metrics import kpi, load_metrics  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402
from portal.warehouse.spark.cluster import Cluster  # noqa: E402
from portal.warehouse.spark.engine import SparkWarehouse  # noqa: E402
from portal.warehouse.spark.load import load_demo  # noqa: E402
from portal.workbench.params import find_params  # noqa: E402

THROUGH = date(2026, 11, 15)
QUERIES = ("checkout/checkout_conversion_by_week", "executive/revenue_by_week", "executive/weekly_active_users")
LIMITS = Limits(threads=2, memory_limit="12GB", app_memory_limit="12GB", timeout_seconds=1800, max_rows=100_000)


def workload(session) -> dict:
    """name -> a function running one item and returning something to compare across engines."""
    steps = tuple(Step(e) for e in ("page_view", "product_view", "add_to_cart", "checkout_start", "purchase"))
    funnel = FunnelSpec(steps, date(2026, 8, 17), THROUGH, 14.0)
    cohorts = CohortSpec(grain="week", periods=12)
    store = QueryStore(ROOT / "queries", ROOT / "state")
    metrics = load_metrics(ROOT / "metrics.toml")
    dash = DashboardStore(ROOT / "dashboards").load("executive")
    start, end = default_range(THROUGH)

    def run_query(qid):
        q = store.get(qid)
        return lambda: run_saved(session, q, {}).frame.round(9).to_csv(index=False)

    def dashboard():
        out = []
        for t in dash.tiles:
            if t.metric:
                out.append(round(kpi(session, metrics, t.metric, start, end, {}).current or 0, 6))
            else:
                q = store.get(t.query)
                out.append(len(run_saved(session, q, query_params_for(find_params(q.sql), start, end, {})).frame))
        return out

    return {
        "5-step funnel (8 weeks, 14-day window)": lambda: step_counts(user_levels(session, funnel), funnel).to_csv(
            index=False
        ),
        "12-week retention (weekly cohorts)": lambda: retention(session, cohorts, THROUGH)["active_users"].sum(),
        **{f"saved query {q}": run_query(q) for q in QUERIES},
        "executive dashboard (8 tiles)": dashboard,
    }


def measure(session, runs: int) -> dict[str, tuple[float, float, object]]:
    """name -> (first run s, median of the next `runs` s, answer)."""
    out = {}
    for name, fn in workload(session).items():
        t0 = time.perf_counter()
        answer = fn()
        first = time.perf_counter() - t0
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = (first, statistics.median(times), answer)
        print(f"  {name}: first {first:.2f} s, median {out[name][1]:.2f} s", flush=True)
    return out


def load(cluster: Cluster, db: Path) -> float:
    t0 = time.perf_counter()
    counts = load_demo(cluster.session(), db, None, cluster.storage)
    print(f"  loaded {len(counts)} tables, {counts.get('analytics.events', 0):,} events", flush=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = parser(__doc__, 3, server=True)
    ap.add_argument("--db10", type=Path)
    ap.add_argument("--db30", type=Path)
    args = ap.parse_args()
    smoke = prepare(args)
    args.db10 = smoke or args.db10
    args.db30 = None if smoke else args.db30
    check(args.db10 is not None, "--db10 is needed (or --smoke)")
    if args.port is None:
        args.port = 15090
    root = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    cluster = Cluster(root, port=args.port)
    t0 = time.perf_counter()
    cluster.start()
    startup = time.perf_counter() - t0
    print(f"cluster started in {startup:.1f} s ({cluster.url}, local-cluster[2,1,1024])", flush=True)
    try:
        print("DuckDB, scale 10:", flush=True)
        duck_wh = Warehouse(args.db10, LIMITS, demo_model())
        duck = measure(bench_session(duck_wh), args.runs)
        duck_wh.close()  # the load below opens the same file in this process
        load10 = load(cluster, args.db10)
        spark = SparkWarehouse(cluster.url, LIMITS, model=demo_model())
        print("Spark, scale 10:", flush=True)
        s10 = measure(bench_session(spark), args.runs)
        s30, load30 = {}, None
        if args.db30:
            load30 = load(cluster, args.db30)
            print("Spark, scale 30:", flush=True)
            s30 = measure(bench_session(spark), args.runs)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"\ncluster start-up {startup:.1f} s; load scale 10 {load10:.0f} s"
        + (f", scale 30 {load30:.0f} s" if load30 else "")
    )
    print(f"medians of {args.runs} runs after a first run (first runs in brackets)\n")
    print("| item | DuckDB s10 | Spark s10 | Spark/DuckDB | same answer | Spark s30 | s30/s10 |")
    print("|---|---|---|---|---|---|---|")
    for name, (df, dm, da) in duck.items():
        sf, sm, sa = s10[name]
        row = f"| {name} | {dm:.2f} s ({df:.2f}) | {sm:.2f} s ({sf:.2f}) | {sm / dm:.1f}x | {'yes' if sa == da else 'NO'} |"
        if name in s30:
            row += f" {s30[name][1]:.2f} s ({s30[name][0]:.2f}) | {s30[name][1] / sm:.2f}x |"
        else:
            row += " | |"
        print(row)
    wrong = [name for name, (_, _, da) in duck.items() if s10[name][2] != da]
    check(not wrong, f"Spark answered differently from DuckDB: {', '.join(wrong)}")


if __name__ == "__main__":
    main()

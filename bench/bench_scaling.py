"""Benchmark: time against data size (issue #15). The same funnel and retention, and the Funnels and
Cohorts pages reached by a click in the sidebar (headless chromium, one fresh server per run), on
the scale 1, 3 and 10 demo warehouses, in one run.

Build the warehouses first (each with its event index):
  python -m portal demo --out /work/bench-data/warehouse3.duckdb --scale 3
  python -m portal demo --out /work/bench-data/warehouse10.duckdb --scale 10
Run: python bench/bench_scaling.py [--runs 3] [--port N] [--smoke]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages_browser import in_app  # noqa: E402
from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402

from portal.config import Limits  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.demo.stories import DEMO_END_DATE, DEMO_START_DATE  # noqa: E402
from portal.product.cohorts import CohortSpec, retention  # noqa: E402
from portal.product.funnels import FunnelSpec, Step, user_levels  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402

SCALES = {
    1: ROOT / "data" / "warehouse.duckdb",
    3: Path("/work/bench-data/warehouse3.duckdb"),
    10: Path("/work/bench-data/warehouse10.duckdb"),
}
STEPS = ("page_view", "product_view", "add_to_cart", "checkout_start", "purchase")


def median_of(fn, runs: int) -> float:
    fn()  # compile / warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    args = parser(__doc__, 3, server=True).parse_args()
    smoke = prepare(args)
    scales = {1: smoke} if smoke else SCALES
    from playwright.sync_api import sync_playwright

    spec = FunnelSpec(tuple(Step(e) for e in STEPS), DEMO_START_DATE, DEMO_END_DATE, 7.0, "sequential", "platform")
    cohort = CohortSpec("week", "signup", "none", None, 12)
    table = {}
    for scale, db in scales.items():
        wh = Warehouse(
            db, Limits(threads=2, memory_limit="12GB", app_memory_limit="12GB", timeout_seconds=600), demo_model()
        )
        s = bench_session(wh)
        events = int(s.frame("SELECT count(*) FROM analytics.events").iloc[0, 0])
        check(s.event_index() is not None, f"no current event index for {db}: python -m portal index --db {db}")
        row = {"events": events, "funnel (index)": median_of(lambda s=s: user_levels(s, spec), args.runs)}
        row["retention (index)"] = median_of(lambda s=s: retention(s, cohort, DEMO_END_DATE), args.runs)
        s.event_index = lambda: None
        row["funnel (query)"] = median_of(lambda s=s: user_levels(s, spec), args.runs)
        wh.close()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            for name, xs in in_app(browser, ROOT, str(db), args.runs, args.port).items():
                row[name] = statistics.median(xs)
            browser.close()
        table[scale] = row
        print(
            f"scale {scale}: "
            + ", ".join(f"{k} {v:,.3f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in row.items()),
            flush=True,
        )
    if len(table) < 2:
        return  # one size: no ratio to report
    names = [k for k in table[1] if k != "events"]
    print(
        "\n| measure | "
        + " | ".join(f"scale {k} ({table[k]['events'] / 1e6:.1f}M events)" for k in table)
        + " | 10 vs 1 |"
    )
    print("|---|" + "---|" * (len(table) + 1))
    for n in names:
        cells = " | ".join(f"{table[k][n] * 1000:,.0f} ms" for k in table)
        print(f"| {n} | {cells} | {table[10][n] / table[1][n]:.1f}x |")


if __name__ == "__main__":
    main()

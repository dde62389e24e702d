"""Benchmark: the 8-tile executive dashboard on the default warehouse, cold and warm.

Cold = a full page run after clearing the tile caches; warm = a rerun on cached tiles (what a user
gets when they come back or change nothing). Peer, same run: computing the same eight tiles with the
portal functions alone (no Streamlit). Run: python bench/bench_dashboards.py [--runs 7] [--smoke]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from portal.config import load_settings  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.library import QueryStore, run_saved  # noqa: E402
from portal.reporting.dashboards import DashboardStore, default_range, query_params_for  # noqa: E402
from portal.reporting.metrics import kpi, load_metrics  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402
from portal.workbench.params import find_params  # noqa: E402

SCRIPT = "from pages.team import render\nrender('executive')\n"


def main() -> None:
    args = parser(__doc__, 7).parse_args()
    prepare(args)
    os.chdir(ROOT)
    s = load_settings()
    metrics = load_metrics(ROOT / "metrics.toml")
    d = DashboardStore(ROOT / "dashboards").load("executive")
    store = QueryStore(ROOT / "queries", s.state_dir)
    start, end = default_range(date(2026, 11, 15))
    check(s.public_warehouse_path.exists(), f"no warehouse at {s.public_warehouse_path}: ./start.sh builds it")
    wh = Warehouse(s.public_warehouse_path, s.limits, demo_model())
    sess = bench_session(wh)

    def tiles_only():
        for t in d.tiles:
            if t.metric:
                kpi(sess, metrics, t.metric, start, end, {})
            else:
                q = store.get(t.query)
                run_saved(sess, q, query_params_for(find_params(q.sql), start, end, {}), max_rows=5000)

    peer = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        tiles_only()
        peer.append(time.perf_counter() - t0)
    wh.close()
    cold, warm = [], []
    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.run()  # imports, connection
    check(not at.exception, f"the executive dashboard failed: {at.exception}")
    from ui.tile_data import metric_spec, query_spec, shared_kpi, shared_rows

    for _ in range(args.runs):
        for cached in (shared_kpi, shared_rows, query_spec, metric_spec):  # what Refresh clears
            cached.clear()
        t0 = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    check(not at.exception, f"the executive dashboard failed: {at.exception}")
    p, c, w = (statistics.median(x) for x in (peer, cold, warm))
    print(f"8 tiles, executive dashboard, {args.runs} runs")
    print(f"| peer: tile queries alone | {p * 1000:.0f} ms | 1.00x |")
    print(f"| page run, cold caches | {c * 1000:.0f} ms | {c / p:.2f}x |")
    print(f"| page rerun, warm caches | {w * 1000:.0f} ms | {w / p:.2f}x |")


if __name__ == "__main__":
    main()

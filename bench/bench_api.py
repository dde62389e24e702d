"""The CSV/JSON API (issue #24): a spreadsheet's request for the curated supply-chain query, and a
metric by week, through a running server, against the peer of the same statement run through the
seam in this process (the API's own overhead is the difference).

Run: python bench/bench_api.py [--runs 15] [--port N] [--smoke]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import streamlit_server  # noqa: E402
from principal import bench_session  # noqa: E402
from smoke import fail, parser, prepare  # noqa: E402

from portal.config import load_settings  # noqa: E402
from portal.library import QueryStore, run_saved  # noqa: E402
from portal.warehouse.connect import open_warehouse  # noqa: E402


def median_ms(f, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    args = parser(__doc__, 15, server=True).parse_args()
    prepare(args)
    settings = load_settings()
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    with streamlit_server(settings.warehouse_path, folder, port=args.port) as base:
        env = {**os.environ, "PORTAL_DB": str(settings.warehouse_path), "PORTAL_STATE_DIR": str(base.state_dir)}
        token = subprocess.run(
            [sys.executable, "-m", "portal", "token", "create", "--as", "sam"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        csv_url = f"{base}/api/queries/supply/late_deliveries_by_vendor.csv?token={token}"
        metric_url = f"{base}/api/metrics/revenue.json?from=2026-08-01&to=2026-11-15&grain=week&token={token}"

        def get(url):
            try:
                with urllib.request.urlopen(url, timeout=60) as r:
                    return r.read()
            except OSError as err:  # an HTTP error status included: timings of errors mean nothing
                fail(f"GET {url.split('?')[0]}: {err}")

        if not get(csv_url).startswith(b"vendor") or b'"rows"' not in get(metric_url):  # warm, and answers
            fail("the API answered, but not with the supply query's CSV and the metric's JSON")
        api_csv = median_ms(lambda: get(csv_url), args.runs)
        api_metric = median_ms(lambda: get(metric_url), args.runs)
        wh = open_warehouse(settings, pii=False)
        session = bench_session(wh)
        q = QueryStore(settings.queries_dir, folder).curated("supply/late_deliveries_by_vendor")
        run_saved(session, q, {})
        peer = median_ms(lambda: run_saved(session, q, {}), args.runs)
    print(f"medians of {args.runs} requests, one server on this machine, warm")
    print(f"IMPORTDATA-shaped GET of the supply query as CSV: {api_csv:.1f} ms")
    print(f"peer, the same statement through the seam in-process: {peer:.1f} ms (API / peer {api_csv / peer:.2f}x)")
    print(f"a metric by week as JSON (16 weeks, revenue: one statement): {api_metric:.1f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: workbench overheads and the size guard's estimate quality, on the default warehouse.

Peers measured in the same run: the bare engine call for the same query (so "overhead" is what the
workbench adds: lint, estimate, background thread, history) and DuckDB's own EXPLAIN time.
Run: python bench/bench_workbench.py [--db data/warehouse.duckdb] [--runs 15] [--smoke]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402

from portal.config import Limits, load_settings  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402
from portal.warehouse.guard import judge  # noqa: E402
from portal.warehouse.runner import BackgroundRun  # noqa: E402
from portal.workbench.completions import schema_payload  # noqa: E402
from portal.workbench.history import History  # noqa: E402
from portal.workbench.lint import lint  # noqa: E402

Q_ERROR_QUERIES = [
    "SELECT * FROM analytics.users WHERE platform = 'iOS'",
    "SELECT * FROM analytics.users WHERE country = 'US' AND device = 'mobile'",
    "SELECT * FROM analytics.orders WHERE order_date >= DATE '2026-06-01'",
    "SELECT * FROM analytics.orders WHERE status = 'refunded'",
    "SELECT * FROM analytics.events WHERE event_name = 'purchase'",
    "SELECT * FROM analytics.events WHERE event_date BETWEEN DATE '2026-10-01' AND DATE '2026-10-07'",
    "SELECT platform, count(*) FROM analytics.events GROUP BY 1",
    "SELECT user_id, count(*) FROM analytics.orders GROUP BY 1",
    "SELECT utm_campaign, sum(spend) FROM analytics.campaign_daily GROUP BY 1",
    "SELECT u.user_id, o.order_id FROM analytics.users u JOIN analytics.orders o USING (user_id)",
    "SELECT u.platform, count(*) FROM analytics.users u JOIN analytics.orders o USING (user_id) GROUP BY 1",
    "SELECT * FROM analytics.support_tickets WHERE resolution_minutes < 60",
    "SELECT * FROM analytics.support_tickets WHERE cart_value IS NOT NULL",
    "SELECT * FROM analytics.shipments WHERE is_late",
    "SELECT * FROM analytics.order_items WHERE category = 'Books'",
    "SELECT o.order_id, i.product_id FROM analytics.orders o JOIN analytics.order_items i USING (order_id) WHERE o.status = 'completed'",
    "SELECT * FROM analytics.daily_metrics WHERE revenue > 20000",
    "SELECT DISTINCT user_id FROM analytics.events WHERE event_name = 'checkout_start'",
    "SELECT * FROM analytics.experiment_assignments WHERE experiment = 'onboarding_address_step'",
    "SELECT signup_week, count(*) FROM analytics.users GROUP BY 1",
    "SELECT * FROM analytics.users WHERE is_customer AND acquisition_channel = 'paid_social'",
    "SELECT e.user_id FROM analytics.events e JOIN analytics.users u USING (user_id) WHERE e.event_name = 'signup'",
]


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def long_query(lines: int = 200) -> str:
    ctes = []
    i = 0
    while sum(c.count("\n") + 1 for c in ctes) < lines - 12:
        ctes.append(
            f"c{i} AS (\n    SELECT o.user_id,\n           count(*) AS n{i},\n           sum(o.revenue) AS r{i}\n"
            f"    FROM analytics.orders AS o\n    WHERE o.status = 'completed'\n    GROUP BY o.user_id\n)"
        )
        i += 1
    return "WITH " + ",\n".join(ctes) + "\nSELECT c0.user_id, c0.n0\nFROM c0\nORDER BY c0.n0 DESC\nLIMIT 100\n"


def main() -> None:
    ap = parser(__doc__, 15)
    ap.add_argument("--db", default=None, help="the warehouse (default: the configured one)")
    args = ap.parse_args()
    args.db = str(prepare(args) or args.db or load_settings().warehouse_path)
    wh = Warehouse(args.db, Limits(), demo_model())
    s = bench_session(wh)
    cat = s.catalog()
    rows = {t.full_name: t.row_count for t in cat.tables}
    guard = load_settings().guard
    sql = "SELECT * FROM analytics.orders ORDER BY order_id LIMIT 1000"
    hist = History(Path(tempfile.mkdtemp()))

    def bare():
        s.run(sql)

    def in_process():  # the same query on the app process's own cursor: what the worker round trip costs
        s.frame(sql)

    def workbench_path():
        lint(sql, cat, s)
        judge(s.estimate(sql, None, rows), guard)
        job = BackgroundRun(s, sql).start()
        while not job.wait(0.005):
            pass
        check(job.error is None, f"the workbench run failed: {job.error}")
        hist.record("bench", sql, job.elapsed, job.result.row_count, "ok")

    bare()
    workbench_path()
    b, w = median_ms(bare, args.runs), median_ms(workbench_path, args.runs)
    ip = median_ms(in_process, args.runs)
    print(
        f"run, 1,000-row result: in a worker process {b:.1f} ms; in the app process {ip:.1f} ms (ratio {b / ip:.2f}x)"
    )
    print(
        f"run, 1,000-row result: engine alone {b:.1f} ms; workbench path {w:.1f} ms; overhead {w - b:.1f} ms "
        f"(ratio {w / b:.2f}x)"
    )
    big = long_query()
    explain_ms = median_ms(lambda: s.frame("EXPLAIN " + big), args.runs)
    le = median_ms(lambda: (lint(big, cat, s), s.estimate(big, None, rows)), args.runs)
    print(
        f"lint + estimate, {big.count(chr(10))}-line query: {le:.1f} ms (DuckDB EXPLAIN alone {explain_ms:.1f} ms, "
        f"ratio {le / explain_ms:.1f}x)"
    )
    comp = median_ms(lambda: schema_payload(cat), args.runs)
    tables = schema_payload(cat)["tables"]
    print(
        f"completion schema for the editor ({len(tables)} tables, {sum(len(t['columns']) for t in tables)} columns): "
        f"{comp:.2f} ms (suggestions themselves are computed in the browser)"
    )
    qerrs = []
    for q in Q_ERROR_QUERIES:
        est = s.estimate(q, None, rows).returns
        actual = int(s.frame(f"SELECT count(*) FROM ({q})").iloc[0, 0])
        qerrs.append(max(est, 1) / max(actual, 1) if est >= actual else max(actual, 1) / max(est, 1))
    print(f"estimate q-error over {len(qerrs)} queries: median {statistics.median(qerrs):.2f}, worst {max(qerrs):.1f}")
    wh.close()


if __name__ == "__main__":
    main()

"""Benchmark: lint time on the issue #22 corpus and on a 200-line query, against sqlglot's parse of
the same text (the floor any tree-based linter pays), measured in the same run.

Run: python bench/bench_lint.py [--db data/warehouse.duckdb] [--runs 20] [--smoke]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import sqlglot  # noqa: E402
from principal import bench_session  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402
from test_lint_corpus import CASES  # noqa: E402

from portal.config import Limits, load_settings  # noqa: E402
from portal.demo.build import demo_model  # noqa: E402
from portal.warehouse.engine import Warehouse  # noqa: E402
from portal.workbench.lint import lint  # noqa: E402


def long_query(lines: int = 200) -> str:
    """A CTE chain of the corpus' shapes, about `lines` lines long."""
    parts, n = [], 0
    while sum(p.count("\n") + 1 for p in parts) < lines - 8:
        parts.append(
            f"step{n} AS (\n    SELECT u.user_id, u.acquisition_channel, count(o.order_id) AS orders_{n}\n"
            f"    FROM analytics.users AS u\n    LEFT JOIN analytics.orders AS o ON o.user_id = u.user_id\n"
            f"    WHERE o.status = 'completed'\n    GROUP BY ALL\n)"
        )
        n += 1
    return (
        "WITH "
        + ",\n".join(parts)
        + f"\nSELECT acquisition_channel, sum(orders_{n - 1}) AS n\nFROM step{n - 1}\nGROUP BY ALL\nORDER BY n DESC\n"
    )


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = parser(__doc__, 20)
    ap.add_argument("--db", default=None, help="the warehouse (default: the configured one)")
    args = ap.parse_args()
    smoke = prepare(args)
    args.db = args.db or str(smoke or load_settings().warehouse_path)
    wh = Warehouse(args.db, Limits(), demo_model())
    session = bench_session(wh)
    cat = session.catalog()
    sql = long_query()
    check(not [f for f in lint(sql, cat, session) if f.severity == "error"], "the long query got a false error")
    rows = [
        ("200-line query, rules only", lambda: lint(sql, cat), lambda: sqlglot.parse(sql, dialect="duckdb")),
        ("200-line query, rules + bind", lambda: lint(sql, cat, session), lambda: sqlglot.parse(sql, dialect="duckdb")),
        (
            f"the corpus ({len(CASES)} queries), rules only",
            lambda: [lint(c[1], cat) for c in CASES],
            lambda: [sqlglot.parse(c[1], dialect="duckdb") for c in CASES],
        ),
    ]
    print(
        f"| what | lint median | sqlglot parse median (peer) | ratio |\n|---|---|---|---|  ({sql.count(chr(10))} lines)"
    )
    for name, ours, peer in rows:
        a, b = median_ms(ours, args.runs), median_ms(peer, args.runs)
        print(f"| {name} | {a:.1f} ms | {b:.1f} ms | {a / b:.2f}x |")


if __name__ == "__main__":
    main()

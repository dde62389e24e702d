"""Benchmark (issue #33): with stored results, a team dashboard and the Funnels page opened by a deep
link in a new tab draw their first chart within 1.2x of Home's first content in a new tab, measured
side by side in one run.

For each run: a fresh server on a fresh state folder, `python -m portal refresh` (the cron job:
dashboard tiles and the Funnels page's first view, per role), Home visited once (imports), then in
new tabs of a returning browser: Home (first metric), /team-executive (first chart) and /funnels
(first chart). The first visit of each page on a server reads the result store (nothing of it is in
the server's memory yet); "no store" repeats it on a server whose store is empty (recomputation).

Run: python bench/bench_stored_pages.py [--db /work/bench-data/warehouse10.duckdb] [--runs 3] [--smoke]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages_browser import CHART, finished, serve  # noqa: E402
from smoke import check, parser, prepare  # noqa: E402

PAGES = {"Home, first content": ("/", '[data-testid="stMetric"]'),
         "Executive dashboard, first chart": ("/team-executive", CHART),
         "Funnels deep link, first chart": ("/funnels", CHART)}  # fmt: skip


def timed_tab(ctx, url: str, ready: str) -> float:
    pg = ctx.new_page()
    t0 = time.perf_counter()
    pg.goto(url)
    pg.locator(ready).first.wait_for(timeout=300_000)
    took = time.perf_counter() - t0
    pg.wait_for_timeout(200)
    finished(pg, 300_000)
    pg.close()
    return took


def one_run(browser, db: str, stored: bool, port) -> dict[str, float]:
    proc, url, _ = serve(ROOT, db, port)
    try:
        state = next(
            p
            for p in Path("/proc", str(proc.pid), "environ").read_bytes().split(b"\0")
            if p.startswith(b"PORTAL_STATE_DIR=")
        )
        env = {**os.environ, "PORTAL_DB": db, "PORTAL_STATE_DIR": state.split(b"=", 1)[1].decode()}
        if stored:
            done = subprocess.run(
                [sys.executable, "-m", "portal", "refresh"], cwd=ROOT, env=env, capture_output=True, text=True
            )
            check(done.returncode == 0, f"refresh failed: {done.stderr[-500:]}")
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        timed_tab(ctx, url + "/", PAGES["Home, first content"][1])  # imports, the browser's script cache
        out = {name: timed_tab(ctx, url + path, ready) for name, (path, ready) in PAGES.items()}
        ctx.close()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = parser(__doc__, 3, server=True)
    ap.add_argument("--db", default="/work/bench-data/warehouse10.duckdb")
    args = ap.parse_args()
    args.db = str(prepare(args) or args.db)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        rows: dict[str, dict[str, list[float]]] = {"stored": {}, "no store": {}}
        for _ in range(args.runs):
            for kind in rows:
                for name, took in one_run(browser, args.db, kind == "stored", args.port).items():
                    rows[kind].setdefault(name, []).append(took)
        browser.close()
    med = {k: {n: statistics.median(v) for n, v in r.items()} for k, r in rows.items()}
    home = med["stored"]["Home, first content"]
    print(f"{args.db}: medians of {args.runs} runs, a new tab of a returning browser each")
    print("| page | with stored results | / Home | without (recomputed) | / Home |")
    print("|---|---|---|---|---|")
    for name in PAGES:
        s, n = med["stored"][name], med["no store"][name]
        print(
            f"| {name} | {s * 1000:,.0f} ms | {s / home:.2f}x | {n * 1000:,.0f} ms | {n / med['no store']['Home, first content']:.2f}x |"
        )


if __name__ == "__main__":
    main()

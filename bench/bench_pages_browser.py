"""Benchmark: pages as a person feels them, in headless chromium (issue #15).

Starts `serve.py` on a warehouse (scale 10 by default), warms it (imports, the compiled passes, the
connection: one throwaway visit per page), then for each run opens a fresh browser session on a
funnel or cohort definition nobody asked for yet (the window or the number of periods changes per
run, so no cached result helps) and times navigation →
  - Funnels: the funnel chart drawn (its numbers are drawn just before it) and the page finished
    (everything else on it, including the details prepared for the other tabs);
  - Cohorts: the retention heatmap drawn and the page finished;
  - a deep link on a fresh server (its first request after start): the right page drawn, no
    "Page not found" dialog, reported apart from the server's own warm-up.
`--code DIR` serves another checkout (for before/after in one run: `git worktree add /tmp/old <rev>`).
Run: python bench/bench_pages_browser.py [--db /work/bench-data/warehouse10.duckdb] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHART = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'


def serve(code: Path, db: str) -> tuple[subprocess.Popen, str, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = tempfile.mkdtemp()
    env = {**os.environ, "PORTAL_DB": db, "PORTAL_STATE_DIR": state}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "serve.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
        + ["--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return proc, url, time.perf_counter() - started


def finished(pg, timeout_ms: int = 120_000) -> None:
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )


def visit(browser, url: str, ready: str) -> tuple[float, float, str]:
    """(seconds to `ready` visible, seconds to the script finished, page text) in a fresh session."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    t0 = time.perf_counter()
    pg.goto(url)
    pg.locator(ready).first.wait_for(timeout=120_000)
    t_ready = time.perf_counter() - t0
    pg.wait_for_timeout(200)  # let the status widget appear if the script is still running
    finished(pg)
    t_done = time.perf_counter() - t0
    text = pg.inner_text("body")
    ctx.close()
    return t_ready, t_done, text


def med(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:,.0f} ms (min {min(xs) * 1000:,.0f}, max {max(xs) * 1000:,.0f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/work/bench-data/warehouse10.duckdb")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--code", default=str(ROOT), help="checkout to serve (default: this one)")
    args = ap.parse_args()
    code = Path(args.code)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        proc, url, warmup = serve(code, args.db)
        try:
            # deep link as the very first request of a fresh server
            t_link, t_link_done, text = visit(browser, url + "/team-executive", '[data-testid="stMetric"]')
            assert "Page not found" not in text and "Executive" in text, text[:300]
            print(f"server warm-up (start → health): {warmup * 1000:,.0f} ms")
            print(
                f"deep link /team-executive, first request: tiles {t_link * 1000:,.0f} ms, done {t_link_done * 1000:,.0f} ms"
            )
            visit(browser, url + "/funnels?fn_window=30&fn_breakdown=platform", CHART)  # warm: passes compiled
            visit(browser, url + "/cohorts?co_periods=30", CHART)
            f_chart, f_done, c_chart, c_done = [], [], [], []
            for i in range(args.runs):
                a, b, _ = visit(browser, url + f"/funnels?fn_window={7 + i}&fn_breakdown=platform", CHART)
                f_chart.append(a)
                f_done.append(b)
                a, b, _ = visit(browser, url + f"/cohorts?co_periods={12 + i}", CHART)
                c_chart.append(a)
                c_done.append(b)
            print(f"Funnels, new definition: chart {med(f_chart)}; page done {med(f_done)}")
            print(f"Cohorts, new definition: heatmap {med(c_chart)}; page done {med(c_done)}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        browser.close()


if __name__ == "__main__":
    main()

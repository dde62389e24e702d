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
Run: python bench/bench_pages_browser.py [--db /work/bench-data/warehouse10.duckdb] [--runs 5] [--port N] [--smoke]
"""

from __future__ import annotations

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
sys.path.insert(0, str(ROOT / "bench"))

from smoke import check, fail, parser, prepare  # noqa: E402

CHART = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'


def serve(code: Path, db: str, port: int | None = None) -> tuple[subprocess.Popen, str, float]:
    if port is None:
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
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.terminate()
        fail(f"the server on port {port} never became healthy")
    return proc, url, time.perf_counter() - started


def finished(pg, timeout_ms: int = 120_000) -> None:
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )


def visit(browser, url: str, ready: str, ctx=None) -> tuple[float, float, str]:
    """(seconds to `ready` visible, seconds to the script finished, page text) in a fresh session:
    a new tab of `ctx` (a browser that has been here before: its HTTP cache holds Streamlit's
    scripts) or, without one, of a brand-new browser profile (nothing cached)."""
    own = ctx is None
    ctx = ctx or browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    t0 = time.perf_counter()
    pg.goto(url)
    pg.locator(ready).first.wait_for(timeout=120_000)
    t_ready = time.perf_counter() - t0
    pg.wait_for_timeout(200)  # let the status widget appear if the script is still running
    finished(pg)
    t_done = time.perf_counter() - t0
    text = pg.inner_text("body")
    pg.close()
    if own:
        ctx.close()
    return t_ready, t_done, text


def in_app(browser, code: Path, db: str, runs: int, port: int | None = None) -> dict[str, list[float]]:
    """Navigation inside the app, as a person moves around it: Home open, then a click on Funnels
    in the sidebar (its default funnel, never computed on this server), then on Cohorts. Each run
    gets its own server, warmed on other definitions (imports, compiled passes, connection)."""
    rows: dict[str, list[float]] = {}
    returning = browser.new_context(viewport={"width": 1400, "height": 1000})
    for _ in range(runs):
        proc, url, _ = serve(code, db, port)
        try:
            visit(browser, url + "/funnels?fn_window=30&fn_breakdown=platform", CHART, returning)
            visit(browser, url + "/cohorts?co_periods=30", CHART, returning)
            pg = returning.new_page()
            pg.goto(url + "/")
            pg.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
            finished(pg)
            for label, ready in (("Funnels", CHART), ("Cohorts", CHART)):
                t0 = time.perf_counter()
                pg.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
                pg.locator('[data-testid="stMain"] h1', has_text=label).first.wait_for(timeout=120_000)
                pg.locator(ready).first.wait_for(timeout=120_000)
                rows.setdefault(f"{label}, clicked in the sidebar: first chart", []).append(time.perf_counter() - t0)
                pg.wait_for_timeout(200)
                finished(pg)
                rows.setdefault(f"{label}, clicked in the sidebar: page done", []).append(time.perf_counter() - t0)
            pg.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    returning.close()
    return rows


def med(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:,.0f} ms (min {min(xs) * 1000:,.0f}, max {max(xs) * 1000:,.0f})"


def main() -> None:
    ap = parser(__doc__, 5, server=True)
    ap.add_argument("--db", default="/work/bench-data/warehouse10.duckdb")
    ap.add_argument("--code", default=str(ROOT), help="checkout to serve (default: this one)")
    args = ap.parse_args()
    args.db = str(prepare(args) or args.db)
    code = Path(args.code)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        proc, url, warmup = serve(code, args.db, args.port)
        try:
            # deep link as the very first request of a fresh server
            t_link, t_link_done, text = visit(browser, url + "/team-executive", '[data-testid="stMetric"]')
            check("Page not found" not in text and "Executive" in text, f"the deep link showed: {text[:300]}")
            print(f"server warm-up (start → health): {warmup * 1000:,.0f} ms")
            print(
                f"deep link /team-executive, first request: tiles {t_link * 1000:,.0f} ms, done {t_link_done * 1000:,.0f} ms"
            )
            visit(browser, url + "/funnels?fn_window=30&fn_breakdown=platform", CHART)  # warm: passes compiled
            visit(browser, url + "/cohorts?co_periods=30", CHART)
            returning = browser.new_context(viewport={"width": 1400, "height": 1000})
            visit(browser, url + "/funnels?fn_window=30&fn_breakdown=platform", CHART, returning)  # fills its cache
            rows: dict[str, list[float]] = {}
            for i in range(args.runs):
                for who, ctx in (("new browser", None), ("returning browser", returning)):
                    w = 7 + 2 * i + (who == "new browser")  # a definition nobody asked for yet
                    a, b, _ = visit(browser, url + f"/funnels?fn_window={w}&fn_breakdown=platform", CHART, ctx)
                    rows.setdefault(f"Funnels, {who}: funnel chart", []).append(a)
                    rows.setdefault(f"Funnels, {who}: page done", []).append(b)
                    a, b, _ = visit(
                        browser, url + f"/cohorts?co_periods={12 + 2 * i + (who == 'new browser')}", CHART, ctx
                    )
                    rows.setdefault(f"Cohorts, {who}: heatmap", []).append(a)
                    rows.setdefault(f"Cohorts, {who}: page done", []).append(b)
                    a, _, _ = visit(browser, url + "/", '[data-testid="stMetric"]', ctx)
                    rows.setdefault(f"floor, {who}: Home's first tile (nothing computed)", []).append(a)
            for name, xs in rows.items():
                print(f"{name}: {med(xs)}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        for name, xs in in_app(browser, code, args.db, args.runs, args.port).items():
            print(f"{name}: {med(xs)}")
        browser.close()


if __name__ == "__main__":
    main()

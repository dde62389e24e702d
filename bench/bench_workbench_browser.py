"""Benchmark: pressing Run to the result rendered in a real browser (headless chromium), 1,000 rows.

Starts `streamlit run app.py` on a free port against the default warehouse, types a query, and times
Run → the grid showing the new result. Peer in the same run: the engine's own time for the query
(shown in the result caption), so "overhead" is everything the app and browser add.
Run: python bench/bench_workbench_browser.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PORTAL_STATE_DIR=tempfile.mkdtemp())
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    totals, engine = [], []
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "/workbench")
            page.wait_for_selector('iframe[title*="sql_editor"]', timeout=60_000)
            frame = page.frame_locator('iframe[title*="sql_editor"]')
            frame.locator(".ace_editor").click()
            for i in range(args.runs + 1):
                page.keyboard.press("Control+a")
                page.keyboard.press("Delete")
                # a different literal each time so nothing is cached; 1,000 rows
                page.keyboard.type(f"SELECT order_id, user_id, revenue, {i} AS run FROM analytics.orders ORDER BY order_id LIMIT 1000")
                page.keyboard.press("Escape")
                page.wait_for_timeout(800)  # let the editor's text reach the app first
                t0 = time.perf_counter()
                page.keyboard.press("Control+Enter")
                page.wait_for_function(
                    f"() => Array.from(document.querySelectorAll('[data-testid=stCaptionContainer]'))"
                    f".some(c => /^1,000 rows · \\d+ ms$/.test(c.innerText)) && "
                    f"Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td')).some(td => td.innerText === '{i}')",
                    timeout=60_000)
                elapsed = time.perf_counter() - t0
                caption = next(c for c in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
                               if re.match(r"^1,000 rows · \d+ ms$", c))
                if i:  # the first run warms caches and the browser
                    totals.append(elapsed * 1000)
                    engine.append(float(re.search(r"(\d+) ms", caption).group(1)))
            b.close()
    finally:
        proc.terminate()
    t, e = statistics.median(totals), statistics.median(engine)
    print(f"Run → rendered, 1,000 rows, {args.runs} runs: median {t:.0f} ms; engine {e:.0f} ms; "
          f"overhead {t - e:.0f} ms (ratio {t / e:.1f}x)")


if __name__ == "__main__":
    main()

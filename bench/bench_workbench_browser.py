"""Benchmark: pressing Run to the result rendered in a real browser (headless chromium), 1,000 rows.

Starts `streamlit run app.py` on a free port against the default warehouse, types a query, and times
Run → the grid showing the new result. Peers in the same run: the engine's own time for the query
(shown in the result caption), so "overhead" is everything the app and browser add; and a floor, the
smallest Streamlit page that does the same round trip (a text box whose Enter runs the same query on
the same warehouse and shows the same grid), so what our page adds beyond Streamlit itself is visible.
Run: python bench/bench_workbench_browser.py [--runs 9] [--port N] [--smoke]
"""

from __future__ import annotations

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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from smoke import fail, parser, prepare  # noqa: E402

from portal.config import load_settings  # noqa: E402

FLOOR_APP = """
import duckdb, streamlit as st
con = st.cache_resource(lambda: duckdb.connect({db!r}, read_only=True))()
sql = st.text_input("sql", key="sql")
if sql:
    st.dataframe(con.cursor().sql(sql).df(), hide_index=True, height=360)
"""


def serve(script: str, env: dict, port: int | None = None) -> tuple[subprocess.Popen, str]:
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
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
            time.sleep(0.2)
    else:
        proc.terminate()
        fail(f"{script} on port {port} never became healthy")
    return proc, url


def floor(runs: int, pw, port: int | None = None) -> float:
    """Enter in a bare text box → the same 1,000-row grid readable, on a minimal Streamlit page."""
    script = Path(tempfile.mkdtemp()) / "floor_app.py"
    script.write_text(FLOOR_APP.format(db=str(load_settings().warehouse_path)))
    proc, url = serve(str(script), dict(os.environ), port)
    times = []
    try:
        b = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        box = page.get_by_label("sql")
        box.wait_for(timeout=60_000)
        for i in range(runs + 1):
            box.fill(
                f"SELECT order_id, user_id, revenue, {i} AS run FROM analytics.orders ORDER BY order_id LIMIT 1000"
            )
            t0 = time.perf_counter()
            box.press("Enter")
            page.wait_for_function(
                f"() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td')).some(td => td.innerText === '{i}')",
                timeout=60_000,
            )
            if i:
                times.append((time.perf_counter() - t0) * 1000)
        b.close()
    finally:
        proc.terminate()
    return statistics.median(times)


def main() -> None:
    from playwright.sync_api import sync_playwright

    args = parser(__doc__, 9, server=True).parse_args()
    prepare(args)
    proc, url = serve("app.py", dict(os.environ, PORTAL_STATE_DIR=tempfile.mkdtemp()), args.port)
    totals, engine = [], []
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "/workbench")
            page.wait_for_selector('iframe[title*="sql_editor"]', timeout=60_000)
            frame = page.frame_locator('iframe[title*="sql_editor"]')
            frame.locator(".ace_editor").click()
            for i in range(args.runs + 1):
                page.keyboard.press("Control+a")
                page.keyboard.press("Delete")
                # a different literal each time so nothing is cached; 1,000 rows
                page.keyboard.type(
                    f"SELECT order_id, user_id, revenue, {i} AS run FROM analytics.orders ORDER BY order_id LIMIT 1000"
                )
                page.keyboard.press("Escape")
                page.wait_for_timeout(600)  # the editor sends the text 500 ms after the last key…
                page.wait_for_function(  # …and the app reruns for it: start timing once that run is over
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                    " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
                    timeout=60_000,
                )
                page.wait_for_timeout(300)
                t0 = time.perf_counter()
                page.keyboard.press("Control+Enter")
                page.wait_for_function(
                    f"() => Array.from(document.querySelectorAll('[data-testid=stCaptionContainer]'))"
                    f".some(c => /^1,000 rows · \\d+ ms$/.test(c.innerText)) && "
                    f"Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td')).some(td => td.innerText === '{i}')",
                    timeout=60_000,
                )
                elapsed = time.perf_counter() - t0
                caption = next(
                    c
                    for c in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
                    if re.match(r"^1,000 rows · \d+ ms$", c)
                )
                if i:  # the first run warms caches and the browser
                    totals.append(elapsed * 1000)
                    engine.append(float(re.search(r"(\d+) ms", caption).group(1)))
            b.close()
    finally:
        proc.terminate()
    with sync_playwright() as pw:
        f = floor(args.runs, pw, args.port)
    t, e = statistics.median(totals), statistics.median(engine)
    print(f"1,000 rows, {args.runs} runs, medians:")
    print(f"| Ctrl+Enter → grid cells readable | {t:.0f} ms | engine {e:.0f} ms | overhead {t - e:.0f} ms |")
    print(f"| floor: bare Streamlit page, Enter → same grid readable | {f:.0f} ms | ratio ours / floor {t / f:.2f}x |")


if __name__ == "__main__":
    main()

"""Load: many people on the real server at once (issue #13), driven by real browsers.

One `streamlit run` server (demo mode, public twin); Playwright contexts in Debian's chromium are the
users. Bounded in count and time, loopback only. Phase 1: the well-behaved sessions alone; phase 2:
the same sessions plus two that run runaway statements in the workbench. Each well-behaved session
loops over: open a dashboard, press Refresh (a rerun with cold caches), open the workbench on a
shared query and press Run. A "rerun time" is from the action to Streamlit's "Running" status going
away, as a person would wait for it.

Reports p50/p95 of those times in both phases (target: p95 with runaways at most 2x alone), server
memory (process tree) before, during and a minute after, errors, and whether each runaway was stopped.

Run: python bench/bench_many_users.py [--users 28] [--seconds 90]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench_hostile_load import tree_rss_mb  # noqa: E402
from conftest import free_port  # noqa: E402

from portal.config import load_settings  # noqa: E402
from portal.library.share import share_sql  # noqa: E402

QUERIES = [
    "SELECT platform, count(*) AS users FROM analytics.users GROUP BY 1 ORDER BY 2 DESC",
    "SELECT status, sum(order_total) AS revenue FROM analytics.orders GROUP BY 1",
    "SELECT utm_campaign, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1",
]
RUNAWAY = "SELECT levenshtein(repeat('a', 200000), repeat('b', 200000)) AS d"


async def settle(page, timeout_ms: int = 120_000) -> None:
    """Until Streamlit's script run has ended (its "Running" status is gone)."""
    await page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )


async def timed(page, action) -> float:
    t0 = time.perf_counter()
    await action()
    await page.wait_for_timeout(150)  # let the rerun start before waiting for it to end
    await settle(page)
    return time.perf_counter() - t0


async def well_behaved(browser, base: str, until: float, times: list, errors: list, i: int) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    n = 0
    try:
        while time.time() < until:
            team = ("executive", "marketing", "checkout")[(i + n) % 3]
            times.append(await timed(page, lambda team=team: page.goto(f"{base}/team-{team}")))
            times.append(await timed(page, lambda: page.get_by_role("button", name="Refresh").click()))
            await page.goto(base + "/workbench" + share_sql(QUERIES[(i + n) % len(QUERIES)]))
            await settle(page)
            times.append(await timed(page, lambda: page.get_by_role("button", name="Run", exact=True).click()))
            if await page.locator('[data-testid="stException"]').count():
                errors.append(f"user {i}: exception on the page")
            n += 1
    except Exception as exc:  # a timeout or crash is an error of the run, reported, not raised
        errors.append(f"user {i}: {type(exc).__name__}: {str(exc)[:1500]}")
    finally:
        await ctx.close()


async def runaway(browser, base: str, until: float, outcomes: list) -> None:
    ctx = await browser.new_context()
    page = await ctx.new_page()
    try:
        while time.time() < until:
            await page.goto(base + "/workbench" + share_sql(RUNAWAY))
            await settle(page)
            t = await timed(page, lambda: page.get_by_role("button", name="Run", exact=True).click())
            stopped = await page.get_by_text("ran past the time limit").count() > 0
            outcomes.append((t, stopped))
    except Exception as exc:
        outcomes.append((float("nan"), f"{type(exc).__name__}"))
    finally:
        await ctx.close()


async def sample_memory(pid: int, memory: list, done: asyncio.Event) -> None:
    while not done.is_set():
        memory.append(tree_rss_mb(pid))
        await asyncio.sleep(1)


async def phase(browser, base: str, users: int, seconds: float, runaways: int, server_pid: int):
    until = time.time() + seconds
    times, errors, wild, memory, done = [], [], [], [], asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server_pid, memory, done))
    tasks = []
    for i in range(users):
        tasks.append(asyncio.create_task(well_behaved(browser, base, until, times, errors, i)))
        await asyncio.sleep(0.2)  # people arrive over a few seconds, not in one instant
    tasks += [asyncio.create_task(runaway(browser, base, until, wild)) for _ in range(runaways)]
    await asyncio.gather(*tasks)
    done.set()
    await sampler
    return times, errors, wild, memory


def pct(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


async def both_phases(base: str, args, server_pid: int):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        alone, err_a, _, mem_a = await phase(browser, base, args.users, args.seconds, 0, server_pid)
        loaded, err_b, wild, mem_b = await phase(browser, base, args.users, args.seconds, 2, server_pid)
        await browser.close()
    return alone, err_a, _, mem_a, loaded, err_b, wild, mem_b


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=28)
    ap.add_argument("--seconds", type=float, default=90)
    args = ap.parse_args()
    port = free_port()
    env = {**os.environ, "PORTAL_DB": str(load_settings().warehouse_path)}
    server = subprocess.Popen(
        [
            sys.executable,
            "serve.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    try:
        before = tree_rss_mb(server.pid)
        alone, err_a, _, mem_a, loaded, err_b, wild, mem_b = asyncio.run(both_phases(base, args, server.pid))
        time.sleep(60)
        after = tree_rss_mb(server.pid)
    finally:
        server.terminate()
    print(f"{args.users} well-behaved sessions (+2 runaway sessions in phase 2), {args.seconds:g} s per phase")
    print(
        f"alone:          {len(alone)} reruns, p50 {pct(alone, 50):.2f} s, p95 {pct(alone, 95):.2f} s, errors {len(err_a)}"
    )
    print(
        f"with runaways:  {len(loaded)} reruns, p50 {pct(loaded, 50):.2f} s, p95 {pct(loaded, 95):.2f} s, "
        f"errors {len(err_b)}  (p95 ratio {pct(loaded, 95) / pct(alone, 95):.2f}x, target <= 2x)"
    )
    print(
        f"runaways: {len(wild)} runs, stopped by the time limit: {sum(1 for _, s in wild if s is True)}, "
        f"longest wait {max((t for t, _ in wild), default=float('nan')):.1f} s"
    )
    print(
        f"server memory (process tree): before {before:.0f} MB, peak alone {max(mem_a):.0f} MB, peak with runaways "
        f"{max(mem_b):.0f} MB, a minute after {after:.0f} MB"
    )
    for e in (err_a + err_b)[:10]:
        print("  error:", e)


if __name__ == "__main__":
    main()

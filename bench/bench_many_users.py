"""Load: many people on the real server at once (issue #13), as Locust users speaking Streamlit's own
protocol (bench/streamlit_protocol.py), so the server, not 30 browsers, is what gets measured.

One `python serve.py` server (demo mode, public twin, scale-1 warehouse), loopback only, bounded in
users and time. Phase 1: the well-behaved users alone. Phase 2: the same users plus two that run
runaway statements in the workbench. A well-behaved user loops over: open a team dashboard, press
Refresh (cold caches: every tile's SQL runs), open the workbench on a shared query and press Run.
A rerun time is from sending the request to the server's "script finished", as a person waits for it.

Reports p50/p95 per phase (target: p95 with runaways at most 2x alone), errors (target: none),
server memory (process tree: app plus workers) before, during, and a minute after (target: back to
the level after warm-up), and whether every runaway was stopped by its time limit.

Run: pip install -r bench/requirements.txt; python bench/bench_many_users.py [--users 28] [--seconds 90]
"""

from __future__ import annotations

import argparse  # noqa: I001
import sys
import tempfile
import time
from pathlib import Path

import gevent
import locust  # noqa: F401  (first: it patches sockets for gevent)
from locust import User, between, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_hostile_load import tree_rss_mb  # noqa: E402
from conftest import streamlit_server  # noqa: E402
from streamlit_protocol import StreamlitSession  # noqa: E402

from portal.config import load_settings  # noqa: E402
from portal.library.share import share_sql  # noqa: E402

QUERIES = [
    "SELECT platform, count(*) AS users FROM analytics.users GROUP BY 1 ORDER BY 2 DESC",
    "SELECT status, sum(order_total) AS revenue FROM analytics.orders GROUP BY 1",
    "SELECT utm_campaign, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1",
]
RUNAWAY = "SELECT levenshtein(repeat('a', 200000), repeat('b', 200000)) AS d"
RUNAWAYS: list[tuple[float, bool]] = []


def timed(user, name: str, page: str, query: str = "", press: str | None = None) -> list[str]:
    t0 = time.perf_counter()
    try:
        seconds, alerts = user.session.run(page, query, press)
        events.request.fire(
            request_type="rerun", name=name, response_time=seconds * 1000, response_length=0, exception=None, context={}
        )
        return alerts
    except Exception as exc:  # reported as a failed request, not raised
        events.request.fire(
            request_type="rerun",
            name=name,
            response_time=(time.perf_counter() - t0) * 1000,
            response_length=0,
            exception=exc,
            context={},
        )
        return []


class Analyst(User):
    """Reads dashboards and runs small queries, thinking 3 to 10 s between actions (a busy analyst;
    real people read for longer)."""

    wait_time = between(3, 10)
    host = ""

    def on_start(self):
        self.session = StreamlitSession(self.host)
        self.n = 0

    def on_stop(self):
        self.session.close()

    @task
    def loop(self):
        team = ("executive", "marketing", "checkout")[self.n % 3]
        timed(self, "dashboard", f"team-{team}")
        timed(self, "dashboard refresh", f"team-{team}", press="dash_refresh")
        query = share_sql(QUERIES[self.n % len(QUERIES)])[1:]
        timed(self, "workbench", "workbench", query)
        timed(self, "workbench run", "workbench", query, press="wb_run")
        self.n += 1


class Runaway(User):
    """Runs a statement that would take 100 s inside one function, again and again."""

    wait_time = between(0.5, 1)
    fixed_count = 2
    host = ""

    def on_start(self):
        self.session = StreamlitSession(self.host, timeout=300)

    @task
    def runaway(self):
        query = share_sql(RUNAWAY)[1:]
        self.session.run("workbench", query)
        t0 = time.perf_counter()
        _, alerts = self.session.run("workbench", query, press="wb_run")
        RUNAWAYS.append((time.perf_counter() - t0, any("time limit" in a for a in alerts)))


def phase(base: str, classes: list, users: int, seconds: float, server_pid: int):
    for cls in classes:
        cls.host = base
    env = Environment(user_classes=classes, events=events)
    runner = env.create_local_runner()
    memory = []
    runner.start(users, spawn_rate=10)
    end = time.time() + seconds
    while time.time() < end:
        memory.append(tree_rss_mb(server_pid))
        gevent.sleep(1)
    runner.quit()
    return env.stats, memory


def row(stats, label: str) -> str:
    t = stats.total
    return (
        f"{label}: {t.num_requests} reruns, p50 {t.get_response_time_percentile(0.5) / 1000:.2f} s, "
        f"p95 {t.get_response_time_percentile(0.95) / 1000:.2f} s, errors {t.num_failures}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=28)
    ap.add_argument("--seconds", type=float, default=90)
    args = ap.parse_args()
    with streamlit_server(load_settings().warehouse_path, Path(tempfile.mkdtemp(prefix="many-users-"))) as base:
        cold = tree_rss_mb(base.pid)
        warm_up = StreamlitSession(base)
        for team in ("executive", "marketing", "checkout"):
            warm_up.run(f"team-{team}")
        warm_up.run("workbench", share_sql(QUERIES[0])[1:])
        warm_up.close()
        warm = tree_rss_mb(base.pid)
        alone, mem_a = phase(base, [Analyst], args.users, args.seconds, base.pid)
        loaded, mem_b = phase(base, [Analyst, Runaway], args.users + 2, args.seconds, base.pid)
        time.sleep(60)
        after = tree_rss_mb(base.pid)
    a95 = alone.total.get_response_time_percentile(0.95)
    b95 = loaded.total.get_response_time_percentile(0.95)
    print(f"{args.users} analysts (+2 runaway users in phase 2), {args.seconds:g} s per phase, one 2-core machine")
    print(row(alone, "alone        "))
    print(row(loaded, "with runaways") + f"  (p95 ratio {b95 / a95:.2f}x, target <= 2x)")
    for name in ("dashboard", "dashboard refresh", "workbench", "workbench run"):
        a, b = alone.get(name, "rerun"), loaded.get(name, "rerun")
        print(
            f"  {name:18s} p50 {a.get_response_time_percentile(0.5):6.0f} ms -> {b.get_response_time_percentile(0.5):6.0f} ms"
            f", p95 {a.get_response_time_percentile(0.95):6.0f} ms -> {b.get_response_time_percentile(0.95):6.0f} ms"
        )
    stopped = sum(1 for _, s in RUNAWAYS if s)
    print(
        f"runaways: {len(RUNAWAYS)} ended, {stopped} stopped by the time limit, "
        f"longest {max((t for t, _ in RUNAWAYS), default=float('nan')):.1f} s"
    )
    print(
        f"server memory (app + workers): cold {cold:.0f} MB, after warm-up {warm:.0f} MB, peak alone "
        f"{max(mem_a):.0f} MB, peak with runaways {max(mem_b):.0f} MB, a minute after {after:.0f} MB"
    )


if __name__ == "__main__":
    main()

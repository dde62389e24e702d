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

A phase with failed reruns (or none answered) ends the benchmark with exit status 1: its timings
would be of errors.

Run: pip install -r bench/requirements.txt; python bench/bench_many_users.py [--users 28] [--seconds 90]
[--port N] [--smoke]
"""

from __future__ import annotations

import sys  # noqa: I001
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
from smoke import check, parser, prepare  # noqa: E402
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
        timed(self, "funnels", "funnels", ("", "fn_breakdown=platform", "fn_tab=Correlation")[self.n % 3])
        timed(self, "cohorts", "cohorts", ("", "co_tab=CAC+payback", "co_grain=week")[self.n % 3])
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


def profile(pids: list[int], seconds: float, out: Path) -> list:
    """py-spy on each server process for `seconds` (collapsed stacks), in the background."""
    import subprocess

    spy = Path(sys.executable).with_name("py-spy")
    return [
        subprocess.Popen(
            [
                str(spy),
                "record",
                "-p",
                str(pid),
                "-d",
                str(int(seconds)),
                "-r",
                "50",
                "-f",
                "raw",
                "-o",
                str(out.with_suffix(f".{pid}.txt")),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for pid in pids
    ]


def top_costs(files: list[Path], n: int = 12) -> list[tuple[str, float]]:
    """Share of the server's sampled time under each of the portal's and Streamlit's big steps
    (inclusive: a frame counts for every sample it is on the stack of)."""
    buckets = {
        "script run (all pages)": "exec_func_with_error_handling",
        "page: team dashboards": "pages/team.py",
        "page: funnels": "pages/funnels.py",
        "page: cohorts": "pages/cohorts.py",
        "page: workbench": "pages/workbench.py",
        "Altair spec build + to_dict": "altair/vegalite/v",
        "chart serialisation (st.altair_chart / vega_lite)": "streamlit/elements/vega_charts.py",
        "dataframe serialisation (st.dataframe / arrow)": "streamlit/elements/arrow.py",
        "cache lookups (st.cache_data hashing)": "streamlit/runtime/caching",
        "warehouse seam: worker round trip": "portal/warehouse/executor.py",
        "warehouse seam: in-process scans": "portal/warehouse/engine.py:scan",
        "catalog": "portal/warehouse/catalog.py",
        "app state (SQLite / PostgreSQL)": "portal/state/db.py",
        "funnel/retention passes": "portal/product",
        "forward messages to the browser (protobuf)": "streamlit/runtime/forward_msg",
        "websocket / server loop": "starlette",
    }
    total = 0
    counts = dict.fromkeys(buckets, 0)
    for f in files:
        for line in f.read_text().splitlines():
            stack, _, k = line.rpartition(" ")
            if not k.isdigit():
                continue
            total += int(k)
            for name, needle in buckets.items():
                if needle in stack:
                    counts[name] += int(k)
    return sorted(((k, v / total) for k, v in counts.items() if total), key=lambda kv: -kv[1])[:n]


def start_pair(folder: Path):
    """Two servers behind nginx (deploy/pair.py), app state in a fresh PostgreSQL database."""
    import os

    sys.path.insert(0, str(ROOT / "deploy"))
    from conftest import PostgresServer, free_port
    from pair import start_nginx, start_server

    pg = PostgresServer(Path(tempfile.mkdtemp(prefix="bench-pg-")))
    state_url = pg.new_database()
    env = {**os.environ, "PORTAL_DB": str(load_settings().warehouse_path), "PORTAL_STATE_URL": state_url,
           "PORTAL_STATE_DIR": str(folder / "state")}  # fmt: skip
    ports = [free_port(), free_port()]
    servers = [start_server(p, env, folder / f"server{i}.log") for i, p in enumerate(ports)]
    listen = free_port()
    (folder / "nginx").mkdir()
    proxy = start_nginx(folder / "nginx", listen, ports)
    return f"http://127.0.0.1:{listen}", [s.pid for s in servers], [proxy, *servers], pg, state_url


def warm_server(base: str, visits: int) -> None:
    """Imports, compiled passes and the first results, before anything is timed."""
    for _ in range(visits):
        warm_up = StreamlitSession(base)
        for team in ("executive", "marketing", "checkout"):
            warm_up.run(f"team-{team}")
        warm_up.run("workbench", share_sql(QUERIES[0])[1:])
        warm_up.run("funnels")
        warm_up.run("cohorts")
        warm_up.close()


def before_phase(code: Path, users: int, seconds: float):
    """The same phase against another checkout (`git worktree add /tmp/before <rev>`), in this run."""
    from bench_pages_browser import serve

    proc, url, _ = serve(code, str(load_settings().warehouse_path))
    try:
        warm_server(url, 2)
        stats, _ = phase(url, [Analyst], users, seconds, proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    return stats


def main() -> None:
    ap = parser(__doc__, 1, server=True)
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--pair", action="store_true", help="two servers behind nginx, app state in PostgreSQL")
    ap.add_argument("--no-runaways", action="store_true", help="only the well-behaved users' phase")
    ap.add_argument("--profile", help="py-spy the server(s) during the first phase; collapsed stacks here")
    ap.add_argument("--before", help="also run the first phase against this checkout first, and compare")
    args = ap.parse_args()
    if prepare(args):
        args.users, args.seconds, args.no_runaways = 3, 6.0, True
    before = before_phase(Path(args.before), args.users, args.seconds) if args.before else None
    folder = Path(tempfile.mkdtemp(prefix="many-users-"))
    if args.pair:
        base, pids, procs, pg, state_url = start_pair(folder)
        ctx = None
    else:
        ctx = streamlit_server(load_settings().warehouse_path, folder, port=args.port)
        base = ctx.__enter__()
        pids, procs, pg = [base.pid], [], None
    try:
        cold = sum(tree_rss_mb(p) for p in pids)
        warm_server(base, 4 if args.pair else 2)  # a pair: each server warmed (the proxy picks at random)
        warm = sum(tree_rss_mb(p) for p in pids)
        spies = profile(pids, args.seconds, Path(args.profile)) if args.profile else []
        alone, mem_a = phase(base, [Analyst], args.users, args.seconds, pids[0])
        for s in spies:
            s.wait(30)
        loaded = None
        if not args.no_runaways:
            loaded, mem_b = phase(base, [Analyst, Runaway], args.users + 2, args.seconds, pids[0])
        lost = None
        if pg is not None:  # every Run on either server left its history and audit row in PostgreSQL
            import psycopg

            from portal.audit import AuditFilter, AuditLog

            done = alone.get("workbench run", "rerun")
            rows = AuditLog(state_url).query(AuditFilter(kind="statement", limit=1_000_000))
            with psycopg.connect(state_url) as con:
                history = con.execute("SELECT count(*) FROM history").fetchone()[0]
            lost = (
                done.num_requests - done.num_failures,
                sum(1 for r in rows if r["origin"].startswith("workbench")),
                history,
            )
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
        for p in procs:
            p.terminate()
        if pg is not None:
            pg.stop()
    for stats, label in ((alone, "alone"), (loaded, "with runaways")):
        if stats is not None:
            check(stats.total.num_requests > 0, f"no rerun was answered ({label})")
            check(
                stats.total.num_failures == 0,
                f"{stats.total.num_failures} reruns failed ({label}): {row(stats, label)}",
            )
    where = "two servers behind nginx (app state in PostgreSQL)" if args.pair else "one server"
    print(
        f"{args.users} analysts on {where}, {args.seconds:g} s per phase, one 2-core machine (load generator included)"
    )
    if before is not None:
        print(row(before, f"before ({Path(args.before).name})"))
    print(row(alone, "alone        "))
    if before is not None:
        b, a = before.total, alone.total
        print(
            f"after / before: p50 {a.get_response_time_percentile(0.5) / b.get_response_time_percentile(0.5):.2f}x, "
            f"p95 {a.get_response_time_percentile(0.95) / b.get_response_time_percentile(0.95):.2f}x, "
            f"reruns served {a.num_requests / max(b.num_requests, 1):.1f}x"
        )
    names = ("dashboard", "dashboard refresh", "workbench", "workbench run", "funnels", "cohorts")
    for name in names:
        a = alone.get(name, "rerun")
        print(
            f"  {name:18s} p50 {a.get_response_time_percentile(0.5):6.0f} ms, p95 {a.get_response_time_percentile(0.95):6.0f} ms, n {a.num_requests}"
        )
    if loaded is not None:
        a95, b95 = alone.total.get_response_time_percentile(0.95), loaded.total.get_response_time_percentile(0.95)
        print(row(loaded, "with runaways") + f"  (p95 ratio {b95 / a95:.2f}x, target <= 2x)")
        stopped = sum(1 for _, s in RUNAWAYS if s)
        print(f"runaways: {len(RUNAWAYS)} ended, {stopped} stopped by the time limit")
    if lost is not None:
        runs, ran, history = lost
        print(
            f"workbench Runs answered: {runs}; audit rows: {ran}; history rows: {history}; lost: {runs - min(ran, history)}"
        )
    print(
        f"server memory (app + workers, first server): cold {cold:.0f} MB, after warm-up {warm:.0f} MB, peak {max(mem_a):.0f} MB"
    )
    if args.profile:
        files = sorted(Path(args.profile).parent.glob(Path(args.profile).name.rsplit(".", 1)[0] + ".*.txt"))
        print("where the server's time went (share of samples, inclusive):")
        for name, share in top_costs(files):
            print(f"  {share:6.1%}  {name}")


if __name__ == "__main__":
    main()

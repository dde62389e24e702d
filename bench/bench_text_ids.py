"""Benchmark: funnels over a warehouse keyed by *text* person ids (issue #29), side by side in one run.

A generated event log (default 30M events, 1.2M people with ids like `anon_3f9a…`, stored in no
useful order) and the same log keyed by integers. Measured:
1. the event index build (`python -m portal index`'s work) against a plain DuckDB
   `CREATE TABLE … ORDER BY person, time` of the same rows;
2. a 5-step funnel with a breakdown, warm, in-process (a child process: its peak memory is the
   funnel's), against ClickHouse's `windowFunnel` (chDB) over the same rows in a Memory table; the
   counts per level must be equal;
3. `python -m portal funnel` from the command line on the text-id and the integer-id warehouse.
Medians of --runs. `--smoke` does the same on 60k events in seconds (the test suite runs it).

Run: python bench/bench_text_ids.py [--events 30000000] [--runs 5] [--keep DIR] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ["visit", "view_item", "add_to_cart", "begin_checkout", "purchase"]
START, END = date(2026, 1, 1), date(2026, 3, 31)
CONFIG = """
[warehouse]
path = "{db}"
demo = false

[paths]
state_dir = "state"

[model]
search_path = ["main"]

[model.events]
table = "main.events"
person = "person"
time = "ts"
name = "name"
properties = ["platform"]

[limits]
threads = 2
memory_limit = "8GB"
app_memory_limit = "8GB"
timeout_seconds = 600
"""


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(fn, runs: int):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def generate(folder: Path, events: int) -> tuple[Path, Path]:
    """The text-id and the integer-id warehouse: the same events, people and times (whole seconds)."""
    import duckdb

    people = max(events // 25, 10)
    text, ints = folder / "text.duckdb", folder / "ints.duckdb"
    con = duckdb.connect(str(ints))
    con.execute("SET threads = 2")
    con.execute(
        f"""
        CREATE TABLE events AS
        WITH r AS (SELECT i, hash(i) AS h FROM range({events}) AS t(i))
        SELECT CAST(h % {people} AS BIGINT) AS person,
               TIMESTAMP '2026-01-01' + to_seconds(CAST((h // {people}) % (90 * 86400) AS BIGINT)) AS ts,
               CASE WHEN (h // 7919) % 100 < 40 THEN 'visit' WHEN (h // 7919) % 100 < 65 THEN 'view_item'
                    WHEN (h // 7919) % 100 < 78 THEN 'add_to_cart' WHEN (h // 7919) % 100 < 86 THEN 'begin_checkout'
                    WHEN (h // 7919) % 100 < 91 THEN 'purchase' ELSE 'scroll' END AS name,
               ['web', 'ios', 'android', 'desktop'][1 + CAST((h % {people}) % 4 AS INTEGER)] AS platform
        FROM r ORDER BY hash(i, 1)
        """
    )
    con.close()
    shutil.copy(ints, text)
    con = duckdb.connect(str(text))
    con.execute("SET threads = 2")
    con.execute(
        "CREATE TABLE t AS SELECT printf('anon_%016x', hash(person, 42)) AS person, ts, name, platform FROM events "
        "ORDER BY hash(person, ts, name)"
    )
    con.execute("DROP TABLE events")
    con.execute("ALTER TABLE t RENAME TO events")
    con.execute("CHECKPOINT")
    con.close()
    return text, ints


def configure(db: Path) -> Path:
    config = db.with_suffix(".toml")
    config.write_text(CONFIG.format(db=db), encoding="utf-8")
    return config


def cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_CONFIG"] = str(config)
    done = subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: python -m portal {' '.join(args)}\n{done.stderr}")
    return done


def child_funnel(config: Path, runs: int) -> None:
    """In-process funnel on the index (warm), printed as JSON with this process's peak memory."""
    from principal import bench_session

    from portal.config import load_settings
    from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels
    from portal.warehouse.connect import open_warehouse

    session = bench_session(open_warehouse(load_settings(config), pii=False))
    assert session.event_index() is not None, "no event index"
    spec = FunnelSpec(tuple(Step(s) for s in STEPS), START, END, 7, "sequential", "platform")
    user_levels(session, spec)  # warm: compiled pass, page cache
    peak, done = [0.0], threading.Event()

    def sample() -> None:  # the funnel's own peak: resident memory sampled while it runs
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t, levels = timed(lambda: user_levels(session, spec), runs)
    done.set()
    sampler.join()
    counts = step_counts(levels, spec)
    total = {int(r.step): int(r.users) for r in counts.itertuples() if r.segment == "all"}
    if not total:
        total = counts.groupby("step")["users"].sum().astype(int).to_dict()
    # the sampled peak, not getrusage's ru_maxrss: Linux carries the parent's high-water mark across exec
    print(json.dumps({"seconds": t, "counts": {str(k): v for k, v in total.items()}, "peak_mb": peak[0]}))


def chdb_funnel(db: Path, folder: Path, runs: int) -> tuple[float, dict]:
    import chdb.session as chs
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS w (READ_ONLY)")
    con.execute(f"COPY (SELECT * FROM w.main.events) TO '{folder}/ev.parquet'")
    con.close()
    ch = chs.Session()
    ch.query("SET max_threads = 2")
    ch.query(f"CREATE TABLE ev ENGINE = Memory AS SELECT * FROM file('{folder}/ev.parquet', Parquet)")
    conds = ", ".join(f"name = '{e}'" for e in STEPS)
    sql = (
        "SELECT platform, level, count() FROM (SELECT person, any(platform) AS platform, "
        f"windowFunnel({7 * 86400})(toDateTime(ts), {conds}) AS level FROM ev GROUP BY person) "
        "GROUP BY platform, level ORDER BY platform, level"
    )
    t, out = timed(lambda: ch.query(sql, "CSV").bytes().decode(), runs)
    by_level: dict[int, int] = {}
    for line in out.strip().splitlines():
        _, lvl, n = line.split(",")
        by_level[int(lvl)] = by_level.get(int(lvl), 0) + int(n)
    return t, {k: sum(n for lvl, n in by_level.items() if lvl >= k) for k in range(1, len(STEPS) + 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=30_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="60k events, 1 run: seconds, for the test suite")
    ap.add_argument("--keep", help="build the warehouses here and keep them")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_funnel(Path(args.child), args.runs)
        return 0
    if args.smoke:
        args.events, args.runs = 60_000, 1
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-text-ids-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    text, ints = generate(folder, args.events)
    print(f"generated {args.events:,} events twice in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    import duckdb

    from portal.config import load_settings
    from portal.warehouse.event_index import rebuild

    rows: list[tuple[str, float, str]] = []
    build_t, _ = timed(lambda: rebuild(text, load_settings(configure(text)).model.events), 1)

    def plain_sort():
        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.execute(f"ATTACH '{text}' AS w (READ_ONLY)")
        con.execute("CREATE TABLE s AS SELECT person, ts, name, platform FROM w.main.events ORDER BY person, ts")
        con.close()

    sort_t, _ = timed(plain_sort, 1)
    rows += [
        ("event index build, text ids", build_t, f"{build_t / sort_t:.2f}x the plain sort"),
        ("  peer: DuckDB CREATE TABLE … ORDER BY person, ts (in memory)", sort_t, "1.00x"),
    ]
    for db in (text, ints):
        cli(configure(db), "twin")
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(configure(text)), "--runs", str(args.runs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "bench")},
    )
    if child.returncode != 0:
        print(child.stderr, file=sys.stderr)
        return 1
    ours = json.loads(child.stdout.strip().splitlines()[-1])
    ours_counts = {int(k): v for k, v in ours["counts"].items()}
    ch_t, ch_counts = chdb_funnel(text, folder, args.runs)
    rows += [
        ("5-step funnel + breakdown, warm in-process, ours (text ids, index)", ours["seconds"], "1.00x"),
        ("  peer: chDB windowFunnel over the same rows (Memory table)", ch_t, f"{ch_t / ours['seconds']:.1f}x ours"),
    ]
    steps = ",".join(STEPS)
    cmd = (
        "funnel",
        "--steps",
        steps,
        "--window",
        "7d",
        "--breakdown",
        "platform",
        "--from",
        str(START),
        "--to",
        str(END),
    )
    text_t, text_out = timed(lambda: cli(configure(text), *cmd).stdout, args.runs)
    int_t, int_out = timed(lambda: cli(configure(ints), *cmd).stdout, args.runs)
    rows += [
        ("python -m portal funnel, text ids", text_t, f"{text_t / int_t:.2f}x integer ids"),
        ("  peer: the same command on the integer-id warehouse", int_t, "1.00x"),
    ]
    same_cli = sorted(text_out.splitlines()) == sorted(int_out.splitlines())
    print(f"events: {args.events:,}; funnel counts ours {ours_counts}")
    print(f"                          chDB {ch_counts}  equal={ours_counts == ch_counts}")
    print(
        f"command line text ids = integer ids: {same_cli}; resident memory while the in-process funnel runs "
        f"(index mapped, answers decoded): peak {ours['peak_mb']:.0f} MB"
    )
    print("| measure | median (s) | ratio |")
    print("|---|---|---|")
    for name, t, ratio in rows:
        print(f"| {name} | {t:.3f} | {ratio} |")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    if ours_counts != ch_counts or not same_cli:
        print("FAILED: the answers differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

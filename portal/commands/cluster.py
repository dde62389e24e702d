"""`python -m portal cluster start|stop|status [--port N]`: a local Spark Connect server over a
two-executor cluster on this machine, bound to 127.0.0.1 (issue #16, in progress)."""

from __future__ import annotations

import sys
import time

from portal.config import load_settings


def register(sub) -> None:
    p = sub.add_parser("cluster", help="start, stop or check the local Spark Connect cluster")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.add_argument("--port", type=int, default=15002)
    p.set_defaults(func=run)


def cluster_for(port: int):
    from portal.warehouse.spark.cluster import Cluster

    return Cluster(load_settings().state_dir / "spark", port=port)


def run(args) -> int:
    try:
        c = cluster_for(args.port)
    except ImportError:
        print("error: pyspark is not installed (pip install 'pyspark[connect]==4.3.0')", file=sys.stderr)
        return 2
    if args.action == "status":
        s = c.status()
        print(f"{'running' if s['running'] else 'stopped'} · {s['url']} · logs {s['logs']}")
        return 0 if s["running"] else 1
    if args.action == "stop":
        print("stopped" if c.stop() else "was not running", file=sys.stderr)
        return 0
    from portal.warehouse.spark.cluster import ClusterError

    t0 = time.perf_counter()
    try:
        url = c.start()
    except ClusterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{url} answering after {time.perf_counter() - t0:.1f} s · logs {c.logs}")
    return 0

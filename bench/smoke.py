"""What every benchmark shares so none rots (issue #35): `--smoke` (a tiny demo warehouse, one run,
seconds; the test suite runs each benchmark this way), `--port` where a server is started, and `fail`,
which ends a benchmark whose pages or requests failed with exit status 1 instead of printing timings
of errors."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE_SCALE = 0.05  # enough orders for the 1,000-row runs


def parser(doc: str | None, runs: int, server: bool = False) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    ap.add_argument("--runs", type=int, default=runs, help=f"runs per measure; the median is reported ({runs})")
    ap.add_argument(
        "--smoke", action="store_true", help="a tiny warehouse and one run: seconds, to prove it still works"
    )
    if server:
        ap.add_argument("--port", type=int, default=None, help="the port of the server it starts (default: a free one)")
    return ap


def smoke_db() -> Path:
    """A tiny demo warehouse (and its PII-free twin) with a current event index: the suite passes its
    own in BENCH_SMOKE_DB, a benchmark run by hand builds one in a temporary folder."""
    given = os.environ.get("BENCH_SMOKE_DB")
    if given:
        return Path(given)
    from portal.demo import build_demo

    out = Path(tempfile.mkdtemp(prefix="bench-smoke-")) / "warehouse.duckdb"
    build_demo(out, scale=SMOKE_SCALE, seed=7)
    return out


def prepare(args: argparse.Namespace) -> Path | None:
    """In smoke mode: one run, and the process reads the tiny warehouse (PORTAL_DB, a throwaway state
    folder); returns its path. Otherwise None: the benchmark's own data."""
    if not args.smoke:
        return None
    args.runs = 1
    db = smoke_db()
    os.environ["PORTAL_DB"] = str(db)
    os.environ.setdefault("PORTAL_STATE_DIR", tempfile.mkdtemp(prefix="bench-state-"))
    return db


def fail(message: str) -> None:
    """The benchmark's work failed: say so and exit 1 (its timings would measure errors)."""
    print(f"FAILED: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(ok: bool, message: str) -> None:
    if not ok:
        fail(message)

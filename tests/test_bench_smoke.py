"""Benchmarks stay runnable (issue #35): every bench/bench_*.py runs here in its seconds-long --smoke
mode on the suite's small warehouse, and must exit 0 (a benchmark whose pages, requests or answers
fail exits 1). The timings themselves are for bench/README.md, never asserted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT, free_port

BENCHMARKS = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
SERVED = {
    "bench_api",
    "bench_many_users",
    "bench_pages_browser",
    "bench_scaling",
    "bench_stored_pages",
    "bench_workbench_browser",
}


def smoke(name: str, demo_db, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BENCH_SMOKE_DB": str(demo_db)}
    env.pop("PORTAL_DB", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke", *extra],
        cwd=ROOT / "bench",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_every_benchmark_is_covered():
    assert len(BENCHMARKS) == 17
    for name in BENCHMARKS:  # each says how to run it, --smoke included, and parses it
        text = (ROOT / "bench" / f"{name}.py").read_text()
        assert "[--smoke]" in text and ("parser(__doc__" in text or '"--smoke"' in text), name


@pytest.mark.slow
@pytest.mark.parametrize("name", [b for b in BENCHMARKS if b not in ("bench_spark", "bench_text_ids")])
def test_the_benchmark_runs_in_smoke_mode(name, demo_db):
    extra = ("--port", str(free_port())) if name in SERVED else ()
    done = smoke(name, demo_db, *extra)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "FAILED" not in done.stderr and done.stdout.strip()  # it measured something and printed it


@pytest.mark.slow
def test_a_benchmark_whose_requests_fail_exits_1(demo_db, tmp_path):
    """The rot this prevents: bench_many_users printed "p50 0.04 s, errors 836" as an ordinary result.
    On a warehouse nobody can open every page shows an error: the benchmark says so, times nothing."""
    broken = tmp_path / "warehouse.duckdb"
    broken.write_bytes(b"not a duckdb file")
    done = smoke("bench_pages", broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED:" in done.stderr and "warm rerun median" not in done.stdout


@pytest.mark.slow
def test_the_text_id_benchmark_runs_and_agrees_with_chdb():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_text_ids.py"), "--smoke"],
        cwd=ROOT / "bench",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "equal=True" in done.stdout and "command line text ids = integer ids: True" in done.stdout
    assert "| 5-step funnel + breakdown, warm in-process, ours (text ids, index) |" in done.stdout


@pytest.mark.spark
def test_the_spark_benchmark_runs_in_smoke_mode(demo_db):
    """On its own cluster: start-up, load, and the same answers on Spark as on DuckDB."""
    done = smoke("bench_spark", demo_db, "--port", str(free_port()))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "| yes |" in done.stdout and "| NO |" not in done.stdout

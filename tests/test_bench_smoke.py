"""Benchmarks stay runnable: each new benchmark runs here in its seconds-long --smoke mode, and its
answers must agree with its peers' (the timings themselves are for bench/README.md, never asserted)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


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

"""Issue #15: the funnels' compact event index, built with the warehouse: used only while it matches
the warehouse file, only for sessions that may read analytics, and never half-built."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date

import pytest
from conftest import ROOT, session_for

from portal.demo.build import demo_model
from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels
from portal.warehouse.event_index import index_dir, open_index, rebuild

EVENTS = demo_model().events

STEPS = tuple(Step(e) for e in ("page_view", "product_view", "add_to_cart", "checkout_start", "purchase"))


def test_the_demo_build_writes_a_current_index(demo_db, warehouse):
    idx = session_for(warehouse).event_index()
    assert idx is not None and open_index(demo_db.with_name("warehouse.public.duckdb"), EVENTS) is not None
    (rows,) = session_for(warehouse).frame("SELECT count(*) FROM analytics.events").iloc[0]
    assert idx.rows == rows  # every event property with fewer than 255 values is coded
    assert {"platform", "browser", "device", "country"} <= set(idx.codes) <= set(EVENTS.properties)


@pytest.mark.parametrize(
    ("breakdown", "mode"),
    [
        (None, "sequential"),
        ("platform", "sequential"),
        ("platform+browser", "strict"),
        ("variant:onboarding_address_step", "sequential"),
        ("device", "strict"),
    ],
)
def test_the_index_path_equals_the_query_path_on_the_demo_warehouse(warehouse, breakdown, mode):
    session = session_for(warehouse)
    spec = FunnelSpec(STEPS, date(2025, 9, 1), date(2026, 3, 31), 7.0, mode, breakdown)
    with_index = user_levels(session, spec)
    session.event_index = lambda: None  # the query path
    by_query = user_levels(session, spec)
    assert step_counts(with_index, spec).equals(step_counts(by_query, spec))
    assert with_index["user_id"].equals(by_query["user_id"]) and with_index["t3"].equals(by_query["t3"])


def test_a_changed_warehouse_file_makes_its_index_stale(demo_db, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(demo_db, copy)
    rebuild(copy, EVENTS)
    assert open_index(copy, EVENTS) is not None
    st = copy.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # rebuilt or edited since
    assert open_index(copy, EVENTS) is None  # never read stale: funnels query instead
    rebuild(copy, EVENTS)
    assert open_index(copy, EVENTS) is not None


def test_a_half_built_or_damaged_index_is_ignored(demo_db, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(demo_db, copy)
    (index_dir(copy).with_name(index_dir(copy).name + ".building")).mkdir()  # killed mid-build
    assert open_index(copy, EVENTS) is None
    rebuild(copy, EVENTS)
    (index_dir(copy) / "t.npy").write_bytes(b"not an array")
    assert open_index(copy, EVENTS) is None
    (index_dir(copy) / "meta.json").write_text("{")
    assert open_index(copy, EVENTS) is None


def test_a_session_denied_analytics_never_reads_the_index(warehouse):
    assert session_for(warehouse, denied=("analytics",)).event_index() is None
    assert session_for(warehouse, denied=("raw",)).event_index() is not None


def test_the_index_command_rebuilds_a_warehouse_and_its_twin(demo_db, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(demo_db, copy)
    shutil.copy(demo_db.with_name("warehouse.public.duckdb"), tmp_path / "w.public.duckdb")
    run = subprocess.run(
        [sys.executable, "-m", "portal", "index", "--db", str(copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert open_index(copy, EVENTS) is not None and open_index(tmp_path / "w.public.duckdb", EVENTS) is not None
    missing = subprocess.run(
        [sys.executable, "-m", "portal", "index", "--db", str(tmp_path / "nope.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "no warehouse file" in missing.stderr


@pytest.mark.parametrize("event", [None, "purchase"])
def test_retention_from_the_index_equals_retention_from_a_query(warehouse, event):
    from portal.demo.stories import DEMO_END_DATE
    from portal.product.cohorts import CohortSpec, retention

    session = session_for(warehouse)
    spec = CohortSpec("week", "signup", "platform", event, 8)
    with_index = retention(session, spec, DEMO_END_DATE)
    session.event_index = lambda: None
    by_query = retention(session, spec, DEMO_END_DATE)
    assert with_index.equals(by_query) and with_index["active_users"].sum() > 0

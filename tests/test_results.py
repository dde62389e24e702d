"""Issue #33: the result store and background runs. Results are served only to the person (a job) or
the role (a shared answer) they were computed for; caps and the time to live hold; a job keeps
running when the page that started it is gone, is cancelled from another session, and a server that
restarts (or stops beating) leaves its jobs failed with a reason, never running forever."""

from __future__ import annotations

import time

import pyarrow as pa
import pytest
from conftest import session_for

from portal.results.jobs import SERVER, JobRunner
from portal.results.store import (
    CANCELLED,
    DONE,
    FAILED,
    JOB,
    RESTARTED,
    ResultLimits,
    ResultStore,
    role_key_text,
    warehouse_version,
)

PII, PUBLIC = role_key_text(True, ()), role_key_text(False, ("raw",))
SLOW = "SELECT count(*) FROM analytics.events AS a, analytics.events AS b WHERE a.user_id < b.user_id"


@pytest.fixture
def store(tmp_path):
    return ResultStore(tmp_path / "state", tmp_path / "results")


def table(n: int) -> pa.Table:
    return pa.table({"n": list(range(n)), "email": [f"p{i}@example.com" for i in range(n)]})


def test_a_pii_result_never_reaches_a_role_without_pii(store):
    tile = store.put("tile", "dana", PII, "SELECT email FROM raw.users", {}, "v1", "dashboard", table(3))
    assert store.get(tile.id, "dana", PII) is not None and store.get(tile.id, "sam", PII) is not None  # shared
    assert store.get(tile.id, "alex", PUBLIC) is None  # the analyst's role reads the twin
    assert store.latest("tile", PUBLIC, "SELECT email FROM raw.users", {}) is None
    assert store.latest("tile", PII, "SELECT email FROM raw.users", {}).id == tile.id


def test_a_job_is_its_owners_alone_and_only_while_their_role_still_reads_it(store):
    rid = store.begin(JOB, "dana", PII, "SELECT 1", {}, "v1", "workbench")
    done = store.finish(rid, table(2))
    assert done.status == DONE and done.rows == 2 and store.read(done).num_rows == 2
    assert store.get(rid, "dana", PII) is not None
    assert store.get(rid, "sam", PII) is None  # same role, not their job
    assert store.get(rid, "dana", PUBLIC) is None  # dana lost pii since: not even her own PII result
    assert not store.request_cancel(rid, "sam")


def test_latest_follows_the_parameters_and_the_warehouse_version(store):
    a = store.put("tile", "x", PII, "SELECT $d", {"d": "2026-01-01"}, "v1", "dashboard", table(1))
    b = store.put("tile", "x", PII, "SELECT $d", {"d": "2026-02-01"}, "v1", "dashboard", table(2))
    assert store.latest("tile", PII, "SELECT $d", {"d": "2026-01-01"}).id == a.id
    assert store.latest("tile", PII, "SELECT $d", {"d": "2026-02-01"}, "v1").id == b.id
    assert store.latest("tile", PII, "SELECT $d", {"d": "2026-02-01"}, "v2") is None  # rebuilt: stale


def test_caps_evict_the_oldest_and_the_time_to_live_sweeps(tmp_path):
    small = ResultStore(
        tmp_path / "s", tmp_path / "r", ResultLimits(per_person_bytes=6_000, total_bytes=9_000, ttl_seconds=60)
    )
    ids = [small.put("tile", "dana", PII, f"SELECT {i}", {}, "v", "t", table(200)).id for i in range(4)]
    size = small._get(ids[-1]).bytes
    kept = [i for i in ids if small._get(i) is not None]
    assert kept[-1] == ids[-1] and sum(small._get(i).bytes for i in kept) <= 6_000 and len(kept) == 6_000 // size
    assert all(not small._file(i).exists() for i in ids if i not in kept)  # files go with their rows
    other = small.put("tile", "sam", PII, "SELECT 9", {}, "v", "t", table(200))
    total = sum(small._get(i).bytes for i in [*kept, other.id] if small._get(i) is not None)
    assert total <= 9_000
    assert small.sweep(time.time() + 120) >= 1 and small._get(other.id) is None


def test_a_job_outlives_its_page_and_is_cancelled_from_another_session(warehouse, store):
    runner = JobRunner(store, beat_seconds=0.2)
    owner = session_for(warehouse)
    quick = runner.start(owner, "SELECT 42 AS answer", None, 100, 30, PII, warehouse_version(warehouse.path))
    assert runner.wait(quick, 30)
    done = store.get(quick, owner.user.name, PII)
    assert done.status == DONE and store.read(done).column("answer").to_pylist() == [42]
    slow = runner.start(owner, SLOW, None, 100, 60, PII, "v")
    del owner  # the page that started it is gone; the job holds its own session
    deadline = time.time() + 30
    while store._get(slow).status == "running" and not store._get(slow).heartbeat and time.time() < deadline:
        time.sleep(0.05)
    assert store.request_cancel(slow, session_for(warehouse).user.name)  # another tab, same person
    assert runner.wait(slow, 30)
    stopped = store._get(slow)
    assert stopped.status == CANCELLED and not store._file(slow).exists()


def test_a_restarted_server_fails_its_jobs_and_stale_jobs_fail_anywhere(store):
    mine = store.begin(JOB, "dana", PII, "SELECT 1", {}, "v", "workbench", server=SERVER)
    other = store.begin(JOB, "sam", PII, "SELECT 2", {}, "v", "workbench", server="elsewhere:1:abc")
    assert store.fail_server(SERVER) == 1
    assert store._get(mine).status == FAILED and store._get(mine).error == RESTARTED
    assert store._get(other).status == "running"
    assert store.recover(stale_after=60) == 0  # it beat just now
    assert store.recover(stale_after=-1) == 1  # its server stopped beating
    assert store._get(other).error == RESTARTED


def test_a_job_link_shows_its_answer_to_its_owner_only(portal_env):
    from pathlib import Path

    from conftest import run_page, shown

    at = run_page("pages/workbench.py", user="dana", state={"wb_sql": "SELECT 42 AS answer"})
    at.button(key="wb_run").click().run()
    assert not at.exception
    store = ResultStore(Path(portal_env["PORTAL_STATE_DIR"]), Path(portal_env["PORTAL_STATE_DIR"]) / "results")
    (job,) = store.jobs("dana")
    assert job.status == DONE and job.rows == 1 and "job" not in at.query_params  # finished: the link is gone
    mine = run_page("pages/workbench.py", {"job": job.id}, user="dana")
    assert mine.session_state["wb_sql"] == "SELECT 42 AS answer" and mine.session_state["wb_results"]
    theirs = run_page("pages/workbench.py", {"job": job.id}, user="alex")
    assert any("not one of yours" in shown(w) for w in theirs.warning)
    assert not theirs.session_state["wb_results"] if "wb_results" in theirs.session_state else True  # nothing shown


def test_refresh_stores_the_tiles_and_the_page_reads_them_with_their_time(portal_env, monkeypatch):
    """`refresh` computes the checkout tiles for each role; the page shows them as stored, with the
    time they were computed; another server (caches empty) reads the same stored answers and charts,
    computing and drawing nothing; after the next refresh the page shows the new time."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import streamlit as st
    from conftest import ROOT, shown
    from streamlit.testing.v1 import AppTest

    def refresh():
        done = subprocess.run(
            [sys.executable, "-m", "portal", "refresh", "--team", "checkout"],
            cwd=ROOT, env={**os.environ, **portal_env}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    from portal.reporting import tiles as view

    built, metric_chart, query_chart = [], view.metric_chart, view.query_chart
    monkeypatch.setattr(view, "metric_chart", lambda *a: built.append(a[0]) or metric_chart(*a))
    monkeypatch.setattr(view, "query_chart", lambda *a: built.append(a[0]) or query_chart(*a))

    def page_times() -> set[str]:
        st.cache_data.clear()
        st.cache_resource.clear()  # another server process: nothing in memory, the same store
        at = AppTest.from_string("from pages.team import render\nrender('checkout')\n", default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        return {shown(c).split("computed ")[1] for c in at.caption if "computed " in shown(c)}

    state = Path(portal_env["PORTAL_STATE_DIR"])
    store = ResultStore(state, state / "results")

    def tiles():
        with store.db.connect() as con:
            return con.execute("SELECT id, role_key, computed_at FROM results WHERE kind = 'tile'").fetchall()

    refresh()
    with store.db.connect() as con:  # as if computed at 05:00 by last night's run
        con.execute("UPDATE results SET computed_at = computed_at - 3600 WHERE kind = 'tile'")
    before = tiles()
    assert before and {r[1] for r in before} == {PII, role_key_text(False, ())}
    first = page_times()
    assert first and all("data through" in t for t in first)
    assert built == []  # every chart's spec was stored by refresh too
    assert page_times() == first and len(tiles()) == len(before)  # a replica: read, not computed again
    refresh()
    assert page_times() != first


def test_the_funnels_page_opens_on_the_refreshed_funnel(portal_env, monkeypatch):
    """The page's first view is the one refresh computed for its role: read, not computed again, and
    nor are the facts it opens on (event names, the data's days) or its other tabs' numbers: a new
    server's first visitor runs no statement on the warehouse."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import streamlit as st
    from conftest import ROOT, run_page, shown

    done = subprocess.run(
        [sys.executable, "-m", "portal", "refresh", "--team", "growth"],
        cwd=ROOT, env={**os.environ, **portal_env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "and 8 page views for 2 roles" in done.stdout  # Funnels, Lifecycle, stickiness, Cohorts' retention
    state = Path(portal_env["PORTAL_STATE_DIR"])
    store = ResultStore(state, state / "results")

    def pages():
        with store.db.connect() as con:
            return con.execute("SELECT count(*) FROM results WHERE kind = 'page'").fetchone()[0]

    before = pages()
    st.cache_data.clear()
    st.cache_resource.clear()
    from portal.warehouse.engine import Session

    ran, scan = [], Session.scan
    monkeypatch.setattr(Session, "scan", lambda self, sql, params=None: ran.append(str(sql)) or scan(self, sql, params))
    at = run_page("pages/funnels.py")
    assert not at.exception
    assert pages() == before  # the stored answer was read
    assert ran == []
    assert any(shown(c).startswith("computed ") for c in at.caption)


def test_a_stored_kpi_is_the_kpi(warehouse, store):
    """The days stored for an additive metric give the same KPI as computing it (value, previous,
    weekly series, noise), and the second read computes nothing."""
    from datetime import date

    from portal.config import load_settings
    from portal.reporting.metrics import kpi, load_metrics
    from portal.results.tiles import tile_kpi

    s = session_for(warehouse)
    settings = load_settings()
    metrics = load_metrics(settings.metrics_path, settings.model)
    start, end = date(2026, 10, 19), date(2026, 11, 15)
    want = kpi(s, metrics, "revenue", start, end, {})
    first = tile_kpi(store, s, PII, metrics, "revenue", start, end, {}, "v1")
    second = tile_kpi(store, s, PII, metrics, "revenue", start, end, {}, "v1")
    for got in (first, second):
        assert (got.current, got.previous) == (pytest.approx(want.current), pytest.approx(want.previous))
        assert got.series["value"].tolist() == pytest.approx(want.series["value"].tolist())
        assert (got.noise.beyond, got.noise.words()) == (want.noise.beyond, want.noise.words())
    with store.db.connect() as con:
        assert con.execute("SELECT count(*) FROM results WHERE kind = 'tile'").fetchone()[0] == 1


def test_a_finished_job_mails_whoever_asked(warehouse, store, smtp, tmp_path):
    from portal.config import load_settings
    from portal.results.jobs import job_mail

    port, received = smtp
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "portal@shop.test"\n')
    runner = JobRunner(store, beat_seconds=0.2, notify=job_mail(load_settings(), secrets))
    rid = runner.start(session_for(warehouse), "SELECT 7 AS seven", None, 10, 30, PII, "v")
    runner.mail_when_done(rid, "dana@shop.test")
    assert runner.wait(rid, 30)
    (mail,) = received
    import email
    import email.policy

    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert mail.rcpt_tos == ["dana@shop.test"] and message["Subject"] == "Your query finished: done"
    assert f"/workbench?job={rid}" in message.get_body(("html",)).get_content()


@pytest.mark.parametrize("path", ["pages/lifecycle.py", "pages/cohorts.py", "pages/paths.py"])
def test_a_product_pages_view_is_computed_once_for_every_server(portal_env, path):
    """Cohorts' retention, Lifecycle and Paths keep what they computed in the store: another server
    (caches empty) reads it, computing nothing, and shows the same numbers."""
    from pathlib import Path

    import streamlit as st
    from conftest import run_page, shown

    state = Path(portal_env["PORTAL_STATE_DIR"])
    store = ResultStore(state, state / "results")

    def stored() -> int:
        with store.db.connect() as con:
            return con.execute("SELECT count(*) FROM results WHERE kind = 'page'").fetchone()[0]

    first = run_page(path)
    assert not first.exception and stored() >= 1
    before = stored()
    st.cache_data.clear()
    st.cache_resource.clear()
    again = run_page(path)
    assert not again.exception and stored() == before
    assert [d.value.to_dict() for d in again.dataframe] == [d.value.to_dict() for d in first.dataframe]

    def said(at) -> list[str]:
        return [shown(c) for c in at.caption if shown(c).startswith("computed ")]

    assert said(first) and said(again) == said(first)  # when it was computed: the first server's time


def test_facts_come_back_as_computed_per_role_and_warehouse_version(warehouse, store, monkeypatch):
    """The facts pages open on are stored per role and version and read back equal (dates as dates,
    baking windows with their day marks); a second read runs no statement; a rebuilt warehouse (a new
    version) or another role computes its own."""
    from datetime import date

    from portal.product.baking import baking_windows
    from portal.product.vocabulary import data_range, event_names
    from portal.results.facts import fact
    from portal.warehouse.engine import Session

    session = session_for(warehouse)
    ran, scan = [], Session.scan
    monkeypatch.setattr(Session, "scan", lambda self, sql, params=None: ran.append(sql) or scan(self, sql, params))
    span = fact(store, session, PII, "v1", "data_range")
    assert span == data_range(session) and isinstance(span[0], date)
    assert fact(store, session, PII, "v1", "event_names") == event_names(session)
    windows = fact(store, session, PII, "v1", "baking_windows", str(span[1]))
    assert windows == baking_windows(session, span[1]) and all(isinstance(k, int) for k in windows["conversion"].within)
    assert fact(store, session, PII, "v1", "filter_options", "platform")
    ran.clear()
    assert fact(store, session, PII, "v1", "data_range") == span and ran == []  # read, not computed
    fact(store, session, PII, "v2", "data_range")
    assert len(ran) == 1  # a new warehouse version is computed again
    fact(store, session_for(warehouse, denied=("raw",)), PUBLIC, "v1", "data_range")
    assert len(ran) == 2  # and so is another role's


def test_refresh_fills_the_lifecycle_and_cohorts_first_views(portal_env, monkeypatch):
    """The Lifecycle page (and its stickiness) and Cohorts' retention open on what refresh stored for
    the role: nothing is counted again, and the page says when it was computed."""
    import os
    import subprocess
    import sys

    import streamlit as st
    from conftest import ROOT, run_page, shown

    from portal.product import cohorts, lifecycle

    done = subprocess.run(
        [sys.executable, "-m", "portal", "refresh", "--team", "growth"],
        cwd=ROOT, env={**os.environ, **portal_env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    counted = []
    for module, name in ((lifecycle, "lifecycle"), (lifecycle, "stickiness"), (cohorts, "retention")):
        monkeypatch.setattr(module, name, lambda *a, n=name: counted.append(n))
    for path in ("pages/lifecycle.py", "pages/cohorts.py"):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = run_page(path)
        assert not at.exception, at.exception
        assert any(shown(c).startswith("computed ") for c in at.caption), path
    assert counted == []

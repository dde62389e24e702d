"""App state behind one interface (issue #23): every store's behaviour on both backends, SQLite in
the state folder and a real PostgreSQL server, plus what several servers sharing it need: no lost
rows from concurrent writers, one rate count and one per-person limit."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import date

import pytest

from portal.api.tokens import TokenStore
from portal.audit import AuditFilter, AuditLog
from portal.identity import User
from portal.reporting.alert_log import AlertLog
from portal.reporting.alerts import Evaluation
from portal.sign_outs import SignOuts
from portal.state.admission import SharedAdmission
from portal.workbench.history import History

ANA = User("ana", frozenset({"analyst"}), verified=True)


def test_the_audit_trail_records_filters_and_refuses_edits(state):
    log = AuditLog(state)
    log.record(ANA, "statement", "workbench", sql="SELECT * FROM raw.users", rows=3, params={"d": date(2026, 1, 2)})
    log.record(User("bo"), "download", "workbench", sql="SELECT 1")
    assert [r["user"] for r in log.query()] == ["bo", "ana"]
    (row,) = log.query(AuditFilter(table="raw.users"))
    assert row["rows"] == 3 and row["params"] == '{"d": "2026-01-02"}' and row["roles"] == "analyst"
    assert [r["kind"] for r in log.query(AuditFilter(user="bo"))] == ["download"]
    with pytest.raises(Exception, match="append-only"):
        with log.db.connect() as con:
            con.execute("UPDATE audit SET status = 'ok'")
    with pytest.raises(Exception, match="append-only"):
        with log.db.connect() as con:
            con.execute("DELETE FROM audit")
    if log.db.dialect == "postgres":  # row triggers never see a TRUNCATE (review #3: it succeeded)
        with pytest.raises(Exception, match="append-only"):
            with log.db.connect() as con:
                con.execute("TRUNCATE audit")
    assert len(AuditLog(state).query()) == 2, "a refused edit changes nothing"


def test_history_keeps_each_persons_newest(state):
    h = History(state, keep_per_user=2)
    for i in range(3):
        h.record("ana", f"SELECT {i}", 0.1, 1, "ok")
    h.record("bo", "SELECT 'bo'", None, None, "error", "bad")
    assert [e.sql for e in h.recent("ana")] == ["SELECT 2", "SELECT 1"]
    assert [e.error for e in History(state).recent("bo", search="bad")] == ["bad"]


def test_sign_outs_keep_the_last_one(state):
    s = SignOuts(state)
    assert s.last("iss|1") is None
    s.record("iss|1", at=10.0)
    s.record("iss|1", at=20.0)
    assert SignOuts(state).last("iss|1") == 20.0


def test_tokens_and_their_rate_are_shared_by_every_server(state):
    one, two = TokenStore(state), TokenStore(state)  # two app servers on the same state
    token, secret = one.create(ANA, "sheet", expires_days=30, mode="cli")
    assert two.authenticate(secret, "demo").id == token.id
    now = 1_000_000.0
    assert [one.admit(token.id, 4, now), two.admit(token.id, 4, now + 1), one.admit(token.id, 4, now + 2)] == [0.0] * 3
    assert two.admit(token.id, 4, now + 3) == 0.0 and one.admit(token.id, 4, now + 4) > 0, "one count for both"
    two.revoke(token.id, "ana")
    assert one.authenticate(secret, "demo") is None


def test_the_alert_log_fires_once_and_resolves(state):
    log = AlertLog(state)
    ev = Evaluation("a", date(2026, 1, 1), date(2026, 1, 7), 10.0, 5.0, 0.001, True, "moved")
    log.record(ev, "fire", "x@y.z", at=1.0)
    assert log.state("a") == (True, 1.0)
    log.record(ev, "stay", at=2.0)
    assert AlertLog(state).state("a") == (True, 2.0)
    log.record(Evaluation("a", date(2026, 1, 2), date(2026, 1, 8), 5.0, 5.0, 0.5, False, "back"), "resolve", at=3.0)
    assert log.state("a") == (False, 3.0) and [h["action"] for h in log.history("a")] == ["resolve", "stay", "fire"]


def test_the_per_person_limit_holds_across_servers(state):
    one, two = SharedAdmission(state), SharedAdmission(state)
    a = one.enter("ana", 2)
    b = two.enter("ana", 2)
    assert a and b and one.enter("ana", 2) is None and two.enter("ana", 2) is None
    assert two.enter("bo", 2) is not None, "another person has their own limit"
    one.leave(a)
    assert two.enter("ana", 2) is not None
    stale = SharedAdmission(state, stale_after=10)
    assert stale.enter("ana", 2, now=time.time() + 11) is not None, "a dead server's rows expire"


WRITER = """
import sys
from portal.audit import AuditLog
from portal.identity import User
log = AuditLog(sys.argv[1])
for i in range(int(sys.argv[3])):
    log.record(User(sys.argv[2]), "statement", "load", sql=f"SELECT {i}")
"""


def test_two_processes_writing_at_once_lose_nothing(state):
    """Two servers' worth of writers on one state, at the same time: every row arrives."""
    from conftest import ROOT

    AuditLog(state)  # created (and migrated) once, as the first server would
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(state), f"p{k}", "150"], cwd=ROOT, stderr=subprocess.PIPE)
        for k in range(2)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    rows = AuditLog(state).query(AuditFilter(limit=10_000))
    assert sorted({r["user"] for r in rows}) == ["p0", "p1"] and len(rows) == 300


def test_a_sqlite_state_folder_keeps_one_file_per_store(tmp_path):
    AuditLog(tmp_path)
    History(tmp_path)
    assert {p.name for p in tmp_path.glob("*.sqlite")} == {"audit.sqlite", "history.sqlite"}
    con = sqlite3.connect(tmp_path / "audit.sqlite")
    assert con.execute("SELECT store, version FROM schema_migrations").fetchall() == [("audit", 1)]


def test_the_app_state_survives_a_postgresql_restart(tmp_path_factory):
    """Security review #3 (low): after a PostgreSQL restart every thread's first request got a 500
    (its cached connection was dead). The first use after a restart answers."""
    import shutil
    import tempfile
    from pathlib import Path

    from conftest import PostgresServer

    folder = Path(tempfile.mkdtemp(prefix="portal-pg-restart-"))
    server = PostgresServer(folder)
    try:
        url = server.url()
        log = AuditLog(url)
        log.record(ANA, "sign-in", "oidc")
        server.restart()
        log.record(ANA, "statement", "workbench", sql="SELECT 1")  # the same thread, its old connection
        assert [r["kind"] for r in log.query()] == ["statement", "sign-in"]
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_result_subscription_and_snapshot_stores_on_each_backend(state, tmp_path):
    """Issue #33's stores on SQLite and PostgreSQL: the same answers, the same access rule."""
    import pyarrow as pa

    from portal.config import load_settings
    from portal.identity import make_user
    from portal.reporting.subscriptions import Subscriptions
    from portal.results.snapshots import Snapshots
    from portal.results.store import JOB, ResultStore, role_key_text

    store = ResultStore(state, tmp_path / "results")
    pii, public = role_key_text(True, ()), role_key_text(False, ())
    tile = store.put("tile", "x", pii, "SELECT 1", {"d": "2026-01-01"}, "v", "t", pa.table({"a": [1, 2]}))
    assert store.latest("tile", pii, "SELECT 1", {"d": "2026-01-01"}, "v").id == tile.id
    assert store.get(tile.id, "y", public) is None and store.generation("tile") == tile.computed_at
    rid = store.begin(JOB, "dana", pii, "SELECT 2", {}, "v", "w", server="s1")
    assert store.request_cancel(rid, "dana") and store.beat(rid)
    assert store.fail_server("s1") == 1 and store._get(rid).status == "failed"
    settings, audit = load_settings(), AuditLog(state)
    dana = make_user("dana", settings, "t")
    subs = Subscriptions(state, audit)
    sub = subs.subscribe(dana, "dana@shop.test", "executive", "weekly", ["executive"])
    assert subs.unsubscribe_token(subs.link_token(sub)).team == "executive" and subs.mine("dana") == []
    snaps = Snapshots(state, tmp_path / "results", audit)
    snap, token = snaps.create(dana, "dashboard", "executive", "Executive", "<p>hi</p>", 1)
    assert snaps.page(token)[1] == "<p>hi</p>" and snaps.revoke(dana, snap.id) and snaps.page(token)[1] is None

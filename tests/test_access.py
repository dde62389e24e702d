"""Issue #13: permissions, audit and admission are enforced in the warehouse seam, for every way in."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace

import pytest
from conftest import private_warehouse, session_for

from portal.audit import AuditFilter, AuditLog
from portal.config import Limits, load_settings
from portal.identity import User, denied_schemas, make_user, resolve_user, roles_from_claims, user_from_claims
from portal.library import QueryStore, SavedQuery, run_saved
from portal.warehouse.errors import QueryRefused, QueryTimeout

LIMITS = Limits(timeout_seconds=5.0, workers=3, per_user_statements=1)
ANA = User("ana@example.com", frozenset({"analyst"}), verified=True)
DANA = User("dana@example.com", frozenset({"analyst", "data_team", "pii"}), verified=True)


@pytest.fixture(scope="module")
def wh(demo_db, tmp_path_factory):
    w = private_warehouse(demo_db, tmp_path_factory.mktemp("access"), LIMITS)
    yield w
    w.close()


def settings_with(**extra):
    s = load_settings()
    return replace(s, extra={**s.extra, **extra})


# ---------------------------------------------------------------- roles from the identity token
def test_roles_come_from_the_configured_claim():
    s = settings_with(
        auth={"roles_claim": "groups", "roles": {"data-team": ["analyst", "data_team"], "pii-readers": ["pii"]}}
    )
    assert roles_from_claims({"groups": ["data-team", "pii-readers"]}, s) == {"analyst", "data_team", "pii"}
    assert roles_from_claims({"groups": "data-team"}, s) == {"analyst", "data_team"}
    assert roles_from_claims({"groups": ["marketing"]}, s) is None
    u = user_from_claims(
        {
            "iss": "https://idp",
            "sub": "p1",
            "email": "Pia@Example.com",
            "email_verified": True,
            "groups": ["pii-readers"],
        },
        s,
    )
    assert u.name == "pia@example.com" and u.has_pii and not u.is_data_team and u.verified


def test_people_are_keyed_by_issuer_and_subject_and_an_unverified_email_is_no_name():
    """Issue #21, finding 3: a second account claiming pia's e-mail without verification was pia."""
    s = settings_with(auth={"roles": {"analysts": ["analyst"]}})
    pia = user_from_claims({"iss": "https://idp", "sub": "p1", "email": "pia@example.com", "email_verified": True}, s)
    fake = user_from_claims({"iss": "https://idp", "sub": "x9", "email": "pia@example.com", "email_verified": False}, s)
    unsaid = user_from_claims({"iss": "https://idp", "sub": "x8", "email": "pia@example.com"}, s)
    assert pia.name == "pia@example.com"
    assert fake.name != "pia@example.com" and unsaid.name != "pia@example.com"
    assert fake.name.startswith("user-") and "pia" not in fake.name
    assert len({pia.history_key, fake.history_key, unsaid.history_key}) == 3  # never pia's history
    other_idp = user_from_claims({"iss": "https://other", "sub": "p1", "email": "x@y.z", "email_verified": True}, s)
    assert other_idp.history_key != pia.history_key  # the same subject at another issuer is someone else
    with pytest.raises(Exception, match="no subject"):
        user_from_claims({"email": "pia@example.com", "email_verified": True}, s)


def test_unknown_users_get_least_privilege_or_are_refused():
    from portal.identity import SignInRefused

    least = settings_with(auth={"unknown_users": "analyst", "roles": {}})
    assert user_from_claims({"sub": "n1", "email": "new@example.com"}, least).roles == {"analyst"}
    strict = settings_with(auth={"unknown_users": "refuse", "roles": {}})
    with pytest.raises(SignInRefused, match="no role in this portal"):
        user_from_claims({"sub": "n1", "email": "new@example.com", "groups": ["nobody"]}, strict)


def test_with_sign_in_configured_personas_and_headers_are_never_honoured():
    s = settings_with(auth={"user_header": "X-User"})
    assert resolve_user(s, {"X-User": "dana"}, "dana", oidc_configured=True) is None  # nobody signed in
    assert (
        resolve_user(
            s,
            {"X-User": "dana"},
            "dana",
            claims={"sub": "a1", "email": "ana@example.com", "email_verified": True},
            oidc_configured=True,
        ).name
        == "ana@example.com"
    )


def test_a_trusted_header_accepts_email_addresses_and_never_falls_back_to_personas():
    s = settings_with(auth={"user_header": "X-Forwarded-Email"})
    assert resolve_user(s, {"X-Forwarded-Email": "Ana@Example.com"}, "dana").name == "ana@example.com"
    assert resolve_user(s, {}, "dana") is None  # no header: nobody, not the persona picked in the sidebar


# ---------------------------------------------------------------- permissions in the seam
RAW_READS = [
    "SELECT * FROM raw.orders",
    "WITH o AS (SELECT * FROM raw.orders) SELECT count(*) FROM o",
    "SELECT count(*) FROM analytics.orders WHERE order_id IN (SELECT order_id FROM raw.orders)",
    "SELECT * FROM query_table('raw.orders')",
    "FROM raw.users",
    "SELECT count(*) FROM raw.orders",  # answered from statistics: no scan in the optimized plan
    "SELECT max(order_id) FROM raw.orders",
]


@pytest.mark.parametrize("sql", RAW_READS)
def test_a_restricted_schema_is_refused_however_it_is_reached(wh, sql):
    s = settings_with(permissions={"schema_roles": {"raw": ["data_team", "admin"]}})
    assert denied_schemas(s, ANA) == ("raw",) and denied_schemas(s, DANA) == ()
    analyst = session_for(wh, ANA, denied_schemas(s, ANA))
    with pytest.raises(QueryRefused, match="raw schema is restricted"):
        analyst.run(sql)
    with pytest.raises(QueryRefused, match="raw schema is restricted"):
        analyst.download(sql, None, "csv")
    assert session_for(wh, DANA).run(sql).row_count >= 1  # the data team reads it
    assert analyst.run("SELECT count(*) FROM analytics.orders").frame.iloc[0, 0] > 0


def test_a_share_link_never_grants_more_than_the_viewers_role(wh, tmp_path):
    store = QueryStore(tmp_path / "queries", tmp_path / "state")
    q = store.save(SavedQuery("ops/raw_peek", "Raw peek", "SELECT * FROM raw.users\n"), DANA, None)
    analyst = session_for(wh, ANA, ("raw",))
    with pytest.raises(QueryRefused):
        run_saved(analyst, q, {})  # the link opened by an analyst runs as the analyst


# ---------------------------------------------------------------- audit trail
def test_refused_statements_downloads_and_link_runs_are_all_recorded(wh, tmp_path):
    audit = AuditLog(tmp_path)
    s = wh.session(ANA, audit, ("raw",))
    with pytest.raises(QueryRefused):
        s.run("DROP TABLE analytics.orders", origin="workbench")
    with pytest.raises(QueryRefused):
        s.run("SELECT * FROM raw.users", origin="workbench")
    data, _ = s.download("SELECT * FROM analytics.orders LIMIT 100", None, "csv", origin="workbench")
    s.run(
        "SELECT count(*) AS n FROM analytics.orders WHERE status = $status",
        {"status": "completed"},
        origin="library link",
    )  # the origin is said per call: nothing stored on the session decides it
    rows = audit.query(AuditFilter(user="ana@example.com"))
    assert [(r["kind"], r["status"], r["origin"]) for r in rows] == [
        ("statement", "ok", "library link"),
        ("download", "ok", "workbench"),
        ("statement", "refused", "workbench"),
        ("statement", "refused", "workbench"),
    ]
    assert rows[0]["params"] == '{"status": "completed"}' and rows[0]["rows"] == 1
    assert rows[1]["bytes"] == len(data)
    assert "raw schema is restricted" in rows[2]["detail"] and "DROP" in rows[3]["sql"]
    assert audit.query(AuditFilter(table="raw.users"))[0]["status"] == "refused"


def test_the_audit_trail_is_append_only(tmp_path):
    audit = AuditLog(tmp_path)
    audit.record(ANA, "sign-in", "oidc")
    con = sqlite3.connect(audit.db.path)
    for sql in ("UPDATE audit SET user = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    assert [r["user"] for r in audit.query()] == ["ana@example.com"]


def test_saves_curation_and_refused_edits_are_recorded(tmp_path):
    store = QueryStore(tmp_path / "queries", tmp_path / "state")
    q = store.save(SavedQuery("ops/q", "Q", "SELECT 1\n"), ANA, None)
    store.save(replace(store.get(q.id), status="curated"), DANA, store.get(q.id).version)
    from portal.library import PermissionDenied

    with pytest.raises(PermissionDenied):
        store.save(replace(store.get(q.id), title="Mine now"), ANA, store.get(q.id).version)
    kinds = [(r["kind"], r["user"]) for r in store.audit.query()]
    assert kinds == [("refused", "ana@example.com"), ("curation", "dana@example.com"), ("save", "ana@example.com")]


def test_the_audit_command_prints_csv(tmp_path, monkeypatch):
    import subprocess
    import sys

    from conftest import ROOT

    AuditLog(tmp_path).record(ANA, "statement", "workbench", sql="SELECT 1")
    r = subprocess.run(
        [sys.executable, "-m", "portal", "audit", "--user", "ana@example.com"],
        cwd=ROOT,
        env={**__import__("os").environ, "PORTAL_STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("id,at,user") and "SELECT 1" in r.stdout


# ---------------------------------------------------------------- admission control
def test_one_person_cannot_take_every_worker(wh):
    """per_user_statements = 1: Ana's second statement waits (with a queue position) while Bo's runs."""
    from test_hardening import warm

    warm(wh)
    first, second = session_for(wh, ANA), session_for(wh, ANA)
    bo = session_for(wh, User("bo@example.com", frozenset({"analyst"})))
    threading.Thread(target=lambda: first.run("SELECT test_sleep(1.5)"), daemon=True).start()
    time.sleep(0.3)
    waited = {}

    def queued():
        t0 = time.monotonic()
        second.run("SELECT 1")
        waited["s"] = time.monotonic() - t0

    t = threading.Thread(target=queued)
    t.start()
    time.sleep(0.3)
    assert second.queue_position == 1  # visible while it waits
    assert bo.run("SELECT 2 AS two").frame.iloc[0, 0] == 2  # someone else is not held up:
    assert "s" not in waited and t.is_alive()  # Bo was answered while Ana's second statement still waits
    t.join(10)
    assert waited["s"] >= 0.8  # it ran only after Ana's first statement ended


def test_a_queued_statement_times_out_in_plain_words(demo_db, tmp_path):
    w = private_warehouse(demo_db, tmp_path, Limits(timeout_seconds=1.0, workers=1, per_user_statements=1))
    busy = session_for(w)
    threading.Thread(target=lambda: pytest.raises(QueryTimeout, busy.run, "SELECT test_sleep(5)"), daemon=True).start()
    time.sleep(0.3)
    with pytest.raises(QueryTimeout, match="busy"):
        session_for(w, make_user("alex", load_settings())).run("SELECT 1", timeout_s=0.4)
    w.close()


def test_a_long_statement_moves_to_the_slow_lane_and_frees_its_slot(demo_db, tmp_path):
    """workers = 1: a statement running past slow_after_seconds stops holding the only slot."""
    w = private_warehouse(
        demo_db, tmp_path, Limits(timeout_seconds=8.0, workers=1, per_user_statements=2, slow_after_seconds=0.5)
    )
    slow = session_for(w)
    done = threading.Event()
    threading.Thread(target=lambda: (slow.run("SELECT test_sleep(6)"), done.set()), daemon=True).start()
    time.sleep(1.0)  # it is in the slow lane now
    assert session_for(w).run("SELECT 7 AS seven").frame.iloc[0, 0] == 7
    assert not done.is_set()  # answered by a fresh worker while the slow statement still runs
    w.close()


def test_one_persons_concurrent_statements_all_run_when_servers_share_admission(demo_db, tmp_path):
    """Security review #3, finding 4: with app state shared between servers, ten concurrent statements
    of one person got five answers, then nothing until the time limit: a ticket holding a shared slot
    waited behind one that had none, which waited for the first to finish. Every one is answered now."""
    from portal.state.admission import SharedAdmission
    from portal.warehouse.errors import QueryError

    class Distant(SharedAdmission):
        """The shared state as a network makes it: the first to ask hear back last."""

        asked = 0

        def enter(self, owner, limit, now=None):
            Distant.asked += 1
            if Distant.asked <= 5:
                time.sleep(0.5)
            return super().enter(owner, limit, now)

    (tmp_path / "wh").mkdir()
    w = private_warehouse(demo_db, tmp_path / "wh", Limits(timeout_seconds=8.0, workers=3, per_user_statements=2))
    w.pool.share_admission(Distant(tmp_path / "state"))
    answered, failed = [], []
    start = threading.Barrier(10)

    def one(i: int) -> None:
        start.wait()
        try:
            answered.append(int(session_for(w, ANA).run(f"SELECT test_sleep(0.2) * 0 + {i} AS i").frame.iloc[0, 0]))
        except QueryError as err:
            failed.append(err.message)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert failed == [] and sorted(answered) == list(range(10))
        assert SharedAdmission(tmp_path / "state").running(ANA.admission_key) == 0  # every slot given back
    finally:
        w.close()

"""Saved queries: header format, store (atomic, concurrent, revisions, trash, curation), sharing,
lineage, the breakage check and every starter query."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import session_for

from portal.config import load_settings
from portal.demo.build import demo_model
from portal.identity import make_user
from portal.library import (
    HeaderError,
    PermissionDenied,
    QueryStore,
    SaveConflict,
    SavedQuery,
    SaveRefused,
    check_all,
    decode_sql,
    lineage,
    parse_query,
    render_query,
    run_saved,
    share_query,
    share_sql,
    validate_id,
)
from portal.library.consumers import Consumer, readers
from portal.library.share import ShareError
from portal.library.store import atomic_write
from portal.workbench.params import ParamError

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings()
ALEX, DANA = make_user("alex", SETTINGS), make_user("dana", SETTINGS)

GOOD = """-- title: Orders by status
-- description: Count of orders per status.
-- owner: alex
-- team: sales
-- tags: orders, status
-- status: draft
-- param: since date default=2026-01-01
-- param: statuses list default=completed|refunded choices=completed|refunded|cancelled
-- chart: bar x=status y=n
SELECT status, count(*) AS n
FROM analytics.orders
WHERE order_date >= $since AND status IN (SELECT unnest($statuses))
GROUP BY status
"""


@pytest.fixture
def store(tmp_path):
    return QueryStore(tmp_path / "queries", tmp_path / "state")


def q(title="Orders by status", qid="sales/orders_by_status", **kw) -> SavedQuery:
    return replace(parse_query(GOOD, qid), title=title, **kw)


def test_header_round_trip():
    parsed = parse_query(GOOD, "sales/orders_by_status")
    assert parsed.title == "Orders by status" and parsed.tags == ("orders", "status")
    assert [p.name for p in parsed.params] == ["since", "statuses"]
    assert parsed.params[1].choices == ("completed", "refunded", "cancelled")
    assert parsed.chart.kind == "bar" and parsed.chart.y == "n"
    assert parse_query(render_query(parsed), parsed.id) == parsed


@pytest.mark.parametrize(
    "bad, where",
    [
        ("-- title: x\n-- param: n weird\nSELECT 1", "line 2: unknown parameter type 'weird'"),
        ("-- title: x\n-- status: draft\n-- status: curated\nSELECT 1", "line 3: status is given twice"),
        ("-- title: x\n-- title: y\nSELECT 1", "line 2: title is given twice"),
        ("-- description: no title\nSELECT 1", "line 1: the header needs a `-- title"),
        ("-- title: x\n-- status: final\nSELECT 1", "line 2: status must be one of"),
        ("-- title: x\n-- chart: pie x=a y=b\nSELECT 1", "line 2: chart must start with"),
        ("-- title: x\n-- param: a text oops\nSELECT 1", "line 2: expected key=value"),
        ("-- title: only a header\n", "there is no SQL"),
    ],
)
def test_malformed_headers_name_file_and_line(bad, where):
    with pytest.raises(HeaderError) as info:
        parse_query(bad, "t/bad")
    assert "queries/t/bad.sql" in str(info.value) and where in str(info.value)


def test_malformed_file_is_reported_not_fatal(store):
    store.save(q(), ALEX, None)
    (store.root / "sales" / "broken.sql").write_text("-- title: x\n-- param: n weird\nSELECT 1")
    queries, errors = store.load_all()
    assert [x.id for x in queries] == ["sales/orders_by_status"]
    assert len(errors) == 1 and "broken.sql, line 2" in str(errors[0])


@pytest.mark.parametrize(
    "bad_id", ["../etc/passwd", "/abs/path", "sales/../../x", "Sales/Upper", "noteam", "sales/a b", "sales/.hidden", ""]
)
def test_ids_cannot_escape_the_queries_folder(bad_id, store):
    with pytest.raises(SaveRefused):
        validate_id(bad_id)
    with pytest.raises(SaveRefused):
        store.save(q(qid="sales/x").__class__(**{**q().__dict__, "id": bad_id}), ALEX, None)


def test_duplicate_titles_are_refused(store):
    store.save(q(), ALEX, None)
    with pytest.raises(SaveRefused, match="already has the title"):
        store.save(q(qid="sales/other", title="orders BY status"), ALEX, None)


def test_optimistic_concurrency_conflict_keeps_both(store):
    first = store.save(q(), ALEX, None)
    mine = store.save(replace(first, description="alex's edit"), ALEX, first.version)
    with pytest.raises(SaveConflict) as info:
        store.save(replace(first, description="priya's edit"), make_user("priya", SETTINGS), first.version)
    conflict = info.value
    assert "alex's edit" in conflict.theirs and "priya's edit" in conflict.mine
    assert "-- description: alex's edit" in conflict.diff and "+-- description: priya's edit" in conflict.diff
    assert store.get(first.id).description == "alex's edit" == mine.description
    with pytest.raises(SaveConflict):  # creating over an existing file is a conflict too
        store.save(q(), ALEX, None)


def test_two_people_saving_at_the_same_moment(store):
    base = store.save(q(), ALEX, None)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(who):
        barrier.wait()
        try:
            store.save(replace(base, description=f"by {who}"), make_user(who, SETTINGS), base.version)
            outcomes.append("saved")
        except SaveConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(w,)) for w in ("alex", "priya")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert store.get(base.id).description in {"by alex", "by priya"}


def test_killed_mid_save_leaves_old_or_new_file(tmp_path):
    path = tmp_path / "queries" / "sales" / "q.sql"
    atomic_write(path, GOOD)
    big = GOOD.replace("Count of orders", "X" * 2_000_000)
    payload = tmp_path / "new.txt"
    payload.write_text(big)
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from portal.library.store import atomic_write\n"
        "import os, pathlib, signal\n"
        "def die(fd):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.fsync = die\n"
        f"atomic_write(pathlib.Path({str(path)!r}), pathlib.Path({str(payload)!r}).read_text())\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode != 0  # killed
    text = path.read_text()
    assert text == GOOD
    parse_query(text, "sales/q")


def test_revisions_diff_and_restore(store):
    v1 = store.save(q(), ALEX, None, "first")
    v2 = store.save(replace(v1, description="second"), ALEX, v1.version, "second")
    revs = store.revisions(v1.id)
    assert [(r.number, r.user, r.message) for r in revs] == [(1, "alex", "first"), (2, "alex", "second")]
    restored = store.restore_revision(v1.id, 1, ALEX, v2.version)
    assert restored.description == "Count of orders per status."
    assert len(store.revisions(v1.id)) == 3


def test_trash_and_restore(store):
    v1 = store.save(q(), ALEX, None)
    store.delete(v1.id, ALEX, v1.version)
    assert store.load_all()[0] == []
    ((qid, path),) = store.trash()
    assert qid == v1.id
    store.restore_from_trash(path, ALEX)
    assert store.get(v1.id).title == v1.title and store.trash() == []


def test_curation_belongs_to_the_data_team(store):
    with pytest.raises(PermissionDenied):
        store.save(q(status="curated"), ALEX, None)
    curated = store.save(q(status="curated"), DANA, None)
    with pytest.raises(PermissionDenied):
        store.save(replace(curated, description="mine now", status="curated"), ALEX, curated.version)
    with pytest.raises(PermissionDenied, match="Fork it"):
        store.save(replace(curated, status="draft"), ALEX, curated.version)
    with pytest.raises(PermissionDenied):
        store.delete(curated.id, ALEX, curated.version)
    fork = store.fork(curated, ALEX, "sales/my_orders", "My orders by status")
    assert fork.status == "draft" and fork.owner == "alex"
    assert store.get(curated.id).status == "curated"


def test_html_in_titles_is_kept_as_text(store):
    saved = store.save(q(title="<script>alert(1)</script> Orders"), ALEX, None)
    assert store.get(saved.id).title == "<script>alert(1)</script> Orders"
    from ui.text import plain

    assert "<" not in plain(saved.title).replace("\\<", "")


def test_parameter_values_are_bound_never_pasted(warehouse):
    query = parse_query(
        GOOD.replace("status IN (SELECT unnest($statuses))", "status = $who").replace(
            "-- param: statuses list default=completed|refunded choices=completed|refunded|cancelled",
            "-- param: who text",
        ),
        "sales/x",
    )
    res = run_saved(session_for(warehouse), query, {"since": "2025-01-01", "who": "x' OR 1=1 --"})
    assert res.row_count == 0
    with pytest.raises(ParamError, match="since must be a date"):
        run_saved(session_for(warehouse), query, {"since": "yesterday'; DROP TABLE x", "who": "a"})
    with pytest.raises(ParamError, match="one of"):
        run_saved(session_for(warehouse), parse_query(GOOD, "sales/y"), {"statuses": ["completed", "x') OR (1=1"]})


def test_share_links_round_trip():
    assert (
        share_query("sales/q", {"since": __import__("datetime").date(2026, 1, 2), "s": ["a", "b"]})
        == "?q=sales%2Fq&p_since=2026-01-02&p_s=a%2Cb"
    )
    sql = "SELECT 'é' AS x -- " + "long " * 500
    link = share_sql(sql)
    assert len(link) < len(sql) and decode_sql(link.split("=", 1)[1]) == sql
    with pytest.raises(ShareError, match="damaged"):
        decode_sql("not-a-real-link!!")
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"-" * 5_000_000)).decode()
    with pytest.raises(ShareError, match="too large"):
        decode_sql(bomb)


def test_lineage_from_the_syntax_tree(warehouse):
    cat = session_for(warehouse).catalog()
    lin = lineage(
        "WITH c AS (SELECT user_id FROM analytics.orders) "
        "SELECT u.platform, count(*) FROM analytics.users u JOIN c USING (user_id) "
        "WHERE signup_date > DATE '2026-01-01' GROUP BY 1",
        cat,
    )
    assert lin.tables == {"analytics.orders", "analytics.users"}
    assert {"analytics.users.platform", "analytics.users.signup_date", "analytics.orders.user_id"} <= lin.columns


def test_breakage_check_finds_what_a_schema_change_broke(tmp_path, store):
    import duckdb

    from portal.config import Limits
    from portal.warehouse.engine import Warehouse

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE SCHEMA analytics; CREATE TABLE analytics.orders (order_id INT, status VARCHAR, order_date DATE)"
    )
    con.close()
    store.save(q(), ALEX, None)  # uses status and order_date: fine
    store.save(
        replace(q(qid="sales/revenue", title="Revenue"), sql="SELECT sum(revenue) FROM analytics.orders\n", params=()),
        ALEX,
        None,
    )
    wh = Warehouse(db, Limits(), demo_model())
    queries, errors = store.load_all()
    results = {r.id: r for r in check_all(session_for(wh), queries, None, errors)}
    assert results["sales/orders_by_status"].ok
    assert not results["sales/revenue"].ok and "revenue" in results["sales/revenue"].error
    users = [Consumer(f"query:{r.id}", "saved query", r.title, r.lineage) for r in results.values()]
    assert [u.id for u in readers(users, "analytics.orders", "status")] == ["query:sales/orders_by_status"]
    assert [u.id for u in readers(users, "analytics.orders")] == ["query:sales/orders_by_status", "query:sales/revenue"]
    wh.close()
    r = subprocess.run(
        [sys.executable, "-m", "portal", "check", "--db", str(db), str(store.root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1 and "BROKEN  sales/revenue" in r.stdout and "1 ok, 1 broken" in r.stdout


STARTERS = sorted(
    p.relative_to(ROOT / "queries").with_suffix("").as_posix() for p in (ROOT / "queries").glob("*/*.sql")
)


def test_starter_set_is_big_and_mostly_curated():
    queries, errors = QueryStore(ROOT / "queries", ROOT / "state").load_all()
    assert errors == []
    assert sum(x.is_curated for x in queries) >= 12
    ids = {x.id for x in queries}
    assert {
        "support/conversion_by_resolution_speed",
        "marketing/cac_by_campaign",
        "product/conversion_by_platform_browser",
        "executive/weekly_active_users",
        "executive/revenue_by_week",
    } <= ids


@pytest.mark.parametrize("qid", STARTERS)
def test_every_starter_query_runs_and_returns_rows(qid, warehouse):
    query = QueryStore(ROOT / "queries", ROOT / "state").get(qid)
    res = run_saved(session_for(warehouse), query, {})
    assert res.row_count > 0, qid
    if query.chart:
        assert {query.chart.x, query.chart.y} <= set(res.frame.columns)


def test_starter_answers_make_sense(warehouse):
    store = QueryStore(ROOT / "queries", ROOT / "state")
    s = session_for(warehouse)
    cac = run_saved(s, store.get("marketing/cac_by_campaign"), {}).frame.set_index("utm_campaign")
    assert cac.loc["tiktok_creators", "cac"] > cac.loc["google_brand", "cac"]
    assert cac.loc["tiktok_creators", "cost_per_click"] < cac.loc["google_brand", "cost_per_click"]
    pairs = run_saved(s, store.get("product/conversion_by_platform_browser"), {}).frame
    assert pairs.iloc[0]["pair"] == "iOS / Safari"
    tickets = run_saved(s, store.get("support/conversion_by_resolution_speed"), {}).frame
    first = tickets[tickets.cart_bucket == "$0-99"].set_index("resolution")["conversion"]
    assert first["under 1 hour"] > first["1 hour or more"]


def test_check_cli_passes_on_the_starter_set(demo_db):
    r = subprocess.run(
        [sys.executable, "-m", "portal", "check", "--db", str(demo_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PORTAL_STATE_DIR": "/tmp/chk"},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{len(STARTERS)} ok, 0 broken" in r.stdout


# ---------------------------------------------------------------- issue #12: findings 4 to 6


def test_leading_sql_comments_are_never_read_as_header_keys(store):
    """An analyst cannot publish "curated" by starting the SQL with a status comment (finding 4)."""
    sql = "-- status: curated\n-- note: keep this comment\nSELECT 1 AS one\n"
    saved = store.save(q(title="Sneaky", qid="sales/sneaky", sql=sql, status="draft"), ALEX, None)
    again = store.get(saved.id)
    assert again.status == "draft"
    assert again.sql == sql  # the comments stay with the SQL, through a second save too
    resaved = store.save(replace(again, description="edited"), ALEX, again.version)
    assert store.get(resaved.id).sql == sql and store.get(resaved.id).status == "draft"
    assert store.get(resaved.id).description == "edited"


def test_multi_line_description_survives(store):
    saved = store.save(q(description="First line.\nSecond line: with a colon.\n-- not a header"), ALEX, None)
    assert store.get(saved.id).description == "First line.\nSecond line: with a colon.\n-- not a header"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": "Two\nlines"}, "one line"),
        ({"title": "Quarterly\u2028-- status: curated"}, "one line"),  # U+2028 ends a line for the header parser
        ({"owner": "alex\x85-- status: curated"}, "one line"),
        ({"title": "x" * 1_000_000}, "at most 200"),
        ({"description": "d" * 20_000}, "at most 5,000"),
        ({"tags": tuple(f"t{i}" for i in range(50))}, "at most 20 tags"),
    ],
)
def test_oversized_or_multi_line_fields_are_refused_in_plain_words(store, change, message):
    with pytest.raises(SaveRefused, match=message):
        store.save(q(**change), ALEX, None)
    assert store.load_all() == ([], [])  # nothing half-written


def test_ids_that_differ_only_by_slash_placement_keep_separate_revisions(store):
    a = store.save(q(title="A", qid="aa__bb/cc"), ALEX, None)
    b = store.save(q(title="B", qid="aa/bb__cc"), ALEX, None)
    assert [r.text for r in store.revisions(a.id)] != [r.text for r in store.revisions(b.id)]
    assert len(store.revisions(a.id)) == 1 and len(store.revisions(b.id)) == 1
    store.delete(a.id, ALEX, store.get(a.id).version)
    ((qid, path),) = store.trash()
    assert qid == "aa__bb/cc"
    store.restore_from_trash(path, ALEX)
    assert store.get("aa__bb/cc").title == "A" and store.get("aa/bb__cc").title == "B"


def test_interrupted_saves_leave_no_tmp_files_behind(store):
    store.save(q(), ALEX, None)
    stale = store.root / "sales" / ".orders_by_status.sql.abc.tmp"
    stale.write_text("half a file")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = store.root / "sales" / ".other.sql.def.tmp"  # a save in progress right now: left alone
    fresh.write_text("in progress")
    store.save(q(title="Another", qid="sales/another"), ALEX, None)
    assert not stale.exists() and fresh.exists()

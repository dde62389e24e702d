"""The demo warehouse: structure, descriptions, PII separation, determinism and atomic builds."""

from __future__ import annotations

import duckdb
import pytest

from portal.config import public_twin
from portal.demo import build as build_module
from portal.demo import build_demo

EXPECTED_RAW = {
    "users",
    "events",
    "orders",
    "order_items",
    "products",
    "support_tickets",
    "ad_spend",
    "experiment_assignments",
    "shipments",
    "vendors",
}
EXPECTED_ANALYTICS = {
    "users",
    "events",
    "orders",
    "order_items",
    "products",
    "vendors",
    "shipments",
    "support_tickets",
    "campaign_daily",
    "experiments",
    "experiment_assignments",
    "daily_metrics",
    "build_info",
}
PII = ("email", "full_name", "phone", "street_address")


@pytest.fixture
def con(db):
    return db


def tables(con, schema):
    return {
        r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [schema]).fetchall()
    }


def test_both_layers_have_every_table(con):
    assert tables(con, "raw") == EXPECTED_RAW
    assert tables(con, "analytics") == EXPECTED_ANALYTICS


def test_every_table_and_column_is_described(con):
    undescribed_tables = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('raw', 'analytics') AND coalesce(comment, '') = ''"
    ).fetchall()
    undescribed_cols = con.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name IN ('raw', 'analytics') AND coalesce(comment, '') = ''"
    ).fetchall()
    assert undescribed_tables == []
    assert undescribed_cols == []


def test_raw_tables_point_to_an_existing_analytics_table(con):
    from portal.warehouse.catalog import read_catalog

    cat = read_catalog(lambda sql: con.execute(sql).fetchall(), raw_schemas=("raw",))
    raws = [t for t in cat.tables if t.is_raw]
    assert len(raws) == len(EXPECTED_RAW)
    for t in raws:
        assert t.replacement, t.full_name
        assert cat.table(t.replacement) is not None, t.replacement


def test_raw_keeps_loader_metadata_and_mess(con):
    for t in EXPECTED_RAW:
        cols = [r[0] for r in con.execute(f"DESCRIBE raw.{t}").fetchall()]
        assert "_loaded_at" in cols, t
    dup_events = con.execute("SELECT count(*) - count(DISTINCT event_id) FROM raw.events").fetchall()[0][0]
    assert dup_events > 0
    assert con.execute("SELECT count(*) - count(DISTINCT event_id) FROM analytics.events").fetchall()[0][0] == 0
    statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM raw.orders").fetchall()}
    assert len(statuses) > 3  # mixed case and spacing
    assert {r[0] for r in con.execute("SELECT DISTINCT status FROM analytics.orders").fetchall()} == {
        "completed",
        "refunded",
        "cancelled",
    }
    tests_raw = con.execute("SELECT count(*) FROM raw.users WHERE email LIKE '%@test.internal'").fetchall()[0][0]
    assert tests_raw > 0
    assert con.execute("SELECT count(*) FROM raw.users").fetchall()[0][0] == (
        con.execute("SELECT count(*) FROM analytics.users").fetchall()[0][0] + tests_raw
    )


def test_analytics_has_no_personal_data(con):
    cols = {
        r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'analytics'").fetchall()
    }
    assert not cols & set(PII)


def test_public_twin_masks_pii_and_keeps_everything_else(demo_db, con, public_warehouse):
    twin = public_warehouse._cursor()
    try:
        assert tables(twin, "raw") == EXPECTED_RAW and tables(twin, "analytics") == EXPECTED_ANALYTICS
        for col in PII:
            assert twin.execute(f"SELECT count({col}) FROM raw.users").fetchall()[0][0] == 0
            assert con.execute(f"SELECT count({col}) FROM raw.users").fetchall()[0][0] > 0
        same = "SELECT count(*), sum(hash(user_id, country, created_at)) FROM raw.users"
        assert twin.execute(same).fetchall() == con.execute(same).fetchall()
        assert twin.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'events' AND schema_name = 'analytics'"
        ).fetchall()[0][0]
    finally:
        twin.close()
    # No personal data survives anywhere in the twin's bytes (not even in free blocks).
    emails = [r[0] for r in con.execute("SELECT email FROM raw.users LIMIT 20").fetchall()]
    blob = public_twin(demo_db).read_bytes()
    assert not any(e.encode() in blob for e in emails)


def test_build_info_records_freshness(con):
    from portal.demo import stories

    row = con.execute("SELECT data_from, data_through, seed FROM analytics.build_info").fetchall()[0]
    assert row[0] == stories.DEMO_START_DATE
    assert row[1] == stories.DEMO_END_DATE
    assert row[2] == 7


def checksum(path):
    c = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for s, t in c.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            if t == "build_info":
                continue
            out[f"{s}.{t}"] = c.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {s}.{t}").fetchall()
        return out
    finally:
        c.close()


def test_same_seed_same_data_any_thread_count(tmp_path):
    a = build_demo(tmp_path / "a" / "w.duckdb", scale=0.01, seed=3, threads=1)
    b = build_demo(tmp_path / "b" / "w.duckdb", scale=0.01, seed=3, threads=2)
    c = build_demo(tmp_path / "c" / "w.duckdb", scale=0.01, seed=4)
    assert a.row_counts == b.row_counts
    assert checksum(a.path) == checksum(b.path)
    assert checksum(a.path) != checksum(c.path)


def test_scale_controls_size(tmp_path, con):
    small = build_demo(tmp_path / "w.duckdb", scale=0.01, seed=7)
    users_small = small.row_counts["analytics.users"]
    users_test = con.execute("SELECT count(*) FROM analytics.users").fetchall()[0][0]
    assert 7 < users_test / users_small < 13  # scale 0.1 vs 0.01


def test_failed_build_leaves_existing_warehouse_untouched(tmp_path, monkeypatch):
    out = tmp_path / "w.duckdb"
    build_demo(out, scale=0.005, seed=1)
    before = checksum(out)
    real = build_module.load_sql

    def broken(name):
        if name == "raw/orders":
            raise RuntimeError("disk full (simulated)")
        return real(name)

    monkeypatch.setattr(build_module, "load_sql", broken)
    with pytest.raises(RuntimeError):
        build_demo(out, scale=0.005, seed=2)
    assert checksum(out) == before
    assert public_twin(out).exists()

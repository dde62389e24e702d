"""Workbench logic: parameters, formatting, guard estimates, history, downloads and charts."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import session_for

from portal.config import Guard
from portal.demo.build import demo_model
from portal.reporting.charts import chart, default_chart
from portal.warehouse.guard import judge
from portal.warehouse.runner import BackgroundRun
from portal.workbench.formatting import format_sql
from portal.workbench.history import History
from portal.workbench.params import Param, ParamError, bind, coerce, find_params

FIXTURES = Path(__file__).parent / "lint_fixtures"


def test_find_params_ignores_strings_and_comments():
    sql = "SELECT '$no', \"$no2\" FROM t -- $no3\nWHERE a = $country AND d >= $start /* $no4 */ AND b = $country"
    assert find_params(sql) == ["country", "start"]


def test_values_are_typed_and_validated():
    assert coerce(Param("n", "number"), "3") == 3
    assert coerce(Param("d", "date"), "2026-02-01") == date(2026, 2, 1)
    assert coerce(Param("l", "list"), "US, GB,") == ["US", "GB"]
    assert coerce(Param("c", "text", default="US"), "") == "US"
    with pytest.raises(ParamError, match=r"\$n must be a number"):
        coerce(Param("n", "number"), "1; DROP TABLE x")
    with pytest.raises(ParamError, match="one of"):
        coerce(Param("p", "text", choices=("iOS", "Android")), "Windows")
    with pytest.raises(ParamError, match="unknown type"):
        Param("x", "sql")


def test_injection_attempt_is_bound_as_a_value(warehouse):
    sql = "SELECT count(*) AS n FROM analytics.users WHERE country = $country"
    params = bind(sql, [Param("country")], {"country": "x' OR 1=1 --"})
    assert session_for(warehouse).run(sql, params).frame.iloc[0, 0] == 0
    lst = "SELECT count(*) AS n FROM analytics.users WHERE country IN (SELECT unnest($countries))"
    both = (
        session_for(warehouse)
        .run(lst, bind(lst, [Param("countries", "list")], {"countries": "US,GB"}))
        .frame.iloc[0, 0]
    )
    us = session_for(warehouse).run(sql, {"country": "US"}).frame.iloc[0, 0]
    assert both > us > 0


FORMAT_CASES = sorted(p for p in FIXTURES.glob("L*_good.sql")) + [
    "SELECT platform,count(*) n FROM analytics.events WHERE event_name='purchase' GROUP BY 1 ORDER BY 2 DESC",
    "with a as (select user_id, sum(revenue) r from analytics.orders group by 1) select count(*), avg(r) from a",
    "select 'select  from  where' as s, 1 as \"Order\"",
]


@pytest.mark.parametrize("case", FORMAT_CASES, ids=lambda c: c.name if isinstance(c, Path) else c[:30])
def test_format_changes_layout_never_meaning(case, warehouse):
    sql = case.read_text() if isinstance(case, Path) else case
    formatted = format_sql(sql)
    s = session_for(warehouse)
    before = s.run(sql).frame
    after = s.run(formatted).frame
    assert list(before.columns) == list(after.columns)
    key = list(before.columns)  # row order is unspecified without ORDER BY
    pd.testing.assert_frame_equal(before.sort_values(key, ignore_index=True), after.sort_values(key, ignore_index=True))
    assert format_sql(formatted) == formatted  # stable


def test_guard_estimates_and_decides(warehouse):
    s = session_for(warehouse)
    rows = {t.full_name: t.row_count for t in s.catalog().tables}
    small = s.estimate("SELECT platform, count(*) FROM analytics.users GROUP BY 1", None, rows)
    assert small.scanned == {"analytics.users": rows["analytics.users"]}
    assert 1 <= small.returns <= 50
    assert judge(small, Guard()).level == "ok"
    assert "scans ~" in small.describe()
    cross = s.estimate("SELECT * FROM analytics.events a, analytics.events b", None, rows)
    assert cross.peak >= rows["analytics.events"] ** 2 * 0.9
    assert judge(cross, Guard(ceiling_rows=10**9)).level == "refuse"
    assert judge(cross, Guard(ceiling_rows=10**15, warn_scan_rows=10**5)).level == "warn"
    assert judge(small, Guard(warn_scan_rows=10)).level == "warn"


def test_a_grouped_result_over_a_join_is_not_a_large_result(warehouse):
    """A 3-row GROUP BY of an expression over a four-table join: DuckDB estimates its groups as its
    input rows; the guard says "one row per group" and asks nobody to "Run anyway" for it."""
    s = session_for(warehouse)
    rows = {t.full_name: t.row_count for t in s.catalog().tables}
    sql = (
        "SELECT CASE WHEN u.platform IN ('iOS', 'Android') THEN 'mobile' WHEN u.platform = 'Linux' THEN 'linux' "
        "ELSE 'desktop' END AS kind, count(*) AS n FROM analytics.orders o JOIN analytics.users u USING (user_id) "
        "JOIN analytics.order_items i USING (order_id) JOIN analytics.products p USING (product_id) GROUP BY 1"
    )
    est = s.estimate(sql, None, rows)
    assert len(s.run(sql).frame) == 3 and est.grouped and est.returns > 100  # the optimizer's guess
    guard = Guard(warn_result_rows=100, warn_scan_rows=10**9)  # thresholds the guess exceeds
    verdict = judge(est, guard)
    assert verdict.level == "ok" and "returns one row per group" in verdict.message
    flat = s.estimate("SELECT * FROM analytics.order_items", None, rows)
    assert not flat.grouped and judge(flat, guard).level == "warn"  # a large plain result still warns
    total = s.estimate("SELECT count(*) FROM analytics.order_items", None, rows)
    assert total.returns == 1


def test_history_persists_and_searches(tmp_path):
    h = History(tmp_path)
    h.record("alex", "SELECT 1", 0.01, 1, "ok")
    h.record("alex", "SELECT nope", 0.01, None, "error", "Unknown name nope")
    h.record("priya", "SELECT 2", 0.01, 1, "ok")
    again = History(tmp_path)  # a restart
    assert [e.sql for e in again.recent("alex")] == ["SELECT nope", "SELECT 1"]
    assert [e.status for e in again.recent("alex", "nope")] == ["error"]
    assert [e.sql for e in again.recent("priya")] == ["SELECT 2"]
    small = History(tmp_path, keep_per_user=2)
    small.record("alex", "SELECT 3", 0.01, 1, "ok")
    assert len(small.recent("alex")) == 2


def test_downloads_stream_the_full_result_capped(warehouse):
    s = session_for(warehouse)
    csv, capped = s.download("SELECT * FROM range(25000) t(i)", None, "csv", 100_000)
    assert not capped and len(csv.decode().strip().splitlines()) == 25001
    data, capped = s.download("SELECT * FROM range(25000) t(i)", None, "parquet", 1000)
    assert capped and pq.read_table(io.BytesIO(data)).num_rows == 1000
    empty, _ = s.download("SELECT 1 AS a WHERE false", None, "csv", 10)
    assert empty.decode().strip() == '"a"'


def test_chart_guesses_and_validates():
    frame = pd.DataFrame(
        {"week": pd.to_datetime(["2026-01-05", "2026-01-12"]), "revenue": [10.0, 12.5], "k": ["a", "b"]}
    )
    guess = default_chart(frame)
    assert guess == {"kind": "line", "x": "week", "y": "revenue", "color": None}
    spec = chart(frame, "bar", "k", "revenue").to_dict()
    assert spec["mark"]["type"] == "bar"
    with pytest.raises(ValueError, match="not numeric"):
        chart(frame, "bar", "week", "k")


def test_background_run_can_be_cancelled(demo_db, tmp_path):
    import shutil

    from portal.config import Limits
    from portal.warehouse.engine import Warehouse

    path = tmp_path / "w.duckdb"
    shutil.copy(demo_db, path)
    w = Warehouse(path, Limits(timeout_seconds=30), demo_model())
    job = BackgroundRun(
        session_for(w), "SELECT count(*) FROM analytics.events a, analytics.events b WHERE a.user_id < b.user_id"
    ).start()
    job.wait(0.5)
    assert not job.done and job.cancel()
    assert job.wait(10)
    assert job.error is not None and job.error.kind == "cancelled"
    w.close()


def test_schema_click_inserts_at_the_cursor():
    from portal.workbench.formatting import insert_at

    assert insert_at("SELECT *\nFROM ", {"row": 1, "column": 5}, "analytics.users") == "SELECT *\nFROM analytics.users"
    assert insert_at("SELECT  FROM t", {"row": 0, "column": 7}, "a") == "SELECT a FROM t"
    assert insert_at("SELECT 1", None, "x") == "SELECT 1 x\n"
    assert insert_at("a", {"row": 9, "column": 99}, "b") == "ab"  # out-of-range cursor is clamped


def test_an_undeclared_date_starts_inside_the_data():
    """Issue #31: `$since` defaulted to today, after the data ends, so an unchanged Run answered
    nothing. A window's start is four weeks before the last day of data, any other date that day."""
    from datetime import date

    from portal.workbench.params import default_date

    last = date(2026, 11, 15)
    assert default_date("since", last) == date(2026, 10, 18)
    assert default_date("start_date", last) == default_date("from", last) == date(2026, 10, 18)
    assert default_date("until", last) == default_date("day", last) == last


def test_identifiers_are_shown_as_typed_and_amounts_are_separated():
    from portal.reporting.table_format import is_identifier

    assert all(is_identifier(c) for c in ("user_id", "order_id", "o_orderkey", "ss_item_sk", "year", "id"))
    assert not any(is_identifier(c) for c in ("revenue", "users", "orders", "avg_days", "paid"))


def test_a_download_stops_at_its_byte_cap_at_a_whole_row(demo_db, tmp_path):
    """Security review #3, finding 7: 400 rows of 1 MB cells became a 400 MB CSV inside the app
    server. A download is capped in bytes as well as rows, and says it was capped."""
    from conftest import private_warehouse

    from portal.config import Limits

    wh = private_warehouse(demo_db, tmp_path, Limits(download_max_bytes=20_000_000))
    try:
        s = session_for(wh)
        wide = "SELECT i, repeat('x', 1000000) AS c FROM range(400) t(i)"
        data, capped = s.download(wide, None, "csv")
        assert capped and len(data) <= 21_000_000  # the cap, and one slice past it at most
        assert 10 <= len(data.decode().strip().splitlines()) - 1 < 400  # whole rows up to the cap
        parquet, _ = s.download(wide, None, "parquet")  # compressed: under the cap, whole, and bounded
        assert len(parquet) <= 21_000_000 and pq.read_table(io.BytesIO(parquet)).num_rows >= 10
        small, capped = s.download("SELECT * FROM range(1000) t(i)", None, "csv")
        assert not capped and len(small.decode().strip().splitlines()) == 1001  # a normal result is untouched
    finally:
        wh.close()

"""Issue #32: lifecycle and stickiness reconcile exactly with plain SQL computing the same counts, on
the demo warehouse (integer ids; from the event index and from a scan) and on the Segment-shaped one
(text ids, anonymous visitors resolved to the people they signed up as)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from conftest import ROOT, session_for
from test_segment_warehouse import build_segment

from portal.product.lifecycle import LifecycleError, lifecycle, stickiness
from portal.sqlfiles import Fragment, render

STEP = {"day": "INTERVAL 1 DAY", "week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH"}


def reference_lifecycle(session, grain: str) -> pd.DataFrame:
    """The four states in plain SQL over the model's resolved events, with window functions."""
    events = render("cohorts/activity", activity=Fragment("true"), **session.model.slots("events"))
    step = STEP[grain]
    sql = f"""
    WITH a AS (SELECT DISTINCT user_id, CAST(date_trunc('{grain}', event_date) AS DATE) AS p FROM ({events})),
    o AS (SELECT user_id, p, lag(p) OVER w AS prev, lead(p) OVER w AS nxt FROM a
          WINDOW w AS (PARTITION BY user_id ORDER BY p)),
    s AS (
        SELECT p AS period, CASE WHEN prev IS NULL THEN 'new' WHEN prev = CAST(p - {step} AS DATE) THEN 'returning'
                                 ELSE 'resurrecting' END AS state FROM o
        UNION ALL
        SELECT CAST(p + {step} AS DATE), 'dormant' FROM o WHERE nxt IS NULL OR nxt <> CAST(p + {step} AS DATE)
    )
    SELECT period,
           count(*) FILTER (WHERE state = 'new') AS new,
           count(*) FILTER (WHERE state = 'returning') AS returning,
           count(*) FILTER (WHERE state = 'resurrecting') AS resurrecting,
           -count(*) FILTER (WHERE state = 'dormant') AS dormant
    FROM s WHERE period <= (SELECT max(p) FROM a)
    GROUP BY period ORDER BY period"""
    return session.frame(sql)


def reference_stickiness(session, grain: str) -> dict[int, int]:
    events = render("cohorts/activity", activity=Fragment("true"), **session.model.slots("events"))
    sql = f"""
    SELECT days, count(*) AS people FROM (
        SELECT user_id, date_trunc('{grain}', event_date) AS p, count(DISTINCT event_date) AS days
        FROM ({events}) GROUP BY ALL
    ) GROUP BY days"""
    return {int(r.days): int(r.people) for r in session.frame(sql).itertuples()}


def same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    ours = ours[(ours[["new", "returning", "resurrecting", "dormant"]] != 0).any(axis=1)].reset_index(drop=True)
    ref = ref.assign(period=pd.to_datetime(ref["period"]).dt.date)
    assert ours["period"].tolist() == ref["period"].tolist()
    for col in ("new", "returning", "resurrecting", "dormant"):
        assert ours[col].tolist() == ref[col].astype(int).tolist(), col


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize("path", ["index", "scan"])
def test_lifecycle_equals_plain_sql_on_the_demo(warehouse, grain, path):
    s = session_for(warehouse)
    if path == "scan":
        s.event_index = lambda: None
    else:
        assert s.event_index() is not None
    ours = lifecycle(s, grain)
    same(ours, reference_lifecycle(s, grain))
    assert ours["new"].sum() == s.frame("SELECT count(DISTINCT user_id) FROM analytics.events").iloc[0, 0]


@pytest.mark.parametrize("grain", ["week", "month"])
def test_stickiness_equals_plain_sql_on_the_demo(warehouse, grain):
    s = session_for(warehouse)
    got = stickiness(s, grain)
    want = reference_stickiness(s, grain)
    assert {int(r.days): int(r.people) for r in got.itertuples() if r.people} == want


def test_a_range_keeps_earlier_history_and_bad_input_is_plain(warehouse):
    s = session_for(warehouse)
    whole = lifecycle(s, "month").set_index("period")
    part = lifecycle(s, "month", date(2025, 6, 1), date(2025, 9, 30)).set_index("period")
    assert list(part.index) == [date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)]
    assert part.equals(whole.loc[part.index])  # people seen before June are returning, not new
    with pytest.raises(LifecycleError, match="grain"):
        lifecycle(s, "hour")
    with pytest.raises(LifecycleError, match="ends before"):
        lifecycle(s, "week", date(2025, 9, 1), date(2025, 6, 1))


def test_lifecycle_on_the_segment_warehouse_counts_resolved_people(tmp_path):
    from portal.config import load_settings
    from portal.warehouse.connect import open_warehouse

    config = build_segment(tmp_path / "seg")
    settings = load_settings(config)
    wh = open_warehouse(settings, pii=True)
    try:
        s = session_for(wh)
        ours = lifecycle(s, "week")
        same(ours, reference_lifecycle(s, "week"))
        people = s.frame(
            "SELECT count(DISTINCT user_id) FROM ("
            + render("cohorts/activity", activity=Fragment("true"), **s.model.slots("events"))
            + ")"
        ).iloc[0, 0]
        anonymous = s.frame("SELECT count(DISTINCT anonymous_id) FROM segment.tracks").iloc[0, 0]
        assert ours["new"].sum() == people < anonymous  # a visitor who signed up on two devices is one person
    finally:
        wh.close()


def test_the_lifecycle_command_prints_csv(demo_db):
    env = {**os.environ, "PORTAL_DB": str(demo_db)}
    done = subprocess.run(
        [sys.executable, "-m", "portal", "lifecycle", "--grain", "month", "--db", str(demo_db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "period,new,returning,resurrecting,dormant" and len(lines) > 10
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal",
            "lifecycle",
            "--from",
            "2025-09-01",
            "--to",
            "2025-06-01",
            "--db",
            str(demo_db),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "ends before it starts" in bad.stderr and "Traceback" not in bad.stderr


def test_the_lifecycle_page_draws_both_charts_and_its_numbers_are_the_functions(portal_env, warehouse):
    from conftest import run_page

    at = run_page("pages/lifecycle.py", query={"lc_grain": "month"})
    charts = at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
    assert len(charts) == 2  # lifecycle and stickiness
    (grid,) = [d.value for d in at.dataframe if "resurrecting" in d.value.columns]
    start, end = at.date_input(key="lc_range").value
    want = lifecycle(session_for(warehouse), "month", start, end)
    assert grid["new"].tolist() == want["new"].tolist() and grid["dormant"].tolist() == want["dormant"].tolist()
    assert not at.error

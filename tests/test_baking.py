"""Baking windows measured from the data (issue #25, defect 4): the lag by which 90% of eventual
customers had bought, on the demo (where only about half buy within 30 days) and on the company
warehouse of tests/foreign, and the pages, digest and saved queries that use it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import session_for, shown

from portal.product.baking import FALLBACK_DAYS, BakingWindow, conversion_window, window_from_lags
from portal.reporting.metrics import load_metrics, settle

THROUGH = date(2026, 11, 15)


def test_the_window_is_where_ninety_percent_of_eventual_conversions_had_happened():
    w = window_from_lags([(0, 50), (10, 30), (40, 15), (100, 5)])
    assert w.days == 40 and w.customers == 100 and w.measured
    assert w.within == {30: 0.8, 60: 0.95, 90: 0.95}
    assert "90% of customers buy within 40 days" in w.words() and "80% within 30" in w.words()
    few = window_from_lags([(3, 5)])
    assert few.days == FALLBACK_DAYS and not few.measured and "too few customers" in few.words()


def reference_window(con, through: date, share: float = 0.9, horizon: int = 180) -> int:
    """Plain SQL and Python on the file: lags of people who signed up at least `horizon` days ago."""
    lags = sorted(
        r[0]
        for r in con.execute(
            "SELECT date_diff('day', CAST(signup_at AS DATE), CAST(first_order_at AS DATE)) FROM analytics.users "
            "WHERE first_order_at IS NOT NULL AND CAST(signup_at AS DATE) <= ?",
            [through - timedelta(days=horizon)],
        ).fetchall()
        if 0 <= r[0] <= horizon
    )
    return lags[next(i for i in range(len(lags)) if i + 1 >= share * len(lags))]


def test_the_demo_window_is_measured_and_far_longer_than_thirty_days(warehouse, db):
    w = conversion_window(session_for(warehouse), THROUGH)
    assert w.days == reference_window(db, THROUGH)
    assert w.days > 60 and w.within[30] < 0.6, "about half buy within 30 days: 30 days of baking was too short"


def test_metrics_that_bake_get_the_measured_window(tmp_path):
    from portal.config import ROOT

    metrics = load_metrics(ROOT / "metrics.toml")
    assert metrics["cac"].bakes == "conversion" and metrics["cac"].bakes_days == 0
    w = BakingWindow(97, customers=5000, within={30: 0.5})
    settled = settle(metrics, {"conversion": w})
    assert settled["cac"].bakes_days == 97 and "97 days" in settled["cac"].bakes_why
    assert settled["revenue"].bakes_days == 0
    bad = tmp_path / "metrics.toml"
    bad.write_text('[metrics.x]\nunit = "count"\nsql = "SELECT 1"\nbakes = "forever"\n')
    from portal.reporting.metrics import MetricError

    with pytest.raises(MetricError, match=r"line 4: \[metrics.x\] bakes: Input should be '' or 'conversion'"):
        load_metrics(bad)


def test_the_marketing_dashboard_says_which_cac_is_still_baking(portal_env, warehouse):
    """The CAC KPI and the CAC-by-campaign tiles say the measured window, not 30 days."""
    from streamlit.testing.v1 import AppTest

    w = conversion_window(session_for(warehouse), THROUGH)
    script = "from pages.team import render\nrender('marketing')\n"
    at = AppTest.from_string(script, default_timeout=120)
    at.query_params["dash_from"] = "2026-10-19"
    at.query_params["dash_to"] = "2026-11-15"
    at.run()
    assert not at.exception, at.exception
    cac = next(m for m in at.metric if m.label == "CAC")
    assert cac.proto.delta_description == "still baking"  # CAC of the last four weeks is not final
    assert f"90% of customers buy within {w.days} days" in cac.help.replace("\\", "")
    notes = [shown(x) for x in at.warning if "Still baking" in shown(x)]
    assert len(notes) == 3, notes  # CAC by campaign (chart and table) and click-to-purchase
    since = THROUGH - timedelta(days=w.days)
    assert all(f"signups after {since}" in n and f"90% buy within {w.days} days" in n for n in notes)
    old = AppTest.from_string(script, default_timeout=120)
    old.query_params["dash_from"] = "2025-01-06"
    old.query_params["dash_to"] = "2025-06-30"
    old.run()
    assert not [x for x in old.warning if "Still baking" in shown(x)], "an old range is final"
    assert next(m for m in old.metric if m.label == "CAC").proto.delta_description != "still baking"


def test_cac_payback_marks_cohorts_inside_the_measured_window(warehouse):
    from portal.product.cohorts import cac_payback

    s = session_for(warehouse)
    w = conversion_window(s, THROUGH)
    table = cac_payback(s, THROUGH)
    import pandas as pd

    young = table[
        pd.to_datetime(table["cohort"]) + pd.offsets.MonthEnd(0) + pd.Timedelta(days=w.days) > pd.Timestamp(THROUGH)
    ]
    assert len(young) >= 3 and young["still_baking"].all(), "every cohort inside the window is still baking"
    thirty = cac_payback(s, THROUGH, bakes_days=30)
    assert thirty["still_baking"].sum() < table["still_baking"].sum(), "the old 30 days called them final"


def test_the_window_works_on_a_warehouse_of_another_shape(tmp_path):
    """The company warehouse: text ids, first purchase from [model.revenue] (no column for it)."""
    from test_foreign_warehouse import build_company, cli

    from portal.config import load_settings
    from portal.warehouse.engine import Warehouse

    config = build_company(tmp_path / "company")
    assert cli(config, "twin").returncode == 0
    s = load_settings(config)
    wh = Warehouse(s.warehouse_path, s.limits, s.model)
    try:
        session = session_for(wh)
        through = date(2026, 5, 15)
        assert not conversion_window(session, through).measured  # 180 days of history do not exist there
        w = conversion_window(session, through, horizon=20)
        con = wh._cursor()  # plain SQL on the same file (a second connection would be refused)
        lags = sorted(
            r[0]
            for r in con.execute(
                "SELECT date_diff('day', CAST(c.created AS DATE), CAST(min(p.paid_at) AS DATE)) FROM customers c "
                "JOIN purchases p ON p.buyer = c.customer_key AND p.state = 'paid' "
                "WHERE CAST(c.created AS DATE) <= ? GROUP BY c.customer_key, c.created",
                [through - timedelta(days=20)],
            ).fetchall()
            if 0 <= r[0] <= 20
        )
        con.close()
        assert w.customers == len(lags) >= 30
        assert w.days == max(lags[next(i for i in range(len(lags)) if i + 1 >= 0.9 * len(lags))], 1)
    finally:
        wh.close()


def test_the_marketing_dashboard_opens_on_settled_days_and_says_so(portal_env, warehouse):
    """Issue #32 (the walk): opened without dates, Marketing shows the last four whole weeks CAC is
    final for, not the last four weeks (CAC $25.16 "+127%" baking where the settled figure was $7.97)."""
    from streamlit.testing.v1 import AppTest

    w = conversion_window(session_for(warehouse), THROUGH)
    at = AppTest.from_string("from pages.team import render\nrender('marketing')\n", default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    settled = THROUGH - timedelta(days=w.days)
    sunday = settled - timedelta(days=(settled.weekday() + 1) % 7)  # whole weeks: the charts are weekly
    assert at.text_input(key="dash_to").value == sunday.isoformat()
    assert at.text_input(key="dash_from").value == (sunday - timedelta(days=27)).isoformat()
    cac = next(m for m in at.metric if m.label == "CAC")
    assert cac.proto.delta_description != "still baking"
    assert any(
        "the last weeks every number here is final for" in shown(c) and str(THROUGH) in shown(c) for c in at.caption
    )
    bad = AppTest.from_string("from pages.team import render\nrender('marketing')\n", default_timeout=120)
    bad.query_params["dash_from"] = "someday"
    bad.run()
    assert not bad.exception and any("'someday' is not a date" in shown(e) for e in bad.error)

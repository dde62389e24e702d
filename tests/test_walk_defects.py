"""Issue #32, the new-user walk: answers that open settled and charts that read at a glance. Each
defect the walk found has its test here (or, for dashboards' dates, in test_baking and
test_dashboards)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from conftest import run_page, session_for, shown

from portal.reporting.charts import chart, curves, heatmap, label_rows, time_axis


def test_cac_payback_has_intervals_a_verdict_and_its_own_controls(portal_env, warehouse):
    from portal.product.cohorts import cac_payback, lowest_cac

    pay = cac_payback(session_for(warehouse), date(2026, 11, 15))
    has = pay[pay["customers"] > 0]
    assert ((has["cac_low"] <= has["cac"]) & (has["cac"] <= has["cac_high"])).all()
    verdict = lowest_cac(pay)
    assert verdict and ("really lower" in verdict or "not clearly lower" in verdict) and "95% CI" in verdict
    assert not any("paid back in month 0" in s for s in pay["status"])  # "within the signup month"
    at = run_page("pages/cohorts.py", {"co_tab": "CAC payback"})
    assert not at.exception
    assert not [w for w in at.selectbox if w.key in ("co_grain", "co_split")]  # they do not apply here
    assert any(verdict == shown(i) for i in at.info)
    assert any(
        "Payback month 0 means the signup month's own revenue already covered CAC" in shown(c) for c in at.caption
    )
    retention = run_page("pages/cohorts.py")
    assert [w for w in retention.selectbox if w.key == "co_grain"]  # and they are there where they apply


def test_weekly_series_get_week_ticks_and_monthly_ones_month_ticks():
    weeks = pd.DataFrame({"week": pd.date_range("2026-04-06", periods=30, freq="7D"), "v": range(30)})
    axis = time_axis(weeks, "week").to_dict()
    assert all(pd.Timestamp(v["year"], v["month"], v["date"]).day_of_week == 0 for v in axis["values"])  # Mondays
    months = pd.DataFrame({"m": pd.date_range("2025-01-01", periods=20, freq="MS"), "v": range(20)})
    assert all(v["date"] == 1 for v in time_axis(months, "m").to_dict()["values"])
    days = pd.DataFrame({"d": pd.date_range("2026-04-06", periods=30, freq="D"), "v": range(30)})
    assert time_axis(days, "d") is not None and "values" not in str(time_axis(days, "d"))


def test_change_labels_never_overlap_and_sit_above_the_lines():
    at = pd.Series(pd.to_datetime(["2026-05-01", "2026-05-03", "2026-05-05", "2026-09-01"]))
    text = pd.Series(["Start page redesign", "Onboarding without the address step", "Price test", "Late change"])
    rows = label_rows(at, text, pd.Timestamp("2026-04-01"), pd.Timestamp("2026-11-15"))
    assert len(set(rows[:3])) == 3  # three close changes: three rows
    assert rows[3] == 0  # a far one reuses the first row
    from portal.reporting.annotations import Annotation

    frame = pd.DataFrame({"week": pd.date_range("2026-04-06", periods=30, freq="7D"), "v": range(30)})
    changes = [
        Annotation("a", "Start page redesign", date(2026, 5, 4)),
        Annotation("b", "Onboarding", date(2026, 5, 11)),
    ]
    spec = chart(frame, "line", "week", "v", annotations=changes).to_dict()
    texts = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text"]
    ys = [v["label_y"] for layer in texts for v in spec["datasets"][layer["data"]["name"]]]
    assert ys and all(y < 0 for y in ys) and spec["padding"]["top"] >= -min(ys)  # above the plot, inside the chart


def test_cohort_heatmap_labels_every_row_and_retention_counts_whole_periods():
    cohorts = pd.date_range("2025-01-06", periods=24, freq="7D")
    frame = pd.DataFrame(
        [
            {"cohort": c, "period": p, "retention": 0.5, "cohort_size": 100, "complete": True, "future": False}
            for c in cohorts
            for p in range(4)
        ]
    )
    spec = heatmap(frame, "retention").to_dict()
    assert spec["height"] >= 22 * 24 and spec["layer"][0]["encoding"]["y"]["axis"]["labelOverlap"] is False
    avg = pd.DataFrame({"segment": ["all"] * 13, "period": range(13), "retention": [0.5] * 13})
    x = curves(avg, "retention").to_dict()["encoding"]["x"]["axis"]
    assert x["format"] == "d" and x["tickMinStep"] == 1  # 0, 1, 2 … not 0.0, 1.0


def test_legends_and_category_labels_are_never_cut():
    frame = pd.DataFrame({"pair": ["Android / Samsung Internet", "iOS / Safari"], "c": [0.4, 0.8], "s": ["a", "b"]})
    spec = chart(frame, "bar", "pair", "c", "s").to_dict()
    enc = spec["encoding"] if "encoding" in spec else spec["layer"][0]["encoding"]
    assert enc["color"]["legend"]["labelLimit"] == 0 and enc["x"]["axis"]["labelLimit"] >= 240


def test_home_where_to_go_next_reads_as_links(portal_env):
    at = run_page("pages/home.py")
    links = [p.proto for p in at.get("page_link")]
    assert {"**Explore** →", "**SQL workbench** →", "**Funnels** →", "**Paths** →"} <= {link.label for link in links}


def test_the_support_query_counts_only_completed_orders_and_its_tile_shows_every_row(portal_env, warehouse):
    """The walk: cancelled and refunded orders counted as conversions, "checkout ticket" said without
    a filter, and the tile showed 6 of 16 rows with the upper interval cut off."""
    from conftest import ROOT

    from portal.library import QueryStore, run_saved

    s = session_for(warehouse)
    q = QueryStore(ROOT / "queries", ROOT / "state").get("support/conversion_by_resolution_speed")
    assert "cancelled and refunded orders do not count" in q.description and "with a cart" in q.description
    got = run_saved(s, q, {}).frame.set_index(["cart_bucket", "resolution"])
    t = s.frame(
        "SELECT user_id, opened_at, resolution_minutes, cart_value FROM analytics.support_tickets WHERE cart_value IS NOT NULL AND resolution_minutes IS NOT NULL"
    )
    o = s.frame("SELECT user_id, ordered_at, status FROM analytics.orders")
    m = t.reset_index().merge(o[o.status == "completed"], on="user_id", how="left")
    m["hit"] = (m.ordered_at >= m.opened_at) & (m.ordered_at <= m.opened_at + pd.Timedelta(days=7))
    t["converted"] = m.groupby("index")["hit"].any().reindex(range(len(t)), fill_value=False).to_numpy()
    t["resolution"] = t.resolution_minutes.map(lambda x: "under 1 hour" if x < 60 else "1 hour or more")
    start = (t.cart_value // 100 * 100).astype(int)
    t["cart_bucket"] = "$" + start.astype(str) + "-" + (start + 99).astype(str)
    want = t.groupby(["cart_bucket", "resolution"])["converted"].agg(["size", "mean"])
    want = want[want["size"] >= 20]
    assert len(got) == len(want)
    for key, row in want.iterrows():
        assert got.loc[key, "tickets"] == row["size"] and got.loc[key, "conversion"] == round(row["mean"], 3)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("from pages.team import render\nrender('support')\n", default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    (tile,) = [d for d in at.dataframe if "conversion_high" in d.value.columns or "Conversion high" in d.value.columns]
    assert len(tile.value) == len(got)  # its height (every row, to 20) is seen in the screenshots

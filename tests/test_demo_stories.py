"""The planted stories are present and discoverable, measured on the small test warehouse.

Each test measures the effect the way an analyst would (from the analytics layer only) and asserts
its size against the constants in portal.demo.stories, with margins for the sampling noise of a
scale-0.1 build (about 13k customers).
"""

from __future__ import annotations

import math

import pytest

from portal.demo import stories


@pytest.fixture
def con(db):
    return db


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def z_two_proportions(x1, n1, x2, n2):
    p = (x1 + x2) / (n1 + n2)
    return (x2 / n2 - x1 / n1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


def test_ios_safari_purchase_conversion_is_far_below_every_other_pair(con):
    pairs = rows(
        con,
        """
        WITH c AS (
            SELECT user_id, platform, browser, bool_or(event_name = 'purchase') AS bought
            FROM analytics.events WHERE event_name IN ('checkout_start', 'purchase') GROUP BY ALL)
        SELECT platform, browser, count(*) AS n, avg(bought::INT) AS conv FROM c GROUP BY ALL""",
    )
    ios = next(conv for p, b, n, conv in pairs if (p, b) == ("iOS", "Safari"))
    others = [conv for p, b, n, conv in pairs if (p, b) != ("iOS", "Safari") and n >= 100]
    assert len(others) >= 8
    assert ios < 0.6 * min(others)
    # ...yet the overall rate hides it: iOS Safari is one segment among many.
    overall = rows(
        con,
        """SELECT avg(b::INT) FROM (SELECT bool_or(event_name = 'purchase') AS b
        FROM analytics.events WHERE event_name IN ('checkout_start', 'purchase') GROUP BY user_id)""",
    )[0][0]
    assert overall > 0.6


def test_cheap_clicks_convert_rarely_and_cost_more_per_customer(con):
    data = {
        r[0]: r[1:]
        for r in rows(
            con,
            """
        WITH s AS (SELECT utm_campaign, sum(spend) AS spend, sum(clicks) AS clicks
                   FROM analytics.campaign_daily GROUP BY 1),
             c AS (SELECT utm_campaign, count(*) FILTER (WHERE is_customer) AS customers
                   FROM analytics.users GROUP BY 1)
        SELECT utm_campaign, spend / clicks AS cpc, customers / clicks AS conv, spend / customers AS cac
        FROM s JOIN c USING (utm_campaign)""",
        )
    }
    cheap, good = ["tiktok_creators", "display_retarget"], ["google_brand", "google_shopping"]
    for c in cheap:
        for g in good:
            assert data[c][0] < 0.5 * data[g][0], "cheap clicks are cheaper per click"
            assert data[c][1] < 0.25 * data[g][1], "and convert far less"
            assert data[c][2] > 2 * data[g][2], "so each customer costs more"


def test_onboarding_without_address_step_completes_about_20_percent_more(con):
    r = dict(
        (v, (n, x))
        for v, n, x in rows(
            con,
            """
        SELECT variant, count(*), count(*) FILTER (WHERE u.onboarding_completed)
        FROM analytics.experiment_assignments AS a JOIN analytics.users AS u USING (user_id)
        WHERE a.experiment = 'onboarding_address_step' GROUP BY 1""",
        )
    )
    (n1, x1), (n2, x2) = r["control"], r["no_address_step"]
    lift = (x2 / n2) / (x1 / n1) - 1
    assert 0.08 < lift < 0.35
    assert z_two_proportions(x1, n1, x2, n2) > 2
    assert 0.45 < n1 / (n1 + n2) < 0.55  # no sample-ratio mismatch


def test_button_colour_experiment_is_null(con):
    r = dict(
        (v, (n, x))
        for v, n, x in rows(
            con,
            """
        SELECT variant, count(*), count(*) FILTER (WHERE u.is_customer)
        FROM analytics.experiment_assignments AS a JOIN analytics.users AS u USING (user_id)
        WHERE a.experiment = 'checkout_button_color' GROUP BY 1""",
        )
    )
    (n1, x1), (n2, x2) = r["blue"], r["green"]
    assert abs(z_two_proportions(x1, n1, x2, n2)) < 1.96


def test_redesign_lifts_visitor_to_signup_conversion_about_14_percent(con):
    before, after = rows(
        con,
        """
        WITH v AS (SELECT user_id, min(event_date) AS d FROM analytics.events GROUP BY 1)
        SELECT v.d >= $day AS after, count(u.user_id) / count(*) AS rate
        FROM v LEFT JOIN analytics.users AS u USING (user_id)
        WHERE v.d BETWEEN $day - 56 AND $day + 55 GROUP BY 1 ORDER BY 1""",
        {"day": stories.REDESIGN_DATE},
    )
    lift = after[1] / before[1] - 1
    assert 0.05 < lift < 0.25


def test_checkout_bug_window_depresses_purchase_conversion(con):
    ((bug, normal),) = rows(
        con,
        """
        WITH c AS (SELECT session_id, min(event_date) AS d, bool_or(event_name = 'purchase') AS p
                   FROM analytics.events WHERE event_name IN ('checkout_start', 'purchase') GROUP BY 1)
        SELECT avg(p::INT) FILTER (WHERE d >= $s AND d < $e),
               avg(p::INT) FILTER (WHERE (d >= $s - 35 AND d < $s) OR (d >= $e AND d < $e + 35))
        FROM c""",
        {"s": stories.CHECKOUT_BUG_START, "e": stories.CHECKOUT_BUG_END},
    )
    assert bug < 0.75 * normal


def test_fast_ticket_resolution_converts_better_in_every_cart_bucket(con):
    data = rows(
        con,
        """
        WITH t AS (
            SELECT user_id, opened_at, resolution_minutes < 60 AS fast, floor(cart_value / 100) * 100 AS bucket
            FROM analytics.support_tickets WHERE cart_value IS NOT NULL AND resolution_minutes IS NOT NULL)
        SELECT bucket, fast, count(*) AS n,
               avg((EXISTS (SELECT 1 FROM analytics.orders AS o WHERE o.user_id = t.user_id
                    AND o.ordered_at BETWEEN t.opened_at AND t.opened_at + INTERVAL 7 DAY))::INT) AS conv
        FROM t GROUP BY ALL""",
    )
    by = {(b, f): (n, c) for b, f, n, c in data}
    buckets = [b for b in {b for b, _ in by} if by.get((b, True), (0,))[0] >= 40 and by.get((b, False), (0,))[0] >= 40]
    assert len(buckets) >= 2
    for b in buckets:
        assert by[(b, True)][1] > by[(b, False)][1], f"bucket {b}"
    fast_n = sum(n for (b, f), (n, c) in by.items() if f)
    fast = sum(n * c for (b, f), (n, c) in by.items() if f) / fast_n
    slow_n = sum(n for (b, f), (n, c) in by.items() if not f)
    slow = sum(n * c for (b, f), (n, c) in by.items() if not f) / slow_n
    assert fast > slow + 0.1


def test_growth_seasonality_repeat_purchases_and_churn(con):
    first_q, last_q = rows(
        con,
        """
        SELECT count(*) FILTER (WHERE signup_date < DATE '2025-04-01'),
               count(*) FILTER (WHERE signup_date >= DATE '2026-07-01' AND signup_date < DATE '2026-10-01')
        FROM analytics.users""",
    )[0]
    assert last_q > 2 * first_q
    by_dow = dict(rows(con, "SELECT isodow(date), avg(signups) FROM analytics.daily_metrics GROUP BY 1"))
    assert by_dow[7] > 1.15 * by_dow[6]  # new visitors peak on Sunday and dip on Saturday
    repeat_share = rows(con, "SELECT avg((order_number > 1)::INT) FROM analytics.orders")[0][0]
    assert repeat_share > 0.25
    m1, m3, m6 = rows(
        con,
        """
        WITH u AS (SELECT user_id, signup_month AS m FROM analytics.users WHERE signup_month < DATE '2026-01-01'),
             a AS (SELECT DISTINCT user_id, CAST(date_trunc('month', event_date) AS DATE) AS am FROM analytics.events)
        SELECT count(DISTINCT a.user_id) FILTER (WHERE am = m + INTERVAL 1 MONTH) / count(DISTINCT u.user_id),
               count(DISTINCT a.user_id) FILTER (WHERE am = m + INTERVAL 3 MONTH) / count(DISTINCT u.user_id),
               count(DISTINCT a.user_id) FILTER (WHERE am = m + INTERVAL 6 MONTH) / count(DISTINCT u.user_id)
        FROM u LEFT JOIN a USING (user_id)""",
    )[0]
    assert m1 > m3 > m6 > 0.02
    # The youngest cohort is still baking: it cannot have month-3 activity yet.
    young = rows(
        con,
        """SELECT count(*) FROM analytics.events AS e JOIN analytics.users AS u USING (user_id)
        WHERE u.signup_month = (SELECT max(signup_month) FROM analytics.users)
          AND e.event_date >= u.signup_month + INTERVAL 3 MONTH""",
    )[0][0]
    assert young == 0

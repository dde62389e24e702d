-- title: Checkout-to-purchase conversion by week
-- description: Visits that started a checkout and the share that ended in a purchase in the same visit, per week of the first checkout: the metric checkout_conversion, week by week. Look for dips (bugs).
-- owner: sam
-- team: checkout
-- tags: checkout, conversion
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- param: platform text default=all
-- chart: line x=week y=conversion

WITH visits AS (
    SELECT
        session_id,
        min(event_date) FILTER (WHERE event_name = 'checkout_start') AS day,
        bool_or(event_name = 'purchase') AS purchased
    FROM analytics.events
    WHERE event_name IN ('checkout_start', 'purchase') AND event_date BETWEEN $start AND $end
      AND ($platform = 'all' OR platform = $platform)
    GROUP BY session_id
)
SELECT
    CAST(date_trunc('week', day) AS DATE) AS week,
    count(*) AS checkouts,
    count(*) FILTER (WHERE purchased) AS purchases,
    round(count(*) FILTER (WHERE purchased) / count(*), 3) AS conversion
FROM visits
WHERE day IS NOT NULL
GROUP BY week
ORDER BY week

-- title: Checkout-to-purchase conversion by week
-- description: Visits that started a checkout and the share that ended in a purchase, per week. Look for dips (bugs).
-- owner: sam
-- team: checkout
-- tags: checkout, conversion
-- status: curated
-- param: platforms list default=iOS|Android|Windows|macOS|Linux
-- chart: line x=week y=conversion
WITH visits AS (
    SELECT session_id, min(event_date) AS day, bool_or(event_name = 'purchase') AS purchased
    FROM analytics.events
    WHERE event_name IN ('checkout_start', 'purchase') AND platform IN (SELECT unnest($platforms))
    GROUP BY session_id
)
SELECT
    CAST(date_trunc('week', day) AS DATE) AS week,
    count(*) AS checkouts,
    round(avg(CAST(purchased AS INTEGER)), 3) AS conversion
FROM visits
GROUP BY week
ORDER BY week

-- The company's daily numbers in one place, from the other analytics tables.
CREATE OR REPLACE TABLE analytics.daily_metrics AS
WITH days AS (
    SELECT CAST(range AS DATE) AS date
    FROM range(CAST(getvariable('start_date') AS TIMESTAMP), CAST(getvariable('end_date') + 1 AS TIMESTAMP), INTERVAL 1 DAY)
), traffic AS (
    SELECT event_date AS date,
           count(DISTINCT user_id) FILTER (WHERE event_name = 'page_view') AS visitors,
           count(DISTINCT user_id) FILTER (WHERE user_id IN (SELECT user_id FROM analytics.users)) AS active_users
    FROM analytics.events GROUP BY ALL
), signups AS (
    SELECT signup_date AS date, count(*) AS signups FROM analytics.users GROUP BY ALL
), sales AS (
    SELECT order_date AS date,
           count(*) FILTER (WHERE status = 'completed') AS orders,
           sum(revenue) AS revenue
    FROM analytics.orders GROUP BY ALL
), new_customers AS (
    SELECT CAST(first_order_at AS DATE) AS date, count(*) AS new_customers
    FROM analytics.users WHERE first_order_at IS NOT NULL GROUP BY ALL
), spend AS (
    SELECT date, sum(spend) AS ad_spend FROM analytics.campaign_daily GROUP BY ALL
)
SELECT
    d.date,
    coalesce(t.visitors, 0) AS visitors,
    coalesce(s.signups, 0) AS signups,
    coalesce(t.active_users, 0) AS active_users,
    coalesce(sa.orders, 0) AS orders,
    coalesce(n.new_customers, 0) AS new_customers,
    coalesce(sa.revenue, 0) AS revenue,
    coalesce(sp.ad_spend, 0) AS ad_spend
FROM days AS d
LEFT JOIN traffic AS t USING (date)
LEFT JOIN signups AS s USING (date)
LEFT JOIN sales AS sa USING (date)
LEFT JOIN new_customers AS n USING (date)
LEFT JOIN spend AS sp USING (date)
ORDER BY d.date;

COMMENT ON TABLE analytics.daily_metrics IS 'One row per day: traffic, signups, activity, orders, new customers, revenue and ad spend.';
COMMENT ON COLUMN analytics.daily_metrics.date IS 'Day (UTC)';
COMMENT ON COLUMN analytics.daily_metrics.visitors IS 'People with a page view that day';
COMMENT ON COLUMN analytics.daily_metrics.signups IS 'Accounts created that day';
COMMENT ON COLUMN analytics.daily_metrics.active_users IS 'Signed-up customers with any event that day';
COMMENT ON COLUMN analytics.daily_metrics.orders IS 'Completed orders placed that day';
COMMENT ON COLUMN analytics.daily_metrics.new_customers IS 'Customers whose first completed order was that day';
COMMENT ON COLUMN analytics.daily_metrics.revenue IS 'Revenue from completed orders, USD';
COMMENT ON COLUMN analytics.daily_metrics.ad_spend IS 'Paid campaign spend, USD';

-- title: Average order value by week
-- description: Mean and median value of completed orders per week: the metric average_order_value (revenue per completed order), week by week.
-- owner: sam
-- team: checkout
-- tags: checkout, revenue
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- param: platform text default=all
-- chart: line x=week y=average_order_value
SELECT
    CAST(date_trunc('week', order_date) AS DATE) AS week,
    count(*) AS orders,
    round(sum(revenue) / count(*), 2) AS average_order_value,
    round(CAST(median(order_total) AS DECIMAL(18, 4)), 2) AS median_order_value  -- rounded as a decimal: the same on every engine
FROM analytics.orders
WHERE status = 'completed' AND order_date BETWEEN $start AND $end AND ($platform = 'all' OR platform = $platform)
GROUP BY week
ORDER BY week

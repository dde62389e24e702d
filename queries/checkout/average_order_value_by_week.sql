-- title: Average order value by week
-- description: Mean and median value of completed orders per week.
-- owner: sam
-- team: checkout
-- tags: checkout, revenue
-- status: curated
-- chart: line x=week y=average_order_value
SELECT
    CAST(date_trunc('week', order_date) AS DATE) AS week,
    round(avg(order_total), 2) AS average_order_value,
    round(median(order_total), 2) AS median_order_value
FROM analytics.orders
WHERE status = 'completed'
GROUP BY week
ORDER BY week

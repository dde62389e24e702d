-- title: Revenue by week
-- description: Revenue from completed orders, orders and average order value per week.
-- owner: dana
-- team: executive
-- tags: revenue, kpi
-- status: curated
-- chart: area x=week y=revenue
SELECT
    CAST(date_trunc('week', order_date) AS DATE) AS week,
    round(sum(revenue), 2) AS revenue,
    count(*) FILTER (WHERE status = 'completed') AS orders,
    round(sum(revenue) / nullif(count(*) FILTER (WHERE status = 'completed'), 0), 2) AS average_order_value
FROM analytics.orders
GROUP BY week
ORDER BY week

-- title: New customers by month and channel
-- description: Customers whose first completed order fell in the month, by acquisition channel.
-- owner: dana
-- team: executive
-- tags: acquisition, kpi
-- status: curated
-- chart: bar x=month y=new_customers color=acquisition_channel
SELECT
    CAST(date_trunc('month', first_order_at) AS DATE) AS month,
    acquisition_channel,
    count(*) AS new_customers
FROM analytics.users
WHERE first_order_at IS NOT NULL
GROUP BY month, acquisition_channel
ORDER BY month, acquisition_channel

SELECT o.user_id, o.revenue
FROM analytics.orders AS o

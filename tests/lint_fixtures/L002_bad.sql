SELECT o.user_id, o.revenue
FROM analytics.order AS o

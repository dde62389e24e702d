SELECT order_id, revenue
FROM analytics.orders
LIMIT 10

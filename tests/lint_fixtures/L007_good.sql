SELECT order_id, revenue
FROM analytics.orders
ORDER BY revenue DESC
LIMIT 10

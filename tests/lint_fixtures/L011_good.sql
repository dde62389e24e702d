SELECT user_id, order_total
FROM analytics.orders

SELECT u.user_id, o.order_id
FROM analytics.users AS u, analytics.orders AS o

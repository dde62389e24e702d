SELECT count(*) AS n
FROM analytics.users
WHERE first_order_at = NULL

WITH c AS (
    SELECT user_id, count(*) AS n
    FROM analytics.orders
    GROUP BY user_id
)
SELECT c.user_id, c.n
FROM c

WITH c0 AS (
    SELECT user_id, count(*) AS n0
    FROM analytics.orders
    GROUP BY user_id
),
c1 AS (
    SELECT user_id, count(*) AS n1
    FROM analytics.orders
    GROUP BY user_id
),
c2 AS (
    SELECT user_id, count(*) AS n2
    FROM analytics.orders
    GROUP BY user_id
),
c3 AS (
    SELECT user_id, count(*) AS n3
    FROM analytics.orders
    GROUP BY user_id
),
c4 AS (
    SELECT user_id, count(*) AS n4
    FROM analytics.orders
    GROUP BY user_id
),
c5 AS (
    SELECT user_id, count(*) AS n5
    FROM analytics.orders
    GROUP BY user_id
),
c6 AS (
    SELECT user_id, count(*) AS n6
    FROM analytics.orders
    GROUP BY user_id
),
c7 AS (
    SELECT user_id, count(*) AS n7
    FROM analytics.orders
    GROUP BY user_id
),
c8 AS (
    SELECT user_id, count(*) AS n8
    FROM analytics.orders
    GROUP BY user_id
),
c9 AS (
    SELECT user_id, count(*) AS n9
    FROM analytics.orders
    GROUP BY user_id
)
SELECT c0.user_id, c0.n0
FROM c0
JOIN c1 ON c1.user_id = c0.user_id
JOIN c2 ON c2.user_id = c0.user_id
JOIN c3 ON c3.user_id = c0.user_id
JOIN c4 ON c4.user_id = c0.user_id
JOIN c5 ON c5.user_id = c0.user_id
JOIN c6 ON c6.user_id = c0.user_id
JOIN c7 ON c7.user_id = c0.user_id
JOIN c8 ON c8.user_id = c0.user_id
JOIN c9 ON c9.user_id = c0.user_id

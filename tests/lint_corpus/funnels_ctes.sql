-- case: two-step funnel with CTEs
-- expect: none
WITH viewed AS (
    SELECT user_id, min(event_at) AS t FROM analytics.events WHERE event_name = 'product_view' GROUP BY 1
), carted AS (
    SELECT user_id, min(event_at) AS t FROM analytics.events WHERE event_name = 'add_to_cart' GROUP BY 1
)
SELECT count(*) AS viewers, count(c.user_id) AS carted
FROM viewed v
LEFT JOIN carted c ON c.user_id = v.user_id AND c.t >= v.t

-- case: four-step funnel with conditional aggregation
-- expect: none
SELECT count(DISTINCT user_id) FILTER (WHERE event_name = 'product_view') AS viewed,
       count(DISTINCT user_id) FILTER (WHERE event_name = 'add_to_cart') AS carted,
       count(DISTINCT user_id) FILTER (WHERE event_name = 'checkout_start') AS checkout,
       count(DISTINCT user_id) FILTER (WHERE event_name = 'purchase') AS purchased
FROM analytics.events
WHERE event_date BETWEEN DATE '2026-01-01' AND DATE '2026-03-31'

-- case: funnel by platform
-- expect: none
SELECT platform,
       count(DISTINCT user_id) FILTER (WHERE event_name = 'checkout_start') AS started,
       count(DISTINCT user_id) FILTER (WHERE event_name = 'purchase') AS bought
FROM analytics.events
GROUP BY ALL
ORDER BY started DESC

-- case: ASOF join for the next purchase after a checkout
-- expect: none
WITH starts AS (SELECT user_id, event_at FROM analytics.events WHERE event_name = 'checkout_start'),
buys AS (SELECT user_id, event_at FROM analytics.events WHERE event_name = 'purchase')
SELECT count(*) AS starts, count(b.event_at) AS followed_by_purchase
FROM starts s
ASOF LEFT JOIN buys b ON b.user_id = s.user_id AND b.event_at >= s.event_at

-- case: CTE chain of four steps
-- expect: none
WITH orders AS (SELECT * FROM analytics.orders WHERE status = 'completed'),
by_user AS (SELECT user_id, count(*) AS n, sum(revenue) AS revenue FROM orders GROUP BY 1),
segments AS (SELECT *, CASE WHEN n >= 3 THEN 'loyal' WHEN n = 2 THEN 'repeat' ELSE 'one-off' END AS segment FROM by_user),
summary AS (SELECT segment, count(*) AS users, sum(revenue) AS revenue FROM segments GROUP BY 1)
SELECT segment, users, revenue, revenue / sum(revenue) OVER () AS share
FROM summary
ORDER BY revenue DESC

-- case: CTE joined to a table with a real key
-- expect: none
WITH buyers AS (SELECT DISTINCT user_id FROM analytics.orders)
SELECT u.country, count(*) AS buyers
FROM buyers b
JOIN analytics.users u ON u.user_id = b.user_id
GROUP BY u.country
ORDER BY buyers DESC

-- case: CTE cross joined to a table with no key
-- expect: L004
WITH buyers AS (SELECT DISTINCT user_id FROM analytics.orders)
SELECT u.country, count(*) AS pairs
FROM buyers b
JOIN analytics.users u ON true
GROUP BY u.country

-- case: explicit cross join is deliberate
-- expect: none
SELECT d.date, c.channel
FROM (SELECT DISTINCT date FROM analytics.daily_metrics) d
CROSS JOIN (SELECT DISTINCT channel FROM analytics.campaign_daily) c
ORDER BY 1, 2

-- case: calendar spine with generate_series
-- expect: none
SELECT d.day, coalesce(m.orders, 0) AS orders
FROM (SELECT unnest(generate_series(DATE '2026-01-01', DATE '2026-01-31', INTERVAL 1 DAY)) AS day) d
LEFT JOIN analytics.daily_metrics m ON m.date = d.day
ORDER BY d.day

-- case: range as a spine, joined by comma with a key in WHERE
-- expect: none
SELECT r.k, count(*) AS orders
FROM range(1, 11) AS r(k), analytics.orders o
WHERE o.item_count = r.k
GROUP BY r.k
ORDER BY r.k

-- case: lateral unnest of variants
-- expect: none
SELECT e.experiment, v.variant
FROM analytics.experiments e, unnest(e.variants) AS v(variant)
ORDER BY 1, 2

-- case: lateral subquery for the top order per user
-- expect: none
SELECT u.user_id, t.order_total
FROM analytics.users u,
LATERAL (SELECT order_total FROM analytics.orders o WHERE o.user_id = u.user_id ORDER BY order_total DESC LIMIT 1) t
LIMIT 100

-- case: page flow pairs within sessions via self-join
-- expect: none
SELECT a.page AS from_page, b.page AS to_page, count(*) AS n
FROM analytics.events a
JOIN analytics.events b ON b.session_id = a.session_id AND b.event_at > a.event_at
WHERE a.event_name = 'page_view' AND b.event_name = 'page_view'
GROUP BY ALL
ORDER BY n DESC
LIMIT 20

-- case: self-join with the key only in WHERE
-- expect: none
SELECT a.user_id, count(*) AS later_orders
FROM analytics.orders a, analytics.orders b
WHERE a.user_id = b.user_id AND b.ordered_at > a.ordered_at
GROUP BY a.user_id

-- case: self-join with no key
-- expect: L004
SELECT count(*) AS pairs
FROM analytics.orders a, analytics.orders b
WHERE b.ordered_at > a.ordered_at

-- case: recursive CTE of weeks
-- expect: none
WITH RECURSIVE weeks(w) AS (
    SELECT DATE '2026-01-05'
    UNION ALL
    SELECT w + INTERVAL 7 DAY FROM weeks WHERE w < DATE '2026-03-30'
)
SELECT w FROM weeks ORDER BY w

-- case: union of two event types
-- expect: none
SELECT 'signup' AS kind, count(*) AS n FROM analytics.events WHERE event_name = 'signup'
UNION ALL
SELECT 'purchase', count(*) FROM analytics.events WHERE event_name = 'purchase'

-- case: intersect of buyers and ticket openers
-- expect: none
SELECT user_id FROM analytics.orders
INTERSECT
SELECT user_id FROM analytics.support_tickets

-- case: drop-off after add to cart
-- expect: none
SELECT count(*) AS dropped
FROM (SELECT DISTINCT user_id FROM analytics.events WHERE event_name = 'add_to_cart') c
WHERE NOT EXISTS (
    SELECT 1 FROM analytics.events p WHERE p.user_id = c.user_id AND p.event_name = 'purchase'
)

-- case: NOT IN over a list literal is fine
-- expect: none
SELECT count(*) AS n FROM analytics.orders WHERE status NOT IN ('cancelled', 'refunded')

-- case: conversion within seven days via correlated subquery
-- expect: none
SELECT count(*) FILTER (WHERE converted) / count(*) AS rate
FROM (
    SELECT u.user_id, EXISTS (
        SELECT 1 FROM analytics.orders o
        WHERE o.user_id = u.user_id AND o.ordered_at < u.signup_at + INTERVAL 7 DAY
    ) AS converted
    FROM analytics.users u
)

-- case: subquery in FROM joined by USING
-- expect: none
SELECT user_id, s.sessions, o.orders
FROM (SELECT user_id, count(DISTINCT session_id) AS sessions FROM analytics.events GROUP BY 1) s
JOIN (SELECT user_id, count(*) AS orders FROM analytics.orders GROUP BY 1) o USING (user_id)
ORDER BY o.orders DESC
LIMIT 10

-- case: ambiguous column across two subqueries
-- expect: L008
SELECT user_id, sessions, orders
FROM (SELECT user_id, count(DISTINCT session_id) AS sessions FROM analytics.events GROUP BY 1) s
JOIN (SELECT user_id, count(*) AS orders FROM analytics.orders GROUP BY 1) o ON o.user_id = s.user_id

-- case: funnel step times with min FILTER
-- expect: none
SELECT user_id,
       min(event_at) FILTER (WHERE event_name = 'signup') AS signed_up,
       min(event_at) FILTER (WHERE event_name = 'onboarding_complete') AS onboarded
FROM analytics.events
GROUP BY user_id
HAVING signed_up IS NOT NULL

-- case: IN subquery is fine
-- expect: none
SELECT count(*) AS ticket_buyers
FROM analytics.users
WHERE user_id IN (SELECT user_id FROM analytics.support_tickets)

-- case: scalar subquery for the latest day
-- expect: none
SELECT event_name, count(*) AS n
FROM analytics.events
WHERE event_date = (SELECT max(event_date) FROM analytics.events)
GROUP BY 1
ORDER BY n DESC

-- case: natural join of two CTEs
-- expect: none
WITH a AS (SELECT user_id, count(*) AS orders FROM analytics.orders GROUP BY 1),
b AS (SELECT user_id, count(*) AS tickets FROM analytics.support_tickets GROUP BY 1)
SELECT user_id, orders, tickets FROM a NATURAL JOIN b ORDER BY tickets DESC

-- case: left join anti-pattern with IS NULL
-- expect: none
SELECT count(*) AS users_without_orders
FROM analytics.users u
LEFT JOIN analytics.orders o ON o.user_id = u.user_id
WHERE o.order_id IS NULL

-- case: full outer join of spend and signups by day
-- expect: none
SELECT coalesce(s.date, u.signup_date) AS day, s.spend, u.signups
FROM (SELECT date, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1) s
FULL OUTER JOIN (SELECT signup_date, count(*) AS signups FROM analytics.users GROUP BY 1) u ON u.signup_date = s.date
ORDER BY day

-- case: semi join
-- expect: none
SELECT u.country, count(*) AS n
FROM analytics.users u
SEMI JOIN analytics.orders o ON o.user_id = u.user_id
GROUP BY 1
ORDER BY n DESC

-- case: comma join linked to a table listed after it
-- expect: none
SELECT p.name, v.name AS vendor, oi.quantity
FROM analytics.products p, analytics.vendors v, analytics.order_items oi
WHERE oi.product_id = p.product_id
  AND v.vendor_id = p.vendor_id

-- case: comma join in reverse order with unqualified keys
-- expect: none
SELECT sku, carrier, promised_days
FROM analytics.products, analytics.shipments, analytics.vendors
WHERE lead_time_days < promised_days
  AND shipments.vendor_id = vendors.vendor_id
  AND products.vendor_id = vendors.vendor_id

-- case: comma join linked by an expression on both sides
-- expect: none
SELECT u.user_id, o.order_id
FROM analytics.users u, analytics.orders o
WHERE date_trunc('month', u.signup_at) = date_trunc('month', o.ordered_at)
  AND u.user_id = o.user_id

-- case: comma join of two aggregates linked by a shifted week
-- expect: none
SELECT this_week.week, this_week.revenue / last_week.revenue - 1 AS growth
FROM (SELECT date_trunc('week', order_date) AS week, sum(revenue) AS revenue FROM analytics.orders GROUP BY 1) this_week,
     (SELECT date_trunc('week', order_date) AS week, sum(revenue) AS revenue FROM analytics.orders GROUP BY 1) last_week
WHERE this_week.week = last_week.week + INTERVAL 7 DAY
ORDER BY 1

-- case: a table nothing links, among linked ones
-- expect: L004
SELECT o.order_id, s.carrier, v.name
FROM analytics.orders o, analytics.vendors v, analytics.shipments s
WHERE s.order_id = o.order_id

-- case: two islands of linked tables
-- expect: L004
SELECT count(*)
FROM analytics.orders o, analytics.order_items oi, analytics.products p, analytics.vendors v
WHERE oi.order_id = o.order_id
  AND v.vendor_id = p.vendor_id

-- case: intersect of subqueries joined to a table by unqualified names
-- expect: none
SELECT platform, country
FROM analytics.users,
     (SELECT e.platform AS p, e.country AS c FROM analytics.events e
      INTERSECT
      SELECT o.platform, u.country FROM analytics.orders o JOIN analytics.users u ON u.user_id = o.user_id
      INTERSECT
      SELECT platform, country FROM analytics.users) both_seen
WHERE platform = p AND country = c
LIMIT 100

-- case: union of subqueries read through a CTE
-- expect: none
WITH touches AS (
    SELECT user_id, event_at AS touched_at FROM analytics.events
    UNION ALL
    SELECT user_id, ordered_at FROM analytics.orders
)
SELECT users.user_id, min(touched_at) AS first_touch
FROM analytics.users, touches
WHERE users.user_id = touches.user_id
GROUP BY users.user_id

-- case: CTE joined to CTE on a shared key
-- expect: none
WITH buyers AS (SELECT user_id, count(*) AS orders FROM analytics.orders GROUP BY user_id),
     ticketers AS (SELECT user_id, count(*) AS tickets FROM analytics.support_tickets GROUP BY user_id)
SELECT b.user_id, orders, tickets
FROM buyers b
JOIN ticketers t ON t.user_id = b.user_id
ORDER BY tickets DESC
LIMIT 20

-- case: CTEs joined in a comma list with their own column names
-- expect: none
WITH spend AS (SELECT date, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY date),
     sales AS (SELECT order_date, sum(revenue) AS revenue FROM analytics.orders GROUP BY order_date)
SELECT date, spend, revenue, revenue / nullif(spend, 0) AS roas
FROM spend, sales
WHERE date = order_date
ORDER BY date

-- case: a one-row CTE beside the details
-- expect: none
WITH total AS (SELECT sum(revenue) AS all_revenue FROM analytics.orders)
SELECT category, sum(line_total) / max(all_revenue) AS share
FROM analytics.order_items, total
GROUP BY category

-- case: correlated subquery against the outer table
-- expect: none
SELECT u.user_id, u.country
FROM analytics.users u
WHERE u.signup_at > (SELECT min(o.ordered_at) FROM analytics.orders o WHERE o.user_id = u.user_id)

-- case: correlated subquery over a comma join
-- expect: none
SELECT o.order_id, o.revenue
FROM analytics.orders o, analytics.users u
WHERE u.user_id = o.user_id
  AND o.revenue > (SELECT avg(o2.revenue) * 2 FROM analytics.orders o2 WHERE o2.platform = o.platform)

-- case: correlated EXISTS with a shared column name
-- expect: none
SELECT user_id, country
FROM analytics.users u
WHERE EXISTS (SELECT 1 FROM analytics.support_tickets t WHERE t.user_id = u.user_id AND t.channel = 'chat')

-- case: join key unqualified in a LEFT JOIN
-- expect: L008
SELECT user_id, count(o.order_id) AS orders
FROM analytics.users u
LEFT JOIN analytics.orders o ON o.user_id = u.user_id
GROUP BY user_id

-- case: join key unqualified in a RIGHT JOIN
-- expect: L008
SELECT user_id, count(t.ticket_id) AS tickets
FROM analytics.support_tickets t
RIGHT JOIN analytics.users u ON u.user_id = t.user_id
GROUP BY user_id

-- case: join key unqualified in a FULL JOIN
-- expect: L008
SELECT user_id, o.revenue, t.ticket_id
FROM analytics.orders o
FULL JOIN analytics.support_tickets t ON t.user_id = o.user_id

-- case: top five over an ordered subquery
-- expect: none
SELECT user_id, revenue
FROM (SELECT user_id, revenue FROM analytics.orders ORDER BY revenue DESC)
LIMIT 5

-- case: top five over an ordered CTE
-- expect: none
WITH ranked AS (SELECT order_id, revenue FROM analytics.orders ORDER BY revenue DESC)
SELECT order_id, revenue FROM ranked LIMIT 5

-- case: compare with a typed NULL
-- expect: none
SELECT count(*) FILTER (WHERE first_order_at = NULL::TIMESTAMP) AS never
FROM analytics.users

-- case: compare with NULL across a comment
-- expect: L005
SELECT user_id FROM analytics.users WHERE first_order_at = /* not yet */ NULL

-- case: revenue by month
-- expect: none
SELECT date_trunc('month', order_date) AS month, sum(revenue) AS revenue
FROM analytics.orders
WHERE status = 'completed'
GROUP BY 1
ORDER BY 1

-- case: orders per platform, friendly GROUP BY ALL
-- expect: none
SELECT platform, count(*) AS orders, avg(order_total) AS aov
FROM analytics.orders
GROUP BY ALL
ORDER BY orders DESC

-- case: top ten products by revenue
-- expect: none
SELECT p.name, sum(i.line_total) AS revenue
FROM analytics.order_items AS i
JOIN analytics.products AS p ON p.product_id = i.product_id
GROUP BY p.name
ORDER BY revenue DESC
LIMIT 10

-- case: ANSI-89 join of orders and items
-- expect: none
SELECT o.order_date, sum(i.quantity) AS units
FROM analytics.orders o, analytics.order_items i
WHERE o.order_id = i.order_id AND o.status = 'completed'
GROUP BY o.order_date
ORDER BY o.order_date

-- case: ANSI-89 three-way join with unqualified keys
-- expect: none
SELECT v.name AS vendor, count(*) AS late
FROM analytics.shipments s, analytics.vendors v, analytics.orders o
WHERE s.vendor_id = v.vendor_id AND s.order_id = o.order_id AND is_late
GROUP BY v.name
ORDER BY late DESC

-- case: comma join with no condition at all
-- expect: L004
SELECT u.user_id, o.order_id
FROM analytics.users u, analytics.orders o
WHERE u.country = 'US'

-- case: daily metrics, last 30 days
-- expect: none
SELECT date, visitors, signups, orders, revenue
FROM analytics.daily_metrics
WHERE date >= (SELECT max(date) FROM analytics.daily_metrics) - INTERVAL 30 DAY
ORDER BY date

-- case: spend and clicks per channel
-- expect: none
SELECT channel, sum(spend) AS spend, sum(clicks) AS clicks, sum(spend) / nullif(sum(clicks), 0) AS cpc
FROM analytics.campaign_daily
GROUP BY channel
ORDER BY spend DESC

-- case: share of completed orders, total beside details (one-row cross join)
-- expect: none
SELECT o.status, count(*) AS n, count(*) / t.total AS share
FROM analytics.orders o
CROSS JOIN (SELECT count(*) AS total FROM analytics.orders) t
GROUP BY o.status, t.total
ORDER BY n DESC

-- case: comma join to a one-row aggregate
-- expect: none
SELECT o.order_id, o.order_total / a.avg_total AS vs_average
FROM analytics.orders o, (SELECT avg(order_total) AS avg_total FROM analytics.orders) a
ORDER BY vs_average DESC
LIMIT 20

-- case: total revenue, one row with a limit
-- expect: none
SELECT sum(revenue) AS revenue
FROM analytics.orders
LIMIT 1

-- case: a peek at rows without order
-- expect: none
SELECT order_id, status
FROM analytics.orders
LIMIT 5

-- case: NULL compared with equals
-- expect: L005
SELECT count(*) AS never_bought
FROM analytics.users
WHERE first_order_at = NULL

-- case: NULL compared with not-equals
-- expect: L005
SELECT count(*) AS bought
FROM analytics.users
WHERE first_order_at != NULL

-- case: NULL compared with angle brackets
-- expect: L005
SELECT count(*) AS bought
FROM analytics.users
WHERE first_order_at <> NULL

-- case: IS NULL done right
-- expect: none
SELECT count(*) AS never_bought
FROM analytics.users
WHERE first_order_at IS NULL

-- case: ambiguous platform in a join
-- expect: L008
SELECT platform, count(*) AS orders
FROM analytics.orders o
JOIN analytics.users u ON u.user_id = o.user_id
GROUP BY 1

-- case: unqualified but unique columns in a join
-- expect: none
SELECT acquisition_channel, sum(revenue) AS revenue
FROM analytics.orders o
JOIN analytics.users u ON u.user_id = o.user_id
GROUP BY acquisition_channel
ORDER BY revenue DESC

-- case: USING makes the key unambiguous
-- expect: none
SELECT user_id, count(order_id) AS orders
FROM analytics.users
JOIN analytics.orders USING (user_id)
GROUP BY user_id
ORDER BY orders DESC
LIMIT 50

-- case: count star after a left join
-- expect: L009
SELECT u.acquisition_channel, count(*) AS customers
FROM analytics.users u
LEFT JOIN analytics.orders o ON o.user_id = u.user_id
GROUP BY 1

-- case: count distinct after a left join
-- expect: none
SELECT u.acquisition_channel, count(DISTINCT u.user_id) AS people, count(o.order_id) AS orders
FROM analytics.users u
LEFT JOIN analytics.orders o ON o.user_id = u.user_id
GROUP BY 1
ORDER BY 2 DESC

-- case: integer division of counts
-- expect: L010
SELECT count(*) FILTER (WHERE is_customer) // count(*) AS share
FROM analytics.users

-- case: ratio with slash
-- expect: none
SELECT count(*) FILTER (WHERE is_customer) / count(*) AS share
FROM analytics.users

-- case: NOT IN over a subquery
-- expect: L006
SELECT count(*) AS never_ordered
FROM analytics.users
WHERE user_id NOT IN (SELECT user_id FROM analytics.orders)

-- case: NOT EXISTS instead
-- expect: none
SELECT count(*) AS never_ordered
FROM analytics.users u
WHERE NOT EXISTS (SELECT * FROM analytics.orders o WHERE o.user_id = u.user_id)

-- case: EXISTS with select star
-- expect: none
SELECT count(*) AS with_tickets
FROM analytics.users u
WHERE EXISTS (SELECT * FROM analytics.support_tickets t WHERE t.user_id = u.user_id)

-- case: unknown table
-- expect: L002
SELECT count(*) FROM analytics.order

-- case: unknown column
-- expect: L002
SELECT amout FROM analytics.orders

-- case: a function type error
-- expect: L013
SELECT substring(order_total, 1, 2) AS x FROM analytics.orders

-- case: raw table read
-- expect: L011
SELECT count(*) AS n FROM raw.orders

-- case: syntax error
-- expect: L001
SELECT order_id,, status FROM analytics.orders

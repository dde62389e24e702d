-- case: running total of revenue
-- expect: none
SELECT order_date, sum(sum(revenue)) OVER (ORDER BY order_date) AS running_revenue
FROM analytics.orders
GROUP BY order_date
ORDER BY order_date

-- case: seven-day moving average
-- expect: none
SELECT date, avg(revenue) OVER (ORDER BY date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS revenue_7d
FROM analytics.daily_metrics
ORDER BY date

-- case: rank customers by revenue
-- expect: none
SELECT user_id, sum(revenue) AS revenue, rank() OVER (ORDER BY sum(revenue) DESC) AS rnk
FROM analytics.orders
GROUP BY user_id
ORDER BY rnk
LIMIT 100

-- case: latest order per user with QUALIFY
-- expect: none
SELECT user_id, order_id, ordered_at
FROM analytics.orders
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ordered_at DESC) = 1

-- case: first event per session with QUALIFY
-- expect: none
SELECT session_id, event_name AS landing_event, page
FROM analytics.events
QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY event_at) = 1

-- case: time between orders with lag
-- expect: none
SELECT user_id, order_id,
       date_diff('day', lag(ordered_at) OVER (PARTITION BY user_id ORDER BY ordered_at), ordered_at) AS days_since_last
FROM analytics.orders
ORDER BY user_id, ordered_at

-- case: week-over-week change
-- expect: none
WITH weekly AS (
    SELECT date_trunc('week', date) AS week, sum(revenue) AS revenue FROM analytics.daily_metrics GROUP BY 1
)
SELECT week, revenue, revenue / lag(revenue) OVER (ORDER BY week) - 1 AS wow
FROM weekly
ORDER BY week

-- case: share of category within vendor
-- expect: none
SELECT v.name, p.category, count(*) AS products,
       count(*) / sum(count(*)) OVER (PARTITION BY v.name) AS share
FROM analytics.products p
JOIN analytics.vendors v ON v.vendor_id = p.vendor_id
GROUP BY v.name, p.category
ORDER BY v.name, share DESC

-- case: ambiguous category across products and vendors
-- expect: L008
SELECT category, count(*) AS n
FROM analytics.products p
JOIN analytics.vendors v ON v.vendor_id = p.vendor_id
GROUP BY category

-- case: named window
-- expect: none
SELECT user_id, ordered_at, sum(revenue) OVER w AS cum_revenue, count(*) OVER w AS cum_orders
FROM analytics.orders
WINDOW w AS (PARTITION BY user_id ORDER BY ordered_at)
ORDER BY user_id, ordered_at

-- case: percentiles of delivery days
-- expect: none
SELECT carrier, quantile_cont(delivery_days, 0.5) AS p50, quantile_cont(delivery_days, 0.9) AS p90
FROM analytics.shipments
GROUP BY carrier
ORDER BY p90 DESC

-- case: ntile buckets of order value
-- expect: none
SELECT bucket, min(order_total) AS low, max(order_total) AS high, count(*) AS orders
FROM (SELECT order_total, ntile(10) OVER (ORDER BY order_total) AS bucket FROM analytics.orders)
GROUP BY bucket
ORDER BY bucket

-- case: dense rank within platform
-- expect: none
SELECT platform, browser, count(*) AS users,
       dense_rank() OVER (PARTITION BY platform ORDER BY count(*) DESC) AS rnk
FROM analytics.users
GROUP BY platform, browser
QUALIFY rnk <= 3
ORDER BY platform, rnk

-- case: first and last touch campaigns
-- expect: none
SELECT user_id,
       first(utm_campaign ORDER BY event_at) AS first_touch,
       last(utm_campaign ORDER BY event_at) AS last_touch
FROM analytics.events
WHERE utm_campaign IS NOT NULL
GROUP BY user_id

-- case: sessions per user with count distinct
-- expect: none
SELECT user_id, count(DISTINCT session_id) AS sessions
FROM analytics.events
GROUP BY ALL
ORDER BY sessions DESC
LIMIT 25

-- case: lead to next event name
-- expect: none
SELECT event_name, next_event, count(*) AS n
FROM (
    SELECT event_name, lead(event_name) OVER (PARTITION BY session_id ORDER BY event_at) AS next_event
    FROM analytics.events
)
GROUP BY ALL
ORDER BY n DESC

-- case: ticket resolution by category with FILTER
-- expect: none
SELECT category, count(*) AS tickets, avg(resolution_minutes) FILTER (WHERE resolved_at IS NOT NULL) AS avg_minutes
FROM analytics.support_tickets
GROUP BY category
ORDER BY tickets DESC

-- case: tickets joined to orders, ambiguous user? no, orders has user_id too
-- expect: L008
SELECT user_id, count(*) AS tickets
FROM analytics.support_tickets t
JOIN analytics.orders o ON o.order_id = t.order_id
GROUP BY 1

-- case: carriers on time share
-- expect: none
SELECT carrier, avg(CASE WHEN is_late THEN 0 ELSE 1 END) AS on_time
FROM analytics.shipments
GROUP BY carrier
ORDER BY on_time

-- case: late shipments per vendor with vendor name from a comma join
-- expect: none
SELECT name, count(*) FILTER (WHERE is_late) AS late, count(*) AS shipments
FROM analytics.shipments s, analytics.vendors v
WHERE s.vendor_id = v.vendor_id
GROUP BY name
ORDER BY late DESC

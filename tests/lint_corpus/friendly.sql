-- case: FROM-first query
-- expect: none
FROM analytics.orders
SELECT status, count(*) AS n
GROUP BY status
ORDER BY n DESC

-- case: SELECT EXCLUDE
-- expect: none
SELECT * EXCLUDE (order_total, revenue)
FROM analytics.orders
WHERE status = 'cancelled'
ORDER BY ordered_at DESC
LIMIT 20

-- case: SELECT REPLACE
-- expect: none
SELECT * REPLACE (round(order_total, 0) AS order_total)
FROM analytics.orders
ORDER BY order_id
LIMIT 10

-- case: COLUMNS expression
-- expect: none
SELECT max(COLUMNS('.*_at')) FROM analytics.orders

-- case: PIVOT of orders by platform and status
-- expect: none
PIVOT analytics.orders ON status USING count(*) GROUP BY platform

-- case: UNPIVOT daily metrics
-- expect: none
UNPIVOT (SELECT date, visitors, signups FROM analytics.daily_metrics) ON visitors, signups INTO NAME metric VALUE value

-- case: struct access
-- expect: none
SELECT s.info.category AS category, count(*) AS n
FROM (SELECT {'category': category, 'price': price} AS info FROM analytics.products) s
GROUP BY 1
ORDER BY n DESC

-- case: list access and list functions
-- expect: none
SELECT experiment, variants[1] AS control, len(variants) AS arms, list_contains(variants, 'green') AS has_green
FROM analytics.experiments
ORDER BY experiment

-- case: list comprehension
-- expect: none
SELECT experiment, [upper(v) FOR v IN variants] AS loud
FROM analytics.experiments

-- case: string functions and regexp
-- expect: none
SELECT regexp_extract(page, '^/([a-z]+)', 1) AS section, count(*) AS views
FROM analytics.events
WHERE event_name = 'page_view'
GROUP BY 1
ORDER BY views DESC

-- case: date functions and strftime
-- expect: none
SELECT strftime(order_date, '%Y-%m') AS ym, dayname(order_date) AS weekday, count(*) AS orders
FROM analytics.orders
GROUP BY ALL
ORDER BY ALL

-- case: ORDER BY ALL and GROUP BY ALL
-- expect: none
SELECT country, device, count(*) AS users FROM analytics.users GROUP BY ALL ORDER BY ALL

-- case: SUMMARIZE a table
-- expect: none
SUMMARIZE analytics.orders

-- case: DESCRIBE a table
-- expect: none
DESCRIBE analytics.orders

-- case: EXPLAIN a query
-- expect: none
EXPLAIN SELECT count(*) FROM analytics.orders

-- case: SELECT star from one table with a filter
-- expect: none
SELECT * FROM analytics.vendors WHERE country = 'DE' ORDER BY name

-- case: sample rows
-- expect: none
SELECT * FROM analytics.users USING SAMPLE 10 ROWS

-- case: histogram function
-- expect: none
SELECT histogram(item_count) AS items FROM analytics.orders

-- case: arg_max for latest status
-- expect: none
SELECT user_id, arg_max(status, ordered_at) AS latest_status
FROM analytics.orders
GROUP BY user_id

-- case: string_agg of categories per vendor
-- expect: none
SELECT v.name, string_agg(DISTINCT p.category, ', ' ORDER BY p.category) AS categories
FROM analytics.vendors v
JOIN analytics.products p ON p.vendor_id = v.vendor_id
GROUP BY v.name
ORDER BY v.name

-- case: CASE with coalesce and nullif
-- expect: none
SELECT coalesce(utm_campaign, '(none)') AS campaign,
       count(*) FILTER (WHERE is_customer) / nullif(count(*), 0) AS conversion
FROM analytics.users
GROUP BY 1
ORDER BY conversion DESC

-- case: numbers with underscores and positional GROUP BY
-- expect: none
SELECT order_total > 1_000 AS big, count(*) AS n FROM analytics.orders GROUP BY 1 ORDER BY 1

-- case: BETWEEN on timestamps
-- expect: none
SELECT count(*) AS n
FROM analytics.events
WHERE event_at BETWEEN TIMESTAMP '2026-06-01' AND TIMESTAMP '2026-06-30 23:59:59'

-- case: IS DISTINCT FROM NULL-safe comparison
-- expect: none
SELECT count(*) AS changed
FROM analytics.users
WHERE utm_campaign IS DISTINCT FROM utm_source

-- case: date_trunc and interval arithmetic
-- expect: none
SELECT date_trunc('quarter', signup_date) AS quarter, count(*) AS signups
FROM analytics.users
WHERE signup_date >= DATE '2026-11-15' - INTERVAL 1 YEAR
GROUP BY 1
ORDER BY 1

-- case: prepared parameters
-- expect: none
SELECT count(*) AS orders FROM analytics.orders WHERE order_date BETWEEN $start AND $end

-- case: parameter compared to NULL by mistake
-- expect: L005
SELECT count(*) AS n FROM analytics.orders WHERE $platform = NULL

-- case: max by with struct pack
-- expect: none
SELECT max_by({'id': order_id, 'total': order_total}, order_total) AS biggest FROM analytics.orders

-- case: window QUALIFY with a filter clause
-- expect: none
SELECT category, name, price
FROM analytics.products
QUALIFY rank() OVER (PARTITION BY category ORDER BY price DESC) <= 3
ORDER BY category, price DESC

-- case: ambiguous country in friendly SQL
-- expect: L008
FROM analytics.users u JOIN analytics.events e ON e.user_id = u.user_id
SELECT country, count(*) AS events
GROUP BY ALL

-- case: unknown column typo in friendly SQL
-- expect: L002
FROM analytics.users SELECT countyr, count(*) GROUP BY ALL

-- case: positional join
-- expect: none
SELECT a.event_id, b.order_id
FROM (SELECT event_id FROM analytics.events ORDER BY event_id LIMIT 5) a
POSITIONAL JOIN (SELECT order_id FROM analytics.orders ORDER BY order_id LIMIT 5) b

-- case: map access
-- expect: none
SELECT map {'a': 1, 'b': 2}['a'] AS one

-- case: unnest of a generated list
-- expect: none
SELECT unnest(range(3)) AS k

-- case: trailing comma in the select list (DuckDB allows it)
-- expect: none
SELECT status, count(*) AS n, FROM analytics.orders GROUP BY status ORDER BY n

-- case: clicks to customers by campaign
-- expect: none
WITH spend AS (
    SELECT utm_campaign, sum(spend) AS spend, sum(clicks) AS clicks FROM analytics.campaign_daily GROUP BY 1
), customers AS (
    SELECT utm_campaign, count(*) FILTER (WHERE is_customer) AS customers FROM analytics.users GROUP BY 1
)
SELECT s.utm_campaign, s.clicks, c.customers, c.customers / nullif(s.clicks, 0) AS click_to_customer
FROM spend s
LEFT JOIN customers c ON c.utm_campaign = s.utm_campaign
ORDER BY click_to_customer DESC NULLS LAST

-- case: ambiguous utm_campaign between spend and users
-- expect: L008
SELECT utm_campaign, sum(spend) AS spend
FROM analytics.campaign_daily d
JOIN analytics.users u ON u.utm_campaign = d.utm_campaign
GROUP BY 1

-- case: cost per click by day of week
-- expect: none
SELECT dayofweek(date) AS dow, sum(spend) / sum(clicks) AS cpc
FROM analytics.campaign_daily
GROUP BY 1
ORDER BY 1

-- case: impressions to clicks
-- expect: none
SELECT utm_source, sum(clicks) / nullif(sum(impressions), 0) AS ctr
FROM analytics.campaign_daily
GROUP BY utm_source
ORDER BY ctr DESC

-- case: signups per campaign per week with a comma join on two keys
-- expect: none
SELECT d.utm_campaign, date_trunc('week', d.date) AS week, sum(d.spend) AS spend, count(u.user_id) AS signups
FROM analytics.campaign_daily d, analytics.users u
WHERE u.utm_campaign = d.utm_campaign AND u.signup_date = d.date
GROUP BY ALL
ORDER BY 1, 2

-- case: campaign days without signups (anti join)
-- expect: none
SELECT d.date, d.utm_campaign
FROM analytics.campaign_daily d
ANTI JOIN analytics.users u ON u.utm_campaign = d.utm_campaign AND u.signup_date = d.date
ORDER BY 1, 2

-- case: vendor lead times against delivery
-- expect: none
SELECT v.name, v.lead_time_days, avg(s.delivery_days) AS avg_delivery
FROM analytics.vendors v
JOIN analytics.shipments s ON s.vendor_id = v.vendor_id
GROUP BY v.name, v.lead_time_days
ORDER BY avg_delivery DESC

-- case: late share by carrier and vendor country
-- expect: none
SELECT s.carrier, v.country, avg(CAST(s.is_late AS DOUBLE)) AS late_share, count(*) AS shipments
FROM analytics.shipments s
JOIN analytics.vendors v USING (vendor_id)
GROUP BY ALL
HAVING count(*) > 10
ORDER BY late_share DESC

-- case: ambiguous country between vendors and users via orders
-- expect: L008
SELECT country, count(*) AS n
FROM analytics.shipments s
JOIN analytics.vendors v ON v.vendor_id = s.vendor_id
JOIN analytics.orders o ON o.order_id = s.order_id
JOIN analytics.users u ON u.user_id = o.user_id
GROUP BY 1

-- case: units sold per category per month
-- expect: none
SELECT i.category, date_trunc('month', o.order_date) AS month, sum(i.quantity) AS units
FROM analytics.order_items i
JOIN analytics.orders o ON o.order_id = i.order_id
WHERE o.status = 'completed'
GROUP BY ALL
ORDER BY 2, 1

-- case: price changes, product against order lines
-- expect: none
SELECT p.sku, p.price, avg(i.unit_price) AS avg_paid
FROM analytics.products p
JOIN analytics.order_items i ON i.product_id = p.product_id
GROUP BY p.sku, p.price
HAVING abs(avg(i.unit_price) - p.price) > 0.01
ORDER BY p.sku

-- case: inventory style pivot of vendors by category
-- expect: none
PIVOT (SELECT v.country, p.category FROM analytics.products p JOIN analytics.vendors v ON v.vendor_id = p.vendor_id)
ON category USING count(*) GROUP BY country

-- case: supply delay with integer division of days
-- expect: L010
SELECT carrier, sum(CAST(delivery_days AS INTEGER)) // count(*) AS avg_days
FROM analytics.shipments
GROUP BY carrier

-- case: shipments with missing delivery compared to NULL
-- expect: L005
SELECT count(*) AS in_transit FROM analytics.shipments WHERE delivered_at = NULL

-- case: orders never shipped with NOT IN
-- expect: L006
SELECT count(*) AS unshipped
FROM analytics.orders
WHERE order_id NOT IN (SELECT order_id FROM analytics.shipments)

-- case: orders never shipped with an anti join
-- expect: none
SELECT count(*) AS unshipped
FROM analytics.orders o
LEFT JOIN analytics.shipments s ON s.order_id = o.order_id
WHERE s.shipment_id IS NULL

-- case: support tickets by cart value band
-- expect: none
SELECT CASE WHEN cart_value >= 200 THEN 'high' WHEN cart_value >= 50 THEN 'mid' ELSE 'low' END AS band,
       count(*) AS tickets, avg(resolution_minutes) AS minutes
FROM analytics.support_tickets
GROUP BY 1
ORDER BY 1

-- case: tickets per order with a left join and count of tickets
-- expect: none
SELECT o.order_id, count(t.ticket_id) AS tickets
FROM analytics.orders o
LEFT JOIN analytics.support_tickets t ON t.order_id = o.order_id
GROUP BY o.order_id
ORDER BY tickets DESC
LIMIT 20

-- case: channel of ticket vs acquisition channel (both called channel? no: tickets.channel only)
-- expect: none
SELECT t.channel AS ticket_channel, u.acquisition_channel, count(*) AS n
FROM analytics.support_tickets t
JOIN analytics.users u ON u.user_id = t.user_id
GROUP BY ALL
ORDER BY n DESC

-- case: build info freshness
-- expect: none
SELECT data_from, data_through, date_diff('day', data_from, data_through) AS days FROM analytics.build_info

-- case: conversion by resolution speed
-- expect: none
SELECT resolution_minutes < 60 AS fast, count(DISTINCT t.user_id) AS people,
       count(DISTINCT o.user_id) AS bought_after
FROM analytics.support_tickets t
LEFT JOIN analytics.orders o ON o.user_id = t.user_id AND o.ordered_at > t.resolved_at
GROUP BY 1
ORDER BY 1

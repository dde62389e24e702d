-- title: Customer acquisition cost by campaign
-- description: End-to-end CAC: ad spend divided by the customers the campaign brought who went on to buy (not cost per click). Cheap clicks can be the most expensive customers. cac_low to cac_high is a rough 95% range from the number of customers: a campaign with few customers has a wide one.
-- owner: dana
-- team: marketing
-- tags: acquisition, cac, campaigns
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- bakes: conversion
-- chart: bar x=utm_campaign y=cac
WITH spend AS (
    SELECT utm_campaign, sum(spend) AS spend, sum(clicks) AS clicks
    FROM analytics.campaign_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY utm_campaign
), customers AS (
    SELECT utm_campaign, count(*) AS signups, count(*) FILTER (WHERE is_customer) AS customers
    FROM analytics.users
    WHERE signup_date BETWEEN $start AND $end
    GROUP BY utm_campaign
)
SELECT
    s.utm_campaign,
    round(s.spend, 2) AS spend,
    s.clicks,
    round(s.spend / nullif(s.clicks, 0), 2) AS cost_per_click,
    c.customers,
    round(s.spend / nullif(c.customers, 0), 2) AS cac,
    -- a rough 95% range from the customer count (Poisson): few customers, wide range
    round(s.spend / nullif(pow(sqrt(c.customers) + 0.98, 2), 0), 2) AS cac_low,
    round(s.spend / nullif(pow(greatest(sqrt(c.customers) - 0.98, 0), 2), 0), 2) AS cac_high
FROM spend AS s
LEFT JOIN customers AS c USING (utm_campaign)
ORDER BY cac DESC

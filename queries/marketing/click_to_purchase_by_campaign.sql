-- title: Click-to-purchase conversion by campaign
-- description: Share of ad clicks that became a paying customer (customers by signup date in the period), next to the cost per click.
-- owner: dana
-- team: marketing
-- tags: conversion, campaigns
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- bakes: conversion
-- chart: scatter x=cost_per_click y=click_to_customer color=utm_campaign
WITH spend AS (
    SELECT utm_campaign, sum(spend) AS spend, sum(clicks) AS clicks
    FROM analytics.campaign_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY utm_campaign
), customers AS (
    SELECT utm_campaign, count(*) FILTER (WHERE is_customer) AS customers
    FROM analytics.users
    WHERE signup_date BETWEEN $start AND $end
    GROUP BY utm_campaign
)
SELECT
    s.utm_campaign,
    round(s.spend / s.clicks, 2) AS cost_per_click,
    round(c.customers / s.clicks, 4) AS click_to_customer
FROM spend AS s
JOIN customers AS c USING (utm_campaign)
ORDER BY click_to_customer DESC

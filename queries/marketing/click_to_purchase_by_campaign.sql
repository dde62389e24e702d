-- title: Click-to-purchase conversion by campaign
-- description: Share of ad clicks that became a paying customer, next to the cost per click.
-- owner: dana
-- team: marketing
-- tags: conversion, campaigns
-- status: curated
-- chart: scatter x=cost_per_click y=click_to_customer color=utm_campaign
WITH spend AS (
    SELECT utm_campaign, sum(spend) AS spend, sum(clicks) AS clicks
    FROM analytics.campaign_daily
    GROUP BY utm_campaign
), customers AS (
    SELECT utm_campaign, count(*) FILTER (WHERE is_customer) AS customers
    FROM analytics.users
    GROUP BY utm_campaign
)
SELECT
    s.utm_campaign,
    round(s.spend / s.clicks, 2) AS cost_per_click,
    round(c.customers / s.clicks, 4) AS click_to_customer
FROM spend AS s
JOIN customers AS c USING (utm_campaign)
ORDER BY click_to_customer DESC

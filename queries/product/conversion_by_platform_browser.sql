-- title: Purchase conversion by platform and browser
-- description: Of people who started a checkout, the share who purchased, per platform and browser. A low pair points at a client bug.
-- owner: dana
-- team: product
-- tags: conversion, checkout, platform
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- chart: bar x=pair y=conversion
WITH people AS (
    SELECT user_id, platform, browser, bool_or(event_name = 'purchase') AS purchased
    FROM analytics.events
    WHERE event_name IN ('checkout_start', 'purchase') AND event_date BETWEEN $start AND $end
    GROUP BY user_id, platform, browser
)
SELECT
    platform || ' / ' || browser AS pair,
    platform,
    browser,
    count(*) AS checkouts,
    round(avg(CAST(purchased AS INTEGER)), 3) AS conversion
FROM people
GROUP BY platform, browser
ORDER BY conversion

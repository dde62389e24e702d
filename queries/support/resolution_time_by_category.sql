-- title: Support resolution time by category
-- description: Tickets per category with the median and 90th percentile minutes to resolution.
-- owner: sam
-- team: support
-- tags: support
-- status: curated
-- chart: bar x=category y=median_minutes
SELECT
    category,
    count(*) AS tickets,
    median(resolution_minutes) AS median_minutes,
    quantile_cont(resolution_minutes, 0.9) AS p90_minutes,
    round(avg(CAST(resolution_minutes < 60 AS INTEGER)), 3) AS share_under_1h
FROM analytics.support_tickets
WHERE resolution_minutes IS NOT NULL
GROUP BY category
ORDER BY tickets DESC

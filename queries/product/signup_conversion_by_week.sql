-- title: Visitor-to-signup conversion by week
-- description: New visitors each week and the share who signed up (person level, by the day each was first seen): the metric visitor_signup_conversion, week by week. The start-page redesign of 2026-06-02 is marked on the chart.
-- owner: priya
-- team: product
-- tags: signup, growth
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- param: platform text default=all
-- chart: line x=week y=signup_rate
WITH first_visits AS (
    SELECT user_id, min(event_date) AS first_day, arg_min(platform, event_at) AS platform
    FROM analytics.events
    GROUP BY user_id
)
SELECT
    CAST(date_trunc('week', f.first_day) AS DATE) AS week,
    count(*) AS new_visitors,
    count(u.user_id) AS signups,
    round(count(u.user_id) / count(*), 4) AS signup_rate
FROM first_visits AS f
LEFT JOIN analytics.users AS u USING (user_id)
WHERE f.first_day BETWEEN $start AND $end AND ($platform = 'all' OR f.platform = $platform)
GROUP BY week
ORDER BY week

-- title: Visitor-to-signup conversion by week
-- description: New visitors each week and the share who signed up. The start-page redesign shipped on 2026-06-02.
-- owner: priya
-- team: product
-- tags: signup, growth
-- status: curated
-- chart: line x=week y=signup_rate
WITH first_visits AS (
    SELECT user_id, min(event_date) AS first_day
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
GROUP BY week
ORDER BY week

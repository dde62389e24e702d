-- title: Month-1 and month-3 retention by signup month (draft)
-- description: Share of each signup month active one and three months later. Recent months are still baking.
-- owner: alex
-- team: growth
-- tags: retention
-- status: draft
-- chart: line x=signup_month y=month_1
WITH activity AS (
    SELECT DISTINCT e.user_id, CAST(date_trunc('month', e.event_date) AS DATE) AS active_month
    FROM analytics.events AS e
)
SELECT
    u.signup_month,
    count(DISTINCT u.user_id) AS users,
    round(count(DISTINCT a.user_id) FILTER (WHERE a.active_month = u.signup_month + INTERVAL 1 MONTH) / count(DISTINCT u.user_id), 3) AS month_1,
    round(count(DISTINCT a.user_id) FILTER (WHERE a.active_month = u.signup_month + INTERVAL 3 MONTH) / count(DISTINCT u.user_id), 3) AS month_3
FROM analytics.users AS u
LEFT JOIN activity AS a ON a.user_id = u.user_id
GROUP BY u.signup_month
ORDER BY u.signup_month

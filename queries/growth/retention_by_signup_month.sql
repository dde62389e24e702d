-- title: Month-1 and month-3 retention by signup month
-- description: Share of each signup month active one and three months later. A month not over yet is still baking: month_1 is marked still_baking while its month runs and is empty before it starts, never zero; month_3 stays empty until its month is over.
-- owner: alex
-- team: growth
-- tags: retention
-- status: curated
-- chart: line x=signup_month y=month_1
WITH activity AS (
    SELECT DISTINCT e.user_id, CAST(date_trunc('month', e.event_date) AS DATE) AS active_month
    FROM analytics.events AS e
), through AS (
    SELECT max(event_date) AS day FROM analytics.events
)
SELECT
    u.signup_month,
    count(DISTINCT u.user_id) AS users,
    CASE WHEN u.signup_month + INTERVAL 1 MONTH <= any_value(t.day) THEN
        round(count(DISTINCT a.user_id) FILTER (WHERE a.active_month = u.signup_month + INTERVAL 1 MONTH) / count(DISTINCT u.user_id), 3)
    END AS month_1,
    CASE WHEN u.signup_month + INTERVAL 4 MONTH <= any_value(t.day) + 1 THEN
        round(count(DISTINCT a.user_id) FILTER (WHERE a.active_month = u.signup_month + INTERVAL 3 MONTH) / count(DISTINCT u.user_id), 3)
    END AS month_3,
    u.signup_month + INTERVAL 2 MONTH > any_value(t.day) + 1 AS still_baking
FROM analytics.users AS u
CROSS JOIN through AS t
LEFT JOIN activity AS a ON a.user_id = u.user_id
GROUP BY u.signup_month
ORDER BY u.signup_month

-- title: Weekly active users
-- description: Signed-up customers with at least one event in the week.
-- owner: dana
-- team: executive
-- tags: engagement, kpi
-- status: curated
-- chart: line x=week y=active_users
SELECT
    CAST(date_trunc('week', e.event_date) AS DATE) AS week,
    count(DISTINCT e.user_id) AS active_users
FROM analytics.events AS e
JOIN analytics.users AS u USING (user_id)
GROUP BY week
ORDER BY week

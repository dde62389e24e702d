SELECT u.platform, count(DISTINCT u.user_id) AS users
FROM analytics.users AS u
LEFT JOIN analytics.orders AS o ON o.user_id = u.user_id
GROUP BY u.platform

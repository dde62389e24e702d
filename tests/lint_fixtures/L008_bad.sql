SELECT u.user_id, platform
FROM analytics.users AS u
JOIN analytics.orders AS o ON o.user_id = u.user_id

SELECT *
FROM analytics.users

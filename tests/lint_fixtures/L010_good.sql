SELECT count(*) FILTER (WHERE is_customer) / count(*) AS conversion
FROM analytics.users

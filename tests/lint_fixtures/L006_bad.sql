SELECT count(*) AS n
FROM analytics.users AS u
WHERE u.user_id NOT IN (SELECT t.user_id FROM analytics.support_tickets AS t)

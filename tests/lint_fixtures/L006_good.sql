SELECT count(*) AS n
FROM analytics.users AS u
WHERE NOT EXISTS (SELECT 1 FROM analytics.support_tickets AS t WHERE t.user_id = u.user_id)

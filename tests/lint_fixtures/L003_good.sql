SELECT user_id, signup_date
FROM analytics.users

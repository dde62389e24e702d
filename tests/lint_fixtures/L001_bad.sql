SELECT user_id FROM analytics.users WHERE (country = 

-- Each person's property values at their first first-step event in the date range: what the
-- funnel correlation view compares the people who completed the funnel and those who dropped off by.
SELECT user_id, {{properties}}
FROM {{events}} AS e
WHERE event_name = $first_step AND event_date BETWEEN $start AND $end
GROUP BY user_id

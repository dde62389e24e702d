-- One experiment by day and variant: people assigned that day, and people whose first target event
-- after their assignment fell on that day (summed up to a day: what the readout said on that day).
WITH assigned AS (
    SELECT user_id, variant, assigned_at FROM {{assignments}} WHERE experiment = $experiment
), converted AS (
    SELECT a.user_id, a.variant, min(e.event_at) AS converted_at
    FROM assigned AS a
    JOIN {{events}} AS e ON e.user_id = a.user_id AND e.event_name = $event AND e.event_at >= a.assigned_at
    GROUP BY 1, 2
)
SELECT day, variant, sum(users) AS users, sum(converted) AS converted
FROM (
    SELECT CAST(assigned_at AS DATE) AS day, variant, 1 AS users, 0 AS converted FROM assigned
    UNION ALL
    SELECT CAST(converted_at AS DATE) AS day, variant, 0 AS users, 1 AS converted FROM converted
)
GROUP BY 1, 2
ORDER BY 1, 2

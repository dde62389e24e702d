-- Users per variant of one experiment and how many did the target event after their assignment.
SELECT
    a.variant,
    count(*) AS users,
    count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM {{events}} AS e
        WHERE e.user_id = a.user_id AND e.event_name = $event AND e.event_at >= a.assigned_at
    )) AS converted
FROM {{assignments}} AS a
WHERE a.experiment = $experiment
GROUP BY a.variant
ORDER BY a.variant

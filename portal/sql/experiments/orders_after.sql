-- The counted orders of one experiment's people in the $days days after their first assignment, with
-- the day each fell on: what a readout on any earlier day could have seen (the sequential looks).
WITH assigned AS (
    SELECT user_id, min(assigned_at) AS assigned_at
    FROM {{assignments}}
    WHERE experiment = $experiment AND user_id IS NOT NULL
    GROUP BY user_id
)
SELECT a.user_id, CAST(r.ordered_at AS DATE) AS day, r.revenue
FROM assigned AS a
JOIN {{revenue}} AS r
    ON r.user_id = a.user_id AND r.counted
    AND r.ordered_at >= a.assigned_at AND r.ordered_at < a.assigned_at + to_days(CAST($days AS INTEGER))

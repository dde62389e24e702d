-- Each person assigned to one experiment (first assignment) with the counted orders and revenue of the
-- $days days after it and of the $days days before it (CUPED's covariate): one row per person.
WITH assigned AS (
    SELECT user_id, arg_min(variant, assigned_at) AS variant, min(assigned_at) AS assigned_at
    FROM {{assignments}}
    WHERE experiment = $experiment AND user_id IS NOT NULL
    GROUP BY user_id
)
SELECT
    a.user_id,
    a.variant,
    CAST(a.assigned_at AS DATE) AS assigned_day,
    coalesce(sum(r.revenue) FILTER (WHERE r.ordered_at >= a.assigned_at), 0) AS revenue,
    count(r.user_id) FILTER (WHERE r.ordered_at >= a.assigned_at) AS orders,
    coalesce(sum(r.revenue) FILTER (WHERE r.ordered_at < a.assigned_at), 0) AS pre_revenue,
    count(r.user_id) FILTER (WHERE r.ordered_at < a.assigned_at) AS pre_orders
FROM assigned AS a
LEFT JOIN {{revenue}} AS r
    ON r.user_id = a.user_id AND r.counted
    AND r.ordered_at >= a.assigned_at - to_days(CAST($days AS INTEGER))
    AND r.ordered_at < a.assigned_at + to_days(CAST($days AS INTEGER))
GROUP BY ALL

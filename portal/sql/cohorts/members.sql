-- Cohort members for the retention pass, in user order: the cohort's period number (periods since the
-- origin Monday 2000-01-03, so differences are periods elapsed) and the split value as its position in
-- $segments (0 when NULL). {{grain}}, {{anchor}} and {{split}} are filled with validated identifiers.
SELECT user_id,
       CAST(date_diff('{{grain}}', DATE '2000-01-03', CAST(date_trunc('{{grain}}', {{anchor}}) AS DATE)) AS INTEGER) AS cohort_period,
       CAST(coalesce(list_position($segments, CAST({{split}} AS VARCHAR)), 0) AS INTEGER) AS segment
FROM {{people}}
WHERE {{anchor}} IS NOT NULL
ORDER BY user_id

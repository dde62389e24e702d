-- How long people take to become customers: days from signup to first purchase, for people who
-- signed up at least $horizon days before the data ends (so every conversion within the horizon
-- had the chance to happen), counted per day of lag up to the horizon.
SELECT date_diff('day', CAST(signup_at AS DATE), CAST(first_order_at AS DATE)) AS lag_days, count(*) AS people
FROM {{people}}
WHERE CAST(signup_at AS DATE) <= $cutoff
  AND first_order_at IS NOT NULL
  AND date_diff('day', CAST(signup_at AS DATE), CAST(first_order_at AS DATE)) BETWEEN 0 AND $horizon
GROUP BY 1
ORDER BY 1

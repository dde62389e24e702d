-- Cohort members for the retention pass, in user order: cohort start, its period number (periods
-- since an origin Monday, so differences are periods elapsed) and the split value. GRAIN, ANCHOR and
-- SPLIT are replaced by validated identifiers.
SELECT user_id,
       CAST(date_trunc('GRAIN', ANCHOR) AS DATE) AS cohort,
       CAST(date_diff('GRAIN', DATE '2000-01-03', CAST(date_trunc('GRAIN', ANCHOR) AS DATE)) AS INTEGER) AS cohort_period,
       CAST(SPLIT AS VARCHAR) AS segment
FROM analytics.users
WHERE ANCHOR IS NOT NULL
ORDER BY user_id

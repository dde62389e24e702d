-- Retention triangle in plain SQL: the reference that portal/retention_scan.py is tested against (the
-- page uses the pass, which avoids this query's big DISTINCT). Cohort (signup or first purchase, by
-- week or month), optional split, and the
-- share of the cohort active in each later period. {{grain}}, {{anchor}}, {{split}} and {{activity}} are replaced by
-- validated identifiers; $event and $periods are bound.
WITH cohort AS (
    SELECT user_id, CAST(date_trunc('{{grain}}', {{anchor}}) AS DATE) AS cohort, {{split}} AS segment
    FROM {{people}}
    WHERE {{anchor}} IS NOT NULL
), activity AS (
    SELECT DISTINCT e.user_id, CAST(date_trunc('{{grain}}', e.event_at) AS DATE) AS active_period
    FROM {{events}} AS e
    WHERE {{activity}}
), sizes AS (
    SELECT cohort, segment, count(*) AS cohort_size FROM cohort GROUP BY ALL
), active AS (
    SELECT c.cohort, c.segment, date_diff('{{grain}}', c.cohort, a.active_period) AS period, count(*) AS active_users
    FROM cohort AS c
    JOIN activity AS a USING (user_id)
    WHERE a.active_period >= c.cohort
    GROUP BY ALL
)
SELECT s.cohort, s.segment, p.period, s.cohort_size, coalesce(a.active_users, 0) AS active_users,
       coalesce(a.active_users, 0) / s.cohort_size AS retention
FROM sizes AS s
CROSS JOIN (SELECT unnest(generate_series(0, $periods)) AS period) AS p
LEFT JOIN active AS a ON a.cohort = s.cohort AND a.segment = s.segment AND a.period = p.period
ORDER BY s.cohort, s.segment, p.period

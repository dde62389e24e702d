-- Orders and cumulative revenue per cohort member by period since the cohort start (completed
-- orders only), with the acquisition cost per customer of the cohort's channel for the payback line.
WITH cohort AS (
    SELECT user_id, CAST(date_trunc('{{grain}}', {{anchor}}) AS DATE) AS cohort, {{split}} AS segment
    FROM {{people}}
    WHERE {{anchor}} IS NOT NULL
), sizes AS (
    SELECT cohort, segment, count(*) AS cohort_size FROM cohort GROUP BY ALL
), orders AS (
    SELECT c.cohort, c.segment, date_diff('{{grain}}', c.cohort, CAST(date_trunc('{{grain}}', o.ordered_at) AS DATE)) AS period,
           count(*) FILTER (WHERE o.counted) AS orders, sum(o.revenue) FILTER (WHERE o.counted) AS revenue
    FROM cohort AS c
    JOIN {{revenue}} AS o USING (user_id)
    WHERE o.ordered_at >= c.cohort
    GROUP BY ALL
)
SELECT s.cohort, s.segment, p.period, s.cohort_size,
       coalesce(o.orders, 0) / s.cohort_size AS orders_per_user,
       sum(coalesce(o.revenue, 0)) OVER (PARTITION BY s.cohort, s.segment ORDER BY p.period) / s.cohort_size
           AS cumulative_revenue_per_user
FROM sizes AS s
CROSS JOIN (SELECT unnest(generate_series(0, $periods)) AS period) AS p
LEFT JOIN orders AS o ON o.cohort = s.cohort AND o.segment = s.segment AND o.period = p.period
ORDER BY s.cohort, s.segment, p.period

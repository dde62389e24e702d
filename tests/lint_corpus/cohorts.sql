-- case: signup cohorts by month
-- expect: none
SELECT signup_month, count(*) AS signups, count(*) FILTER (WHERE is_customer) AS customers
FROM analytics.users
GROUP BY signup_month
ORDER BY signup_month

-- case: month-1 retention via self-join of activity
-- expect: none
WITH active AS (
    SELECT DISTINCT user_id, CAST(date_trunc('month', event_date) AS DATE) AS month
    FROM analytics.events
)
SELECT u.signup_month, count(DISTINCT a.user_id) / count(DISTINCT u.user_id) AS month_1
FROM analytics.users u
LEFT JOIN active a ON a.user_id = u.user_id AND a.month = u.signup_month + INTERVAL 1 MONTH
GROUP BY u.signup_month
ORDER BY u.signup_month

-- case: cohort triangle with date_diff
-- expect: none
WITH cohort AS (
    SELECT user_id, signup_month FROM analytics.users
), orders AS (
    SELECT user_id, CAST(date_trunc('month', order_date) AS DATE) AS month, revenue FROM analytics.orders
)
SELECT c.signup_month, date_diff('month', c.signup_month, o.month) AS months_since, sum(o.revenue) AS revenue
FROM cohort c
JOIN orders o ON o.user_id = c.user_id
GROUP BY ALL
ORDER BY 1, 2

-- case: ANSI-89 cohort join with WHERE key
-- expect: none
SELECT u.signup_week, count(DISTINCT o.user_id) AS buyers
FROM analytics.users u, analytics.orders o
WHERE u.user_id = o.user_id AND o.is_first_order
GROUP BY u.signup_week
ORDER BY u.signup_week

-- case: days to first order per channel
-- expect: none
SELECT acquisition_channel, median(date_diff('day', signup_at, first_order_at)) AS median_days
FROM analytics.users
WHERE first_order_at IS NOT NULL
GROUP BY acquisition_channel
ORDER BY median_days

-- case: cumulative revenue per user by cohort
-- expect: none
SELECT signup_month, month, sum(revenue) OVER (PARTITION BY signup_month ORDER BY month) / cohort_size AS cum_rev
FROM (
    SELECT u.signup_month, CAST(date_trunc('month', o.order_date) AS DATE) AS month, sum(o.revenue) AS revenue,
           any_value(s.n) AS cohort_size
    FROM analytics.users u
    JOIN analytics.orders o ON o.user_id = u.user_id
    JOIN (SELECT signup_month, count(*) AS n FROM analytics.users GROUP BY 1) s ON s.signup_month = u.signup_month
    GROUP BY 1, 2
)
ORDER BY 1, 2

-- case: CAC per channel
-- expect: none
WITH spend AS (SELECT channel, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1),
customers AS (
    SELECT acquisition_channel AS channel, count(*) FILTER (WHERE is_customer) AS customers
    FROM analytics.users GROUP BY 1
)
SELECT s.channel, s.spend / nullif(c.customers, 0) AS cac
FROM spend s JOIN customers c USING (channel)
ORDER BY cac DESC

-- case: CAC with a comma join and the key in WHERE
-- expect: none
WITH spend AS (SELECT channel, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1),
customers AS (SELECT acquisition_channel AS channel, count(*) AS n FROM analytics.users WHERE is_customer GROUP BY 1)
SELECT spend.channel, spend.spend / customers.n AS cac
FROM spend, customers
WHERE spend.channel = customers.channel
ORDER BY cac DESC

-- case: cohorts joined to spend without a key
-- expect: L004
WITH spend AS (SELECT channel, sum(spend) AS spend FROM analytics.campaign_daily GROUP BY 1),
customers AS (SELECT acquisition_channel AS channel, count(*) AS n FROM analytics.users WHERE is_customer GROUP BY 1)
SELECT spend.channel, spend.spend / customers.n AS cac
FROM spend, customers

-- case: weekly active users
-- expect: none
SELECT date_trunc('week', event_date) AS week, count(DISTINCT user_id) AS wau
FROM analytics.events
GROUP BY 1
ORDER BY 1

-- case: repeat purchase rate per signup month
-- expect: none
SELECT signup_month, avg(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeat_rate
FROM (
    SELECT u.signup_month, u.user_id, count(o.order_id) AS n
    FROM analytics.users u JOIN analytics.orders o ON o.user_id = u.user_id
    GROUP BY 1, 2
)
GROUP BY 1
ORDER BY 1

-- case: churned customers, no order in 90 days
-- expect: none
SELECT count(*) AS churned
FROM analytics.users u
WHERE u.is_customer
  AND NOT EXISTS (
      SELECT 1 FROM analytics.orders o
      WHERE o.user_id = u.user_id AND o.order_date > DATE '2026-11-15' - INTERVAL 90 DAY
  )

-- case: onboarding completion by device
-- expect: none
SELECT device, avg(CAST(onboarding_completed AS INTEGER)) AS completion
FROM analytics.users
GROUP BY device
ORDER BY completion

-- case: cohort size with integer division
-- expect: L010
SELECT signup_month, count(*) FILTER (WHERE is_customer) * 100 // count(*) AS pct
FROM analytics.users
GROUP BY 1

-- case: first order value by channel with USING
-- expect: none
SELECT acquisition_channel, avg(order_total) AS first_aov
FROM analytics.users
JOIN analytics.orders USING (user_id)
WHERE is_first_order
GROUP BY ALL
ORDER BY first_aov DESC

-- case: LTV by campaign with a left join and count distinct
-- expect: none
SELECT u.utm_campaign, sum(o.revenue) / count(DISTINCT u.user_id) AS ltv
FROM analytics.users u
LEFT JOIN analytics.orders o ON o.user_id = u.user_id
GROUP BY 1
ORDER BY ltv DESC NULLS LAST

-- case: experiment assignment counts
-- expect: none
SELECT experiment, variant, count(*) AS users
FROM analytics.experiment_assignments
GROUP BY ALL
ORDER BY ALL

-- case: experiment conversion with EXISTS
-- expect: none
SELECT a.variant, count(*) AS users,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM analytics.events e
           WHERE e.user_id = a.user_id AND e.event_name = 'purchase' AND e.event_at >= a.assigned_at
       )) AS converted
FROM analytics.experiment_assignments a
WHERE a.experiment = 'checkout_button_color'
GROUP BY a.variant
ORDER BY a.variant

-- case: ambiguous user_id in experiment join
-- expect: L008
SELECT a.variant, count(DISTINCT user_id) AS buyers
FROM analytics.experiment_assignments a
JOIN analytics.orders o ON o.user_id = a.user_id
GROUP BY 1

-- case: signups per day from daily metrics, unordered peek
-- expect: none
SELECT date, signups FROM analytics.daily_metrics LIMIT 7

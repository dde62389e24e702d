-- CAC and revenue by signup month for paid-campaign signups: the metric cac's own definition (ad
-- spend in the month over the paying customers that month's paid signups became), and each month's
-- completed-order revenue (for all paid campaigns, or the one in $campaign) from those customers by months since signup, for the payback month.
WITH paid AS (
    SELECT user_id, signup_month, is_customer
    FROM {{people}}
    WHERE campaign IN (SELECT DISTINCT campaign FROM {{spend}})
      AND ($campaign IS NULL OR campaign = $campaign)
), spend AS (
    SELECT CAST(date_trunc('month', date) AS DATE) AS cohort, sum(spend) AS spend
    FROM {{spend}}
    WHERE $campaign IS NULL OR campaign = $campaign
    GROUP BY 1
), cohorts AS (
    SELECT signup_month AS cohort, count(*) AS signups, count(*) FILTER (WHERE is_customer) AS customers
    FROM paid
    GROUP BY 1
), revenue AS (
    SELECT p.signup_month AS cohort, date_diff('month', p.signup_month, o.order_date) AS month, sum(o.revenue) FILTER (WHERE o.counted) AS revenue
    FROM paid AS p
    JOIN {{revenue}} AS o USING (user_id)
    WHERE o.counted
    GROUP BY 1, 2
)
SELECT c.cohort, c.signups, c.customers, s.spend, r.month, r.revenue
FROM cohorts AS c
JOIN spend AS s USING (cohort)
LEFT JOIN revenue AS r USING (cohort)
ORDER BY c.cohort, r.month

-- Acquisition cost by channel (paid channels only): ad spend over the channel's signups (what the
-- cumulative revenue per user curves pay back) and over the paying customers they became (CAC).
WITH spend AS (
    SELECT channel, sum(spend) AS spend FROM {{spend}} GROUP BY channel
), people AS (
    SELECT channel, count(*) AS signups, count(*) FILTER (WHERE is_customer) AS customers
    FROM {{people}} GROUP BY 1
)
SELECT s.channel, s.spend, p.signups, p.customers,
       s.spend / nullif(p.signups, 0) AS cost_per_signup,
       s.spend / nullif(p.customers, 0) AS cac
FROM spend AS s JOIN people AS p USING (channel)
ORDER BY cac DESC

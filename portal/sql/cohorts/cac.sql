-- Acquisition cost per paying customer by channel: ad spend over customers acquired (paid channels only).
WITH spend AS (
    SELECT channel, sum(spend) AS spend FROM {{spend}} GROUP BY channel
), customers AS (
    SELECT channel, count(*) FILTER (WHERE is_customer) AS customers
    FROM {{people}} GROUP BY 1
)
SELECT s.channel, s.spend, c.customers, s.spend / nullif(c.customers, 0) AS cac
FROM spend AS s JOIN customers AS c USING (channel)
ORDER BY cac DESC

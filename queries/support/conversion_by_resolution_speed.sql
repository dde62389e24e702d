-- title: Conversion after a checkout ticket, by resolution speed and cart value
-- description: Tickets opened during checkout (those with a cart: product questions, payment, promo codes, shipping): the share whose person completed an order within $window_days days of opening it (cancelled and refunded orders do not count), for tickets resolved in under an hour versus an hour or more, in $100 buckets of the cart's value when the ticket was opened. A bucket and speed with fewer than 20 tickets is left out: too few to judge. conversion_low and conversion_high are the 95% interval: where the two speeds' intervals do not overlap, the difference is beyond noise.
-- owner: sam
-- team: support
-- tags: support, conversion
-- status: curated
-- param: window_days number default=7
-- chart: bar x=cart_bucket y=conversion color=resolution
WITH tickets AS (
    SELECT
        t.ticket_id,
        t.user_id,
        t.opened_at,
        CASE WHEN t.resolution_minutes < 60 THEN 'under 1 hour' ELSE '1 hour or more' END AS resolution,
        CAST(floor(t.cart_value / 100) * 100 AS INTEGER) AS bucket_start
    FROM analytics.support_tickets AS t
    WHERE t.cart_value IS NOT NULL AND t.resolution_minutes IS NOT NULL  -- a cart: opened during checkout
), outcomes AS (
    SELECT
        tk.*,
        EXISTS (
            SELECT 1 FROM analytics.orders AS o
            WHERE o.user_id = tk.user_id
              AND o.status = 'completed'  -- cancelled and refunded orders are not conversions
              AND o.ordered_at BETWEEN tk.opened_at AND tk.opened_at + INTERVAL 1 DAY * CAST($window_days AS INTEGER)
        ) AS converted
    FROM tickets AS tk
), rates AS (
    SELECT bucket_start, resolution, count(*) AS n, avg(CAST(converted AS INTEGER)) AS p
    FROM outcomes
    GROUP BY bucket_start, resolution
    HAVING count(*) >= 20
)
-- conversion_low / conversion_high: the Wilson 95% interval, drawn as error bars on the chart
SELECT
    '$' || bucket_start || '-' || (bucket_start + 99) AS cart_bucket,
    resolution,
    n AS tickets,
    round(p, 3) AS conversion,
    round((p + 1.9208 / n - 1.96 * sqrt(p * (1 - p) / n + 0.9604 / (n * n))) / (1 + 3.8416 / n), 3) AS conversion_low,
    round((p + 1.9208 / n + 1.96 * sqrt(p * (1 - p) / n + 0.9604 / (n * n))) / (1 + 3.8416 / n), 3) AS conversion_high
FROM rates
ORDER BY bucket_start, resolution

-- Visits. Session 0 is the landing visit (with its campaign); later visits come after exponential gaps
-- and stop at the end of the data, which is why young cohorts are still "baking". Shopping flags are
-- drawn per visit: buy_factor (campaign) and propensity (person) drive add-to-cart.
CREATE OR REPLACE TEMP TABLE demo_sessions AS
WITH later AS (
    SELECT p.person_id, r.k,
           CAST(ceil(expo(p.person_id * 100 + r.k, 'gap', getvariable('mean_gap_days'))) AS INTEGER) AS gap
    FROM demo_people AS p, range(1, p.n_sessions + 1) AS r(k)
    WHERE p.n_sessions > 0
), offsets AS (
    SELECT person_id, k, sum(gap) OVER (PARTITION BY person_id ORDER BY k) AS day_offset FROM later
), all_sessions AS (
    SELECT person_id, 0 AS k, first_at AS start_at FROM demo_people
    UNION ALL
    SELECT o.person_id, o.k,
           CAST(p.first_day + CAST(o.day_offset AS INTEGER) AS TIMESTAMP)
             + to_seconds(7 * 3600 + pick(o.person_id * 100 + o.k, 'start_second', 16 * 3600))
    FROM offsets AS o JOIN demo_people AS p USING (person_id)
    WHERE p.first_day + CAST(o.day_offset AS INTEGER) <= getvariable('end_date')
), drawn AS (
    SELECT
    s.person_id * 100 + s.k AS session_id,
    s.person_id, s.k, s.start_at,
    1 + pick(s.person_id * 100 + s.k, 'page_views', 2) AS n_page_views,
    1 + pick(s.person_id * 100 + s.k, 'product_views', 2) AS n_product_views,
    CASE WHEN s.k = 0 THEN NOT p.signed_up AND chance(s.person_id * 100, 'browse', 0.5)
         ELSE chance(s.person_id * 100 + s.k, 'browse', 0.75) END AS has_product_view,
    p.signed_up AND s.k > 0
        AND u(s.person_id * 100 + s.k, 'cart') < least(0.9, 0.30 * p.buy_factor * p.propensity) AS cart_draw,
    chance(s.person_id * 100 + s.k, 'checkout', 0.60) AS checkout_draw
FROM all_sessions AS s JOIN demo_people AS p USING (person_id)
)
SELECT
    drawn.* EXCLUDE (cart_draw, checkout_draw),
    has_product_view AND cart_draw AS has_cart,
    has_product_view AND cart_draw AND checkout_draw AS has_checkout
FROM drawn;

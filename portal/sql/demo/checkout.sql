-- Carts and checkouts: what is in each cart (from raw.products), whether a support ticket was opened
-- at checkout and how fast it was resolved, and whether the visit ended in a purchase. The purchase
-- stories live here: iOS Safari (storage bug), the checkout-bug window, fast ticket resolution, and
-- bigger carts converting a little less.
CREATE OR REPLACE TEMP TABLE demo_cart_items AS
SELECT
    s.session_id,
    r.line + 1 AS line_number,
    1 + pick(s.session_id * 10 + r.line, 'product', getvariable('n_products')) AS product_id,
    CASE WHEN chance(s.session_id * 10 + r.line, 'quantity', 0.15) THEN 2 ELSE 1 END AS quantity
FROM demo_sessions AS s, range(1 + pick(s.session_id, 'items', 3)) AS r(line)
WHERE s.has_cart;

CREATE OR REPLACE TEMP TABLE demo_checkouts AS
WITH carts AS (
    SELECT i.session_id, sum(i.quantity * p.price_cents) AS cart_cents
    FROM demo_cart_items AS i JOIN raw.products AS p USING (product_id)
    GROUP BY i.session_id
), c AS (
    SELECT
        s.session_id, s.person_id, p.platform, p.browser,
        carts.cart_cents,
        s.start_at + to_seconds(40 * s.n_page_views + 70 * s.n_product_views + 20) AS cart_at,
        s.start_at + to_seconds(40 * s.n_page_views + 70 * s.n_product_views + 50) AS checkout_at,
        chance(s.session_id, 'ticket', getvariable('ticket_rate')) AS has_ticket,
        CAST(3 + round(expo(s.session_id, 'resolution', getvariable('resolution_mean_minutes'))) AS INTEGER)
            AS resolution_minutes
    FROM demo_sessions AS s
    JOIN demo_people AS p USING (person_id)
    JOIN carts USING (session_id)
    WHERE s.has_checkout
), p AS (
    SELECT
        c.*,
        CASE WHEN has_ticket THEN checkout_at + to_seconds(30) END AS ticket_opened_at,
        CASE
            WHEN has_ticket AND resolution_minutes < 60 THEN getvariable('buy_after_fast_ticket')
            WHEN has_ticket THEN getvariable('buy_after_slow_ticket')
            ELSE getvariable('buy_after_checkout')
        END
        * (1.15 - 0.1 * least(cart_cents / 10000.0, 5))
        * CASE WHEN platform = 'iOS' AND browser = 'Safari' THEN getvariable('ios_safari_factor') ELSE 1 END
        * CASE WHEN CAST(checkout_at AS DATE) >= getvariable('bug_start')
                AND CAST(checkout_at AS DATE) < getvariable('bug_end') THEN getvariable('bug_factor') ELSE 1 END
            AS purchase_probability
    FROM c
)
SELECT
    p.*,
    u(session_id, 'purchase') < purchase_probability AS purchased,
    CASE
        WHEN has_ticket THEN ticket_opened_at + to_seconds(60 * resolution_minutes
            + round(expo(session_id, 'after_ticket', 1800)))
        ELSE checkout_at + to_seconds(60 + pick(session_id, 'pay_seconds', 240))
    END AS purchase_at
FROM p;

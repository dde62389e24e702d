-- Tickets: questions opened during checkout (with the cart value at that moment) and after-sale
-- tickets about an order. Tickets still open at the end of the data have no resolved_at.
CREATE OR REPLACE TABLE raw.support_tickets AS
WITH t AS (
    SELECT c.person_id, c.ticket_opened_at AS opened_at,
           c.ticket_opened_at + to_seconds(60 * c.resolution_minutes) AS resolved_at,
           ['payment', 'promo_code', 'shipping_question', 'product_question'][1 + pick(c.session_id, 'ticket_category', 4)] AS category,
           c.cart_cents, NULL::BIGINT AS order_id, c.session_id AS k
    FROM demo_checkouts AS c
    WHERE c.has_ticket
    UNION ALL
    SELECT o.person_id, o.purchase_at + to_seconds(86400 * (2 + pick(o.order_id, 'after_sale_days', 12))),
           NULL, ['where_is_my_order', 'return_request', 'damaged_item'][1 + pick(o.order_id, 'after_sale_category', 3)],
           NULL, o.order_id, o.order_id
    FROM demo_orders AS o
    WHERE chance(o.order_id, 'after_sale', 0.04)
)
SELECT
    row_number() OVER (ORDER BY opened_at, k) AS ticket_id,
    person_id AS requester_id,
    opened_at,
    CASE WHEN coalesce(resolved_at, opened_at + to_seconds(3600 * (2 + pick(k, 'after_sale_hours', 70))))
              < getvariable('end_date') + 1
         THEN coalesce(resolved_at, opened_at + to_seconds(3600 * (2 + pick(k, 'after_sale_hours', 70)))) END
        AS resolved_at,
    category,
    ['chat', 'email', 'phone'][1 + pick(k, 'ticket_channel', 3)] AS channel,
    cart_cents AS cart_value_cents,
    order_id,
    date_trunc('hour', opened_at) + INTERVAL 1 HOUR AS _loaded_at
FROM t
WHERE opened_at < getvariable('end_date') + 1;

COMMENT ON TABLE raw.support_tickets IS 'Production dump of the help desk (hourly). Use analytics.support_tickets instead.';
COMMENT ON COLUMN raw.support_tickets.ticket_id IS 'Ticket id';
COMMENT ON COLUMN raw.support_tickets.requester_id IS 'Account id of the customer (raw.users.user_id)';
COMMENT ON COLUMN raw.support_tickets.opened_at IS 'When the customer contacted support';
COMMENT ON COLUMN raw.support_tickets.resolved_at IS 'When the agent marked it resolved; NULL while open';
COMMENT ON COLUMN raw.support_tickets.category IS 'payment, promo_code, shipping_question, product_question (at checkout); where_is_my_order, return_request, damaged_item (after sale)';
COMMENT ON COLUMN raw.support_tickets.channel IS 'chat, email or phone';
COMMENT ON COLUMN raw.support_tickets.cart_value_cents IS 'Value of the cart when a checkout ticket was opened, US cents; NULL for after-sale tickets';
COMMENT ON COLUMN raw.support_tickets.order_id IS 'Order an after-sale ticket is about';
COMMENT ON COLUMN raw.support_tickets._loaded_at IS 'When the hourly dump loaded this row';

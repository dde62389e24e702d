CREATE OR REPLACE TABLE analytics.support_tickets AS
SELECT
    t.ticket_id,
    t.requester_id AS user_id,
    t.opened_at,
    t.resolved_at,
    date_diff('minute', t.opened_at, t.resolved_at) AS resolution_minutes,
    t.category,
    t.channel,
    t.cart_value_cents / 100.0 AS cart_value,
    t.order_id
FROM raw.support_tickets AS t
WHERE t.requester_id NOT IN (SELECT user_id FROM test_accounts)
ORDER BY t.ticket_id;

COMMENT ON TABLE analytics.support_tickets IS 'One row per support ticket: checkout questions (with the cart value) and after-sale issues.';
COMMENT ON COLUMN analytics.support_tickets.ticket_id IS 'Ticket id';
COMMENT ON COLUMN analytics.support_tickets.user_id IS 'Customer (analytics.users.user_id)';
COMMENT ON COLUMN analytics.support_tickets.opened_at IS 'When the customer contacted support';
COMMENT ON COLUMN analytics.support_tickets.resolved_at IS 'When it was resolved; NULL while open';
COMMENT ON COLUMN analytics.support_tickets.resolution_minutes IS 'Minutes from opening to resolution; NULL while open';
COMMENT ON COLUMN analytics.support_tickets.category IS 'payment, promo_code, shipping_question, product_question (checkout); where_is_my_order, return_request, damaged_item (after sale)';
COMMENT ON COLUMN analytics.support_tickets.channel IS 'chat, email or phone';
COMMENT ON COLUMN analytics.support_tickets.cart_value IS 'USD in the cart when a checkout ticket was opened; NULL for after-sale tickets';
COMMENT ON COLUMN analytics.support_tickets.order_id IS 'Order an after-sale ticket is about';

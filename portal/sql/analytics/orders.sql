-- The latest version of each order, status cleaned, amounts in dollars, numbered per customer.
CREATE OR REPLACE TABLE analytics.orders AS
WITH latest AS (
    SELECT DISTINCT ON (order_id) *
    FROM raw.orders
    ORDER BY order_id, _loaded_at DESC, updated_at DESC
), items AS (
    SELECT order_id, CAST(sum(quantity) AS INTEGER) AS item_count FROM raw.order_items GROUP BY order_id
)
SELECT
    o.order_id,
    o.customer_id AS user_id,
    o.created_at AS ordered_at,
    CAST(o.created_at AS DATE) AS order_date,
    lower(trim(o.status)) AS status,
    o.total_cents / 100.0 AS order_total,
    CASE WHEN lower(trim(o.status)) = 'completed' THEN o.total_cents / 100.0 ELSE 0 END AS revenue,
    i.item_count,
    o.client_os AS platform,
    o.client_browser AS browser,
    CAST(row_number() OVER (PARTITION BY o.customer_id ORDER BY o.created_at, o.order_id) AS INTEGER) AS order_number,
    row_number() OVER (PARTITION BY o.customer_id ORDER BY o.created_at, o.order_id) = 1 AS is_first_order
FROM latest AS o
LEFT JOIN items AS i USING (order_id)
WHERE o.customer_id NOT IN (SELECT user_id FROM test_accounts)
ORDER BY o.created_at;

COMMENT ON TABLE analytics.orders IS 'One row per order (latest status), amounts in US dollars. Count revenue only from completed orders: the revenue column already does.';
COMMENT ON COLUMN analytics.orders.order_id IS 'Order id';
COMMENT ON COLUMN analytics.orders.user_id IS 'Customer (analytics.users.user_id)';
COMMENT ON COLUMN analytics.orders.ordered_at IS 'When the order was placed';
COMMENT ON COLUMN analytics.orders.order_date IS 'Day the order was placed';
COMMENT ON COLUMN analytics.orders.status IS 'completed, refunded or cancelled';
COMMENT ON COLUMN analytics.orders.order_total IS 'Order total in USD, whatever the status';
COMMENT ON COLUMN analytics.orders.revenue IS 'Recognised revenue in USD: the total for completed orders, 0 for refunded or cancelled';
COMMENT ON COLUMN analytics.orders.item_count IS 'Units in the order';
COMMENT ON COLUMN analytics.orders.platform IS 'Operating system the order was placed from';
COMMENT ON COLUMN analytics.orders.browser IS 'Browser the order was placed from';
COMMENT ON COLUMN analytics.orders.order_number IS 'Nth order of this customer (1 = first)';
COMMENT ON COLUMN analytics.orders.is_first_order IS 'The customer''s first order';

-- Orders as the shop database dumps them: amounts in cents, status in whatever case the service that
-- last touched it wrote, and an order whose status changed appears once per dump that saw it.
CREATE OR REPLACE TEMP TABLE demo_orders AS
SELECT
    100000 + row_number() OVER (ORDER BY c.purchase_at, c.session_id) AS order_id,
    c.*,
    CASE
        WHEN u(c.session_id, 'order_status') < 0.04 THEN 'refunded'
        WHEN u(c.session_id, 'order_status') < 0.07 THEN 'cancelled'
        ELSE 'completed'
    END AS status
FROM demo_checkouts AS c
WHERE c.purchased AND c.purchase_at < getvariable('end_date') + 1;

CREATE OR REPLACE TABLE raw.orders AS
WITH latest AS (
    SELECT
        o.order_id,
        o.person_id AS customer_id,
        o.purchase_at AS created_at,
        CASE WHEN o.status = 'completed' THEN o.purchase_at
             ELSE o.purchase_at + to_seconds(86400 * (1 + pick(o.order_id, 'status_days', 10))) END AS updated_at,
        CASE pick(o.order_id, 'status_case', 3)
            WHEN 0 THEN o.status WHEN 1 THEN upper(o.status) ELSE upper(o.status[1]) || o.status[2:] || ' ' END
            AS status,
        o.cart_cents AS total_cents,
        'USD' AS currency,
        o.platform AS client_os,
        o.browser AS client_browser,
        o.session_id
    FROM demo_orders AS o
)
SELECT *, date_trunc('hour', updated_at) + INTERVAL 1 HOUR AS _loaded_at FROM latest
UNION ALL
SELECT * REPLACE (created_at AS updated_at, 'Completed' AS status),
       date_trunc('hour', created_at) + INTERVAL 1 HOUR AS _loaded_at
FROM latest
WHERE lower(trim(status)) <> 'completed';

COMMENT ON TABLE raw.orders IS 'Production dump of orders (hourly). Amounts in cents; status casing varies; an order whose status changed appears once per version. Use analytics.orders instead.';
COMMENT ON COLUMN raw.orders.order_id IS 'Order id (repeats when the status changed)';
COMMENT ON COLUMN raw.orders.customer_id IS 'Account id of the buyer (raw.users.user_id)';
COMMENT ON COLUMN raw.orders.created_at IS 'When the order was placed';
COMMENT ON COLUMN raw.orders.updated_at IS 'When this version of the row was written';
COMMENT ON COLUMN raw.orders.status IS 'completed, refunded or cancelled, in inconsistent case and spacing';
COMMENT ON COLUMN raw.orders.total_cents IS 'Order total in US cents';
COMMENT ON COLUMN raw.orders.currency IS 'Always USD';
COMMENT ON COLUMN raw.orders.client_os IS 'Operating system the order was placed from';
COMMENT ON COLUMN raw.orders.client_browser IS 'Browser the order was placed from';
COMMENT ON COLUMN raw.orders.session_id IS 'Visit in which the checkout started';
COMMENT ON COLUMN raw.orders._loaded_at IS 'When the hourly dump loaded this row';

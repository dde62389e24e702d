CREATE OR REPLACE TABLE raw.order_items AS
SELECT
    o.order_id,
    i.line_number,
    i.product_id,
    i.quantity,
    p.price_cents AS unit_price_cents,
    date_trunc('hour', o.purchase_at) + INTERVAL 1 HOUR AS _loaded_at
FROM demo_orders AS o
JOIN demo_cart_items AS i USING (session_id)
JOIN raw.products AS p USING (product_id);

COMMENT ON TABLE raw.order_items IS 'Production dump of order lines (hourly). Prices in cents. Use analytics.order_items instead.';
COMMENT ON COLUMN raw.order_items.order_id IS 'Order id (raw.orders.order_id)';
COMMENT ON COLUMN raw.order_items.line_number IS 'Line within the order, from 1';
COMMENT ON COLUMN raw.order_items.product_id IS 'Product id (raw.products.product_id)';
COMMENT ON COLUMN raw.order_items.quantity IS 'Units bought';
COMMENT ON COLUMN raw.order_items.unit_price_cents IS 'Price per unit at purchase, US cents';
COMMENT ON COLUMN raw.order_items._loaded_at IS 'When the hourly dump loaded this row';

CREATE OR REPLACE TABLE analytics.order_items AS
SELECT
    i.order_id,
    i.line_number,
    i.product_id,
    p.category,
    i.quantity,
    i.unit_price_cents / 100.0 AS unit_price,
    i.quantity * i.unit_price_cents / 100.0 AS line_total
FROM raw.order_items AS i
JOIN raw.products AS p USING (product_id)
WHERE i.order_id IN (SELECT order_id FROM analytics.orders)
ORDER BY i.order_id, i.line_number;

COMMENT ON TABLE analytics.order_items IS 'One row per order line, prices in US dollars.';
COMMENT ON COLUMN analytics.order_items.order_id IS 'Order (analytics.orders.order_id)';
COMMENT ON COLUMN analytics.order_items.line_number IS 'Line within the order, from 1';
COMMENT ON COLUMN analytics.order_items.product_id IS 'Product (analytics.products.product_id)';
COMMENT ON COLUMN analytics.order_items.category IS 'Product category';
COMMENT ON COLUMN analytics.order_items.quantity IS 'Units bought';
COMMENT ON COLUMN analytics.order_items.unit_price IS 'Price per unit at purchase, USD';
COMMENT ON COLUMN analytics.order_items.line_total IS 'quantity x unit_price, USD';

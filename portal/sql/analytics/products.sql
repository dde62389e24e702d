CREATE OR REPLACE TABLE analytics.products AS
SELECT product_id, sku, product_name AS name, category, price_cents / 100.0 AS price, vendor_id
FROM raw.products
ORDER BY product_id;

COMMENT ON TABLE analytics.products IS 'The product catalogue, prices in US dollars.';
COMMENT ON COLUMN analytics.products.product_id IS 'Product id';
COMMENT ON COLUMN analytics.products.sku IS 'Stock keeping unit';
COMMENT ON COLUMN analytics.products.name IS 'Name shown in the shop';
COMMENT ON COLUMN analytics.products.category IS 'Home, Kitchen, Outdoors, Electronics, Beauty, Toys, Books, Apparel';
COMMENT ON COLUMN analytics.products.price IS 'Current list price, USD';
COMMENT ON COLUMN analytics.products.vendor_id IS 'Supplying vendor (analytics.vendors.vendor_id)';

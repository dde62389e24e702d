CREATE OR REPLACE TABLE raw.products AS
WITH p AS (
    SELECT
        r.i + 1 AS product_id,
        ['Home', 'Kitchen', 'Outdoors', 'Electronics', 'Beauty', 'Toys', 'Books', 'Apparel'][1 + pick(r.i, 'category', 8)] AS category,
        ['Classic', 'Eco', 'Pro', 'Mini', 'Deluxe', 'Smart', 'Vintage', 'Everyday', 'Travel', 'Studio'][1 + pick(r.i, 'adjective', 10)] AS adjective,
        u(r.i, 'price') AS up
    FROM range(getvariable('n_products')) AS r(i)
)
SELECT
    product_id,
    'SKU-' || lpad(CAST(product_id AS VARCHAR), 5, '0') AS sku,
    adjective || ' ' || CASE category
        WHEN 'Home' THEN ['Lamp', 'Rug', 'Cushion', 'Frame'][1 + product_id % 4]
        WHEN 'Kitchen' THEN ['Pan', 'Knife Set', 'Kettle', 'Mug'][1 + product_id % 4]
        WHEN 'Outdoors' THEN ['Tent', 'Backpack', 'Lantern', 'Hammock'][1 + product_id % 4]
        WHEN 'Electronics' THEN ['Headphones', 'Speaker', 'Charger', 'Keyboard'][1 + product_id % 4]
        WHEN 'Beauty' THEN ['Serum', 'Brush Kit', 'Cream', 'Diffuser'][1 + product_id % 4]
        WHEN 'Toys' THEN ['Puzzle', 'Robot', 'Blocks', 'Kite'][1 + product_id % 4]
        WHEN 'Books' THEN ['Cookbook', 'Atlas', 'Novel', 'Journal'][1 + product_id % 4]
        ELSE ['Jacket', 'Sneakers', 'Scarf', 'Hoodie'][1 + product_id % 4]
    END AS product_name,
    category,
    CAST(round(800 * pow(40, up * up)) AS INTEGER) AS price_cents,
    1 + pick(product_id, 'vendor', 40) AS vendor_id,
    TIMESTAMP '2024-09-01 00:00:00' + to_seconds(product_id * 3600) AS created_at,
    getvariable('loaded_at') AS _loaded_at
FROM p;

COMMENT ON TABLE raw.products IS 'Production dump of the product catalogue (hourly). Prices in cents. Use analytics.products instead.';
COMMENT ON COLUMN raw.products.product_id IS 'Product id';
COMMENT ON COLUMN raw.products.sku IS 'Stock keeping unit';
COMMENT ON COLUMN raw.products.product_name IS 'Name shown in the shop';
COMMENT ON COLUMN raw.products.category IS 'Shop category';
COMMENT ON COLUMN raw.products.price_cents IS 'Current list price in US cents';
COMMENT ON COLUMN raw.products.vendor_id IS 'Supplying vendor (raw.vendors.id)';
COMMENT ON COLUMN raw.products.created_at IS 'When the product was listed';
COMMENT ON COLUMN raw.products._loaded_at IS 'When the hourly dump loaded this row';

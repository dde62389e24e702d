CREATE OR REPLACE TABLE analytics.vendors AS
SELECT id AS vendor_id, vendor_name AS name, country_code AS country, main_category AS category, lead_time_days
FROM raw.vendors
ORDER BY id;

COMMENT ON TABLE analytics.vendors IS 'Suppliers whose warehouses ship our orders.';
COMMENT ON COLUMN analytics.vendors.vendor_id IS 'Vendor id';
COMMENT ON COLUMN analytics.vendors.name IS 'Trading name';
COMMENT ON COLUMN analytics.vendors.country IS 'ISO country of the shipping warehouse';
COMMENT ON COLUMN analytics.vendors.category IS 'Main product category supplied';
COMMENT ON COLUMN analytics.vendors.lead_time_days IS 'Typical days to hand an order to the carrier';

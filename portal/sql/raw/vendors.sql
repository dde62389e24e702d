CREATE OR REPLACE TABLE raw.vendors AS
SELECT
    v.i + 1 AS id,
    ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Soylent'][1 + v.i % 8]
        || ' ' || ['Supply', 'Goods', 'Trading', 'Works', 'Imports'][1 + v.i // 8] AS vendor_name,
    ['US', 'US', 'CN', 'DE', 'MX', 'VN', 'GB'][1 + pick(v.i, 'vendor_country', 7)] AS country_code,
    ['Home', 'Kitchen', 'Outdoors', 'Electronics', 'Beauty', 'Toys', 'Books', 'Apparel'][1 + v.i % 8] AS main_category,
    1 + pick(v.i, 'vendor_speed', 4) AS lead_time_days,
    TIMESTAMP '2024-06-01 00:00:00' + to_seconds(v.i * 86400) AS created_at,
    getvariable('loaded_at') AS _loaded_at
FROM range(40) AS v(i);

COMMENT ON TABLE raw.vendors IS 'Production dump of the vendors table (hourly). Unstable: columns may change without notice. Use analytics.vendors instead.';
COMMENT ON COLUMN raw.vendors.id IS 'Vendor id';
COMMENT ON COLUMN raw.vendors.vendor_name IS 'Trading name';
COMMENT ON COLUMN raw.vendors.country_code IS 'ISO country of the warehouse shipping for this vendor';
COMMENT ON COLUMN raw.vendors.main_category IS 'Product category the vendor mainly supplies';
COMMENT ON COLUMN raw.vendors.lead_time_days IS 'Days the vendor takes to hand an order to the carrier';
COMMENT ON COLUMN raw.vendors.created_at IS 'When the vendor was onboarded';
COMMENT ON COLUMN raw.vendors._loaded_at IS 'When the hourly dump loaded this row';

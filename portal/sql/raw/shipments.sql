-- One shipment per order that was not cancelled, sent by the vendor of its first line.
CREATE OR REPLACE TABLE raw.shipments AS
WITH s AS (
    SELECT
        o.order_id,
        p.vendor_id,
        ['UPS', 'FedEx', 'USPS', 'DHL'][1 + pick(o.order_id, 'carrier', 4)] AS carrier,
        o.purchase_at + to_seconds(3600 * (v.lead_time_days * 12 + pick(o.order_id, 'ship_hours', 36))) AS shipped_at,
        v.lead_time_days,
        5 AS promised_days
    FROM demo_orders AS o
    JOIN demo_cart_items AS i ON i.session_id = o.session_id AND i.line_number = 1
    JOIN raw.products AS p ON p.product_id = i.product_id
    JOIN raw.vendors AS v ON v.id = p.vendor_id
    WHERE o.status <> 'cancelled'
), d AS (
    SELECT s.*,
           s.shipped_at + to_seconds(round(86400 * (1 + expo(order_id, 'transit', 1.5 + 0.4 * lead_time_days)))) AS arrives_at
    FROM s
)
SELECT
    order_id AS shipment_id,
    order_id,
    vendor_id,
    carrier,
    CASE WHEN shipped_at < getvariable('end_date') + 1 THEN shipped_at END AS shipped_at,
    CASE WHEN arrives_at < getvariable('end_date') + 1 THEN arrives_at END AS delivered_at,
    promised_days,
    date_trunc('hour', least(arrives_at, CAST(getvariable('end_date') + 1 AS TIMESTAMP))) AS _loaded_at
FROM d;

COMMENT ON TABLE raw.shipments IS 'Production dump of the shipping service (hourly). Use analytics.shipments instead.';
COMMENT ON COLUMN raw.shipments.shipment_id IS 'Shipment id';
COMMENT ON COLUMN raw.shipments.order_id IS 'Order shipped (raw.orders.order_id)';
COMMENT ON COLUMN raw.shipments.vendor_id IS 'Vendor that shipped it (raw.vendors.id)';
COMMENT ON COLUMN raw.shipments.carrier IS 'UPS, FedEx, USPS or DHL';
COMMENT ON COLUMN raw.shipments.shipped_at IS 'Handed to the carrier; NULL if not yet';
COMMENT ON COLUMN raw.shipments.delivered_at IS 'Delivered; NULL while in transit';
COMMENT ON COLUMN raw.shipments.promised_days IS 'Delivery promise shown at checkout, days after the order';
COMMENT ON COLUMN raw.shipments._loaded_at IS 'When the hourly dump loaded this row';

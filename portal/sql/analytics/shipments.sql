CREATE OR REPLACE TABLE analytics.shipments AS
SELECT
    s.shipment_id,
    s.order_id,
    s.vendor_id,
    s.carrier,
    s.shipped_at,
    s.delivered_at,
    s.promised_days,
    date_diff('minute', o.ordered_at, s.delivered_at) / 1440.0 AS delivery_days,
    s.delivered_at IS NOT NULL AND date_diff('minute', o.ordered_at, s.delivered_at) > s.promised_days * 1440 AS is_late
FROM raw.shipments AS s
JOIN analytics.orders AS o USING (order_id)
ORDER BY s.shipment_id;

COMMENT ON TABLE analytics.shipments IS 'One row per shipped order, with delivery time against the promise.';
COMMENT ON COLUMN analytics.shipments.shipment_id IS 'Shipment id';
COMMENT ON COLUMN analytics.shipments.order_id IS 'Order (analytics.orders.order_id)';
COMMENT ON COLUMN analytics.shipments.vendor_id IS 'Vendor that shipped it';
COMMENT ON COLUMN analytics.shipments.carrier IS 'UPS, FedEx, USPS or DHL';
COMMENT ON COLUMN analytics.shipments.shipped_at IS 'Handed to the carrier; NULL if not yet';
COMMENT ON COLUMN analytics.shipments.delivered_at IS 'Delivered; NULL while in transit';
COMMENT ON COLUMN analytics.shipments.promised_days IS 'Delivery promise in days after the order';
COMMENT ON COLUMN analytics.shipments.delivery_days IS 'Days from order to delivery; NULL while in transit';
COMMENT ON COLUMN analytics.shipments.is_late IS 'Delivered later than promised';

-- title: Late deliveries by vendor
-- description: Delivered shipments per vendor, the share delivered after the promise and the mean delivery days.
-- owner: sam
-- team: supply
-- tags: shipping, vendors
-- status: curated
-- param: min_shipments number default=100
-- chart: bar x=vendor y=late_share
SELECT
    v.name AS vendor,
    count(*) AS shipments,
    round(avg(CAST(s.is_late AS INTEGER)), 3) AS late_share,
    round(avg(s.delivery_days), 2) AS mean_delivery_days
FROM analytics.shipments AS s
JOIN analytics.vendors AS v USING (vendor_id)
WHERE s.delivered_at IS NOT NULL
GROUP BY v.name
HAVING count(*) >= $min_shipments
ORDER BY late_share DESC

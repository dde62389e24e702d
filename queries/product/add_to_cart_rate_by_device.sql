-- title: Add-to-cart rate by device (draft)
-- description: Share of people who viewed a product and then added something to the cart, per device. A draft: anyone may edit it, so no dashboard shows it until the data team curates it.
-- owner: alex
-- team: product
-- tags: conversion, draft
-- status: draft
-- chart: bar x=device y=add_to_cart_rate
SELECT
    device,
    count(DISTINCT user_id) FILTER (WHERE event_name = 'add_to_cart') / count(DISTINCT user_id) AS add_to_cart_rate,
    count(DISTINCT user_id) AS viewers
FROM analytics.events
WHERE event_name IN ('product_view', 'add_to_cart')
GROUP BY device
ORDER BY add_to_cart_rate DESC

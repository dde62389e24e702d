SELECT customer_id, total_cents
FROM raw.orders

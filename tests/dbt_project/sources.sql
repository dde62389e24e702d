-- The company's loaders (Fivetran-like), not dbt: an app database and Stripe, each row stamped with
-- _loaded_at. dbt builds staging.* and marts.* from these (tests/dbt_project/models).
CREATE SCHEMA app;
CREATE SCHEMA stripe;

CREATE TABLE app.users AS
SELECT 'u_' || substr(md5('user' || i), 1, 8) AS id,
       'person' || i || '@example.com' AS email,
       ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara'][1 + i % 5] || ' ' || ['Lovelace', 'Hopper', 'Turing'][1 + i % 3] AS full_name,
       ['free', 'pro', 'team'][1 + i % 3] AS plan,
       TIMESTAMP '2026-06-01 09:00:00' + to_days(CAST(i % 120 AS INTEGER)) AS created_at,
       TIMESTAMP '2026-11-30 06:00:00' AS _loaded_at
FROM range(1, 301) AS r(i);

CREATE TABLE stripe.charges AS
SELECT 'ch_' || substr(md5('charge' || i), 1, 10) AS id,
       'u_' || substr(md5('user' || (1 + i % 250)), 1, 8) AS customer,
       CAST(500 + (hash(i) % 9500) AS BIGINT) AS amount,          -- cents
       CASE WHEN i % 11 = 0 THEN 'failed' WHEN i % 17 = 0 THEN 'refunded' ELSE 'succeeded' END AS status,
       TIMESTAMP '2026-06-15 10:00:00' + to_hours(CAST(i * 7 AS INTEGER)) AS created,
       TIMESTAMP '2026-11-30 06:00:00' AS _loaded_at
FROM range(1, 601) AS r(i);

-- A company warehouse the portal did not build (tests/foreign): a GA4-export-shaped event log with
-- text person ids and epoch-microsecond times in schema ga4, customers and orders in main, ad spend
-- and experiments in schema sales. No demo table, column or event name.
CREATE SCHEMA ga4;
CREATE SCHEMA sales;

CREATE TABLE ga4.events AS
WITH people AS (
    SELECT i, 'p' || lpad(CAST(i AS VARCHAR), 5, '0') || '.' || CAST(hash(i) % 1000 AS VARCHAR) AS pid,
           ['android', 'web', 'ios'][1 + i % 3] AS device_category,
           ['DE', 'FR', 'US', 'JP'][1 + (i // 3) % 4] AS country
    FROM range(1, 601) AS r(i)
), steps AS (
    SELECT p.*, s.step, s.name
    FROM people AS p
    CROSS JOIN (VALUES (1, 'session_start'), (2, 'view_item'), (3, 'begin_checkout'), (4, 'purchase')) AS s(step, name)
    -- fewer people reach each step: a funnel with a known shape (and slower on android)
    WHERE s.step = 1 OR hash(p.i * 7 + s.step) % 100 < CASE p.device_category WHEN 'android' THEN 45 ELSE 75 END
)
SELECT pid AS user_pseudo_id,
       CAST(epoch_us(TIMESTAMP '2026-03-01' + to_days(CAST(i % 60 AS INTEGER)) + to_minutes(CAST(step * 10 AS INTEGER))) AS BIGINT)
           AS event_timestamp,
       name AS event_name,
       device_category, country
FROM steps
WHERE NOT EXISTS (  -- a drop-out: nobody skips a step
    SELECT 1 FROM (SELECT 1) WHERE false
)
ORDER BY hash(pid, name);  -- stored out of (person, time) order, as a real export is

-- a lost step: person p00007 never viewed an item but bought (the funnel must not count the jump)
DELETE FROM ga4.events WHERE user_pseudo_id LIKE 'p00007.%' AND event_name = 'view_item';

CREATE TABLE main.customers AS
SELECT 'p' || lpad(CAST(i AS VARCHAR), 5, '0') || '.' || CAST(hash(i) % 1000 AS VARCHAR) AS customer_key,
       TIMESTAMP '2026-03-01' + to_days(CAST(i % 60 AS INTEGER)) AS created,
       ['search', 'social', 'direct'][1 + i % 3] AS source,
       ['spring_sale', 'brand', NULL][1 + i % 3] AS campaign_code,
       'user' || i || '@example.org' AS contact,
       ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'][1 + i % 4] AS display_name,
       '10.0.' || (i % 250) || '.' || (i % 7) AS last_ip
FROM range(1, 601) AS r(i);
COMMENT ON COLUMN main.customers.contact IS 'Customer e-mail [pii]';

CREATE TABLE main.purchases AS
SELECT row_number() OVER () AS purchase_id, user_pseudo_id AS buyer,
       make_timestamp(event_timestamp) AS paid_at, 10 + hash(user_pseudo_id) % 90 AS amount_eur,
       CASE WHEN hash(user_pseudo_id) % 10 = 0 THEN 'refunded' ELSE 'paid' END AS state
FROM ga4.events WHERE event_name = 'purchase';

CREATE TABLE sales.ad_costs AS
SELECT c.code AS campaign, DATE '2026-03-01' + CAST(d AS INTEGER) AS day, 100.0 + d AS cost_eur, 40 + d AS clicks,
       c.medium
FROM range(0, 60) AS r(d) CROSS JOIN (VALUES ('spring_sale', 'search'), ('brand', 'social')) AS c(code, medium);

CREATE TABLE sales.ab_assignments AS
SELECT 'checkout_copy' AS test_name, customer_key AS subject, CASE WHEN hash(customer_key) % 2 = 0 THEN 'baseline' ELSE 'short_copy' END AS arm,
       created AS at
FROM main.customers;

CREATE VIEW main.big_spenders AS SELECT buyer, sum(amount_eur) AS total FROM main.purchases GROUP BY 1;

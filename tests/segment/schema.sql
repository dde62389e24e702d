-- A company warehouse shaped like a Segment sync plus Stripe and Google Ads (tests/segment), written by
-- the company's own pipeline, never by the portal, and configured without a single view:
-- * segment.tracks: every event carries anonymous_id; user_id only from "Signed Up" on; Title-Case
--   event names; stored in no useful order.
-- * segment.identifies: links an anonymous_id to a user_id. 30% of those who sign up later switch to a
--   second device, browse there anonymously, then log in (an identify on that device).
-- * segment.users: ids like usr_8f3a…; stripe.customers.metadata_user_id points at them.
-- * stripe.charges: amounts in cents; ads.google_ads_daily: cost in micros.
-- * experiments.assignments keyed by user_id.
CREATE SCHEMA segment;
CREATE SCHEMA stripe;
CREATE SCHEMA ads;
CREATE SCHEMA experiments;

CREATE TABLE segment.people_seed AS   -- the generator's own table, dropped at the end
SELECT i,
       'anon_' || substr(md5('a' || i), 1, 12) AS anon1,
       'anon_' || substr(md5('b' || i), 1, 12) AS anon2,
       'usr_' || substr(md5('u' || i), 1, 10) AS uid,
       'cus_' || substr(md5('c' || i), 1, 10) AS cus,
       TIMESTAMP '2026-03-01 08:00:00' + to_days(CAST(i % 60 AS INTEGER)) + to_minutes(CAST(i % 97 AS INTEGER)) AS t0,
       hash(i, 1) % 100 < 70 AS signs_up,
       hash(i, 1) % 100 < 70 AND hash(i, 2) % 100 < 30 AS switches,
       hash(i, 3) % 100 < 65 AS adds,
       hash(i, 4) % 100 < 70 AS checks_out,
       hash(i, 5) % 100 < 80 AS orders,
       ['Android', 'iOS', 'Mac OS X'][1 + i % 3] AS os1,
       ['google', 'newsletter', NULL][1 + (i // 3) % 3] AS source,
       ['cpc', 'email', 'organic'][1 + (i // 3) % 3] AS medium,
       ['spring_launch', 'brand', NULL][1 + (i // 3) % 3] AS campaign
FROM range(1, 801) AS r(i);

CREATE TABLE segment.tracks AS
WITH evs AS (
    -- device 1, anonymous
    SELECT i, anon1 AS anonymous_id, NULL AS user_id, 'Product Viewed' AS event, t0 AS ts, os1 AS os, source FROM segment.people_seed
    UNION ALL SELECT i, anon1, NULL, 'Page Viewed', t0 - INTERVAL 2 MINUTE, os1, source FROM segment.people_seed
    -- sign-up on device 1: user_id from here on
    UNION ALL SELECT i, anon1, uid, 'Signed Up', t0 + INTERVAL 10 MINUTE, os1, source FROM segment.people_seed WHERE signs_up
    -- a second device: anonymous browsing before logging in there
    UNION ALL SELECT i, anon2, NULL, 'Page Viewed', t0 + INTERVAL 14 MINUTE, 'Windows', NULL FROM segment.people_seed WHERE switches
    UNION ALL SELECT i, CASE WHEN switches THEN anon2 ELSE anon1 END, CASE WHEN switches THEN NULL ELSE uid END,
                     'Product Added', t0 + INTERVAL 20 MINUTE, CASE WHEN switches THEN 'Windows' ELSE os1 END, NULL
              FROM segment.people_seed WHERE signs_up AND adds
    UNION ALL SELECT i, CASE WHEN switches THEN anon2 ELSE anon1 END, uid, 'Checkout Started', t0 + INTERVAL 30 MINUTE,
                     CASE WHEN switches THEN 'Windows' ELSE os1 END, NULL
              FROM segment.people_seed WHERE signs_up AND adds AND checks_out
    UNION ALL SELECT i, CASE WHEN switches THEN anon2 ELSE anon1 END, uid, 'Order Completed', t0 + INTERVAL 40 MINUTE,
                     CASE WHEN switches THEN 'Windows' ELSE os1 END, NULL
              FROM segment.people_seed WHERE signs_up AND adds AND checks_out AND orders
    -- a visitor who comes back a week later (retention)
    UNION ALL SELECT i, CASE WHEN switches THEN anon2 ELSE anon1 END, CASE WHEN signs_up THEN uid END, 'Product Viewed',
                     t0 + INTERVAL 8 DAY, CASE WHEN switches THEN 'Windows' ELSE os1 END, NULL
              FROM segment.people_seed WHERE hash(i, 6) % 100 < 40
)
SELECT 'evt_' || substr(md5(anonymous_id || event || CAST(ts AS VARCHAR)), 1, 16) AS id,
       anonymous_id, user_id, event, ts AS "timestamp", ts + INTERVAL 3 SECOND AS received_at,
       os AS context_os_name, source AS context_campaign_source
FROM evs
ORDER BY md5(anonymous_id || event);   -- no useful order, as a sync writes it

CREATE TABLE segment.identifies AS
SELECT anon1 AS anonymous_id, uid AS user_id, t0 + INTERVAL 10 MINUTE AS "timestamp" FROM segment.people_seed WHERE signs_up
UNION ALL
SELECT anon2, uid, t0 + INTERVAL 25 MINUTE FROM segment.people_seed WHERE switches;

CREATE TABLE segment.users AS
SELECT uid AS id, 'person' || i || '@example.com' AS email, t0 + INTERVAL 10 MINUTE AS created_at,
       medium AS context_campaign_medium, campaign AS context_campaign_name,
       ['free', 'pro'][1 + i % 2] AS plan
FROM segment.people_seed WHERE signs_up;

CREATE TABLE stripe.customers AS
SELECT cus AS id, uid AS metadata_user_id, 'person' || i || '@example.com' AS email, t0 AS created
FROM segment.people_seed WHERE signs_up AND adds AND checks_out AND orders;

CREATE TABLE stripe.charges AS
SELECT 'ch_' || substr(md5('ch' || i), 1, 14) AS id, cus AS customer,
       CAST(1500 + hash(i, 7) % 8500 AS BIGINT) AS amount,   -- cents
       'usd' AS currency,
       CASE WHEN hash(i, 8) % 10 = 0 THEN 'failed' ELSE 'succeeded' END AS status,
       t0 + INTERVAL 41 MINUTE AS created
FROM segment.people_seed WHERE signs_up AND adds AND checks_out AND orders;

CREATE TABLE ads.google_ads_daily AS
SELECT DATE '2026-03-01' + CAST(d AS INTEGER) AS date, c.name AS campaign_name, c.network AS ad_network_type,
       CAST((120 + d * 3) * 1000000 AS BIGINT) AS cost_micros,   -- micros of a dollar
       50 + d AS clicks, 2000 + 10 * d AS impressions
FROM range(0, 60) AS r(d) CROSS JOIN (VALUES ('spring_launch', 'SEARCH'), ('brand', 'DISPLAY')) AS c(name, network);

CREATE TABLE experiments.assignments AS
SELECT 'checkout_button' AS experiment, uid AS user_id,
       CASE WHEN hash(uid) % 2 = 0 THEN 'control' ELSE 'green_button' END AS variant,
       t0 + INTERVAL 10 MINUTE AS assigned_at
FROM segment.people_seed WHERE signs_up;

DROP TABLE segment.people_seed;

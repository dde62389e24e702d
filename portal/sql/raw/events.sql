-- Tracked web/app events, one UNION branch per event type, timed within each visit. Pre-signup events
-- carry only the anonymous id; a small share of rows is dumped twice (the hourly loader retries).
CREATE OR REPLACE TABLE raw.events AS
WITH ev AS (
    SELECT s.session_id, s.person_id, 'page_view' AS event_name, s.start_at + to_seconds(40 * r.i) AS ts,
           CASE WHEN r.i = 0 THEN '/' ELSE '/search' END AS page, r.i AS seq
    FROM demo_sessions AS s, range(s.n_page_views) AS r(i)
    UNION ALL
    SELECT person_id * 100, person_id, 'signup', signup_at, '/signup', 10
    FROM demo_people WHERE signed_up
    UNION ALL
    SELECT person_id * 100, person_id, 'onboarding_start', signup_at + to_seconds(30), '/onboarding', 11
    FROM demo_people WHERE onboarding_started
    UNION ALL
    SELECT person_id * 100, person_id, 'address_step', signup_at + to_seconds(90), '/onboarding', 12
    FROM demo_people WHERE address_step_shown
    UNION ALL
    SELECT person_id * 100, person_id, 'onboarding_complete',
           signup_at + to_seconds(CASE WHEN address_step_shown THEN 200 ELSE 120 END), '/onboarding', 13
    FROM demo_people WHERE onboarding_completed
    UNION ALL
    SELECT s.session_id, s.person_id, 'product_view', s.start_at + to_seconds(40 * s.n_page_views + 70 * r.i),
           '/product', 20 + r.i
    FROM demo_sessions AS s, range(s.n_product_views) AS r(i)
    WHERE s.has_product_view
    UNION ALL
    SELECT c.session_id, c.person_id, 'add_to_cart', c.cart_at, '/cart', 30 FROM demo_checkouts AS c
    UNION ALL
    SELECT s.session_id, s.person_id, 'add_to_cart',
           s.start_at + to_seconds(40 * s.n_page_views + 70 * s.n_product_views + 20), '/cart', 30
    FROM demo_sessions AS s WHERE s.has_cart AND NOT s.has_checkout
    UNION ALL
    SELECT c.session_id, c.person_id, 'checkout_start', c.checkout_at, '/checkout', 40 FROM demo_checkouts AS c
    UNION ALL
    SELECT c.session_id, c.person_id, 'support_contact', c.ticket_opened_at, '/help', 41
    FROM demo_checkouts AS c WHERE c.has_ticket
    UNION ALL
    SELECT c.session_id, c.person_id, 'purchase', c.purchase_at, '/checkout', 50
    FROM demo_checkouts AS c WHERE c.purchased AND c.purchase_at < getvariable('end_date') + 1
), numbered AS (
    SELECT
        ev.session_id * 100 + ev.seq AS event_id,  -- unique: seq < 100 within a visit
        'anon_' || ev.person_id AS anonymous_id,
        CASE WHEN p.signed_up AND ev.ts >= p.signup_at THEN ev.person_id END AS user_id,
        ev.event_name,
        ev.ts AS event_ts,
        p.platform AS os,
        p.browser,
        p.device AS device_type,
        ev.page AS page_path,
        CASE WHEN ev.session_id % 100 = 0 THEN p.utm_source END AS utm_source,
        CASE WHEN ev.session_id % 100 = 0 THEN p.utm_medium END AS utm_medium,
        CASE WHEN ev.session_id % 100 = 0 THEN p.utm_campaign END AS utm_campaign,
        p.country,
        ev.session_id,
        date_trunc('hour', ev.ts) + INTERVAL 1 HOUR AS _loaded_at
    FROM ev JOIN demo_people AS p USING (person_id)
)
SELECT * FROM numbered
UNION ALL
SELECT * REPLACE (_loaded_at + INTERVAL 1 HOUR AS _loaded_at) FROM numbered
WHERE chance(event_id, 'dump_retry', 0.003);

COMMENT ON TABLE raw.events IS 'Production dump of tracked web and app events (hourly). Pre-signup rows have no user_id, and the loader sometimes dumps a row twice. Use analytics.events instead.';
COMMENT ON COLUMN raw.events.event_id IS 'Event id (not unique here: retried dumps repeat rows)';
COMMENT ON COLUMN raw.events.anonymous_id IS 'Device cookie id, set on the first visit';
COMMENT ON COLUMN raw.events.user_id IS 'Account id, only once the person is signed up';
COMMENT ON COLUMN raw.events.event_name IS 'page_view, signup, onboarding_start, address_step, onboarding_complete, product_view, add_to_cart, checkout_start, purchase, support_contact';
COMMENT ON COLUMN raw.events.event_ts IS 'When the event happened (UTC)';
COMMENT ON COLUMN raw.events.os IS 'Operating system';
COMMENT ON COLUMN raw.events.browser IS 'Browser';
COMMENT ON COLUMN raw.events.device_type IS 'mobile, tablet or desktop';
COMMENT ON COLUMN raw.events.page_path IS 'Page path of the event';
COMMENT ON COLUMN raw.events.utm_source IS 'utm_source of the landing visit';
COMMENT ON COLUMN raw.events.utm_medium IS 'utm_medium of the landing visit';
COMMENT ON COLUMN raw.events.utm_campaign IS 'utm_campaign of the landing visit';
COMMENT ON COLUMN raw.events.country IS 'ISO country code';
COMMENT ON COLUMN raw.events.session_id IS 'Visit id';
COMMENT ON COLUMN raw.events._loaded_at IS 'When the hourly dump loaded this row';

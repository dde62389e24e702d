-- Deduplicated events keyed by person: a visitor keeps one id before and after signing up, so funnels
-- can start at the first page view. Stored in person-then-time order: funnels read each person's events
-- in sequence straight off the table, with no sort (portal/funnels.py relies on it and checks it).
CREATE OR REPLACE TABLE analytics.events AS
SELECT
    e.event_id,
    CAST(substr(e.anonymous_id, 6) AS BIGINT) AS user_id,
    e.session_id,
    e.event_name,
    e.event_ts AS event_at,
    CAST(e.event_ts AS DATE) AS event_date,
    e.os AS platform,
    e.browser,
    e.device_type AS device,
    e.page_path AS page,
    e.utm_source,
    e.utm_medium,
    e.utm_campaign,
    e.country
FROM (SELECT DISTINCT ON (event_id) * EXCLUDE (_loaded_at) FROM raw.events) AS e  -- retried dumps are identical copies
WHERE CAST(substr(e.anonymous_id, 6) AS BIGINT) NOT IN (
    SELECT user_id FROM test_accounts
)
ORDER BY user_id, e.event_ts, e.event_id;

COMMENT ON TABLE analytics.events IS 'One row per tracked event, deduplicated, for visitors and customers alike (user_id is the person id a visitor keeps when signing up). Internal test accounts removed.';
COMMENT ON COLUMN analytics.events.event_id IS 'Unique event id';
COMMENT ON COLUMN analytics.events.user_id IS 'Person id: set on the first visit, kept after signup (equals analytics.users.user_id for customers)';
COMMENT ON COLUMN analytics.events.session_id IS 'Visit id';
COMMENT ON COLUMN analytics.events.event_name IS 'page_view, signup, onboarding_start, address_step, onboarding_complete, product_view, add_to_cart, checkout_start, purchase, support_contact';
COMMENT ON COLUMN analytics.events.event_at IS 'When it happened (UTC)';
COMMENT ON COLUMN analytics.events.event_date IS 'Day it happened (UTC)';
COMMENT ON COLUMN analytics.events.platform IS 'Operating system: iOS, Android, Windows, macOS, Linux';
COMMENT ON COLUMN analytics.events.browser IS 'Safari, Chrome, Firefox, Edge, Samsung Internet';
COMMENT ON COLUMN analytics.events.device IS 'mobile, tablet or desktop';
COMMENT ON COLUMN analytics.events.page IS 'Page path: /, /search, /product, /cart, /checkout, /signup, /onboarding, /help';
COMMENT ON COLUMN analytics.events.utm_source IS 'utm_source (landing visit only)';
COMMENT ON COLUMN analytics.events.utm_medium IS 'utm_medium (landing visit only)';
COMMENT ON COLUMN analytics.events.utm_campaign IS 'utm_campaign (landing visit only)';
COMMENT ON COLUMN analytics.events.country IS 'ISO country code';

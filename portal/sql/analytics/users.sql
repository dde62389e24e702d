-- Signed-up customers without personal data: one row each, internal test accounts removed.
CREATE OR REPLACE TABLE analytics.users AS
WITH onboarded AS (
    SELECT DISTINCT user_id FROM raw.events WHERE event_name = 'onboarding_complete' AND user_id IS NOT NULL
), first_orders AS (
    SELECT customer_id AS user_id, min(created_at) AS first_order_at
    FROM raw.orders
    WHERE lower(trim(status)) = 'completed'
    GROUP BY customer_id
)
SELECT
    u.user_id,
    u.created_at AS signup_at,
    CAST(u.created_at AS DATE) AS signup_date,
    CAST(date_trunc('week', u.created_at) AS DATE) AS signup_week,
    CAST(date_trunc('month', u.created_at) AS DATE) AS signup_month,
    CASE u.landing_utm_medium
        WHEN 'cpc' THEN 'paid_search'
        WHEN 'paid_social' THEN 'paid_social'
        WHEN 'display' THEN 'display'
        WHEN 'affiliate' THEN 'affiliate'
        WHEN 'email' THEN 'email'
        WHEN 'organic' THEN 'organic_search'
        WHEN 'referral' THEN 'referral'
        ELSE 'direct'
    END AS acquisition_channel,
    u.landing_utm_source AS utm_source,
    u.landing_utm_medium AS utm_medium,
    u.landing_utm_campaign AS utm_campaign,
    u.os AS platform,
    u.browser,
    u.device_type AS device,
    u.country,
    o.user_id IS NOT NULL AS onboarding_completed,
    f.first_order_at,
    f.first_order_at IS NOT NULL AS is_customer
FROM raw.users AS u
LEFT JOIN onboarded AS o USING (user_id)
LEFT JOIN first_orders AS f USING (user_id)
WHERE u.user_id NOT IN (SELECT user_id FROM test_accounts)
ORDER BY u.user_id;

COMMENT ON TABLE analytics.users IS 'One row per signed-up customer: signup time, acquisition channel and campaign, device, onboarding and first purchase. No personal data; internal test accounts removed.';
COMMENT ON COLUMN analytics.users.user_id IS 'Customer id (same as the person id in analytics.events)';
COMMENT ON COLUMN analytics.users.signup_at IS 'When the account was created';
COMMENT ON COLUMN analytics.users.signup_date IS 'Day of signup';
COMMENT ON COLUMN analytics.users.signup_week IS 'Monday of the signup week (weekly cohorts)';
COMMENT ON COLUMN analytics.users.signup_month IS 'First day of the signup month (monthly cohorts)';
COMMENT ON COLUMN analytics.users.acquisition_channel IS 'direct, organic_search, referral, email, paid_search, paid_social, display or affiliate (from the landing visit utm_medium)';
COMMENT ON COLUMN analytics.users.utm_source IS 'utm_source of the landing visit';
COMMENT ON COLUMN analytics.users.utm_medium IS 'utm_medium of the landing visit';
COMMENT ON COLUMN analytics.users.utm_campaign IS 'Campaign of the landing visit; joins analytics.campaign_daily.utm_campaign';
COMMENT ON COLUMN analytics.users.platform IS 'Operating system at signup: iOS, Android, Windows, macOS, Linux';
COMMENT ON COLUMN analytics.users.browser IS 'Browser at signup: Safari, Chrome, Firefox, Edge, Samsung Internet';
COMMENT ON COLUMN analytics.users.device IS 'mobile, tablet or desktop';
COMMENT ON COLUMN analytics.users.country IS 'ISO country code';
COMMENT ON COLUMN analytics.users.onboarding_completed IS 'Finished onboarding (activation)';
COMMENT ON COLUMN analytics.users.first_order_at IS 'First completed order; NULL if none yet';
COMMENT ON COLUMN analytics.users.is_customer IS 'Has at least one completed order';

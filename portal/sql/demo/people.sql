-- Every person who ever visited: device, country, acquisition channel, whether and when they signed
-- up (the redesign lifts signups), onboarding (the address-step experiment), and how long they stay.
CREATE OR REPLACE TEMP TABLE demo_people AS
WITH v AS (
    SELECT
        CAST(1000000 + row_number() OVER (ORDER BY d.day, r.i) AS BIGINT) AS person_id,
        d.day AS first_day
    FROM demo_days AS d, range(d.n) AS r(i)
), a AS (
    SELECT
        v.*,
        CAST(first_day AS TIMESTAMP) + to_seconds(7 * 3600 + pick(person_id, 'first_second', 15 * 3600)) AS first_at,
        CASE
            WHEN u(person_id, 'platform') < 0.28 THEN 'iOS'
            WHEN u(person_id, 'platform') < 0.53 THEN 'Android'
            WHEN u(person_id, 'platform') < 0.80 THEN 'Windows'
            WHEN u(person_id, 'platform') < 0.95 THEN 'macOS'
            ELSE 'Linux'
        END AS platform,
        u(person_id, 'browser') AS ub,
        CASE
            WHEN u(person_id, 'country') < 0.55 THEN 'US'
            WHEN u(person_id, 'country') < 0.65 THEN 'CA'
            WHEN u(person_id, 'country') < 0.80 THEN 'GB'
            WHEN u(person_id, 'country') < 0.90 THEN 'DE'
            ELSE 'AU'
        END AS country,
        u(person_id, 'channel') AS uc
    FROM v
), b AS (
    SELECT
        a.* EXCLUDE (ub, uc),
        CASE platform
            WHEN 'iOS' THEN CASE WHEN ub < 0.80 THEN 'Safari' ELSE 'Chrome' END
            WHEN 'Android' THEN CASE WHEN ub < 0.80 THEN 'Chrome' WHEN ub < 0.95 THEN 'Samsung Internet' ELSE 'Firefox' END
            WHEN 'Windows' THEN CASE WHEN ub < 0.65 THEN 'Chrome' WHEN ub < 0.90 THEN 'Edge' ELSE 'Firefox' END
            WHEN 'macOS' THEN CASE WHEN ub < 0.50 THEN 'Safari' WHEN ub < 0.95 THEN 'Chrome' ELSE 'Firefox' END
            ELSE CASE WHEN ub < 0.60 THEN 'Chrome' ELSE 'Firefox' END
        END AS browser,
        CASE
            WHEN platform IN ('iOS', 'Android') THEN CASE WHEN u(person_id, 'tablet') < 0.15 THEN 'tablet' ELSE 'mobile' END
            ELSE 'desktop'
        END AS device,
        c.channel, c.utm_source, c.utm_medium, c.utm_campaign,
        c.signup_factor, c.buy_factor, c.retention_factor,
        u(person_id, 'signup') < least(0.95, getvariable('signup_base') * c.signup_factor
            * CASE WHEN first_day >= getvariable('redesign_date') THEN 1 + getvariable('redesign_lift') ELSE 1 END)
            AS signed_up
    FROM a
    JOIN demo_channels AS c ON a.uc >= c.lo AND a.uc < c.hi
), e AS (
    SELECT
        b.*,
        CASE WHEN signed_up THEN first_at + to_seconds(60 + pick(person_id, 'signup_delay', 600)) END AS signup_at,
        signed_up AND chance(person_id, 'onboarding_start', 0.92) AS onboarding_started,
        CASE WHEN signed_up AND first_day >= getvariable('exp1_start') AND first_day < getvariable('exp1_end')
             THEN CASE WHEN u(person_id, 'exp1') < 0.5 THEN 'control' ELSE 'no_address_step' END END AS exp1_variant,
        CASE WHEN signed_up AND first_day >= getvariable('exp2_start') AND first_day < getvariable('exp2_end')
             THEN CASE WHEN u(person_id, 'button_color') < 0.5 THEN 'blue' ELSE 'green' END END AS exp2_variant,
        signed_up AND chance(person_id, 'test_account', 0.002) AS is_test,
        0.5 + u(person_id, 'propensity') AS propensity
    FROM b
), f AS (
    SELECT
        e.*,
        onboarding_started AND (exp1_variant = 'control' OR (exp1_variant IS NULL AND first_day < getvariable('exp1_end')))
            AS address_step_shown
    FROM e
), g AS (
    SELECT
        f.*,
        onboarding_started AND u(person_id, 'onboarding_complete') <
            CASE WHEN address_step_shown THEN getvariable('complete_with_address')
                 ELSE getvariable('complete_without_address') END AS onboarding_completed
    FROM f
)
SELECT
    g.*,
    CAST(CASE
        WHEN signed_up THEN least(80, floor(expo(person_id, 'sessions',
            CASE WHEN onboarding_completed THEN 13.0 ELSE 3.0 END * retention_factor)))
        WHEN chance(person_id, 'revisit', 0.25) THEN 1
        ELSE 0
    END AS INTEGER) AS n_sessions
FROM g;

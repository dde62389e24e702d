-- Accounts as the production database stores them, PII included (the public twin masks it).
CREATE OR REPLACE TABLE raw.users AS
WITH p AS (
    SELECT
        person_id,
        ['Ava', 'Liam', 'Mia', 'Noah', 'Emma', 'Lucas', 'Sofia', 'Ethan', 'Zoe', 'Omar', 'Hana', 'Ivan',
         'Priya', 'Mateo', 'Chloe', 'Kenji', 'Amara', 'Leo', 'Nora', 'Felix'][1 + pick(person_id, 'first_name', 20)] AS first_name,
        ['Smith', 'Garcia', 'Chen', 'Müller', 'Okafor', 'Rossi', 'Kim', 'Novak', 'Silva', 'Patel',
         'Brown', 'Khan', 'Dubois', 'Larsen', 'Tanaka', 'Lopez', 'Walsh', 'Haddad', 'Ivanova', 'Cohen'][1 + pick(person_id, 'last_name', 20)] AS last_name,
        *
    FROM demo_people
    WHERE signed_up
)
SELECT
    person_id AS user_id,
    lower(replace(first_name, ' ', '')) || '.' || lower(replace(last_name, 'ü', 'ue')) || (person_id % 9973)
        || CASE WHEN is_test THEN '@test.internal'
                ELSE '@' || ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me'][1 + pick(person_id, 'domain', 5)] END
        AS email,
    first_name || ' ' || last_name AS full_name,
    '+1-555-' || lpad(CAST(pick(person_id, 'phone', 10000000) AS VARCHAR), 7, '0') AS phone,
    CAST(1 + pick(person_id, 'house', 999) AS VARCHAR) || ' '
        || ['Oak', 'Maple', 'Cedar', 'Elm', 'Pine', 'Lake', 'Hill', 'Park'][1 + pick(person_id, 'street', 8)] || ' '
        || ['St', 'Ave', 'Rd', 'Blvd'][1 + pick(person_id, 'street_kind', 4)] AS street_address,
    country,
    signup_at AS created_at,
    platform AS os,
    browser,
    device AS device_type,
    utm_source AS landing_utm_source,
    utm_medium AS landing_utm_medium,
    utm_campaign AS landing_utm_campaign,
    date_trunc('hour', signup_at) + INTERVAL 1 HOUR AS _loaded_at
FROM p;

COMMENT ON TABLE raw.users IS 'Production dump of user accounts (hourly), with personal data (PII). Includes internal test accounts. Use analytics.users instead.';
COMMENT ON COLUMN raw.users.user_id IS 'Account id (equals the visitor id the person had before signing up)';
COMMENT ON COLUMN raw.users.email IS 'PII: email address (masked for roles without PII access)';
COMMENT ON COLUMN raw.users.full_name IS 'PII: full name (masked for roles without PII access)';
COMMENT ON COLUMN raw.users.phone IS 'PII: phone number (masked for roles without PII access)';
COMMENT ON COLUMN raw.users.street_address IS 'PII: street address (masked for roles without PII access)';
COMMENT ON COLUMN raw.users.country IS 'ISO country code';
COMMENT ON COLUMN raw.users.created_at IS 'When the account was created (signup)';
COMMENT ON COLUMN raw.users.os IS 'Operating system at signup';
COMMENT ON COLUMN raw.users.browser IS 'Browser at signup';
COMMENT ON COLUMN raw.users.device_type IS 'mobile, tablet or desktop at signup';
COMMENT ON COLUMN raw.users.landing_utm_source IS 'utm_source of the first visit';
COMMENT ON COLUMN raw.users.landing_utm_medium IS 'utm_medium of the first visit';
COMMENT ON COLUMN raw.users.landing_utm_campaign IS 'utm_campaign of the first visit';
COMMENT ON COLUMN raw.users._loaded_at IS 'When the hourly dump loaded this row';

-- The one definition of "not a real customer": internal test accounts, recognised by their e-mail
-- domain in the production dump. Every analytics table excludes these users through this view
-- (a build-time temp view: the warehouse itself only ever holds real customers in `analytics`).
CREATE OR REPLACE TEMP VIEW test_accounts AS
SELECT user_id
FROM raw.users
WHERE email LIKE '%@test.internal';

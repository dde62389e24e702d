-- Team-dashboard subscriptions (issue #33): who gets which dashboard's digest and how often; and the
-- hashes of the secrets in the mails' unsubscribe links (each works without signing in, for its one
-- subscription, however old the mail).
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY, person TEXT NOT NULL, email TEXT NOT NULL, team TEXT NOT NULL, every TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL, last_sent DOUBLE PRECISION, active INTEGER NOT NULL DEFAULT 1, ended DOUBLE PRECISION);
CREATE INDEX IF NOT EXISTS subscriptions_person ON subscriptions (person, team);
CREATE TABLE IF NOT EXISTS links (token_hash TEXT PRIMARY KEY, subscription TEXT NOT NULL, created DOUBLE PRECISION NOT NULL);

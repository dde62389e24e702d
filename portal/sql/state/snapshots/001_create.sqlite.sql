-- Snapshots (issue #33): a dashboard's answer as a static page behind a signed, expiring, revocable
-- link. Only the hash of the link's secret is kept; the page itself is a file in the results folder.
CREATE TABLE IF NOT EXISTS snapshots (
    id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, kind TEXT NOT NULL,
    target TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL, revoked REAL);
CREATE INDEX IF NOT EXISTS snapshots_owner ON snapshots (owner, created);

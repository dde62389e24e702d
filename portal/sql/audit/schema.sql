-- The audit trail: one row per statement run, download, save, curation change, sign-in or refused
-- action. Append-only: the triggers refuse every UPDATE and DELETE, whoever asks.
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,             -- unix time
    user TEXT NOT NULL,
    roles TEXT NOT NULL,          -- comma-separated portal roles at the time
    kind TEXT NOT NULL,           -- statement | download | save | curation | delete | sign-in | refused
    origin TEXT NOT NULL,         -- page, link or command the action came from
    object TEXT,                  -- saved query id, dashboard team, ...
    sql TEXT,
    params TEXT,                  -- JSON
    seconds REAL,
    rows INTEGER,
    bytes INTEGER,
    status TEXT NOT NULL,         -- ok | refused | failed | timeout | cancelled
    detail TEXT                   -- why it was refused or failed
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_user ON audit (user, at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

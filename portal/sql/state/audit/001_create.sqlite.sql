-- The audit trail: one row per statement run, download, save, curation change, sign-in, API call or
-- refused action. Append-only: the triggers refuse every UPDATE and DELETE, whoever asks.
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    "user" TEXT NOT NULL,
    roles TEXT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    object TEXT,
    sql TEXT,
    params TEXT,
    seconds REAL,
    rows INTEGER,
    bytes INTEGER,
    status TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_user ON audit ("user", at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

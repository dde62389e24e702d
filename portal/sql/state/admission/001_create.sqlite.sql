-- Statements running now, per person, on every app server: the per-person limit holds across them.
CREATE TABLE IF NOT EXISTS running (ticket TEXT PRIMARY KEY, owner TEXT NOT NULL, server TEXT NOT NULL, started REAL NOT NULL);
CREATE INDEX IF NOT EXISTS running_owner ON running (owner, started);

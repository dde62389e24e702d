-- Personal API tokens (only their SHA-256 hash) and each token's recent calls (its rate limit).
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, owner_key TEXT NOT NULL, roles TEXT NOT NULL,
    label TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created DOUBLE PRECISION NOT NULL, expires DOUBLE PRECISION,
    revoked DOUBLE PRECISION, last_used DOUBLE PRECISION);
CREATE INDEX IF NOT EXISTS tokens_owner ON tokens (owner_key);
CREATE TABLE IF NOT EXISTS calls (token_id TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS calls_token ON calls (token_id, at);

-- The result store (issue #33): one row per stored answer, its Parquet file in [results] dir. A result
-- is served only to its owner (a job) or to the role it was computed for (shared: tiles and pages).
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, role_key TEXT NOT NULL,
    statement_hash TEXT NOT NULL, params TEXT NOT NULL, warehouse_version TEXT NOT NULL,
    sql TEXT NOT NULL, origin TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
    created DOUBLE PRECISION NOT NULL, computed_at DOUBLE PRECISION, expires DOUBLE PRECISION NOT NULL,
    rows BIGINT, bytes BIGINT, server TEXT, heartbeat DOUBLE PRECISION, cancel_requested INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS results_owner ON results (owner, created);
CREATE INDEX IF NOT EXISTS results_lookup ON results (role_key, statement_hash, params, warehouse_version, computed_at);

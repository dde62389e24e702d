-- The audit trail (see the SQLite file): append-only, enforced by a trigger for every role.
CREATE TABLE IF NOT EXISTS audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    "user" TEXT NOT NULL,
    roles TEXT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    object TEXT,
    sql TEXT,
    params TEXT,
    seconds DOUBLE PRECISION,
    rows BIGINT,
    bytes BIGINT,
    status TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_user ON audit ("user", at);
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$;
DROP TRIGGER IF EXISTS audit_no_change ON audit;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();

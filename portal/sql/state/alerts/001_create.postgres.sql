-- Every check of every alert, and whether each alert is firing now.
CREATE TABLE IF NOT EXISTS checks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at DOUBLE PRECISION NOT NULL, alert TEXT NOT NULL,
    start TEXT, "end" TEXT, value DOUBLE PRECISION, previous DOUBLE PRECISION, p_value DOUBLE PRECISION,
    holds INTEGER, action TEXT NOT NULL, words TEXT, sent_to TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS checks_alert ON checks (alert, at);
CREATE TABLE IF NOT EXISTS state (
    alert TEXT PRIMARY KEY, firing INTEGER NOT NULL, last_checked DOUBLE PRECISION, since DOUBLE PRECISION);

-- Each user's recent queries (the workbench's History).
CREATE TABLE IF NOT EXISTS history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "user" TEXT NOT NULL,
    sql TEXT NOT NULL,
    ran_at DOUBLE PRECISION NOT NULL,
    seconds DOUBLE PRECISION,
    row_count BIGINT,
    status TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS history_user ON history ("user", ran_at DESC);

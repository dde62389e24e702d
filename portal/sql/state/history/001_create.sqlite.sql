-- Each user's recent queries (the workbench's History).
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "user" TEXT NOT NULL,
    sql TEXT NOT NULL,
    ran_at REAL NOT NULL,
    seconds REAL,
    row_count INTEGER,
    status TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS history_user ON history ("user", ran_at DESC);

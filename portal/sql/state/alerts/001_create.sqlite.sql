-- Every check of every alert, and whether each alert is firing now.
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, alert TEXT NOT NULL,
    start TEXT, "end" TEXT, value REAL, previous REAL, p_value REAL, holds INTEGER,
    action TEXT NOT NULL, words TEXT, sent_to TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS checks_alert ON checks (alert, at);
CREATE TABLE IF NOT EXISTS state (alert TEXT PRIMARY KEY, firing INTEGER NOT NULL, last_checked REAL, since REAL);

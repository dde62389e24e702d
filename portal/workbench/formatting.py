"""Format SQL for reading. Layout only (not even keyword case: sqlparse upper-cases aliases such as
`users` or `conversion`, renaming result columns), so the meaning never changes
(tests run formatted and original SQL side by side on the warehouse)."""

from __future__ import annotations

import sqlparse
import sqlparse.exceptions


def format_sql(sql: str) -> str:
    """Raises ValueError with a plain message when the SQL is too deeply nested to lay out."""
    try:
        laid_out = sqlparse.format(
            sql, reindent=True, indent_width=4, use_space_around_operators=True, strip_whitespace=True
        )
    except (sqlparse.exceptions.SQLParseError, RecursionError):
        raise ValueError("This SQL nests too deeply to format; it was left as it is.") from None
    return laid_out.strip() + "\n"


def insert_at(sql: str, cursor: dict | None, text: str) -> str:
    """Insert `text` at the editor cursor ({row, column}, 0-based); at the end when unknown."""
    if not cursor or "row" not in cursor:
        return sql.rstrip() + f" {text}\n"
    lines = sql.split("\n")
    row = min(max(int(cursor["row"]), 0), len(lines) - 1)
    col = min(max(int(cursor.get("column", 0)), 0), len(lines[row]))
    lines[row] = lines[row][:col] + text + lines[row][col:]
    return "\n".join(lines)

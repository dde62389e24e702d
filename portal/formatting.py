"""Format SQL for reading. Layout only (not even keyword case: sqlparse upper-cases aliases such as
`users` or `conversion`, renaming result columns), so the meaning never changes
(tests run formatted and original SQL side by side on the warehouse)."""

from __future__ import annotations

import sqlparse


def format_sql(sql: str) -> str:
    return sqlparse.format(sql, reindent=True, indent_width=4, use_space_around_operators=True,
                           strip_whitespace=True).strip() + "\n"

"""What the SQL editor completes: keywords, schemas, tables and columns (the browser narrows to an
alias's columns itself, see ui/components/sql_editor)."""

from __future__ import annotations

KEYWORDS = (
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "JOIN",
    "LEFT JOIN",
    "ON",
    "USING",
    "WITH",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "EXISTS",
    "BETWEEN",
    "LIKE",
    "ILIKE",
    "IS NULL",
    "IS NOT NULL",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "DATE_TRUNC",
    "FILTER",
    "QUALIFY",
    "OVER",
    "PARTITION BY",
    "UNION ALL",
    "DESCRIBE",
    "SUMMARIZE",
    "PIVOT",
)


def schema_payload(catalog) -> dict:
    """What the editor needs for completion: every table with its columns and types, and keywords."""
    return {
        "keywords": list(KEYWORDS),
        "tables": [
            {
                "schema": t.schema,
                "name": t.name.lower(),
                "full": t.full_name.lower(),
                "rows": t.row_count,
                "columns": [[c.name, c.type] for c in t.columns],
            }
            for t in catalog.tables
        ],
    }

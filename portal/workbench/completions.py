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
    "ALL",
    "ASC",
    "DESC",
    "NULLS FIRST",
    "NULLS LAST",
    "GROUP BY ALL",
    "ORDER BY ALL",
    "INNER JOIN",
    "RIGHT JOIN",
    "FULL JOIN",
    "CROSS JOIN",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "OFFSET",
    "INTERVAL",
    "CAST",
    "COALESCE",
    "NULL",
    "TRUE",
    "FALSE",
)


def _doc(*parts: str) -> str:
    """The documentation beside a completion (Ace shows it as text): description, dbt tests, freshness."""
    return "\n".join(p for p in parts if p)


def schema_payload(catalog) -> dict:
    """What the editor needs for completion: every table with its columns and types, keywords, and
    the search path a bare table name resolves on (the company's schemas, not the demo's)."""
    return {
        "keywords": list(KEYWORDS),
        "search_path": [s.lower() for s in catalog.search_path],
        "tables": [
            {
                "schema": t.schema,
                "name": t.name.lower(),
                "full": t.full_name.lower(),
                "rows": t.row_count,
                "columns": [[c.name, c.type, _doc(c.description, c.quality)] for c in t.columns],
                "doc": _doc(t.description, t.quality, t.freshness),
            }
            for t in catalog.tables
        ],
    }


def starter_sql(catalog, preferred: str | None = None) -> str:
    """The editor's first text: `preferred` (the demo's sample, from `portal.demo`); elsewhere the first
    table (not a raw dump) on the company's search path, so a first Run answers instead of naming
    tables the warehouse does not have."""
    if preferred:
        return preferred
    ranked = sorted(
        (t for t in catalog.tables if not t.is_raw),
        key=lambda t: ([s.lower() for s in catalog.search_path] + [t.schema.lower()]).index(t.schema.lower()),
    )
    first = ranked[0] if ranked else (catalog.tables[0] if catalog.tables else None)
    return f"SELECT *\nFROM {first.full_name}\nLIMIT 100\n" if first else "SELECT 42 AS answer\n"

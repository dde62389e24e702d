"""Editor completions from the catalog: keywords, schemas, tables (qualified and bare) and columns."""

from __future__ import annotations

KEYWORDS = ("SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "JOIN", "LEFT JOIN", "ON", "USING",
            "WITH", "AS", "AND", "OR", "NOT", "IN", "EXISTS", "BETWEEN", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL",
            "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "COUNT", "SUM", "AVG", "MIN", "MAX", "DATE_TRUNC",
            "FILTER", "QUALIFY", "OVER", "PARTITION BY", "UNION ALL", "DESCRIBE", "SUMMARIZE", "PIVOT")


def completions(catalog) -> list[dict]:
    """Entries in the shape the Ace editor component expects (caption, value, meta, score)."""
    out = [{"caption": k, "value": k, "meta": "keyword", "name": k, "score": 100} for k in KEYWORDS]
    for schema in catalog.schemas:
        out.append({"caption": schema, "value": schema, "meta": "schema", "name": schema, "score": 400})
    seen_cols: set[tuple[str, str]] = set()
    for t in catalog.tables:
        score = 500 if t.schema == "analytics" else 300
        out.append({"caption": t.full_name, "value": t.full_name, "meta": f"table · {t.row_count:,} rows", "name": t.full_name, "score": score})
        for c in t.columns:
            key = (c.name, c.type)
            if key in seen_cols:
                continue
            seen_cols.add(key)
            out.append({"caption": c.name, "value": c.name, "meta": f"{c.type} · {t.name}", "name": c.name, "score": 200})
    return out

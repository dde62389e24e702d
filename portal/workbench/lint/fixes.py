"""One-click fixes for the mechanical findings (issue #22): the same rewrite in the workbench's
"Apply fixes" button and in `python -m portal lint --fix`. Edits are made on DuckDB's own tokens,
so strings and comments are never touched.

- L005 `x = NULL` / `x != NULL` / `x <> NULL` -> `x IS NULL` / `x IS NOT NULL`;
- L007 a top-level `LIMIT` without `ORDER BY` -> `ORDER BY ALL LIMIT …` (a stable order).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from portal.warehouse.statements import tokens as _tokens

FIXABLE = ("L005", "L007")


def fix_null_comparisons(sql: str) -> tuple[str, int]:
    toks = _tokens(sql)
    edits = []
    for (start, _, op), (_, end, word) in zip(toks, toks[1:], strict=False):
        if op in ("=", "==", "!=", "<>") and word.upper() == "NULL":
            edits.append((start, end, "IS NULL" if op in ("=", "==") else "IS NOT NULL"))
    for start, end, text in reversed(edits):
        sql = sql[:start] + text + sql[end:]
    return sql, len(edits)


def fix_limit_without_order(sql: str) -> tuple[str, int]:
    try:
        tree = sqlglot.parse_one(sql, dialect="duckdb")
    except sqlglot.errors.SqlglotError:
        return sql, 0
    if not isinstance(tree, exp.Select) or tree.args.get("order") or tree.args.get("limit") is None:
        return sql, 0
    depth, limits = 0, []
    for start, _, text in _tokens(sql):
        depth += text.count("(") - text.count(")")
        if depth == 0 and text.upper() == "LIMIT":
            limits.append(start)
    if len(limits) != 1:
        return sql, 0
    at = limits[0]
    return sql[:at] + "ORDER BY ALL\n" + sql[at:], 1


def apply_fixes(sql: str, codes: set[str] | None = None) -> tuple[str, int]:
    """`sql` with the mechanical fixes applied (only those of `codes` when given); how many."""
    total = 0
    if codes is None or "L005" in codes:
        sql, n = fix_null_comparisons(sql)
        total += n
    if codes is None or "L007" in codes:
        sql, n = fix_limit_without_order(sql)
        total += n
    return sql, total

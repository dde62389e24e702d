"""One-click fixes for the mechanical findings (issue #22): the same rewrite in the workbench's
"Apply fixes" button and in `python -m portal lint --fix`. Edits are made on DuckDB's own tokens,
so strings and comments are never touched. A fix is offered only where it keeps the answer (#31):

- L005 `x = NULL` / `x != NULL` / `x <> NULL` -> `x IS NULL` / `x IS NOT NULL`: only the operator is
  replaced (a comment between stays), never before a cast (`x = NULL::BIGINT` would become
  `(x IS NULL)::BIGINT`, another type). This one changes the answer on purpose: from "never" to what
  was meant;
- L007 a top-level `LIMIT` without `ORDER BY` -> `ORDER BY ALL LIMIT …`, one of the answers the query
  already allowed; never over an ordered subquery or CTE, whose order DuckDB keeps (a top five);
- L008 an ambiguous join key (`user_id` where `ON o.user_id = u.user_id`) -> qualified with a side every
  row keeps (the first table for INNER and LEFT joins, the right one for RIGHT); none after FULL JOIN.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from portal.warehouse.statements import tokens as _tokens
from portal.workbench.lint.core import Context, LintConfig
from portal.workbench.lint.rules import ordered_source

FIXABLE = ("L005", "L007", "L008")


def fix_null_comparisons(sql: str) -> tuple[str, int]:
    toks = _tokens(sql)
    edits = []
    for i, (start, end, op) in enumerate(toks[:-1]):
        word = toks[i + 1][2]
        cast = i + 2 < len(toks) and toks[i + 2][2] == "::"
        if op in ("=", "==", "!=", "<>") and word.upper() == "NULL" and not cast:
            edits.append((start, end, "IS" if op in ("=", "==") else "IS NOT"))
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
    if ordered_source(Context(sql, tree, None, LintConfig()), tree):
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


def fix_ambiguous_keys(sql: str, catalog) -> tuple[str, int]:
    """Qualify ambiguous join keys, from the L008 findings' own edits (rules only, one statement)."""
    from portal.workbench.lint.core import lint

    edits = sorted({e for f in lint(sql, catalog) if f.code == "L008" for e in f.edits}, reverse=True)
    for start, end, text in edits:
        sql = sql[:start] + text + sql[end:]
    return sql, len(edits)


def apply_fixes(sql: str, codes: set[str] | None = None, catalog=None) -> tuple[str, int]:
    """`sql` with the mechanical fixes applied (only those of `codes` when given); how many. The
    L008 fix needs the `catalog` (which tables have which columns)."""
    total = 0
    if catalog is not None and (codes is None or "L008" in codes):
        sql, n = fix_ambiguous_keys(sql, catalog)
        total += n
    if codes is None or "L005" in codes:
        sql, n = fix_null_comparisons(sql)
        total += n
    if codes is None or "L007" in codes:
        sql, n = fix_limit_without_order(sql)
        total += n
    return sql, total

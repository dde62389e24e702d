"""The lint rules, one small function each, registered by code.

Every rule reads the sqlglot tree in `ctx.tree` (DuckDB dialect) and yields Findings with a
position, a plain message and a suggested fix. Docstrings say what the rule protects against.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from sqlglot import exp

from portal.workbench.lint import shapes as q
from portal.workbench.lint.core import Context, Finding, position, suggest

Rule = Callable[[Context], Iterator[Finding]]
RULES: dict[str, Rule] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[code] = fn
        return fn

    return register


def parse_error(err) -> Finding:
    """L001: the SQL does not parse; point at the token where the parser gave up."""
    first = (err.errors or [{}])[0]
    line, col = int(first.get("line") or 1), int(first.get("col") or 1)
    near = (first.get("highlight") or "").strip()
    msg = (first.get("description") or str(err)).split(". Line")[0]
    msg = re.sub(r"<Token token_type: TokenType\.SENTINEL[^>]*>", "the end of the query", msg)
    msg = re.sub(r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>", r"'\1'", msg)
    if "Expecting" in msg or "Expected" in msg or "Invalid expression" in msg or "Required keyword" in msg:
        msg = f"Syntax error near {near!r}: {msg}" if near else f"Syntax error: {msg}"
    return Finding(
        "L001", "error", line, max(1, col - len(near) + 1), msg, "Check commas, brackets and keywords around this spot."
    )


@rule("L002")
def unknown_table(ctx: Context) -> Iterator[Finding]:
    """Unknown table: a name that is neither a CTE nor in the warehouse (with a close match)."""
    if ctx.catalog is None:
        return
    ctes = q.cte_names(ctx)
    names = [t.full_name for t in ctx.catalog.tables]
    for table in ctx.tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # table functions such as range() or unnest()
        name, schema = table.name, table.db
        if not schema and name.lower() in ctes:
            continue
        full = f"{schema}.{name}" if schema else name
        if ctx.catalog.table(f"{table.catalog}.{full}" if table.catalog else full):
            continue
        if not schema:  # resolved as DuckDB does: on the search path; elsewhere it needs its schema
            there = ctx.catalog.elsewhere(name)
            fix = (
                f"write {there[0].full_name}"
                if there
                else suggest(name, [t.name for t in ctx.catalog.tables if t.schema in ctx.catalog.search_path] + names)
            )
        else:
            fix = suggest(full, names)
        line, col = position(table)
        yield Finding(
            "L002", "error", line, col, f"Unknown table {full}.", fix or "See the schema browser for table names."
        )


@rule("L003")
def select_star(ctx: Context) -> Iterator[Finding]:
    """SELECT *: breaks silently when columns change and reads every column (slow on wide tables)."""
    for select in q.selects(ctx):
        if q.in_exists(select):
            continue  # EXISTS (SELECT * ...) reads no column: the idiom, not a smell
        for e in select.expressions:
            if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
                line, col = position(e)
                yield Finding(
                    "L003",
                    "info",
                    line,
                    col,
                    "SELECT * returns every column; it breaks silently when a table changes.",
                    "List the columns you need.",
                )


@rule("L004")
def cartesian_join(ctx: Context) -> Iterator[Finding]:
    """A real cartesian product: a source that no condition ties to the rest, judged on the whole
    join graph (ON, USING, NATURAL, and the WHERE of an ANSI-89 comma join, where the link may be to a
    table listed after it). A one-row side is harmless, and an explicit CROSS JOIN is said deliberately
    (info)."""
    ctes = q.cte_map(ctx)
    for select in q.selects(ctx):
        joins = select.args.get("joins") or []
        if not joins:
            continue
        sources = q.source_columns(ctx, select)
        first = (q.sources_of(select)[0].alias_or_name or "").lower()
        groups = q.Groups([(s.alias_or_name or "").lower() for s in q.sources_of(select)])
        q.condition_links(select, sources, groups)
        crosses = []
        for j in joins:
            right = (j.this.alias_or_name or "").lower()
            if q.always_joined(j, ctes):
                groups.union([first, right])
            elif (j.args.get("kind") or "").upper() == "CROSS":
                crosses.append(j)
                groups.union([first, right])
        for j in crosses:
            line, col = position(j.this)
            yield Finding(
                "L004",
                "info",
                line,
                col,
                "CROSS JOIN pairs every row with every row.",
                "Fine when one side is small; else join ON a key.",
            )
        said = {groups.find(first)}
        for j in joins:
            group = groups.find((j.this.alias_or_name or "").lower())
            if group in said:
                continue
            said.add(group)
            line, col = position(j.this)
            yield Finding(
                "L004",
                "warning",
                line,
                col,
                f"Nothing links {_short(j.this)} to the other tables: a cartesian product.",
                "Add the join condition (JOIN ... ON a.key = b.key, or a.key = b.key in WHERE).",
            )


def _short(source: exp.Expression) -> str:
    """A source as the analyst would name it: its alias, a table's name, never a 300-character
    subquery."""
    if isinstance(source, exp.Table):
        return source.sql(dialect="duckdb")
    return source.alias or "a subquery"


@rule("L005")
def compare_null(ctx: Context) -> Iterator[Finding]:
    """`= NULL` / `!= NULL` are never true; the intent is IS [NOT] NULL."""
    for node in ctx.tree.find_all(exp.EQ, exp.NEQ):
        if isinstance(node.expression, exp.Null) or isinstance(node.this, exp.Null):
            op = "IS NULL" if isinstance(node, exp.EQ) else "IS NOT NULL"
            line, col = position(node)
            yield Finding(
                "L005",
                "warning",
                line,
                col,
                f"{node.sql(dialect='duckdb')} is never true (NULL is not a value).",
                f"Use {op}.",
            )


@rule("L006")
def not_in_subquery(ctx: Context) -> Iterator[Finding]:
    """NOT IN (subquery) returns no rows at all if the subquery yields a single NULL."""
    for node in ctx.tree.find_all(exp.Not):
        inner = node.this
        if isinstance(inner, exp.In) and inner.args.get("query") is not None:
            line, col = position(inner)
            yield Finding(
                "L006",
                "warning",
                line,
                col,
                "NOT IN over a subquery returns nothing if the subquery returns a NULL.",
                "Use NOT EXISTS (SELECT 1 FROM ... WHERE ...) or filter NULLs in the subquery.",
            )


@rule("L007")
def limit_without_order(ctx: Context) -> Iterator[Finding]:
    """LIMIT without ORDER BY returns an arbitrary subset that can change between runs."""
    for select in q.selects(ctx):
        limit = select.args.get("limit")
        if (
            limit is not None
            and not select.args.get("order")
            and not q.one_row(select)
            and not ordered_source(ctx, select)
        ):
            line, col = position(limit)
            yield Finding(
                "L007",
                "info",
                line,
                col,
                "LIMIT without ORDER BY returns arbitrary rows.",
                "Add ORDER BY (lint --fix adds ORDER BY ALL) if the choice of rows matters.",
            )


def ordered_source(ctx: Context, select: exp.Select) -> bool:
    """Whether `select` reads one ordered subquery or CTE: DuckDB keeps that order, so `LIMIT 5`
    over it is a deliberate top five, and `ORDER BY ALL` would pick other rows."""
    sources = q.sources_of(select)
    if len(sources) != 1:
        return False
    src = sources[0]
    if isinstance(src, exp.Table) and not src.db and src.name.lower() in q.cte_map(ctx):
        src = q.cte_map(ctx)[src.name.lower()]
    query = src.this if isinstance(src, exp.Subquery) else src
    while isinstance(query, exp.Subquery):
        query = query.this
    return isinstance(query, exp.Query) and bool(query.args.get("order"))


@rule("L008")
def unqualified_column(ctx: Context) -> Iterator[Finding]:
    """An unqualified column that two of the query's tables have: DuckDB refuses it as ambiguous
    (an error), and the fix is to say which table. A name only one table has is left alone."""
    for select in q.selects(ctx):
        joins = select.args.get("joins") or []
        if len(q.sources_of(select)) < 2 or any((j.args.get("method") or "").upper() == "NATURAL" for j in joins):
            continue
        sources = q.source_columns(ctx, select)
        using = {
            i.name.lower()
            for j in select.args.get("joins") or []
            for i in j.args.get("using") or []
            if hasattr(i, "name")
        }
        aliases = {e.alias.lower() for e in select.expressions if e.alias}
        seen = set()
        for col in select.find_all(exp.Column):
            if col.find_ancestor(exp.Select) is not select or col.table or isinstance(col.this, exp.Star):
                continue
            name = col.name.lower()
            if name in aliases or name in seen or name in using:
                continue
            owners = q.owners_of(col, sources)
            if not owners or len(owners) < 2:
                continue
            seen.add(name)
            line, col_no = position(col)
            key = q.join_key_side(select, name, owners)
            spots = [
                c.this.meta
                for c in select.find_all(exp.Column)
                if c.find_ancestor(exp.Select) is select and not c.table and c.name.lower() == name
            ]
            edits = (
                tuple((int(m["start"]), int(m["end"]) + 1, f"{key}.{col.name}") for m in spots)
                if key and all("start" in m for m in spots)
                else ()
            )
            yield Finding(
                "L008",
                "error",
                line,
                col_no,
                f"Column {col.name} is ambiguous: {' and '.join(sorted(owners))} both have it.",
                _ambiguity_advice(select, col.name, owners, key),
                edits,
            )


def _ambiguity_advice(select: exp.Select, name: str, owners: set[str], key: str | None) -> str:
    if key:
        return f"Write {key}.{name}: the join makes them equal and every row keeps it."
    choices = [f"{o}.{name}" for o in sorted(owners)]
    if not q.preserved(select):
        return f"Write coalesce({', '.join(choices)}): after a FULL JOIN either side may be NULL."
    return "Write " + " or ".join(choices) + "."


@rule("L009")
def count_star_after_left_join(ctx: Context) -> Iterator[Finding]:
    """COUNT(*) after a LEFT JOIN counts joined rows, not entities: fan-out inflates it."""
    ctes = q.cte_map(ctx)
    for select in q.selects(ctx):
        lefts = [j for j in select.args.get("joins") or [] if (j.args.get("side") or "").upper() == "LEFT"]
        if not any(q.fans_out(select, j, ctes) for j in lefts):
            continue
        for count in select.find_all(exp.Count):
            if isinstance(count.this, exp.Star) and count.find_ancestor(exp.Select) is select:
                line, col = position(count)
                yield Finding(
                    "L009",
                    "warning",
                    line,
                    col,
                    "COUNT(*) after a LEFT JOIN counts joined rows; one-to-many joins inflate it.",
                    "Count what you mean: COUNT(DISTINCT left_table.id).",
                )


@rule("L010")
def integer_division(ctx: Context) -> Iterator[Finding]:
    """Integer division (`//`, or `/` between integer literals in other engines) truncates ratios."""
    for node in ctx.tree.find_all(exp.IntDiv):
        line, col = position(node)
        yield Finding(
            "L010",
            "warning",
            line,
            col,
            f"{node.sql(dialect='duckdb')} is integer division: the fraction is dropped.",
            "Use / for a ratio (DuckDB's / returns a decimal).",
        )
    for node in ctx.tree.find_all(exp.Div):
        a, b = node.this, node.expression
        if all(isinstance(x, exp.Cast) and x.to.is_type(*exp.DataType.INTEGER_TYPES) for x in (a, b)):
            line, col = position(node)
            yield Finding(
                "L010",
                "info",
                line,
                col,
                "Ratio of two integer casts: fine in DuckDB, truncated in many other engines.",
                "Cast to DOUBLE if the SQL must be portable.",
            )


@rule("L011")
def raw_table_used(ctx: Context) -> Iterator[Finding]:
    """A table of a raw schema (portal.toml [lint] raw_schemas) is read: an unstable production dump.
    The table's comment, when it names one, supplies the replacement to suggest."""
    raw = {s.lower() for s in ctx.config.raw_schemas}
    for table in ctx.tree.find_all(exp.Table):
        schema = (table.db or "").lower()
        if schema not in raw:
            continue
        t = ctx.catalog.table(f"{schema}.{table.name}") if ctx.catalog is not None else None
        line, col = position(table)
        fix = (
            f"Use {t.replacement} instead."
            if t is not None and t.replacement
            else "Use the matching analytics table instead (the data team can tell you which)."
        )
        yield Finding("L011", "warning", line, col, f"{schema}.{table.name} is an unstable production dump.", fix)


@rule("L012")
def monster_query(ctx: Context) -> Iterator[Finding]:
    """A query too long or too tangled to trust ad hoc should become a curated saved query."""
    cfg = ctx.config
    lines = len(ctx.sql.strip().splitlines())
    joins = len(list(ctx.tree.find_all(exp.Join)))
    ctes = len(list(ctx.tree.find_all(exp.CTE)))
    depth = 0
    for sub in ctx.tree.find_all(exp.Subquery):
        d, p = 1, sub.parent
        while p is not None:
            if isinstance(p, exp.Subquery):
                d += 1
            p = p.parent
        depth = max(depth, d)
    over = [
        f"{lines} lines" if lines > cfg.max_lines else "",
        f"{joins} joins" if joins > cfg.max_joins else "",
        f"{depth} nesting levels" if depth > cfg.max_depth else "",
        f"{ctes} CTEs" if ctes > cfg.max_ctes else "",
    ]
    over = [o for o in over if o]
    if over:
        yield Finding(
            "L012",
            "info",
            1,
            1,
            f"Monster query ({', '.join(over)}): hard to review and it breaks silently.",
            "Ask the data team to make it a curated saved query (or a table).",
        )

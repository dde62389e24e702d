"""Which warehouse tables and columns a query depends on, read from its syntax tree (sqlglot)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp


@dataclass(frozen=True)
class Lineage:
    tables: frozenset[str] = field(default_factory=frozenset)  # schema.table
    columns: frozenset[str] = field(default_factory=frozenset)  # schema.table.column (or ?.column)


def lineage(sql: str, catalog=None) -> Lineage:
    """Tables and columns referenced; unqualified columns are attributed via the catalog when only
    one of the query's tables has them."""
    try:
        trees = [t for t in sqlglot.parse(sql, dialect="duckdb") if t is not None]
    except (sqlglot.errors.SqlglotError, RecursionError):  # unreadable or absurdly nested: nothing known
        return Lineage()
    tables: set[str] = set()
    columns: set[str] = set()
    for tree in trees:
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        alias_to_table: dict[str, str] = {}
        for t in tree.find_all(exp.Table):
            if not isinstance(t.this, exp.Identifier) or (not t.db and t.name.lower() in ctes):
                continue
            full = f"{t.db}.{t.name}".lower() if t.db else f"analytics.{t.name}".lower()
            tables.add(full)
            alias_to_table[(t.alias or t.name).lower()] = full
        for col in tree.find_all(exp.Column):
            if isinstance(col.this, exp.Star):
                continue
            name = col.name.lower()
            if col.table:
                owner = alias_to_table.get(col.table.lower())
                if owner:
                    columns.add(f"{owner}.{name}")
                continue
            scope = _scope_tables(col, ctes)
            owners = {t for t in scope if _has_column(catalog, t, name)}
            if len(owners) == 1:
                columns.add(f"{owners.pop()}.{name}")
            elif catalog is None and len(scope) == 1:
                columns.add(f"{next(iter(scope))}.{name}")
    return Lineage(frozenset(tables), frozenset(columns))


def _scope_tables(col: exp.Column, ctes: set[str]) -> set[str]:
    """Warehouse tables read directly by the SELECT that contains `col` (its own FROM and joins)."""
    select = col.find_ancestor(exp.Select)
    if select is None:
        return set()
    out = set()
    for t in select.find_all(exp.Table):
        if t.find_ancestor(exp.Select) is not select or not isinstance(t.this, exp.Identifier):
            continue
        if not t.db and t.name.lower() in ctes:
            continue
        out.add(f"{t.db}.{t.name}".lower() if t.db else f"analytics.{t.name}".lower())
    return out


def _has_column(catalog, table: str, column: str) -> bool:
    if catalog is None:
        return False
    t = catalog.table(table)
    return t is not None and any(c.name.lower() == column for c in t.columns)

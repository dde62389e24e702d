"""Expressions and joins of the semantic model: what a `[model.*]` field may say beyond a column name.

A field such as `amount = "amount / 100"`, `cost = "cost_micros / 1e6"` or
`person = "customers.metadata_user_id"` is parsed with sqlglot (DuckDB's dialect) and kept only when it
is a scalar expression over columns of the part's table and its declared joins: no subqueries, no
`*`, no table functions, no statements. Unqualified columns belong to the part's own table; a
qualified one must name the table's alias or a join's. The expression is written back as SQL by
sqlglot with every identifier quoted, so nothing from the file reaches SQL as raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# nodes that make an expression more than a scalar over the row
_REFUSED = (exp.Select, exp.Subquery, exp.Star, exp.Query, exp.Placeholder, exp.Parameter, exp.Command, exp.Table)
# scalar functions that reach outside the row (files, settings, the environment)
_REFUSED_FUNCTIONS = {"getenv", "current_setting", "read_text", "read_blob", "glob", "query", "query_table"}


class ExprError(ValueError):
    """A model expression that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Expr:
    """A checked expression: its text as written and its tree."""

    text: str
    tree: exp.Expression

    def columns(self) -> list[tuple[str | None, str]]:
        """(table alias or None, column) of every column the expression reads."""
        return [(c.table or None, c.name) for c in self.tree.find_all(exp.Column)]

    @property
    def is_column(self) -> bool:
        return isinstance(self.tree, exp.Column)

    def sql(self, base: str, aliases: frozenset[str] = frozenset()) -> str:
        """DuckDB SQL, unqualified columns qualified with `base`, every identifier quoted."""
        tree = self.tree.copy()
        for col in tree.find_all(exp.Column):
            table = col.table
            if not table:
                col.set("table", exp.to_identifier(base, quoted=True))
            elif table not in aliases and table != base:
                raise ExprError(f"{self.text!r} reads {table}.{col.name}, but {table!r} is not this table or a join.")
        for ident in tree.find_all(exp.Identifier):
            ident.set("quoted", True)
        return tree.sql(dialect="duckdb")


def parse(text: str, where: str) -> Expr:
    """`text` as a checked scalar expression; ExprError naming `where` otherwise."""
    text = str(text).strip()
    if not text:
        raise ExprError(f"{where}: empty expression.")
    try:
        tree = sqlglot.parse_one(f"SELECT {text}", read="duckdb")
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0]["description"] if exc.errors else str(exc)
        raise ExprError(f"{where}: {text!r} is not an SQL expression ({first}).") from None
    clauses = ("from", "from_", "where", "group", "having", "order", "limit", "joins", "qualify", "with", "with_")
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1 or any(tree.args.get(c) for c in clauses):
        raise ExprError(f"{where}: {text!r} must be one expression (a column, arithmetic, CASE, a cast, a function).")
    node = tree.expressions[0]
    if isinstance(node, exp.Alias):
        raise ExprError(f"{where}: {text!r}: leave out the alias (AS …); the model names the field.")
    for sub in node.walk():
        if isinstance(sub, exp.Star) and isinstance(sub.parent, exp.Count):
            continue  # count(*) in a metric's measure
        if isinstance(sub, _REFUSED):
            raise ExprError(
                f"{where}: {text!r}: only expressions over the row (no subqueries, *, tables or $parameters)."
            )
        if isinstance(sub, exp.Func):
            name = (sub.name if isinstance(sub, exp.Anonymous) else sub.sql_name()).lower()
            if name in _REFUSED_FUNCTIONS:
                raise ExprError(f"{where}: {text!r}: the function {name} is not allowed in a model expression.")
    return Expr(text, node)


def check_name(name: str, where: str) -> str:
    """A plain (optionally schema-qualified) table name, as quoted SQL."""
    parts = str(name).split(".")
    if not name or len(parts) > 3 or not all(_NAME.fullmatch(p) for p in parts):
        raise ExprError(f"{where}: {name!r} is not a table name (letters, digits, _ and dots only).")
    return ".".join('"' + p + '"' for p in parts)


RELATIONSHIPS = ("many_to_one", "one_to_one")


@dataclass(frozen=True)
class Join:
    """A table joined to a part's table (LEFT JOIN), declared many-to-one: each row of the part finds
    at most one row there (`python -m portal model check` verifies it on the data)."""

    table: str
    alias: str
    on: Expr
    relationship: str = "many_to_one"

    def sql(self, base: str, aliases: frozenset[str]) -> str:
        return f' LEFT JOIN {check_name(self.table, "join")} AS "{self.alias}" ON {self.on.sql(base, aliases)}'


def load_joins(raw, where: str) -> tuple[Join, ...]:
    """`joins = [{table = "…", alias = "…", on = "…"}]` of a part, checked."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(j, dict) for j in raw):
        raise ExprError(f'{where} joins: write a list of {{ table = "schema.table", on = "…" }}.')
    out = []
    for j in raw:
        unknown = set(j) - {"table", "alias", "on", "relationship"}
        if unknown:
            raise ExprError(
                f"{where} joins: unknown key(s) {', '.join(sorted(unknown))} (table, alias, on, relationship)."
            )
        if "table" not in j or "on" not in j:
            raise ExprError(f"{where} joins: each join needs table and on.")
        check_name(j["table"], f"{where} joins")
        alias = str(j.get("alias") or str(j["table"]).split(".")[-1])
        if not _NAME.fullmatch(alias):
            raise ExprError(f"{where} joins: alias {alias!r} must be a plain name.")
        rel = str(j.get("relationship", "many_to_one"))
        if rel not in RELATIONSHIPS:
            raise ExprError(f"{where} joins: relationship must be one of {', '.join(RELATIONSHIPS)}.")
        out.append(Join(str(j["table"]), alias, parse(j["on"], f"{where} joins on"), rel))
    return tuple(out)


@dataclass(frozen=True)
class Source:
    """A part's FROM: its table under an alias, and its joins."""

    table: str
    joins: tuple[Join, ...] = ()

    @property
    def alias(self) -> str:
        return str(self.table).split(".")[-1]

    @property
    def aliases(self) -> frozenset[str]:
        return frozenset(j.alias for j in self.joins)

    def from_sql(self, where: str) -> str:
        out = f'{check_name(self.table, where)} AS "{self.alias}"'
        return out + "".join(j.sql(self.alias, self.aliases) for j in self.joins)

    def expr(self, text: str, where: str) -> str:
        """A field of this part as SQL (a column name or an expression over the table and joins)."""
        return parse(text, where).sql(self.alias, self.aliases)

    def tables(self) -> list[str]:
        return [self.table, *(j.table for j in self.joins)]

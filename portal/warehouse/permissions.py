"""What a statement may read, decided on DuckDB's own plan of it, for every operation of every caller.

The optimizer's plan names every table a statement scans and every table function it calls, through
views, CTEs, `query('…' || '…')` strings and serialized SQL alike, so both checks read the plan,
never the SQL text (issue #21, findings 2, 4 and 10):
- **Denied schemas**: a role without a schema cannot read any of its tables, and does not see its
  tables in the catalog functions (information_schema, duckdb_tables…) either.
- **Table functions by allow-list**: generators (range, generate_series, unnest) and, for roles
  without restrictions, the catalog's own listings. Everything else (duckdb_settings, pragma_storage_info,
  json_execute_serialized_sql, test_all_types, read_csv…) is refused: new DuckDB functions are closed
  until they are added here, instead of open until someone notices.
"""

from __future__ import annotations

import json

from portal.warehouse.errors import QueryRefused

GENERATORS = frozenset({"RANGE", "GENERATE_SERIES", "UNNEST"})
CATALOG_LISTINGS = frozenset(
    {
        "DUCKDB_TABLES",
        "DUCKDB_VIEWS",
        "DUCKDB_COLUMNS",
        "DUCKDB_SCHEMAS",
        "DUCKDB_CONSTRAINTS",
        "DUCKDB_INDEXES",
        "DUCKDB_TYPES",
        "DUCKDB_FUNCTIONS",
        "DUCKDB_KEYWORDS",
        "DUCKDB_DEPENDENCIES",
        "DUCKDB_SEQUENCES",
        "PRAGMA_TABLE_INFO",
    }
)


def allowed_functions(denied: tuple[str, ...]) -> frozenset[str]:
    """Table functions a session may call: the catalog's listings only when nothing is hidden from it."""
    return GENERATORS if denied else GENERATORS | CATALOG_LISTINGS


def check_plan(cur, sql: str, params: dict | None, denied, *, functions: bool = True) -> list[tuple[str, str]]:
    """Raise QueryRefused when the plan of `sql` (a query, not an EXPLAIN of one) reads a denied
    schema or calls a table function outside the allow-list; returns the plans (kind, JSON) for the
    size guard. Nothing runs: EXPLAIN only plans."""
    denied = tuple(sorted({d.lower() for d in denied or ()}))
    if not denied and not functions:
        return []
    allowed = allowed_functions(denied)
    if denied:
        _refuse_described(cur, sql, denied)
    plans = cur.execute("EXPLAIN (FORMAT JSON)\n" + sql, params or None).fetchall()
    for node in _walk([n for _, text in plans for n in json.loads(text)]):
        info = node.get("extra_info") or {}
        if not isinstance(info, dict):
            continue
        table = info.get("Table")
        schema = table.split(".")[-2].lower() if isinstance(table, str) and "." in table else None
        if schema in denied:
            raise QueryRefused(
                f"Your role cannot read {'.'.join(table.split('.')[-2:])}: the {schema} schema is restricted. "
                "Ask the data team for access, or use the tables the schema browser lists."
            )
        function = str(info.get("Function") or "").upper()
        if functions and function and function not in allowed:
            listed = "range, generate_series, unnest" + ("" if denied else " and the catalog's duckdb_* listings")
            raise QueryRefused(
                f"{function.lower()}() is not one of the table functions that can be called here ({listed}). "
                "Query the warehouse's tables instead."
            )
    return plans


def _refuse_described(cur, sql: str, denied: tuple[str, ...]) -> None:
    """DESCRIBE and SHOW of a table are answered at bind time (their plan holds no scan), so the
    tables they name are read from DuckDB's own parse of the statement."""
    try:
        tree = json.loads(cur.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    except Exception:  # a statement the serializer does not cover (PIVOT, EXPLAIN): the plan decides
        return
    if tree.get("error") or "SHOW_REF" not in json.dumps(tree):
        return
    for ref in _base_tables(tree):
        schema = (ref.get("schema_name") or "").lower() or _schema_on_path(cur, ref.get("table_name") or "")
        if schema in denied:
            raise QueryRefused(
                f"Your role cannot read {schema}.{ref.get('table_name')}: the {schema} schema is restricted. "
                "Ask the data team for access, or use the tables the schema browser lists."
            )


def _base_tables(node):
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            yield node
        for value in node.values():
            yield from _base_tables(value)
    elif isinstance(node, list):
        for value in node:
            yield from _base_tables(value)


def _schema_on_path(cur, table: str) -> str:
    row = cur.execute(
        "SELECT schema_name FROM duckdb_tables() WHERE database_name = current_database() AND lower(table_name) = lower(?) "
        "ORDER BY list_position(current_schemas(false), schema_name) NULLS LAST LIMIT 1",
        [table],
    ).fetchone()
    return row[0].lower() if row else ""


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.get("children") or [])

"""What an analyst may send to Spark: exactly one read-only query, in the portal's SQL (DuckDB's
dialect) translated by sqlglot, with no way out of SQL. Spark runs `reflect('java.lang.System',
'getProperty', 'user.home')` by default and reads any file named as a table (parquet.`/etc/...`),
so those are refused here, before anything reaches the cluster, from the syntax tree rather than a
word list."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# Functions that reach the JVM, the file system, the network or the session: refused by name.
DENIED_FUNCTIONS = frozenset(
    {
        "reflect",
        "java_method",
        "try_reflect",
        "input_file_name",
        "input_file_block_start",
        "input_file_block_length",
        "read_files",
        "from_avro",
        "to_avro",
        "from_protobuf",
        "to_protobuf",
        "current_user",
        "session_user",
        "user",
        "version",
        "spark_partition_id",
        "assert_true",
        "raise_error",
        # XML parsing in the JVM (entity expansion) and the XML/variant readers
        "xpath",
        "xpath_boolean",
        "xpath_double",
        "xpath_float",
        "xpath_int",
        "xpath_long",
        "xpath_number",
        "xpath_short",
        "xpath_string",
        "from_xml",
        "schema_of_xml",
        "to_xml",
        "identifier",
    }
)
# Tables named by a data source and a path (`parquet.`/tmp/x``) read files directly.
FILE_SOURCES = frozenset({"parquet", "csv", "json", "orc", "text", "avro", "binaryfile", "delta", "file", "jdbc"})


# Table functions that only unfold values already in the query (no files, no catalogs).
TABLE_GENERATORS = frozenset(
    {"explode", "explode_outer", "posexplode", "posexplode_outer", "inline", "inline_outer", "stack", "range"}
)


class SparkStatementError(ValueError):
    """A refused statement; the message says why in plain words."""


def translate(sql: str) -> str:
    """The portal's SQL (DuckDB dialect) as Spark SQL; raises SparkStatementError when it cannot."""
    try:
        trees = sqlglot.parse(sql, read="duckdb")
        trees = [t for t in trees if t is not None]
        if len(trees) != 1:
            raise SparkStatementError("Send exactly one statement.")
        return trees[0].transform(_for_spark).sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as err:
        raise SparkStatementError(f"This query cannot be translated for Spark: {err}") from None


def _for_spark(node: exp.Expression) -> exp.Expression:
    """Exact percentiles stay exact: sqlglot writes DuckDB's quantile_cont(x, q) as PERCENTILE_CONT(x, q),
    which Spark refuses, and `percentile_cont(q) WITHIN GROUP (ORDER BY x)` as PERCENTILE_APPROX.
    Spark's exact forms are percentile(x, q) and percentile_disc(q) WITHIN GROUP (ORDER BY x)."""
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont | exp.PercentileDisc):
        order = node.expression.expressions[0] if isinstance(node.expression, exp.Order) else None
        if order is None or len(node.expression.expressions) != 1:
            return node
        q, x = node.this.this, order.this
        if order.args.get("desc"):
            q = exp.Sub(this=exp.Literal.number(1), expression=q)
        return _percentile(isinstance(node.this, exp.PercentileCont), x, q)
    if isinstance(node, exp.PercentileCont | exp.PercentileDisc) and node.expression is not None:
        return _percentile(isinstance(node, exp.PercentileCont), node.this, node.expression)
    return node


def _percentile(continuous: bool, x: exp.Expression, q: exp.Expression) -> exp.Expression:
    if continuous:
        return exp.Anonymous(this="percentile", expressions=[x, q])
    return exp.WithinGroup(
        this=exp.Anonymous(this="percentile_disc", expressions=[q]),
        expression=exp.Order(expressions=[exp.Ordered(this=x, nulls_first=False)]),
    )


def check_spark_statement(spark_sql: str) -> None:
    """Refuse anything but one read-only query without JVM, file or session functions."""
    try:
        trees = [t for t in sqlglot.parse(spark_sql, read="spark") if t is not None]
    except (sqlglot.errors.SqlglotError, RecursionError):
        raise SparkStatementError("Spark could not read this statement.") from None
    if len(trees) != 1:
        raise SparkStatementError("Send exactly one statement.")
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        kind = tree.key.upper() if isinstance(tree, exp.Expression) else "this statement"
        raise SparkStatementError(f"Only read-only queries may run here; {kind} is not one.")
    for node in tree.walk():
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in DENIED_FUNCTIONS:
                raise SparkStatementError(f"The function {name} is not allowed: it reaches outside SQL.")
        if isinstance(node, exp.Table) and node.db and node.db.lower() in FILE_SOURCES:
            raise SparkStatementError("Reading files by path is not allowed; query the warehouse's tables.")
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
            name = (node.this.name if isinstance(node.this, exp.Anonymous) else node.this.sql_name()).lower()
            if name not in TABLE_GENERATORS:
                raise SparkStatementError(
                    f"The table function {name} is not available here (it can read files); "
                    "query the warehouse's tables, or unnest an array with explode."
                )
        if isinstance(
            node, (exp.Insert, exp.Create, exp.Drop, exp.Alter, exp.Delete, exp.Update, exp.Merge, exp.Command, exp.Set)
        ):
            raise SparkStatementError("Only read-only queries may run here.")


def point_schemas(spark_sql: str, schemas: dict[str, str], denied: tuple[str, ...]) -> str:
    """Point the analyst's schema names at this view's databases (the PII-free twin's `public_*` for most roles)
    and refuse any other table: a catalog-qualified name, another schema, or one this role may not
    read. Names of the query's own CTEs are left alone."""
    try:
        tree = sqlglot.parse_one(spark_sql, read="spark")
    except (sqlglot.errors.SqlglotError, RecursionError):
        raise SparkStatementError("Spark could not read this statement.") from None
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for node in tree.find_all(exp.Func):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "identifier":
            raise SparkStatementError("IDENTIFIER() is not allowed: name tables directly.")
    for table in tree.find_all(exp.Table):
        if not table.name:  # a table function's alias, e.g. range(…) AS p(period)
            continue
        if "/" in table.name or "\\" in table.name:
            raise SparkStatementError("Reading files by path is not allowed; query the warehouse's tables.")
        if table.catalog:
            raise SparkStatementError(f"Name tables as schema.table; {table.catalog}.… is not available here.")
        db = table.db.lower()
        if not db:
            if table.name.lower() in ctes:
                continue
            choices = " or ".join(f"{s}.{table.name}" for s in list(schemas)[:3])
            raise SparkStatementError(f"Name the schema of {table.name}: {choices}.")
        if db not in schemas:
            raise SparkStatementError(f"There is no schema {table.db} here; the warehouse has {', '.join(schemas)}.")
        if db in {d.lower() for d in denied}:
            raise SparkStatementError(
                f"Your role cannot read {db}.{table.name}: the {db} schema is restricted to the data team. "
                "Use the analytics tables instead."
            )
        table.set("db", exp.to_identifier(schemas[db]))
    return tree.sql(dialect="spark")


def check_functions(spark_sql: str, builtins: frozenset[str]) -> None:
    """Only Spark's own built-in functions: a function the cluster's operators registered (a Hive
    UDF, a persistent `CREATE FUNCTION`) could do anything, so a name sqlglot does not know must be
    among the cluster's system functions (`SHOW SYSTEM FUNCTIONS`), and never qualified by a schema."""
    tree = sqlglot.parse_one(spark_sql, read="spark")
    for node in tree.find_all(exp.Dot):
        if isinstance(node.expression, exp.Anonymous | exp.Func):
            raise SparkStatementError("Functions from a schema are not available here; use Spark's built-in functions.")
    for node in tree.find_all(exp.Anonymous):
        name = node.name.lower()
        if "." in name or name not in builtins or name in DENIED_FUNCTIONS:
            raise SparkStatementError(
                f"Unknown function {node.name}: only Spark's built-in functions are available here."
            )

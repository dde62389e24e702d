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
    }
)
# Tables named by a data source and a path (`parquet.`/tmp/x``) read files directly.
FILE_SOURCES = frozenset({"parquet", "csv", "json", "orc", "text", "avro", "binaryfile", "delta", "file", "jdbc"})


class SparkStatementError(ValueError):
    """A refused statement; the message says why in plain words."""


def translate(sql: str) -> str:
    """The portal's SQL (DuckDB dialect) as Spark SQL; raises SparkStatementError when it cannot."""
    try:
        out = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as err:
        raise SparkStatementError(f"This query cannot be translated for Spark: {err}") from None
    if len(out) != 1:
        raise SparkStatementError("Send exactly one statement.")
    return out[0]


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
        if isinstance(
            node, (exp.Insert, exp.Create, exp.Drop, exp.Alter, exp.Delete, exp.Update, exp.Merge, exp.Command, exp.Set)
        ):
            raise SparkStatementError("Only read-only queries may run here.")

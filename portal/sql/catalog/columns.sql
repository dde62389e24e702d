-- Every column with its type and description, in table order.
SELECT
    c.schema_name,
    c.table_name,
    c.column_name,
    c.data_type,
    coalesce(c.comment, '') AS description,
    c.column_index
FROM duckdb_columns() AS c
WHERE c.database_name = current_database()
  AND NOT c.internal
  AND c.schema_name NOT IN ('information_schema', 'pg_catalog')
ORDER BY c.schema_name, c.table_name, c.column_index

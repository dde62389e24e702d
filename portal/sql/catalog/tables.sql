-- One row per table in the warehouse, with its description and row count (for Home and the schema browser).
SELECT
    t.schema_name,
    t.table_name,
    coalesce(t.comment, '') AS description,
    t.estimated_size AS row_count,
    t.column_count
FROM duckdb_tables() AS t
WHERE t.database_name = current_database()
  AND NOT t.temporary
  AND t.schema_name NOT IN ('information_schema', 'pg_catalog')
ORDER BY CASE t.schema_name WHEN 'analytics' THEN 0 WHEN 'raw' THEN 1 ELSE 2 END, t.schema_name, t.table_name

-- One row per table and view in the warehouse, with its description and row count (for Home and the
-- schema browser); views have no stored count (0).
SELECT schema_name, table_name, description, row_count, column_count FROM (
    SELECT t.schema_name, t.table_name, coalesce(t.comment, '') AS description, t.estimated_size AS row_count,
           t.column_count
    FROM duckdb_tables() AS t
    WHERE t.database_name = current_database()
      AND NOT t.temporary
      AND t.schema_name NOT IN ('information_schema', 'pg_catalog')
    UNION ALL
    SELECT v.schema_name, v.view_name, coalesce(v.comment, ''), 0, v.column_count
    FROM duckdb_views() AS v
    WHERE v.database_name = current_database()
      AND NOT v.internal AND NOT v.temporary
      AND v.schema_name NOT IN ('information_schema', 'pg_catalog')
)
ORDER BY list_position(current_schemas(false), schema_name) NULLS LAST, schema_name, table_name

"""What is in the warehouse, read from the cluster's own catalog: tables and columns with the
descriptions the load copied from the build's COMMENT ON, and row counts from table statistics
(`ANALYZE TABLE … COMPUTE STATISTICS`). Shown under the analyst's names (the company's databases,
whichever view is read)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from portal.warehouse.catalog import Catalog, Column, Table, _data_through

_ROWS = re.compile(r"^Statistics: .*?([\d,]+) rows", re.M)
_COMMENT = re.compile(r"^Comment: (.*)$", re.M)


def read_spark_catalog(spark, schemas: dict[str, str], rows, model) -> Catalog:
    """`schemas` maps the analyst's schema names to this view's; `rows(sql)` runs the portal's SQL.
    One SHOW TABLE EXTENDED per schema (descriptions, statistics), then each table's columns."""
    path = [s.lower() for s in model.search_path]
    order = sorted(schemas, key=lambda s: (path.index(s) if s in path else len(path), s))
    listed = []
    for ours in order:
        found = spark.sql(f"SHOW TABLE EXTENDED IN {schemas[ours]} LIKE '*'").collect()
        for r in sorted(found, key=lambda r: r.tableName):
            if r.isTemporary:
                continue
            info = r.information or ""
            comment, count = _COMMENT.search(info), _ROWS.search(info)
            listed.append(
                (
                    ours,
                    r.tableName,
                    comment.group(1) if comment else "",
                    int(count.group(1).replace(",", "")) if count else 0,
                )
            )

    def describe(item) -> Table:
        ours, name, description, count = item
        cols = tuple(
            Column(c.name, c.dataType.upper(), c.description or "")
            for c in spark.catalog.listColumns(f"{schemas[ours]}.{name}")
        )
        return Table(ours, name, description, count, cols, ours.lower() in {r.lower() for r in model.raw_schemas})

    with ThreadPoolExecutor(8) as pool:  # one metadata call per table; the server answers them at once
        out = tuple(pool.map(describe, listed))
    search_path = tuple(s for s in path if s in schemas) or tuple(order[:1])  # the company's, as on DuckDB
    return Catalog(out, _data_through(rows, model), search_path)

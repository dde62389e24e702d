"""What is in the warehouse, read from the cluster's own catalog: tables and columns with the
descriptions the load copied from the build's COMMENT ON, and row counts from table statistics
(`ANALYZE TABLE … COMPUTE STATISTICS`). Shown under the analyst's names (`analytics`, `raw`)."""

from __future__ import annotations

import re

from portal.warehouse.catalog import Catalog, Column, Table, _data_through

_ROWS = re.compile(r"([\d,]+) rows")


def read_spark_catalog(spark, schemas: dict[str, str], rows) -> Catalog:
    """`schemas` maps the analyst's schema names to this view's; `rows(sql)` runs the portal's SQL."""
    order = sorted(schemas, key=lambda s: (s != "analytics", s != "raw", s))
    tables = []
    for ours in order:
        theirs = schemas[ours]
        for t in sorted(spark.catalog.listTables(theirs), key=lambda t: t.name):
            if t.isTemporary:
                continue
            cols = tuple(
                Column(c.name, c.dataType.upper(), c.description or "")
                for c in spark.catalog.listColumns(t.name, theirs)
            )
            tables.append(Table(ours, t.name, t.description or "", _row_count(spark, f"{theirs}.{t.name}"), cols))
    out = tuple(tables)
    return Catalog(out, _data_through(rows, out))


def _row_count(spark, name: str) -> int:
    """The statistics' row count (cheap, no scan); 0 when the table was never analysed."""
    for row in spark.sql(f"DESCRIBE TABLE EXTENDED {name}").collect():
        if row[0] == "Statistics":
            m = _ROWS.search(row[1] or "")
            return int(m.group(1).replace(",", "")) if m else 0
    return 0

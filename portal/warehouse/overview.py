"""Numbers for the Home page, kept out of the page so they can be unit-tested."""

from __future__ import annotations

import pandas as pd

from portal.warehouse.catalog import Catalog


def tables_frame(catalog: Catalog, schema: str) -> pd.DataFrame:
    """One row per table of `schema`: name, description, rows, columns, its dbt tests and freshness
    (when the dbt project says them), and its replacement if raw."""
    tables = [t for t in catalog.tables if t.schema == schema]
    rows = [
        {
            "table": t.full_name,
            "description": t.description,
            "rows": t.row_count,
            "columns": len(t.columns),
            "tests": t.quality,
            "freshness": t.freshness,
            "use instead": t.replacement or "",
        }
        for t in tables
    ]
    frame = pd.DataFrame(rows, columns=["table", "description", "rows", "columns", "tests", "freshness", "use instead"])
    unused = [c for c in ("tests", "freshness", "use instead") if not any(r[c] for r in rows)]
    return frame.drop(columns=unused)


def summary(catalog: Catalog) -> dict[str, int]:
    """Headline counts: schemas, tables, and the biggest tables' rows."""
    return {
        "schemas": len(catalog.schemas),
        "tables": len(catalog.tables),
        "rows": sum(t.row_count for t in catalog.tables),
    }

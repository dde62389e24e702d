"""Numbers for the Home page, kept out of the page so they can be unit-tested."""

from __future__ import annotations

import pandas as pd

from portal.warehouse.catalog import Catalog


def tables_frame(catalog: Catalog, schema: str) -> pd.DataFrame:
    """One row per table of `schema`: name, description, rows, columns, and its replacement if raw."""
    rows = [
        {
            "table": t.full_name,
            "description": t.description,
            "rows": t.row_count,
            "columns": len(t.columns),
            "use instead": t.replacement or "",
        }
        for t in catalog.tables
        if t.schema == schema
    ]
    frame = pd.DataFrame(rows, columns=["table", "description", "rows", "columns", "use instead"])
    if schema != "raw":
        frame = frame.drop(columns=["use instead"])
    return frame


def summary(catalog: Catalog) -> dict[str, int]:
    """Headline counts: schemas, tables, and the biggest tables' rows."""
    return {
        "schemas": len(catalog.schemas),
        "tables": len(catalog.tables),
        "rows": sum(t.row_count for t in catalog.tables),
    }

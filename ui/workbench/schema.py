"""The schema browser beside the workbench editor: search, descriptions, columns, insert at the cursor."""

from __future__ import annotations

import streamlit as st

from portal.warehouse.catalog import Catalog
from portal.workbench.formatting import insert_at
from ui.text import caption_text, warning_text


def schema_sidebar(cat: Catalog, sql: str, cursor: dict | None) -> str | None:
    """Draw the browser; returns the new editor text when a table name was inserted."""
    st.subheader("Schema")
    needle = st.text_input("Search tables and columns", key="wb_schema_search", placeholder="e.g. campaign")
    found = cat.search(needle)
    for table in found:
        label = f"{table.full_name} · {table.row_count:,}" + (" · raw dump" if table.is_raw else "")
        exp = st.expander(
            label, expanded=bool(needle) and len(found) <= 3, key=f"wb_exp_{table.full_name}", on_change="rerun"
        )
        if not exp.open:  # columns are drawn only for open tables: every rerun stays light
            continue
        with exp:
            if table.is_raw:
                warning_text(f"Unstable production dump. Use {table.replacement or 'an analytics table'} instead.")
            st.text(table.description)
            for fact in (table.quality and f"dbt tests: {table.quality}", table.freshness):  # with a dbt project
                if fact:
                    caption_text(fact)
            if st.button("Insert name", key=f"wb_ins_{table.full_name}", icon=":material/add:"):
                return insert_at(sql, cursor, table.full_name) if sql.strip() else f"SELECT *\nFROM {table.full_name}\n"
            st.dataframe(
                [
                    {"column": c.name, "type": c.type, "description": c.description}
                    | ({"tests": c.quality} if any(x.quality for x in table.columns) else {})
                    for c in table.columns
                ],
                hide_index=True,
                key=f"wb_cols_{table.full_name}",
                height=min(36 * (len(table.columns) + 1), 300),
            )
    return None

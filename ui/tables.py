"""Every table the pages show, formatted one way (portal.reporting.table_format): labels, rates as
percentages, money with its unit, thousands separated, p-values in words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.reporting.table_format import column_formats, for_display

_NUMBER = {"percent": "percent", "count": "localized", "number": "localized"}


def column_config(formats) -> dict:
    out = {}
    for f in formats:
        if f.kind in _NUMBER:
            out[f.name] = st.column_config.NumberColumn(f.label, format=_NUMBER[f.kind])
        elif f.kind == "money":
            out[f.name] = st.column_config.NumberColumn(f.label, format="euro" if f.currency == "eur" else "dollar")
        elif f.kind == "date":
            out[f.name] = st.column_config.DateColumn(f.label, format="YYYY-MM-DD")
        elif f.kind == "datetime":
            out[f.name] = st.column_config.DatetimeColumn(f.label, format="YYYY-MM-DD HH:mm")
        else:
            out[f.name] = st.column_config.TextColumn(f.label)
    return out


def table(
    frame: pd.DataFrame,
    key: str | None = None,
    kinds: dict | None = None,
    labels: dict | None = None,
    height: int | str = "auto",
    overrides: dict | None = None,
) -> None:
    """`frame` as a formatted grid; `overrides` replaces the config of named columns (None hides one)."""
    formats = column_formats(frame, kinds, labels)
    config = {**column_config(formats), **(overrides or {})}
    st.dataframe(for_display(frame, formats), hide_index=True, key=key, height=height, column_config=config)

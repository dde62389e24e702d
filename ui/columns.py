"""Column formats shared by the pages' tables."""

from __future__ import annotations

import streamlit as st


def percent_columns(**labels: str | None) -> dict:
    """`column_config` showing each named column as a percentage, under an optional label."""
    return {name: st.column_config.NumberColumn(label, format="percent") for name, label in labels.items()}

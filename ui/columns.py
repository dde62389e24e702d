"""Column formats shared by the pages' tables."""

from __future__ import annotations

import streamlit as st


def formatted_columns(fmt: str, **labels: str | None) -> dict:
    """`column_config` showing each named column as a number in `fmt`, under an optional label."""
    return {name: st.column_config.NumberColumn(label, format=fmt) for name, label in labels.items()}


def percent_columns(**labels: str | None) -> dict:
    """`column_config` showing each named column as a percentage, under an optional label."""
    return formatted_columns("percent", **labels)

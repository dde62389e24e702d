"""Typed input widgets for `$name` parameters, shared by the workbench, library and dashboards."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.reporting.charts import title
from portal.workbench.params import Param, ParamError, coerce, default_date


def widget_key(name: str, typ: str, prefix: str = "wb_pval") -> str:
    return f"{prefix}_{name}_{typ}"


def widget_value(param: Param, value: object) -> object:
    """A URL or default value in the form the widget holds (date object, float, text)."""
    try:
        v = coerce(param, value)
    except ParamError:
        return None
    if param.type == "number":
        return float(v)
    if param.type == "list":
        return ", ".join(v)
    return v


def param_input(
    container, name: str, typ: str, param: Param | None = None, prefix: str = "wb_pval", last_day: date | None = None
):
    """A widget for `$name`; an undeclared date starts inside the data (`last_day`, the day the data
    runs through), not today, which may be after it and answer nothing."""
    key = widget_key(name, typ, prefix)
    label = param.label if param is not None and param.label else title(name)  # "Min shipments", not $min_shipments
    if param is not None and param.choices and typ in ("text", "list"):
        options = list(param.choices)
        if typ == "list":
            if key not in st.session_state and param.default:
                st.session_state[key] = [c for c in param.default if c in options]
            return container.multiselect(label, options, key=key)
        if key not in st.session_state and param.default in options:
            st.session_state[key] = param.default
        return container.selectbox(label, options, key=key)
    if param is not None and key not in st.session_state and param.default not in (None, ""):
        st.session_state[key] = widget_value(param, param.default)
    if typ == "date":
        st.session_state.setdefault(key, default_date(name, last_day or date.today()))
        return container.date_input(label, key=key)
    if typ == "number":
        return container.number_input(label, key=key, value=None if key in st.session_state else 0.0)
    return container.text_input(label, key=key, placeholder="comma-separated values" if typ == "list" else "")

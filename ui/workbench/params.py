"""The workbench's parameter panel: one typed widget per `$name`, the same syntax as saved queries."""

from __future__ import annotations

from datetime import date

import streamlit as st

from portal.library import SavedQuery
from portal.workbench.params import TYPES, Param, guess_type
from ui.params_widgets import param_input


def param_panel(
    container, names: list[str], opened: SavedQuery | None, last_day: str | None = None
) -> tuple[list[Param], dict]:
    """Draw a type picker and a value widget per name; returns the declared parameters and values.
    `last_day` (the catalog's "data through") is where an undeclared date starts."""
    known = {p.name: p for p in (opened.params if opened else ())}
    declared, values = [], {}
    if not names:
        return declared, values
    with container.container(border=True):
        st.caption("Parameters (bound as values, never pasted into the SQL)")
        for name in names:
            c1, c2 = st.columns([1, 3])
            first = known[name].type if name in known else guess_type(name)
            typ = c1.selectbox(f"${name} type", TYPES, index=TYPES.index(first), key=f"wb_ptype_{name}")
            base = known.get(name) if name in known and known[name].type == typ else None
            through = date.fromisoformat(last_day[:10]) if last_day else None
            values[name] = param_input(c2, name, typ, base, last_day=through)
            declared.append(Param(name, typ, base.default if base else None, base.choices if base else ()))
    return declared, values

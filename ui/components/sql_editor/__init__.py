"""A bundled SQL editor component: Ace served from this folder (works offline), alias-aware completion
computed in the browser from the schema the page passes, Ctrl/Cmd+Enter to run, gutter annotations."""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

_component = components.declare_component("sql_editor", path=str(Path(__file__).parent / "frontend"))


def sql_editor(
    code: str,
    schema: dict,
    rev: int,
    key: str,
    annotations: list[dict] | None = None,
    height: int = 300,
    wrap: bool = False,
) -> dict | None:
    """Last event from the editor: {"type": submit|change|blur, "text", "selected", "cursor", "id"}."""
    return _component(
        code=code,
        schema=schema,
        rev=rev,
        annotations=annotations or [],
        height=height,
        wrap=wrap,
        key=key,
        default=None,
    )

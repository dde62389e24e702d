"""The SQL editor: a bundled Ace component (ui/components/sql_editor, served locally, no CDN) with SQL
highlighting, line numbers, bracket matching, alias-aware completion and Ctrl/Cmd+Enter to run."""

from __future__ import annotations

from ui.components.sql_editor import sql_editor as _editor


def sql_editor(
    sql: str, schema: dict, rev: int, key: str, annotations: list[dict] | None = None, wrap: bool = False
) -> dict | None:
    """Returns the component's last event: {"type": "submit"|"change"|"blur", "text", "selected", "cursor", "id"}.

    `annotations` ({row, column, type: error|warning|info, text}, 0-based) mark lint findings and
    error positions in the gutter; `wrap` soft-wraps long lines instead of scrolling their start away."""
    return _editor(sql, schema, rev, key=key, annotations=annotations, wrap=wrap)

"""The SQL editor: Ace (bundled in streamlit-code-editor, served locally, no CDN) with SQL
highlighting, line numbers, bracket matching, catalog completions and Ctrl/Cmd+Enter to run."""

from __future__ import annotations

from code_editor import code_editor


def sql_editor(sql: str, completions: list[dict], key: str, annotations: list[dict] | None = None) -> dict:
    """Returns the component's last event: {"type": "submit"|"change"|..., "text", "selected", "cursor", "id"}.

    `annotations` ({row, column, type: error|warning|info, text}, 0-based) mark lint findings and
    error positions in the gutter, the way Ace shows them."""
    return code_editor(
        sql,
        lang="sql",
        theme="default",
        height=[12, 24],
        focus=False,
        completions=completions,
        response_mode=["debounce", "blur"],
        options={"showLineNumbers": True, "enableLiveAutocompletion": True, "wrap": False, "tabSize": 4,
                 "highlightActiveLine": True, "showPrintMargin": False},
        props={"enableBasicAutocompletion": True, "enableLiveAutocompletion": True, "annotations": annotations or [],
               "markers": [{"startRow": a["row"], "startCol": a["column"], "endRow": a["row"], "endCol": a["column"] + 1,
                            "className": f"ace_{a['type']}-marker", "type": "text"} for a in annotations or []]},
        key=key,
    )

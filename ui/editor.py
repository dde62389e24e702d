"""The SQL editor: Ace (bundled in streamlit-code-editor, served locally, no CDN) with SQL
highlighting, line numbers, bracket matching, catalog completions and Ctrl/Cmd+Enter to run."""

from __future__ import annotations

from code_editor import code_editor


def sql_editor(sql: str, completions: list[dict], key: str) -> dict:
    """Returns the component's last event: {"type": "submit"|"change"|..., "text", "selected", "id"}."""
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
        props={"enableBasicAutocompletion": True, "enableLiveAutocompletion": True},
        key=key,
    )

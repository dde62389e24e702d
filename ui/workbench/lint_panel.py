"""The workbench's Lint panel: errors and warnings with why and how to fix, style notes collapsed,
and one click for the mechanical fixes (issue #22)."""

from __future__ import annotations

import streamlit as st

from portal.workbench.lint.fixes import FIXABLE, apply_fixes
from ui.text import caption_text, error_text, warning_text


def lint_panel(findings, sql: str, catalog) -> str | None:
    """Draw the findings; returns the fixed SQL when "Apply fixes" was pressed."""
    st.subheader("Lint")
    if findings is None:
        st.caption("Findings appear here on every run, or press Lint.")
        return None
    if not findings:
        st.success("No findings.", icon=":material/check:")
        return None
    for f in [f for f in findings if f.severity != "info"]:
        box = error_text if f.severity == "error" else warning_text
        box(f"{f.code} line {f.line}:{f.col} · {f.message}" + (f"\nFix: {f.fix}" if f.fix else ""))
    notes = [f for f in findings if f.severity == "info"]
    if notes:
        with st.expander(f"Style notes ({len(notes)})"):
            for f in notes:
                caption_text(f"{f.code} line {f.line}:{f.col} · {f.message} {f.fix}")
    codes = {f.code for f in findings} & set(FIXABLE)
    fixed, n = apply_fixes(sql, codes, catalog) if codes else (sql, 0)
    if n and st.button(f"Apply {n} fix{'es' if n > 1 else ''}", icon=":material/auto_fix_high:", key="wb_apply_fixes"):
        return fixed
    return None

"""Result tabs of the workbench: one per statement, with errors, grid, downloads and a quick chart."""

from __future__ import annotations

import streamlit as st

from portal.reporting.charts import CHART_KINDS, chart, default_chart
from portal.reporting.table_format import is_identifier
from portal.workbench.run_plan import error_caret
from ui.resources import annotations
from ui.tables import table
from ui.text import error_text, info_text


def result_tabs(results: list, session, limits, stale: bool = False) -> None:
    """`results` holds (step, result, error) per statement that ran; `stale` when the SQL above did not
    run (a lint error blocked it), so these are the previous run's and must say so."""
    if stale:
        info_text("Previous result: the query above did not run (see Lint). This is what the last run returned.")
    tabs = st.tabs([f"Result {i + 1}" + (" ⚠" if err else "") for i, (_, _, err) in enumerate(results)])
    for i, (tab, (step, res, err)) in enumerate(zip(tabs, results, strict=True)):
        with tab:
            st.code(step.sql.strip()[:400], language="sql")
            if err:
                error_text(str(err))
                caret = error_caret(err, step.sql)
                if caret:
                    st.code(caret, language=None)
                continue
            st.caption(f"{res.row_count:,} rows · {res.elapsed_s * 1000:.0f} ms")
            if res.truncated:
                st.warning(
                    f"Truncated at {res.max_rows:,} rows. Download the full result (up to "
                    f"{limits.download_max_rows:,} rows or {limits.download_max_bytes / 1e6:,.0f} MB) below.",
                    icon=":material/content_cut:",
                )
            grid(res.frame, i)
            d1, d2, _ = st.columns([1, 1, 3])
            for col, fmt, mime in ((d1, "csv", "text/csv"), (d2, "parquet", "application/octet-stream")):
                col.download_button(
                    f"Download {fmt.upper()}",
                    data=lambda step=step, fmt=fmt: session.download(step.sql, step.params, fmt, origin="workbench")[0],
                    file_name=f"result_{i + 1}.{fmt}",
                    mime=mime,
                    help=f"Up to {limits.download_max_rows:,} rows or {limits.download_max_bytes / 1e6:,.0f} MB, "
                    "whichever comes first.",
                    key=f"wb_dl_{fmt}_{i}",
                    on_click="ignore",
                )
            if len(res.frame.columns) >= 2 and len(res.frame):
                quick_chart(res.frame, i)


def grid(frame, i: int) -> None:
    """The result formatted for reading (thousands separated, money with its unit) under the names the
    SQL gave; identifiers as typed. Downloads and the chart keep the raw values."""
    numbers = frame.select_dtypes("number").columns
    plain = {c: st.column_config.NumberColumn(c, format="plain") for c in numbers if is_identifier(c)}
    table(frame, key=f"wb_grid_{i}", labels={c: c for c in frame.columns}, height=360, overrides=plain)


def quick_chart(frame, i: int) -> None:
    box = st.expander("Chart", icon=":material/bar_chart:", key=f"wb_chart_open_{i}", on_change="rerun")
    if not box.open:  # built only when asked for: a Run stays light, and stays open once opened
        return
    with box:
        guess = default_chart(frame)
        cols = list(frame.columns)
        c1, c2, c3, c4 = st.columns(4)
        kind = c1.selectbox("Type", CHART_KINDS, index=CHART_KINDS.index(guess["kind"]), key=f"wb_ck_{i}")
        x = c2.selectbox("x", cols, index=cols.index(guess["x"]) if guess["x"] in cols else 0, key=f"wb_cx_{i}")
        y = c3.selectbox(
            "y", cols, index=cols.index(guess["y"]) if guess["y"] in cols else min(1, len(cols) - 1), key=f"wb_cy_{i}"
        )
        color = c4.selectbox("Colour", [None, *cols], key=f"wb_cc_{i}")
        try:
            st.altair_chart(chart(frame, kind, x, y, color, annotations()), width="stretch")
        except ValueError as exc:
            info_text(exc)

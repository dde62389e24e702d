"""Result helpers for the workbench: streamed downloads and quick-chart specs.

Downloads re-run the statement through the engine's relation (same guards) and stream Arrow record
batches into CSV or Parquet, capped by `download_max_rows`, so a large result is never held whole
in session state.
"""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHART_KINDS = ("bar", "line", "area", "scatter")


def download_bytes(session, sql: str, params: dict | None, fmt: str, max_rows: int) -> tuple[bytes, bool]:
    """The full result (up to `max_rows`) as CSV or Parquet bytes, and whether it was capped."""
    _, rel = session.relation(sql, params)
    reader = rel.limit(max_rows + 1).to_arrow_reader(batch_size=50_000)
    sink = io.BytesIO()
    written = 0
    writer = None
    capped = False
    for batch in reader:
        if written + batch.num_rows > max_rows:
            batch = batch.slice(0, max_rows - written)
            capped = True
        if writer is None:
            writer = (pq.ParquetWriter(sink, batch.schema) if fmt == "parquet"
                      else pacsv.CSVWriter(sink, batch.schema))
        writer.write_batch(batch) if fmt == "csv" else writer.write_table(pa.Table.from_batches([batch]))
        written += batch.num_rows
        if capped:
            break
    if writer is None:  # empty result: still a valid file with the header
        schema = reader.schema
        writer = pq.ParquetWriter(sink, schema) if fmt == "parquet" else pacsv.CSVWriter(sink, schema)
    writer.close()
    return sink.getvalue(), capped


def default_chart(frame: pd.DataFrame) -> dict:
    """A first guess: x = first date/text column, y = first numeric column."""
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    temporal = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    other = [c for c in frame.columns if c not in numeric]
    x = (temporal or other or list(frame.columns))[0] if len(frame.columns) else None
    y = next((c for c in numeric if c != x), None)
    kind = "line" if temporal else "bar"
    return {"kind": kind, "x": x, "y": y, "color": None}


def chart(frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None = None) -> alt.Chart:
    """An Altair chart of the result; raises ValueError with a plain message for unusable choices."""
    if kind not in CHART_KINDS:
        raise ValueError(f"Unknown chart type {kind!r}.")
    for c in (x, y, color):
        if c and c not in frame.columns:
            raise ValueError(f"The result has no column {c!r}.")
    if not pd.api.types.is_numeric_dtype(frame[y]):
        raise ValueError(f"{y} is not numeric; pick a numeric column for the y axis.")
    base = alt.Chart(frame.head(5000))
    mark = {"bar": base.mark_bar(), "line": base.mark_line(point=len(frame) < 60), "area": base.mark_area(opacity=0.7),
            "scatter": base.mark_circle(size=50)}[kind]
    enc = {"x": alt.X(x), "y": alt.Y(y), "tooltip": [c for c in (x, y, color) if c]}
    if color:
        enc["color"] = alt.Color(color)
    return mark.encode(**enc).properties(height=320)

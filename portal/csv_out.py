"""The one CSV writer: every CSV that leaves the portal (the API, `ask`, `query`, `funnel`, the audit
export, workbench and funnel downloads) goes through here, so text that a spreadsheet would read as a
formula (`=`, `+`, `-`, `@`, tab, carriage return at the start) gets OWASP's leading apostrophe.
Warehouse text such as `utm_campaign` is set by any visitor; it must reach Excel or Sheets as text.
Numbers stay numbers."""

from __future__ import annotations

import io
import itertools

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A CSV cell: None as empty, text that could start a formula neutralised, anything else as is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _field(value) -> str:
    """One field, quoted when it holds a separator, a quote or a line break (a lone carriage return
    included, which Python's csv module leaves bare when lines end with a newline)."""
    text = str(cell(value))
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def rows_csv(columns, rows) -> str:
    """A header and rows (lists of plain values) as CSV text, one line each."""
    out = io.StringIO()
    for row in itertools.chain([columns], rows):
        out.write(",".join(_field(v) for v in row))
        out.write("\n")
    return out.getvalue()


def frame_csv(frame) -> str:
    """A pandas frame as CSV text (no index)."""
    return rows_csv(
        [str(c) for c in frame.columns],
        frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None),
    )


def neutralise_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch whose text columns are neutralised (for Arrow's streaming CSV writer)."""
    columns = []
    for col in batch.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            risky = pc.fill_null(pc.match_substring_regex(col, r"^[=+\-@\t\r]"), False)
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        columns.append(col)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)

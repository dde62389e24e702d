"""Full results as CSV or Parquet, written batch by batch so a large result is never held as rows."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from portal.csv_out import neutralise_batch

FORMATS = ("csv", "parquet")


def write_capped(
    reader: pa.RecordBatchReader, fmt: str, max_rows: int, max_bytes: int | None = None
) -> tuple[bytes, bool]:
    """The reader's rows as `fmt` bytes, at most `max_rows` rows and about `max_bytes` bytes (it stops
    at a whole row, one slice past the cap at most), and whether rows were left out. Big batches are
    written in slices sized from their bytes per row, so 400 rows of 1 MB cells never become 400 MB."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown download format {fmt!r}; use csv or parquet.")
    sink = io.BytesIO()
    writer = pq.ParquetWriter(sink, reader.schema) if fmt == "parquet" else pacsv.CSVWriter(sink, reader.schema)
    written, capped = 0, False
    for batch in reader:
        if written + batch.num_rows > max_rows:
            batch, capped = batch.slice(0, max_rows - written), True
        for part in _slices(batch, max_bytes):
            if max_bytes is not None and sink.tell() >= max_bytes:
                capped = True
                break
            if fmt == "csv":  # the one CSV rule: text that could start a formula is neutralised
                part = neutralise_batch(part)
            writer.write_table(pa.Table.from_batches([part], reader.schema))
            written += part.num_rows
        if capped:
            break
    writer.close()
    return sink.getvalue(), capped


def _slices(batch: pa.RecordBatch, max_bytes: int | None):
    """`batch` in pieces of about a hundredth of the byte cap each (at least one row)."""
    if max_bytes is None or batch.num_rows == 0:
        yield batch
        return
    per_row = max(1, batch.nbytes // batch.num_rows)
    step = max(1, max_bytes // 100 // per_row)
    for start in range(0, batch.num_rows, step):
        yield batch.slice(start, step)

"""Full results as CSV or Parquet, written batch by batch so a large result is never held as rows."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from portal.csv_out import neutralise_batch

FORMATS = ("csv", "parquet")


def write_capped(reader: pa.RecordBatchReader, fmt: str, max_rows: int) -> tuple[bytes, bool]:
    """The reader's rows (at most `max_rows`) as `fmt` bytes, and whether more rows existed."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown download format {fmt!r}; use csv or parquet.")
    sink = io.BytesIO()
    writer = pq.ParquetWriter(sink, reader.schema) if fmt == "parquet" else pacsv.CSVWriter(sink, reader.schema)
    written, capped = 0, False
    for batch in reader:
        if written + batch.num_rows > max_rows:
            batch, capped = batch.slice(0, max_rows - written), True
        if fmt == "csv":  # the one CSV rule: text that could start a formula is neutralised
            batch = neutralise_batch(batch)
        writer.write_table(pa.Table.from_batches([batch], reader.schema))
        written += batch.num_rows
        if capped:
            break
    writer.close()
    return sink.getvalue(), capped

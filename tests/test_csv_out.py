"""Security review #3, finding 1: every CSV that leaves the portal neutralises text a spreadsheet would
run as a formula (the API, `query`, `funnel`, the audit export, downloads), through one writer."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pyarrow as pa
from conftest import ROOT

from portal.csv_out import frame_csv, rows_csv
from portal.warehouse.downloads import write_capped

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain", "a=b"]


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_writer_neutralises_formula_text_and_keeps_numbers():
    rows = parsed(rows_csv(["v", "n"], [[h, -5] for h in HOSTILE]))
    assert [r[0] for r in rows[1:]] == ["'" + h if h[0] in "=+-@\t\r" else h for h in HOSTILE]
    assert {r[1] for r in rows[1:]} == {"-5"}  # a number is not text
    import pandas as pd

    frame = pd.DataFrame({"campaign": ["=cmd|' /C calc'!A0", None], "users": [3, 4]})
    assert parsed(frame_csv(frame))[1:] == [["'=cmd|' /C calc'!A0", "3"], ["", "4"]]


def test_downloads_neutralise_text_in_every_batch_and_parquet_keeps_values():
    table = pa.table({"v": HOSTILE, "n": list(range(-4, 4))})
    data, capped = write_capped(
        pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=3)), "csv", 100
    )
    rows = parsed(data.decode())
    assert not capped and rows[1][0] == "'" + HOSTILE[0] and rows[7][0] == "plain" and rows[1][1] == "-4"
    import pyarrow.parquet as pq

    raw, _ = write_capped(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), "parquet", 100)
    assert pq.read_table(io.BytesIO(raw)).column("v").to_pylist() == HOSTILE  # a typed file keeps values


def test_the_query_command_and_the_audit_export(demo_db, tmp_path):
    env = {**os.environ, "PORTAL_DB": str(demo_db), "PORTAL_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "portal", "query", "SELECT '=1+1' AS f, -5 AS n, 'ok' AS t"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert parsed(done.stdout) == [["f", "n", "t"], ["'=1+1", "-5", "ok"]]
    from portal.audit import AuditLog, export_rows
    from portal.identity import User

    log = AuditLog(tmp_path)
    log.record(User("mallory", frozenset({"analyst"})), "refused", "workbench", "refused", detail="=cmd|' /C calc'!A0")
    exported = parsed(rows_csv(*export_rows(log.query())))
    header = exported[0]
    row = next(r for r in exported[1:] if r[header.index("user")] == "mallory")
    assert row[header.index("detail")].startswith("'=cmd")

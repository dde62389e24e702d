"""Issue #31: lint on real-world SQL. The 22 TPC-H and 99 TPC-DS queries (as DuckDB's tpch and tpcds
extensions ship them), linted against their own schemas with DuckDB binding every name: no false
error (a false error blocks Run on a query DuckDB answers), at most one false warning per ten queries,
and the real cartesian product among them (TPC-DS query 77 pairs two call-centre aggregates) found."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import session_for
from test_lint_corpus import cases, precision

from portal.config import Limits
from portal.warehouse.engine import Warehouse
from portal.workbench.lint import lint

BENCHMARKS = Path(__file__).parent / "lint_corpus" / "benchmarks"
CASES = cases(BENCHMARKS)


@pytest.fixture(scope="module")
def linted(tmp_path_factory):
    out = {}
    for name in ("tpch", "tpcds"):
        path = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
        con = duckdb.connect(str(path))
        con.execute((BENCHMARKS / f"{name}_schema.sql").read_text(encoding="utf-8"))
        con.close()
        wh = Warehouse(path, Limits())
        session = session_for(wh)
        catalog = session.catalog()
        for title, sql, expect, file in CASES:
            if file.startswith(f"{name}_"):
                out[title] = (expect, lint(sql, catalog, session))
        wh.close()
    return out


def test_every_benchmark_query_is_linted():
    assert len([c for c in CASES if c[3] == "tpch_queries.sql"]) == 22
    assert len([c for c in CASES if c[3] == "tpcds_queries.sql"]) == 99


def test_no_false_error_and_few_false_warnings_on_the_benchmarks(linted):
    missed, false_errors, false_warnings = precision(linted)
    print(f"\nbenchmarks: {len(false_warnings)} false warnings over {len(linted)} queries: {false_warnings}")
    assert missed == []
    assert false_errors == []
    assert len(false_warnings) <= len(linted) // 10, false_warnings

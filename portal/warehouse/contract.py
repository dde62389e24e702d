"""The one contract both engines' sessions keep (DuckDB's `Session`, Spark's `SparkSession`), so
product code asks a session what it can do instead of sniffing attributes (harlequin's adapters do
the same with capability flags). `tests/test_policies.py` checks that both satisfy it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Capabilities:
    engine: str  # "duckdb" or "spark", for words on Home and in messages
    event_index: bool  # a memory-mapped event index can serve the funnel and retention passes
    pushdown: bool  # the product passes run where the data is (grouped on the cluster), not in this process


DUCKDB = Capabilities("duckdb", event_index=True, pushdown=False)
SPARK = Capabilities("spark", event_index=False, pushdown=True)


@runtime_checkable
class WarehouseSession(Protocol):
    """Every operation applies the session's limits, its principal's permissions and the audit log."""

    user: object  # the principal (portal.identity.User): a person or a named system principal
    audit: object  # the AuditLog every operation is recorded in
    denied_schemas: tuple[str, ...]
    capabilities: Capabilities

    @property
    def model(self): ...

    @property
    def limits(self): ...

    def run(self, sql, params=None, max_rows=None, timeout_s=None, *, origin=""): ...

    def check(self, sql, params=None, *, origin=""): ...

    def estimate(self, sql, params=None, table_rows=None, *, origin=""): ...

    def download(self, sql, params, fmt, max_rows=None, *, origin=""): ...

    def refuse(self, sql, reason, params=None, origin=""): ...

    def exported(self, what, rows, size, origin): ...

    def cancel(self): ...

    def scan(self, sql, params=None, timeout_s=None): ...

    def frame(self, sql, params=None): ...

    def catalog(self): ...

    def event_index(self): ...

    @property
    def cache_key(self) -> tuple: ...

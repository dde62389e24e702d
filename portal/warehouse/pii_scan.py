"""Which columns of a warehouse look like personal data but are not declared as PII, so the data team
can declare them before analysts read the twin (`python -m portal pii-scan`).

Two kinds of evidence, each with counts: a column *name* that names personal data (email, phone,
name, address, ip, birth date…), and *values* that look like it in a sample of the column (e-mail
addresses, phone numbers, IP addresses, street addresses, "First Last" names). Declared columns
(portal.toml [pii], or a [pii] tag in the description) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from portal.warehouse.twin import pii_columns

NAME_HINTS = re.compile(
    r"(^|_)(e_?mail|phone|mobile|msisdn|first_?name|last_?name|full_?name|surname|given_?name|"
    r"street|address|addr|zip|postcode|postal|ip|ip_?address|ssn|passport|birth|dob|iban|card_?number)($|_)",
    re.IGNORECASE,
)
VALUE_PATTERNS = {
    "e-mail addresses": re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    "IP addresses": re.compile(r"^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]{8,39}$", re.IGNORECASE),
    "phone numbers": re.compile(r"^\+?[\d\s().-]{7,20}$"),
    "street addresses": re.compile(
        r"^\d+[A-Za-z]?\s+\w+.*\b(st|street|ave|avenue|rd|road|lane|ln|blvd|drive|dr|way|court|ct|place|pl)\b",
        re.IGNORECASE,
    ),
    "person names": re.compile(r"^[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?\s+[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?$"),
}
SAMPLE = 2000
SHARE = 0.5  # at least this share of a sample's non-empty values must match


@dataclass(frozen=True)
class Suspect:
    column: str  # schema.table.column
    reason: str
    matches: int
    sampled: int


def scan(path: Path, declared=()) -> list[Suspect]:
    """Undeclared columns of the warehouse at `path` (opened read-only) that look personal."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        db = con.execute("SELECT current_database()").fetchone()[0]
        skip = pii_columns(con, db, declared)
        cols = con.execute(
            "SELECT c.schema_name, c.table_name, c.column_name, c.data_type FROM duckdb_columns() AS c "
            "JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name) "
            "WHERE c.database_name = ? AND c.schema_name NOT IN ('information_schema', 'pg_catalog') "
            "ORDER BY 1, 2, c.column_index",
            [db],
        ).fetchall()
        out = []
        for schema, table, column, typ in cols:
            if (schema.lower(), table.lower(), column.lower()) in skip:
                continue
            name = f"{schema}.{table}.{column}"
            values = []
            if typ == "VARCHAR":
                values = [
                    r[0]
                    for r in con.execute(
                        f'SELECT "{column}" FROM "{schema}"."{table}" WHERE nullif(trim("{column}"), \'\') IS NOT NULL '
                        f"USING SAMPLE {SAMPLE} ROWS"
                    ).fetchall()
                ]
            found = _by_values(values)
            if found:
                out.append(Suspect(name, f"values look like {found[0]}", found[1], len(values)))
            elif NAME_HINTS.search(column):
                out.append(Suspect(name, "the name suggests personal data", 0, len(values)))
        return out
    finally:
        con.close()


def _by_values(values: list[str]) -> tuple[str, int] | None:
    if not values:
        return None
    for label, pattern in VALUE_PATTERNS.items():
        hits = sum(1 for v in values if pattern.match(str(v).strip()))
        if hits >= max(1, SHARE * len(values)):
            return label, hits
    return None

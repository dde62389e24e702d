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
EMAIL_INSIDE = re.compile(r"[^@\s'\"<>(),;:{}\[\]]+@[^@\s'\"<>(),;:{}\[\]]+\.[A-Za-z]{2,}")
CONTACT = ("e-mail addresses", "phone numbers", "street addresses")  # a contact column mixes these
SAMPLE = 2000
SHARE = 0.5  # at least this share of a sample's non-empty values must match
INSIDE_SHARE = 0.01  # e-mails inside free text or nested values: this share (and at least 2) is enough
_TEXT_TYPES = ("VARCHAR", "JSON")
_NESTED = re.compile(r"^(STRUCT|MAP|UNION)\(|\[\]$|\[\d+\]$")  # STRUCT(…), MAP(…), LIST (T[]), ARRAY (T[n])
_VERB = re.compile(r"^[A-Z][a-z]{2,}ed$")  # "Viewed", "Completed", "Signed": Segment's "Object Action" event names


@dataclass(frozen=True)
class Suspect:
    column: str  # schema.table.column
    reason: str
    matches: int
    sampled: int


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def scan(path: Path, declared=(), not_personal=()) -> list[Suspect]:
    """Undeclared columns of the warehouse at `path` (opened read-only) that look personal. Columns
    listed in `not_personal` ([pii] not_personal: looked at and found not personal) are skipped."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        db = con.execute("SELECT current_database()").fetchone()[0]
        skip = pii_columns(con, db, declared)
        cleared = {_full(c) for c in not_personal}
        cols = con.execute(
            "SELECT c.schema_name, c.table_name, c.column_name, c.data_type FROM duckdb_columns() AS c "
            "JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name) "
            "WHERE c.database_name = ? AND c.schema_name NOT IN ('information_schema', 'pg_catalog') "
            "ORDER BY 1, 2, c.column_index",
            [db],
        ).fetchall()
        out = []
        for schema, table, column, typ in cols:
            key = (schema.lower(), table.lower(), column.lower())
            if key in skip or key in cleared:
                continue
            name = f"{schema}.{table}.{column}"
            nested = bool(_NESTED.search(typ))
            values = []
            if typ in _TEXT_TYPES or nested:
                col = _q(column)
                text = f"CAST({col} AS VARCHAR)"
                values = [
                    r[0]
                    for r in con.execute(
                        f"SELECT {text} FROM {_q(schema)}.{_q(table)} WHERE nullif(trim({text}), '') IS NOT NULL "
                        f"USING SAMPLE {SAMPLE} ROWS"
                    ).fetchall()
                ]
            found = _by_values(values, whole=typ == "VARCHAR")
            if found:
                out.append(Suspect(name, f"values look like {found[0]}", found[1], len(values)))
            elif NAME_HINTS.search(column):
                out.append(Suspect(name, "the name suggests personal data", 0, len(values)))
        return out
    finally:
        con.close()


def _full(column: str) -> tuple[str, ...]:
    parts = str(column).lower().split(".")
    return tuple(parts) if len(parts) == 3 else ("main", *parts)


def _looks_like(label: str, value: str) -> bool:
    if not VALUE_PATTERNS[label].match(value):
        return False
    if label == "person names":  # "Order Completed" is an event, not a person
        return not any(_VERB.match(w) for w in value.split())
    return True


def _by_values(values: list[str], whole: bool = True) -> tuple[str, int] | None:
    """What a sample of values looks like: one kind of personal value (whole values, as in a plain
    text column), a mix of contact details, or e-mail addresses inside longer text or nested values."""
    if not values:
        return None
    texts = [str(v).strip() for v in values]
    need = max(1, SHARE * len(texts))
    if whole:
        for label in VALUE_PATTERNS:
            matched = [v for v in texts if _looks_like(label, v)]
            if label == "person names" and len(set(matched)) < 3:
                continue  # one Title-Case label repeated ("Gold Plan") names a thing, not people
            if len(matched) >= need:
                return label, len(matched)
        contact = sum(1 for v in texts if any(_looks_like(label, v) for label in CONTACT))
        if contact >= need:
            return "contact details (e-mails, phones and street addresses mixed)", contact
    inside = sum(1 for v in texts if EMAIL_INSIDE.search(v))
    if inside >= max(2, INSIDE_SHARE * len(texts)):
        return ("e-mail addresses inside the text" if whole else "e-mail addresses inside nested values"), inside
    return None

"""Long SQL lives in `.sql` files under portal/sql; this is the one way to read them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def load_sql(name: str) -> str:
    """Example: load_sql("catalog/tables") reads portal/sql/catalog/tables.sql."""
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR not in path.parents:
        raise ValueError(f"SQL file name escapes the sql folder: {name}")
    return path.read_text(encoding="utf-8")

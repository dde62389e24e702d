"""The workbench's first query on the demo warehouse: demo names live with the demo."""

from __future__ import annotations

SAMPLE_SQL = "SELECT platform, browser, count(*) AS users\nFROM analytics.users\nGROUP BY ALL\nORDER BY users DESC\n"


def demo_sample(catalog, demo: bool) -> str | None:
    """The sample on the demo's own warehouse (None on a company's, or the demo configuration pointed
    at another file that lacks the demo's users table)."""
    return SAMPLE_SQL if demo and catalog.table("analytics.users") is not None else None

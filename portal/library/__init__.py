"""Saved queries: `.sql` files under queries/ with a metadata header, revisions, sharing and checks.

Public API: `QueryStore` (load, save with optimistic concurrency, revisions, trash), `SavedQuery`,
`run_saved`, `lineage`, `check_all`, `share_query`/`share_sql`/`decode_sql`.
"""

from portal.library.check import CheckResult, check_all
from portal.library.header import HeaderError, SavedQuery, parse_query, render_query
from portal.library.lineage import Lineage, lineage
from portal.library.share import decode_sql, share_query, share_sql
from portal.library.store import (
    PermissionDenied,
    QueryStore,
    SaveConflict,
    SaveRefused,
    run_saved,
    validate_id,
)

__all__ = [
    "CheckResult",
    "HeaderError",
    "Lineage",
    "PermissionDenied",
    "QueryStore",
    "SaveConflict",
    "SaveRefused",
    "SavedQuery",
    "check_all",
    "decode_sql",
    "lineage",
    "parse_query",
    "render_query",
    "run_saved",
    "share_query",
    "share_sql",
    "validate_id",
]

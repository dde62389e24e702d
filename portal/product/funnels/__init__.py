"""Funnels with ClickHouse `windowFunnel` semantics (see docs/FUNNELS.md): the spec, its plain-SQL
form, the fast compiled path over the event stream, and the summaries the page draws."""

from portal.product.funnels.spec import MODES, FunnelError, FunnelSpec, Step, parse_window, spec_from_form
from portal.product.funnels.sql import funnel_sql, saved_query_sql
from portal.product.funnels.stream import stream_sql, user_levels
from portal.product.funnels.summary import (
    conversion_by_week,
    counts_csv_rows,
    dropped_users,
    segment_table,
    step_counts,
    summary,
    time_to_convert,
)

__all__ = [
    "MODES",
    "FunnelError",
    "FunnelSpec",
    "Step",
    "conversion_by_week",
    "counts_csv_rows",
    "dropped_users",
    "funnel_sql",
    "parse_window",
    "spec_from_form",
    "saved_query_sql",
    "segment_table",
    "step_counts",
    "stream_sql",
    "summary",
    "time_to_convert",
    "user_levels",
]

"""Query-size guard: estimate what a query will scan and return before it runs.

DuckDB's optimizer already estimates cardinalities; EXPLAIN (FORMAT JSON) exposes them without
executing anything. We add the scanned tables' real row counts (from the catalog) so the analyst
reads "scans ~N rows of T; returns ~M rows", and decide: run, warn ("Run anyway"), or refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the worker processes use this module and must start fast: no settings import
    from portal.config import Guard


@dataclass(frozen=True)
class Estimate:
    scanned: dict[str, int] = field(default_factory=dict)  # table -> rows in that table
    returns: int = 0  # estimated result rows
    peak: int = 0  # largest intermediate estimate (a cross join shows up here)
    grouped: bool = False  # the result is one row per group: DuckDB's estimate of groups is not worth quoting

    @property
    def scan_rows(self) -> int:
        return sum(self.scanned.values())

    def describe(self) -> str:
        returns = "returns one row per group" if self.grouped else f"returns ~{human(self.returns)} rows"
        if not self.scanned:
            return f"reads no table; {returns}"
        tables = ", ".join(f"{t} ({human(n)})" for t, n in sorted(self.scanned.items(), key=lambda kv: -kv[1]))
        return f"scans ~{human(self.scan_rows)} rows of {tables}; {returns}"


@dataclass(frozen=True)
class Verdict:
    level: str  # "ok" | "warn" | "refuse"
    message: str
    estimate: Estimate | None = None


def human(n: int) -> str:
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.1f}{unit}".replace(".0", "")
    return str(int(n))


def _card(node: dict) -> int | None:
    info = node.get("extra_info") or {}
    value = info.get("Estimated Cardinality") if isinstance(info, dict) else None
    try:
        return int(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _walk(node: dict):
    yield node
    for child in node.get("children") or []:
        yield from _walk(child)


_PRODUCTS = {"CROSS_PRODUCT", "NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN", "PIECEWISE_MERGE_JOIN"}
_GROUPED = {"HASH_GROUP_BY", "PERFECT_HASH_GROUP_BY"}
_ONE_ROW = {"UNGROUPED_AGGREGATE", "SIMPLE_AGGREGATE"}
_PASS_THROUGH = {"PROJECTION", "ORDER_BY", "TOP_N", "FILTER", "LIMIT", "STREAMING_LIMIT", "RESULT_COLLECTOR"}


def _result_shape(root: dict) -> str:
    """ "one" (an ungrouped aggregate), "grouped" (a GROUP BY under nothing that adds rows), or "rows"."""
    node = root
    while node.get("name") in _PASS_THROUGH and len(node.get("children") or []) == 1:
        node = node["children"][0]
    name = node.get("name")
    return "one" if name in _ONE_ROW else "grouped" if name in _GROUPED else "rows"


def _est(node: dict) -> int:
    """The node's estimate; DuckDB leaves cross products unestimated, so multiply their inputs."""
    card = _card(node)
    if card is not None:
        return card
    kids = [_est(c) for c in node.get("children") or []]
    if node.get("name") in _PRODUCTS and kids:
        out = 1
        for k in kids:
            out *= max(k, 1)
        return out
    return max(kids, default=0)


_ALL_PAIRS = {"CROSS_PRODUCT", "NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN"}  # they compare every pair of rows


def _pairs(node: dict) -> int:
    """The pairs a nested-loop join or cross product compares: the product of its inputs, whatever
    DuckDB guesses it returns (`ON a.user_id <> b.user_id` was guessed at 321k rows of 173M pairs)."""
    out = 1
    for child in node.get("children") or []:
        out *= max(_est(child), 1)
    return out


def estimate_from_plans(plans: list[dict], table_rows: dict[str, int]) -> Estimate:
    """Read an EXPLAIN (FORMAT JSON) plan (Session.estimate makes it) into rows scanned and returned."""
    scanned: dict[str, int] = {}
    peak = returns = 0
    grouped = False
    for root in plans:
        shape = _result_shape(root)
        grouped = grouped or shape == "grouped"
        returns = max(returns, 1 if shape == "one" else _est(root))
        for node in _walk(root):
            peak = max(peak, _est(node))
            info = node.get("extra_info") or {}
            table = info.get("Table") if isinstance(info, dict) else None
            if table:
                name = ".".join(table.split(".")[-2:])
                scanned[name] = scanned.get(name, 0) + table_rows.get(name, _card(node) or 0)
    return Estimate(scanned, returns, max(peak, returns), grouped)


def seam_refusal(plans: list[dict], ceiling_rows: int) -> str | None:
    """The ceiling every caller's statement is held to inside the seam: rows read from tables, and
    the largest product of a join without an equality (cross products, nested-loop joins), beyond
    `ceiling_rows`. Hash joins are left out (the optimizer's guesses for them run to trillions on
    ordinary curated queries), and so is a generator alone (range(1e12)): the row cap stops it."""
    est = estimate_from_plans(plans, {})
    joins = [
        _pairs(n) if n.get("name") in _ALL_PAIRS else _est(n)
        for root in plans
        for n in _walk(root)
        if n.get("name") in _PRODUCTS
    ]
    work = max([est.scan_rows, *joins])
    if work <= ceiling_rows:
        return None
    return refusal(Estimate(est.scanned, est.returns, work, est.grouped), ceiling_rows)


def refusal(est: Estimate, ceiling_rows: int) -> str | None:
    """Why a statement this size is refused (beyond the ceiling), or None."""
    work = max(est.peak, est.scan_rows)
    if work <= ceiling_rows:
        return None
    return (
        f"Refused before running: this query would process ~{human(work)} rows "
        f"(limit {human(ceiling_rows)}); it probably joins without a condition. ({est.describe()})"
    )


def judge(est: Estimate, guard: Guard) -> Verdict:
    """Refuse beyond the ceiling, warn above the thresholds, else run."""
    if why := refusal(est, guard.ceiling_rows):
        return Verdict("refuse", why, est)
    if (
        est.scan_rows > guard.warn_scan_rows
        or (est.returns > guard.warn_result_rows and not est.grouped)  # a GROUP BY's estimate is the input's
        or est.peak > guard.warn_scan_rows * 10
    ):
        return Verdict("warn", f"Large query: {est.describe()}. It may be slow; filter or aggregate first.", est)
    text = est.describe()
    return Verdict("ok", text[0].upper() + text[1:], est)

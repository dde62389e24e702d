"""How a table reads: column labels, and each column's kind (rate, money, count, p-value …), for
every table the portal shows (dashboards, saved queries, the workbench, funnels, cohorts,
experiments) and for the digest's HTML. One path, so `conversion_low` reads "Conversion low" as a
percentage everywhere and a p-value is "p < 0.0001" everywhere.

Kinds come from metadata when the caller has it (a metric's unit), else from the column's name and
values: a column named like a rate whose values all lie in [0, 1] is a percentage, a name about money
is money (euros when the name says eur), whole numbers get thousands separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from portal.reporting.charts import title

_TOKENS = re.compile(r"[a-z]+")
RATE_WORDS = {"rate", "share", "conversion", "retention", "ratio", "pct", "percent", "lift", "churn", "ctr"}
MONEY_WORDS = {"revenue", "spend", "cost", "cac", "price", "amount", "aov", "usd", "eur", "ltv", "arpu", "payment"}
P_NAMES = {"p", "p_value", "pvalue", "p_val", "p_adjusted", "q_value"}
BOUNDS = ("_low", "_high", "_lo", "_hi")
KINDS = ("percent", "money", "count", "number", "p_value", "text", "date", "datetime")


@dataclass(frozen=True)
class ColumnFormat:
    name: str
    label: str
    kind: str
    currency: str = "usd"  # money only: usd or eur


def _base(name: str) -> tuple[str, str]:
    for suffix in BOUNDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def p_text(p) -> str:
    from portal.product.stats import p_text as words

    return "–" if p is None or pd.isna(p) else words(float(p))


def column_format(name: str, values: pd.Series, kind: str | None = None, label: str | None = None) -> ColumnFormat:
    base, bound = _base(str(name))
    tokens = set(_TOKENS.findall(base.lower()))
    shown = label or (title(base) + (" " + {"_low": "low", "_lo": "low"}.get(bound, "high") if bound else ""))
    currency = "eur" if "eur" in tokens or "euro" in tokens else "usd"
    if kind:
        return ColumnFormat(str(name), shown, kind, currency)
    if str(name).lower() in P_NAMES:
        return ColumnFormat(str(name), "p-value" if not label else label, "p_value")
    if pd.api.types.is_datetime64_any_dtype(values):
        present = values.dropna()
        whole_days = len(present) == 0 or bool((present == present.dt.normalize()).all())
        return ColumnFormat(str(name), shown, "date" if whole_days else "datetime")
    numeric = (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)) or _decimals(values)
    if not numeric:
        return ColumnFormat(str(name), shown, "text")
    v = pd.to_numeric(values, errors="coerce").dropna()
    if tokens & RATE_WORDS and not tokens & {"odds", "days", "count", "n"} and len(v) and ((v >= -1) & (v <= 1)).all():
        return ColumnFormat(str(name), shown, "percent")
    if tokens & MONEY_WORDS and not tokens & {"count", "n", "days"}:
        return ColumnFormat(str(name), shown, "money", currency)
    if pd.api.types.is_integer_dtype(values) or (len(v) and (v == v.round()).all()):
        return ColumnFormat(str(name), shown, "count")
    return ColumnFormat(str(name), shown, "number")


ID_WORDS = {"id", "sk", "key", "year", "seed", "number"}


def is_identifier(name: str) -> bool:
    """A column that names something rather than counts it (`user_id`, `o_orderkey`, `year`): shown
    as typed, 2026 not 2,026."""
    words = set(_TOKENS.findall(str(name).lower()))
    return bool(words & ID_WORDS) or str(name).lower().endswith(("_id", "key", "_sk"))


def _decimals(values: pd.Series) -> bool:
    """DuckDB's DECIMAL and HUGEINT (a sum of integers) arrive as Python Decimals in an object column."""
    from decimal import Decimal

    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and all(isinstance(x, Decimal | int | float) and not isinstance(x, bool) for x in present)


def column_formats(
    frame: pd.DataFrame, kinds: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> list[ColumnFormat]:
    kinds, labels = kinds or {}, labels or {}
    return [column_format(c, frame[c], kinds.get(c), labels.get(c)) for c in frame.columns]


def for_display(frame: pd.DataFrame, formats: list[ColumnFormat]) -> pd.DataFrame:
    """The frame as a grid shows it: p-values become words (a grid cannot say "p < 0.0001"); the
    other kinds stay numbers, so the grid still sorts them."""
    out = frame.copy()
    for f in formats:
        if f.kind == "p_value":
            out[f.name] = [p_text(p) for p in frame[f.name]]
        elif f.kind in ("percent", "money", "count", "number") and frame[f.name].dtype == object:
            out[f.name] = pd.to_numeric(frame[f.name], errors="coerce")  # Decimals, so the grid formats them
    return out


def cell_text(value, f: ColumnFormat) -> str:
    """One cell as text: the digest's tables and anything that cannot format for itself."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if f.kind == "percent":
        return f"{float(value):.1%}"
    if f.kind == "money":
        sign = "€" if f.currency == "eur" else "$"
        v = float(value)
        return (
            f"{'-' if v < 0 else ''}{sign}{abs(v):,.2f}"
            if abs(v) < 1000
            else f"{'-' if v < 0 else ''}{sign}{abs(v):,.0f}"
        )
    if f.kind == "count":
        return f"{float(value):,.0f}"
    if f.kind == "number":
        return f"{float(value):,.2f}"
    if f.kind == "p_value":
        return p_text(value)
    if f.kind in ("date", "datetime"):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(sep=" ", timespec="minutes")
    return str(value)


def as_text(frame: pd.DataFrame, formats: list[ColumnFormat] | None = None) -> pd.DataFrame:
    """Every cell formatted, columns labelled: the table as a reader sees it."""
    formats = formats or column_formats(frame)
    return pd.DataFrame({f.label: [cell_text(v, f) for v in frame[f.name]] for f in formats})

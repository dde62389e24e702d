"""An Explore question: metrics, filters, up to two dimensions, a grain, a date range, "compare with
the previous period" and top/bottom N. It is plain data: the URL holds it (`to_params`/`from_params`),
the question box fills it (`portal.explore.ask`), and `portal.explore.answer` answers it through the
one metric series function.

Date ranges are kept as written ("last 4 weeks", "2026-Q1", "since 2026-02-15") and resolved against
the data's last day, so an unchanged link keeps meaning "the last four weeks of data".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

GRAINS = ("day", "week", "month", "quarter", "year")
MAX_BY = 2
RELATIVE = {
    "yesterday": "yesterday",
    "this week": "this week",
    "last week": "last week",
    "this month": "this month",
    "last month": "last month",
    "this quarter": "this quarter",
    "last quarter": "last quarter",
    "this year": "this year",
    "last year": "last year",
    "all time": "all time",
}
_LAST_N = re.compile(r"^last (\d{1,4}) (day|week|month)s?$")
_BETWEEN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_SINCE = re.compile(r"^since (\d{4}-\d{2}-\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class QuestionError(ValueError):
    """A question that cannot be asked as it stands; the message says what to change."""


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _quarter(d: date) -> tuple[date, date]:
    q0 = 3 * ((d.month - 1) // 3) + 1
    return date(d.year, q0, 1), _month_end(d.year, q0 + 2)


def resolve(spec: str, through: date, first: date | None = None) -> tuple[date, date]:
    """(start, end) of a date range as written, relative phrases counted back from `through` (the
    data's last day); QuestionError for anything else."""
    s = spec.strip()
    if m := _LAST_N.match(s):
        n, unit = int(m.group(1)), m.group(2)
        if n < 1:
            raise QuestionError(f"{spec!r}: count at least one {unit}.")
        days = {"day": n, "week": 7 * n}.get(unit)
        if days:
            return through - timedelta(days=days - 1), through
        y, mo = through.year, through.month - n
        while mo < 1:
            y, mo = y - 1, mo + 12
        return date(y, mo, min(through.day, calendar.monthrange(y, mo)[1])) + timedelta(days=1), through
    if s == "yesterday":
        d = through - timedelta(days=1)
        return d, d
    if s in ("this week", "last week"):
        monday = through - timedelta(days=through.weekday())
        return (monday, through) if s == "this week" else (monday - timedelta(days=7), monday - timedelta(days=1))
    if s in ("this month", "last month"):
        if s == "this month":
            return through.replace(day=1), through
        prev = through.replace(day=1) - timedelta(days=1)
        return prev.replace(day=1), prev
    if s in ("this quarter", "last quarter"):
        q_start, _ = _quarter(through)
        if s == "this quarter":
            return q_start, through
        return _quarter(q_start - timedelta(days=1))
    if s in ("this year", "last year"):
        if s == "this year":
            return date(through.year, 1, 1), through
        return date(through.year - 1, 1, 1), date(through.year - 1, 12, 31)
    if s == "all time":
        return first or date(through.year - 10, 1, 1), through
    if m := _BETWEEN.match(s):
        a, b = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        if a > b:
            raise QuestionError(f"{spec!r} ends before it starts.")
        return a, b
    if m := _SINCE.match(s):
        return date.fromisoformat(m.group(1)), through
    if m := _MONTH.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise QuestionError(f"{spec!r} is not a month.")
        return date(y, mo, 1), _month_end(y, mo)
    if m := _QUARTER.match(s):
        y, q = int(m.group(1)), int(m.group(2))
        return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
    if m := _YEAR.match(s):
        return date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31)
    raise QuestionError(
        f"{spec!r} is not a date range: write last 30 days, this quarter, 2026-03, 2026-Q1, 2026, "
        "since 2026-02-15 or 2026-01-05..2026-02-01."
    )


def describe_range(spec: str) -> str:
    """A date range in words, for chips and captions."""
    if m := _BETWEEN.match(spec):
        return f"from {m.group(1)} to {m.group(2)}"
    if m := _MONTH.match(spec):
        return f"in {calendar.month_name[int(m.group(2))]} {m.group(1)}"
    if m := _QUARTER.match(spec):
        return f"in Q{m.group(2)} {m.group(1)}"
    if _YEAR.match(spec):
        return f"in {spec}"
    return spec


@dataclass(frozen=True)
class Question:
    metrics: tuple[str, ...]
    by: tuple[str, ...] = ()  # up to two dimensions
    grain: str = ""  # "" : totals over the range, no time axis
    range: str = "last 30 days"
    filters: tuple[tuple[str, str], ...] = ()  # (dimension, value)
    compare: bool = False  # with the previous period of the same length
    top: int = 0  # keep the top (or bottom) N groups by the first metric; 0: all
    bottom: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    def check(self) -> Question:
        if not self.metrics:
            raise QuestionError("Pick at least one metric.")
        if len(self.by) > MAX_BY:
            raise QuestionError(f"Group by at most {MAX_BY} dimensions.")
        if len(set(self.by)) != len(self.by):
            raise QuestionError("Group by a dimension once.")
        if self.grain and self.grain not in GRAINS:
            raise QuestionError(f"grain must be one of {', '.join(GRAINS)}.")
        if self.top < 0 or self.top > 1000:
            raise QuestionError("top must be between 1 and 1000.")
        resolve(self.range, date(2000, 1, 1))  # the range is well formed
        return self

    def words(self) -> list[tuple[str, str]]:
        """What the question says, as (kind, text) chips."""
        out = [("metric", m) for m in self.metrics]
        out += [("filter", f"{d} = {v}") for d, v in self.filters]
        out += [("group by", b) for b in self.by]
        if self.grain:
            out.append(("grain", f"by {self.grain}"))
        out.append(("dates", describe_range(self.range)))
        if self.compare:
            out.append(("compare", "vs the previous period"))
        if self.top:
            out.append(("top", f"{'bottom' if self.bottom else 'top'} {self.top}"))
        return out

    def to_params(self) -> dict[str, str]:
        """The question as URL parameters (the Explore page's widget keys): a share link."""
        out = {"ex_metrics": ",".join(self.metrics), "ex_range": self.range}
        if self.by:
            out["ex_by"] = ",".join(self.by)
        if self.grain:
            out["ex_grain"] = self.grain
        for d, v in self.filters:
            out[f"ex_f_{d}"] = v
        if self.compare:
            out["ex_compare"] = "1"
        if self.top:
            out["ex_top"] = str(self.top)
            if self.bottom:
                out["ex_bottom"] = "1"
        return out

    @classmethod
    def from_params(cls, params: dict) -> Question:
        """A question from URL parameters; QuestionError in words for a damaged link."""
        split = lambda v: tuple(x for x in str(v or "").split(",") if x)  # noqa: E731
        try:
            top = int(params.get("ex_top") or 0)
        except ValueError:
            raise QuestionError("ex_top must be a whole number.") from None
        q = cls(
            metrics=split(params.get("ex_metrics")),
            by=split(params.get("ex_by")),
            grain=str(params.get("ex_grain") or ""),
            range=str(params.get("ex_range") or "last 30 days"),
            filters=tuple(sorted((k[5:], str(v)) for k, v in params.items() if k.startswith("ex_f_") and v)),
            compare=str(params.get("ex_compare") or "") in ("1", "true"),
            top=top,
            bottom=str(params.get("ex_bottom") or "") in ("1", "true"),
        )
        return q.check()

    def with_(self, **changes) -> Question:
        return replace(self, **changes).check()

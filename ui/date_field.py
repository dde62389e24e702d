"""A date field that applies what is typed on Enter or Tab. Streamlit's date input applies a typed
date only when the pointer leaves it (Enter and Tab move between its parts), so a dashboard showed
2026/08/04 in its field while every tile still computed the old range. Here the field is text
(2026-08-04 or 2026/08/04), bound to the URL, and what it shows is what the page computes."""

from __future__ import annotations

import re
from datetime import date

from ui.text import error_text

_DATE = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*")


def read_date(text: str) -> date:
    m = _DATE.fullmatch(text or "")
    if not m:
        raise ValueError(f"{text!r} is not a date: write it as 2026-08-04")
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def date_field(container, label: str, default: date, key: str) -> date:
    """The date typed in the field (the URL's, else `default`); one that cannot be read is said
    plainly and `default` is used, and the message says so."""
    text = container.text_input(
        label,
        default.isoformat(),
        key=key,
        bind="query-params",
        placeholder="YYYY-MM-DD",
        help="Press Enter or Tab to apply.",
    )
    try:
        return read_date(text)
    except ValueError as err:
        error_text(f"{label}: {err}. Showing {default.isoformat()} instead.")
        return default

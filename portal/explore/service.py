"""One way to ask: the question box on Home and Explore, `python -m portal ask` and `GET /api/ask` all
parse with the vocabulary of the metrics and the data the caller may see, and answer through
`portal.explore.answer`. The answer leaves as a table: the group-by columns first, the values last,
raw numbers (a rate as a fraction, money as a plain number), periods as ISO dates."""

from __future__ import annotations

import threading
from datetime import date

from portal.explore.answer import Answer, answer
from portal.explore.ask import Parsed, Vocabulary, parse, vocabulary
from portal.reporting.measures import dimension_values
from portal.reporting.metrics import MetricSet

_VOCAB: dict[tuple, Vocabulary] = {}
_LOCK = threading.Lock()


def vocabulary_for(session, metrics: MetricSet) -> Vocabulary:
    """The vocabulary of these metrics over the data this session sees (dimension values from the
    data), remembered per warehouse version and role (the session's cache key)."""
    key = (session.cache_key, tuple(sorted(metrics.metrics)), tuple(getattr(session, "denied_schemas", ())))
    with _LOCK:
        if session.cache_key is not None and key in _VOCAB:
            return _VOCAB[key]
    vocab = vocabulary(metrics, lambda d: dimension_values(session, metrics, d))
    if session.cache_key is not None:
        with _LOCK:
            _VOCAB[key] = vocab
    return vocab


def ask(
    session, metrics: MetricSet, text: str, through: date, first: date | None = None
) -> tuple[Parsed, Answer | None]:
    """`text` parsed over the caller's vocabulary and, when it is a question, its answer."""
    parsed = parse(text, vocabulary_for(session, metrics))
    if parsed.question is None:
        return parsed, None
    return parsed, answer(session, metrics, parsed.question, through, first)


def answer_table(a: Answer) -> tuple[list[str], list[list]]:
    """(columns, rows) for CSV and JSON: group-by columns first, values last, raw numbers, periods as
    ISO dates; whole-number counts as integers."""
    frame = a.frame.drop(columns=["still_baking"])
    rows = []
    for r in frame.itertuples(index=False, name=None):
        out = []
        for v in r:
            if isinstance(v, date):
                out.append(v.isoformat())
            elif isinstance(v, float):
                out.append(None if v != v else (int(v) if v.is_integer() and abs(v) < 2**53 else round(v, 10)))
            else:
                out.append(None if v is None else (v.item() if hasattr(v, "item") else v))
        rows.append(out)
    return list(frame.columns), rows

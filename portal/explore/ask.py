"""Plain-English questions, read by a deterministic parser over the semantic layer's own vocabulary:
metric names and their declared synonyms, dimension names and the values found in the data, date
phrases, grains, "top 3", "vs". No network and no model weights.

It never guesses. A word it cannot place is refused ("I don't know 'favourite colour'") with the
closest names it does know, and no answer; where a phrase has two readings (a value found under two
dimensions, "March" without a year) it offers both and picks neither.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass, field

from portal.explore.question import Question

STOPWORDS = set(
    """a an the what whats what's which who how many much is are was were be been show me give tell list our my
    we us i of in on for from at to and with all total number count amount value values please chart graph plot
    table there this that these those do did does have has had it its over during across each every so far
    compare compared versus vs get see find break down broken split""".split()
)
GRAIN_WORDS = {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year", "annually": "year",
}  # fmt: skip
GRAIN_UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
               "quarter": "quarter", "quarters": "quarter", "year": "year", "years": "year"}  # fmt: skip
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}
RELATIVE = ("yesterday", "this week", "last week", "this month", "last month", "this quarter", "last quarter",
            "this year", "last year", "all time")  # fmt: skip
# country names for dimensions whose values are ISO codes ("in Germany" finds DE)
COUNTRIES = {
    "united states": "US", "usa": "US", "america": "US", "united kingdom": "GB", "uk": "GB", "britain": "GB",
    "great britain": "GB", "england": "GB", "canada": "CA", "australia": "AU", "germany": "DE", "france": "FR",
    "spain": "ES", "italy": "IT", "netherlands": "NL", "japan": "JP", "india": "IN", "brazil": "BR",
    "mexico": "MX", "ireland": "IE", "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI",
    "poland": "PL", "austria": "AT", "switzerland": "CH", "belgium": "BE", "portugal": "PT", "new zealand": "NZ",
    "singapore": "SG", "china": "CN", "south korea": "KR", "korea": "KR",
}  # fmt: skip
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Vocabulary:
    """What the parser can place: phrase (lower case) -> metric; -> dimension; -> [(dimension, value)]."""

    metrics: dict[str, str]
    dimensions: dict[str, str]
    values: dict[str, list[tuple[str, str]]]

    def known(self) -> list[str]:
        return sorted({*self.metrics, *self.dimensions, *self.values})


def vocabulary(metrics, values_of) -> Vocabulary:
    """The vocabulary of a metric set: names (underscores as spaces), declared synonyms, every
    dimension any metric has, and `values_of(dimension)` (the values found in the data)."""
    ms: dict[str, str] = {}
    dims: dict[str, str] = {}
    for name, m in metrics.metrics.items():
        for phrase in (name, name.replace("_", " "), *getattr(m, "synonyms", ())):
            ms[phrase.lower()] = name
        for d in metrics.dimensions_of(name):
            for phrase in (d, d.replace("_", " ")):
                dims[phrase.lower()] = d
                dims[phrase.lower() + "s"] = d  # "campaigns", "platforms"
    vals: dict[str, list[tuple[str, str]]] = {}
    for d in sorted(set(dims.values())):
        found = [str(v) for v in values_of(d) if v is not None and str(v).strip()]
        for v in found:
            for phrase in {v.lower(), v.lower().replace("_", " ")}:
                vals.setdefault(phrase, []).append((d, v))
        if found and all(re.fullmatch(r"[A-Z]{2}", v) for v in found):
            for country, code in COUNTRIES.items():
                if code in found:
                    vals.setdefault(country, []).append((d, code))
    return Vocabulary(ms, dims, {k: sorted(set(v)) for k, v in vals.items()})


@dataclass
class Parsed:
    """What the parser understood: a question, or words it could not place, or two readings."""

    text: str
    question: Question | None = None
    unknown: list[str] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    choices: list[Question] = field(default_factory=list)  # the readings of an ambiguous phrase
    ambiguous: str = ""  # the phrase that has them
    problem: str = ""  # a question that cannot be asked as it stands (no metric…)

    @property
    def answered(self) -> bool:
        return self.question is not None

    def message(self) -> str:
        if self.unknown:
            parts = []
            for w in self.unknown:
                near = self.suggestions.get(w) or []
                parts.append(f"I don't know '{w}'" + (f" (closest I know: {', '.join(near)})" if near else ""))
            return "; ".join(parts) + ". Nothing was answered: rephrase with names I know."
        if self.choices:
            return f"'{self.ambiguous}' can mean two things: choose one."
        return self.problem

    def interpretation(self) -> str:
        """The question as a canonical one-line text (what the corpus records), or 'refuse'."""
        if self.question is None:
            return "refuse" if not self.choices else "ask"
        q = self.question
        parts = [f"metrics={','.join(q.metrics)}", f"range={q.range}"]
        if q.by:
            parts.append(f"by={','.join(q.by)}")
        if q.grain:
            parts.append(f"grain={q.grain}")
        if q.filters:
            parts.append("filters=" + ",".join(f"{d}:{v}" for d, v in q.filters))
        if q.compare:
            parts.append("compare")
        if q.top:
            parts.append(f"{'bottom' if q.bottom else 'top'}={q.top}")
        return " ".join(parts)


def _dates(text: str) -> tuple[str, str | None, list[str]]:
    """(text with date phrases removed, the range, date words that are not dates)."""
    rng = None
    bad: list[str] = []

    def take(pattern: str, make):
        nonlocal text, rng
        m = re.search(pattern, text)
        if m and rng is None:
            made = make(m)
            if made:
                rng = made
                text = (text[: m.start()] + " " + text[m.end() :]).strip()

    take(
        r"\b(?:from|between) (\d{4}-\d{2}-\d{2}) (?:to|and|until|-) (\d{4}-\d{2}-\d{2})\b", lambda m: f"{m[1]}..{m[2]}"
    )
    take(r"\bsince (\d{4}-\d{2}-\d{2})\b", lambda m: f"since {m[1]}")
    take(r"\b(?:in |during )?q([1-4]) (\d{4})\b", lambda m: f"{m[2]}-Q{m[1]}")
    take(r"\b(?:in |during )?(\d{4})[- ]q([1-4])\b", lambda m: f"{m[1]}-Q{m[2]}")
    month_names = "|".join(sorted(MONTHS, key=len, reverse=True))
    take(rf"\b(?:in |during )?({month_names}) (\d{{4}})\b", lambda m: f"{m[2]}-{MONTHS[m[1]]:02d}")
    take(r"\b(?:in |during )?(\d{4})-(\d{2})\b(?!-)", lambda m: f"{m[1]}-{m[2]}" if 1 <= int(m[2]) <= 12 else None)
    take(r"\b(?:in |during )(\d{4})\b", lambda m: m[1])
    take(
        r"\b(?:the )?(?:last|past) (\d{1,4}) (days?|weeks?|months?)\b",
        lambda m: f"last {int(m[1])} {GRAIN_UNITS[m[2]]}s",
    )
    for phrase in RELATIVE:
        take(rf"\b{phrase}\b", lambda m, p=phrase: p)
    # a month without a year, a date without a range, ISO dates left over: not a range we can place
    for m in re.finditer(rf"\b({month_names})\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b", text):
        bad.append(m.group(0))
    return text, rng, bad


def parse(text: str, vocab: Vocabulary) -> Parsed:
    """`text` as a Question over `vocab`, or the words it could not place, or two readings."""
    out = Parsed(text)
    s = " " + re.sub(r"[?!,;]+", " ", text.strip().lower()) + " "
    s = re.sub(r"\s+", " ", s).strip()
    s, rng, bad_dates = _dates(s)
    grain = ""
    if m := re.search(r"\b(?:by|per|each|every) (day|week|month|quarter|year)\b", s):
        grain, s = m[1], (s[: m.start()] + " " + s[m.end() :])
    for word, g in GRAIN_WORDS.items():
        if re.search(rf"\b{word}\b", s) and not grain:
            grain, s = g, re.sub(rf"\b{word}\b", " ", s)
    if re.search(r"\bover time\b", s):
        grain, s = grain or "week", re.sub(r"\bover time\b", " ", s)
    top, bottom = 0, False
    if m := re.search(r"\b(top|bottom|best|worst) (\d{1,3})\b", s):
        top, bottom, s = int(m[2]), m[1] in ("bottom", "worst"), s[: m.start()] + " " + s[m.end() :]
    compare = False
    if m := re.search(
        r"\b(?:vs\.?|versus|compared (?:to|with)|against)(?: (?:the )?(?:previous|prior|last) period)?\b", s
    ):
        compare, s = True, s[: m.start()] + " " + s[m.end() :]
    words = s.split()
    metrics: list[str] = []
    by: list[str] = []
    filters: list[tuple[str, str]] = []
    unknown: list[str] = list(bad_dates)
    ambiguous: tuple[str, list[tuple[str, str]]] | None = None
    i = 0
    tables = (vocab.metrics, vocab.dimensions, vocab.values)

    def match_at(i: int):
        for n in range(min(5, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            hits = [t for t in tables if phrase in t]
            if hits:
                return phrase, n, hits
        return None

    last_filter_end, last_filter_dim = -1, None
    while i < len(words):
        match = match_at(i)
        if match and vocab.dimensions in match[2] and len(match[2]) == 1:
            dim = vocab.dimensions[match[0]]
            after = match_at(i + match[1])
            clarifies = (last_filter_end == i and last_filter_dim == dim) or (
                after is not None and vocab.values in after[2] and any(d == dim for d, _ in vocab.values[after[0]])
            )
            if clarifies:  # "the pro plan", "plan pro": the word names the value's dimension, not a grouping
                i += match[1]
                continue
        if match is None:
            w = words[i]
            if w not in STOPWORDS and w not in ("by", "per", "where", "only", "customers", "users", "people"):
                unknown.append(w)
            i += 1
            continue
        phrase, n, hits = match
        readings = []
        if vocab.metrics in hits:
            readings.append(("metric", vocab.metrics[phrase]))
        if vocab.dimensions in hits:
            readings.append(("by", vocab.dimensions[phrase]))
        if vocab.values in hits:
            readings += [("filter", dv) for dv in vocab.values[phrase]]
        if len(readings) > 1 and ambiguous is None:
            ambiguous = (phrase, readings)
        elif len(readings) == 1:
            kind, what = readings[0]
            if kind == "metric" and what not in metrics:
                metrics.append(what)
            elif kind == "by" and what not in by:
                by.append(what)
            elif kind == "filter" and what not in filters:
                filters.append(what)
            if kind == "filter":
                last_filter_end, last_filter_dim = i + n, what[0]
        i += n
    if unknown:
        known = vocab.known()
        out.unknown = list(dict.fromkeys(unknown))
        out.suggestions = {w: difflib.get_close_matches(w, known, n=3, cutoff=0.6) for w in out.unknown}
        return out
    base = dict(
        by=tuple(by), grain=grain, range=rng or "last 30 days", filters=tuple(sorted(filters)), compare=compare,
        top=top, bottom=bottom,
    )  # fmt: skip
    if ambiguous is not None:
        phrase, readings = ambiguous
        out.ambiguous = phrase
        for kind, what in readings[:4]:
            q = dict(base, metrics=tuple(metrics))
            if kind == "metric":
                q["metrics"] = tuple(dict.fromkeys([*metrics, what]))
            elif kind == "by":
                q["by"] = tuple(dict.fromkeys([*by, what]))
            else:
                q["filters"] = tuple(sorted({*filters, what}))
            if q["metrics"]:
                out.choices.append(Question(**q))
        if len(out.choices) >= 2:
            return out
        out.choices = []
        out.problem = f"'{phrase}' can mean several things and none of them gives a question: name a metric."
        return out
    if not metrics:
        names = sorted(set(vocab.metrics.values()))
        out.problem = (
            f"I don't know what to measure: name a metric ({', '.join(names[:8])}{', …' if len(names) > 8 else ''})."
        )
        return out
    if len(by) > 2:
        out.problem = f"Group by at most two dimensions, not {', '.join(by)}."
        return out
    out.question = Question(tuple(metrics), **base)
    return out

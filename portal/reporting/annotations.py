"""Dated product changes from annotations.toml ("start page redesign", "checkout bug" with an end):
drawn on every time chart they fall in and measured by the Before/after page."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path


class AnnotationError(ValueError):
    """A bad annotations file; names the file and the entry."""


@dataclass(frozen=True)
class Annotation:
    id: str
    title: str
    start: date
    end: date | None = None  # a change that was undone (a bug and its fix); None: still in place
    description: str = ""
    metric: str = ""  # the rate metric it was meant to move

    def label(self) -> str:
        dates = f"{self.start} to {self.end}" if self.end else f"from {self.start}"
        return f"{self.title} ({dates})"

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and (self.end or self.start) >= start


def annotations_path(settings) -> Path | None:
    """The company's dated product changes ([paths] annotations in portal.toml); None: none."""
    return settings.annotations_path


def load_annotations(path: Path | None, metric_names: set[str] | None = None) -> list[Annotation]:
    """Annotations sorted by start date; no file configured or a missing file means none, a
    malformed one raises."""
    if path is None:
        return []
    where = str(path)
    from portal.config_schema import AnnotationsFile
    from portal.config_validate import validate

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return []
    except tomllib.TOMLDecodeError as exc:
        raise AnnotationError(f"{where}: not valid TOML ({exc})") from None
    validate(AnnotationsFile, data, where, text, AnnotationError)  # unknown or mistyped fields, with the line
    out, seen = [], set()
    for i, d in enumerate(data.get("annotations") or [], 1):
        ctx = f"{where}, annotation {d.get('id') or i!r}"
        if not str(d.get("id", "")).strip() or not str(d.get("title", "")).strip():
            raise AnnotationError(f"{ctx}: needs an id and a title")
        if d["id"] in seen:
            raise AnnotationError(f"{ctx}: the id is used twice")
        seen.add(d["id"])
        start, end = d.get("start"), d.get("end")
        if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
            raise AnnotationError(f"{ctx}: start and end must be dates written as 2026-06-02 (no quotes)")
        if end is not None and end < start:
            raise AnnotationError(f"{ctx}: ends before it starts")
        metric = str(d.get("metric", ""))
        if metric and metric_names is not None and metric not in metric_names:
            raise AnnotationError(f"{ctx}: unknown metric {metric!r}")
        out.append(Annotation(str(d["id"]), str(d["title"]), start, end, str(d.get("description", "")), metric))
    return sorted(out, key=lambda a: a.start)


def within(annotations: list[Annotation], start: date, end: date) -> list[Annotation]:
    return [a for a in annotations if a.overlaps(start, end)]

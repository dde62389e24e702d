"""Paths (issue #32): where people go after an event, or came from before one, within the same visit.

From each person's first start event in the range (or, going backwards, their first end event), the
next (previous) steps of the same visit, a visit ending at a gap longer than the window (30 minutes
by default), consecutive repeats collapsed, to a chosen depth. Each depth's rows add up to the people
who started: those whose visit ended earlier are **dropped off**, steps outside the most common at
that depth are **other**, and a path that reached the chosen end event shows **reached END** after
it. Optionally only people who did *not* do an event in that visit ("where did those who did not add
to cart go?"), and a breakdown by an event property of the start event.

Read from the event index (persons resolved, text ids included) when it is current, else one scan
of the model's events in (person, time) order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from portal.model import ModelError, ident
from portal.product.kernels.paths_walk import DONE, DROPPED, has_ties, order_ties, walk
from portal.product.kernels.user_slices import is_ordered
from portal.product.persons import PersonCodes
from portal.sqlfiles import Fragment, render

DROPPED_OFF = "dropped off"
OTHER = "other"
_OTHER = -3
MAX_DEPTH = 10


class PathsError(ValueError):
    """A paths request that cannot be answered; the message says why in plain words."""


@dataclass(frozen=True)
class PathSpec:
    start: str | None = None  # paths after this event …
    end: str | None = None  # … up to this one; without start: the paths that led to it
    depth: int = 4
    window_minutes: int = 30
    first: date | None = None  # start events on these days (default: the data's range)
    last: date | None = None
    top: int = 6  # steps kept by name at each depth; the rest are "other"
    without: str | None = None  # only people who did not do this event in the visit
    breakdown: str | None = None  # an event property of the start event

    @property
    def reverse(self) -> bool:
        return self.start is None

    def check(self) -> None:
        if not self.start and not self.end:
            raise PathsError("Pick a start event (paths after it) or an end event (paths to it).")
        if not 1 <= self.depth <= MAX_DEPTH:
            raise PathsError(f"Depth must be 1 to {MAX_DEPTH} steps, not {self.depth}.")
        if self.window_minutes < 1:
            raise PathsError("The visit window must be at least one minute.")
        if self.top < 1:
            raise PathsError("Keep at least one step by name at each depth.")
        if self.first and self.last and self.last < self.first:
            raise PathsError("The date range ends before it starts.")


@dataclass
class Stream:
    user: np.ndarray
    t: np.ndarray
    ev: np.ndarray
    names: tuple[str, ...]
    persons: PersonCodes
    prop: tuple[tuple[str, ...], np.ndarray] | None = None  # breakdown values, codes 1+position (0: none)


def _stream(session, spec: PathSpec) -> Stream:
    idx = session.event_index()
    if idx is not None and (spec.breakdown is None or spec.breakdown in idx.codes):
        prop = idx.codes.get(spec.breakdown) if spec.breakdown else None
        return Stream(np.asarray(idx.user), np.asarray(idx.t), np.asarray(idx.ev), idx.names, idx.persons, prop)
    try:
        slots = session.model.slots("events")
    except ModelError as err:
        raise PathsError(str(err)) from None
    props = session.model.event_properties
    if spec.breakdown and spec.breakdown not in props:
        raise PathsError(f"{spec.breakdown} is not an event property ({', '.join(props) or 'none declared'}).")
    column = Fragment("e." + ident(spec.breakdown, "breakdown") if spec.breakdown else "NULL")
    table = session.scan(render("paths/stream", prop=column, **slots))
    persons = PersonCodes.of(table.column("user_id"))
    names = sorted({n for n in table.column("event_name").to_pylist() if n is not None})
    lookup = {n: i + 1 for i, n in enumerate(names)}
    ev = np.array([lookup.get(n, 0) for n in table.column("event_name").to_pylist()], dtype=np.uint8)
    prop = None
    if spec.breakdown:
        values = table.column("prop").to_pylist()
        uniq = sorted({str(v) for v in values if v is not None})
        pos = {v: i + 1 for i, v in enumerate(uniq)}
        prop = (tuple(uniq), np.array([pos.get(str(v), 0) if v is not None else 0 for v in values], dtype=np.int32))
    t = table.column("t").to_numpy(zero_copy_only=False).astype(np.int64)
    return Stream(persons.codes, t, ev, tuple(names), persons, prop)


def _us(d: date) -> int:
    """Midnight of `d` as µs since 1970, the index's clock."""
    return int((np.datetime64(d.isoformat(), "us") - np.datetime64("1970-01-01", "us")).astype(np.int64))


def _walk(stream: Stream, spec: PathSpec) -> tuple[np.ndarray, np.ndarray]:
    """(paths, each person's anchor row in the stream)."""
    spec.check()
    code = {n: i + 1 for i, n in enumerate(stream.names)}
    for name in (spec.start, spec.end, spec.without):
        if name and name not in code:
            raise PathsError(f"No event called {name!r} in the data.")
    user, t, ev = stream.user, stream.t, stream.ev
    if not is_ordered(user, t):  # a scan came back out of order: put it in (person, time) order
        order = np.lexsort((ev, t, user))
        user, t, ev = user[order], t[order], ev[order]
        perm = order
    else:
        perm = None
        if has_ties(user, t, ev):
            ev, tie_perm = order_ties(user, t, ev)
            perm = tie_perm
    lo = _us(spec.first) if spec.first else np.iinfo(np.int64).min
    hi = _us(spec.last + timedelta(days=1)) if spec.last else np.iinfo(np.int64).max
    people = int(np.count_nonzero(user[1:] != user[:-1]) + 1) if user.size else 0
    paths = np.empty((people, spec.depth), dtype=np.int16)
    rows = np.empty(people, dtype=np.int64)
    anchor = code[spec.start] if spec.start else code[spec.end]
    m = walk(
        user,
        t,
        ev,
        anchor,
        code.get(spec.end, 0) if spec.start else 0,
        code.get(spec.without, 0),
        spec.reverse,
        lo,
        hi,
        spec.window_minutes * 60_000_000,
        spec.depth,
        paths,
        rows,
    )
    rows = rows[:m]
    return paths[:m], (perm[rows] if perm is not None else rows)


def _labels(paths: np.ndarray, top: int) -> np.ndarray:
    """Each depth's codes with those outside its `top` most common steps turned into other."""
    out = paths.copy()
    for d in range(paths.shape[1]):
        col = paths[:, d]
        steps = col[col > 0]
        if steps.size == 0:
            continue
        values, counts = np.unique(steps, return_counts=True)
        keep = values[np.lexsort((values, -counts))[:top]]
        out[(col > 0) & ~np.isin(col, keep), d] = _OTHER
    return out


def _name(code: int, names: tuple[str, ...], spec: PathSpec) -> str:
    if code == DROPPED:
        return DROPPED_OFF
    if code == DONE:
        return f"reached {spec.end}"
    if code == _OTHER:
        return OTHER
    return names[code - 1]


COLUMNS = ["depth", "step", "previous", "people"]


def paths(session, spec: PathSpec) -> pd.DataFrame:
    """depth, step, previous, people (and segment with a breakdown): each depth's rows add up to
    the people who started. Depth 1's previous is the start (or end) event itself."""
    stream = _stream(session, spec)
    walked, rows = _walk(stream, spec)
    return _count(walked, rows, stream, spec)


def _count(walked: np.ndarray, rows: np.ndarray, stream: Stream, spec: PathSpec) -> pd.DataFrame:
    labels = _labels(walked, spec.top)
    anchor = np.full(len(labels), 0, dtype=np.int16)  # the anchor as depth 0 (named apart)
    segments = _segments(rows, stream, spec)
    frames = []
    for seg_name, members in segments:
        lab = labels[members]
        prev = anchor[members]
        for d in range(lab.shape[1]):
            cur = lab[:, d]
            key = (prev.astype(np.int64) + 8) * 1024 + (cur.astype(np.int64) + 8)
            values, counts = np.unique(key, return_counts=True)
            for v, c in zip(values, counts, strict=True):
                p, s = int(v // 1024) - 8, int(v % 1024) - 8
                frames.append(
                    {
                        **({"segment": seg_name} if spec.breakdown else {}),
                        "depth": d + 1,
                        "step": _name(s, stream.names, spec),
                        "previous": (spec.start or spec.end) if d == 0 else _name(p, stream.names, spec),
                        "people": int(c),
                    }
                )
            prev = cur
    cols = (["segment"] if spec.breakdown else []) + COLUMNS
    frame = pd.DataFrame(frames, columns=cols)
    if frame.empty:
        return frame
    return frame.sort_values(
        [*cols[:-4], "depth", "people", "step"], ascending=[True] * (len(cols) - 4) + [True, False, True]
    ).reset_index(drop=True)


def _segments(rows: np.ndarray, stream: Stream, spec: PathSpec) -> list[tuple[str, np.ndarray]]:
    everyone = np.arange(len(rows))
    if not spec.breakdown:
        return [("", everyone)]
    if stream.prop is None:
        raise PathsError(f"{spec.breakdown} is not an event property this data keeps.")
    values, codes = stream.prop
    at = np.asarray(codes)[rows]
    return [("(none)" if c == 0 else values[c - 1], everyone[at == c]) for c in np.unique(at)]


def people_at(session, spec: PathSpec, depth: int, step: str, previous: str | None = None) -> pd.DataFrame:
    """The people at one node of the paths (and through one edge when `previous` is given): the
    ids to download, one row each."""
    stream = _stream(session, replace(spec, breakdown=None))
    walked, rows = _walk(stream, replace(spec, breakdown=None))
    if not 1 <= depth <= spec.depth:
        raise PathsError(f"Depth must be 1 to {spec.depth}.")
    labels = _labels(walked, spec.top)
    names = np.array([_name(int(c), stream.names, spec) for c in labels[:, depth - 1]], dtype=object)
    hit = names == step
    if previous is not None and depth > 1:
        before = np.array([_name(int(c), stream.names, spec) for c in labels[:, depth - 2]], dtype=object)
        hit &= before == previous
    codes = np.asarray(stream.user)[rows[hit]]
    ids = stream.persons.ids_of(codes)
    return pd.DataFrame({"person": pa.array(ids) if not isinstance(ids, np.ndarray) else ids})


def started(frame: pd.DataFrame) -> int:
    """People who started: the rows of depth 1 add up to them."""
    return int(frame.loc[frame["depth"] == 1, "people"].sum()) if not frame.empty else 0

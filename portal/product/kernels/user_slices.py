"""Helpers shared by the compiled per-user passes (`funnel_scan`, `retention_scan`): cutting a
person-ordered stream into slices of whole users, one per core, and putting a stream that came back
out of order into (user, time) order."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit


def slices(user: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Split the stream at user boundaries into about equal parts (users never straddle two)."""
    cuts = [0]
    for p in range(1, parts):
        c = int(np.searchsorted(user, user[len(user) * p // parts], side="left")) if len(user) else 0
        cuts.append(max(c, cuts[-1]))
    cuts.append(len(user))
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def map_slices(user: np.ndarray, threads: int, fn: Callable[[int, int], object]) -> list | None:
    """fn(a, b) on each slice of users, in parallel (the passes release the GIL). None when the
    stream is too small to split or its user ids do not rise at the cuts; each pass checks the order
    inside its own slice, so sorted slices plus rising cuts mean a sorted stream."""
    pieces = slices(user, threads) if len(user) > 1_000_000 and threads > 1 else []
    if len(pieces) < 2 or any(user[a - 1] >= user[a] for a, _ in pieces[1:]):
        return None
    with ThreadPoolExecutor(len(pieces)) as pool:
        return list(pool.map(lambda ab: (ab[0], fn(*ab)), pieces))


@njit(cache=True, nogil=True)
def _merge(user, t, a, b):
    """Merge two index lists that are each sorted by (user, t)."""
    out = np.empty(a.size + b.size, dtype=np.int64)
    i = j = k = 0
    while i < a.size and j < b.size:
        x, y = a[i], b[j]
        if user[y] < user[x] or (user[y] == user[x] and t[y] < t[x]):
            out[k] = y
            j += 1
        else:
            out[k] = x
            i += 1
        k += 1
    out[k : k + a.size - i] = a[i:]
    k += a.size - i
    out[k:] = b[j:]
    return out


def sort_order(user: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Permutation into (user, time) order. A parallel scan can return the sorted table as a few
    sorted runs (one per thread): those are merged in linear time; anything else is sorted."""
    du = np.diff(user)
    breaks = np.flatnonzero((du < 0) | ((du == 0) & (t[1:] < t[:-1]))) + 1
    if len(breaks) > 64:
        return np.lexsort((t, user))
    bounds = np.concatenate(([0], breaks, [len(user)]))
    parts = [np.arange(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    while len(parts) > 1:
        parts = [
            _merge(user, t, parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)
        ]
    return parts[0]


@njit(cache=True, nogil=True)
def is_ordered(user, t):
    """Whether a stream is in (person, time) order: the passes read it as it is when it is."""
    for r in range(1, user.size):
        if user[r] < user[r - 1] or (user[r] == user[r - 1] and t[r] < t[r - 1]):
            return False
    return True

"""Paths over an event stream in (person, time) order: one compiled pass, no sort, no window function.

For each person: the anchor (their first start event in range, or with `reverse` their first end
event in range), then the steps after it (or before it) within the same visit, a visit ending at a
gap longer than `window`. Consecutive repeats of one event collapse into one step. Events at the same
time are taken in event-code order (codes follow the names' sorted order), so the pass and plain SQL
ordering by (time, name) see the same sequence.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DROPPED = -1  # the visit ended before this depth
DONE = -2  # the end event was reached at an earlier depth (paths between two events)


@njit(cache=True, nogil=True)
def order_ties(user, t, ev):
    """(ev, perm) with each run of equal (person, time) rows in event-code order; perm maps a row of
    the returned order to the stream's row (for the anchor's properties)."""
    n = user.size
    ev2 = ev.copy()
    perm = np.arange(n)
    r = 0
    while r < n:
        s = r
        while r + 1 < n and user[r + 1] == user[s] and t[r + 1] == t[s]:
            r += 1
        if r > s:  # insertion sort of the run by code
            for i in range(s + 1, r + 1):
                e, p = ev2[i], perm[i]
                j = i - 1
                while j >= s and ev2[j] > e:
                    ev2[j + 1] = ev2[j]
                    perm[j + 1] = perm[j]
                    j -= 1
                ev2[j + 1] = e
                perm[j + 1] = p
        r += 1
    return ev2, perm


@njit(cache=True, nogil=True)
def has_ties(user, t, ev):
    for r in range(1, user.size):
        if user[r] == user[r - 1] and t[r] == t[r - 1] and ev[r] < ev[r - 1]:
            return True
    return False


@njit(cache=True, nogil=True)
def walk(user, t, ev, anchor, end, without, reverse, t_lo, t_hi, window, depth, paths, rows):
    """Fill `paths` (people x depth: event codes, DROPPED, DONE) and `rows` (each person's anchor
    row); returns how many people. `anchor`: the start code (or the end code with `reverse`);
    `end`: a forward path's terminal event (0: none); `without`: people who did this event in the
    visit are left out (0: none). Rows with code 0 (no event name) are not events."""
    n = user.size
    m = 0
    a = 0
    while a < n:
        b = a
        while b < n and user[b] == user[a]:
            b += 1
        hit = -1
        for r in range(a, b):
            if ev[r] == anchor and t[r] >= t_lo and t[r] < t_hi:
                hit = r
                break
        if hit >= 0:
            step = -1 if reverse else 1
            last = anchor
            prev_t = t[hit]
            k = 0
            for d in range(depth):
                paths[m, d] = DROPPED
            finished = False
            excluded = False
            r = hit + step
            while a <= r < b:
                if ev[r] == 0:
                    r += step
                    continue
                gap = prev_t - t[r] if reverse else t[r] - prev_t
                if gap > window:
                    break
                prev_t = t[r]
                if without != 0 and ev[r] == without:
                    excluded = True
                    break
                if ev[r] != last and not finished:
                    last = ev[r]
                    if k < depth:
                        paths[m, k] = last
                        k += 1
                    if end != 0 and last == end:
                        finished = True
                        for d in range(k, depth):
                            paths[m, d] = DONE
                if (k >= depth or finished) and without == 0:
                    break
                r += step
            if not excluded:
                rows[m] = hit
                m += 1
        a = b
    return m

"""Lifecycle and stickiness in one compiled pass over an activity stream in (person, day) order: no
sort, no distinct, no key array. Periods are computed here: days since 1970, weeks from Monday
((day + 3) // 7: 1970-01-01 was a Thursday), months since January 1970 (the civil calendar)."""

from __future__ import annotations

import numpy as np
from numba import njit

DAY, WEEK, MONTH = 0, 1, 2


@njit(cache=True, nogil=True, inline="always")
def period_of(day, grain):
    if grain == DAY:
        return day
    if grain == WEEK:
        return (day + 3) // 7
    z = day + 719468  # days to (year, month): Howard Hinnant's civil_from_days
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return (y - 1970) * 12 + (m - 1)


@njit(cache=True, nogil=True)
def bounds(user, day, grain):
    """(first, last) period with activity of a known person; (0, -1) when none (periods rise with
    days, so the first and last day say them)."""
    lo, hi = np.int64(1) << 40, -(np.int64(1) << 40)
    for r in range(user.size):
        if user[r] >= 0:
            d = np.int64(day[r])
            lo = min(lo, d)
            hi = max(hi, d)
    return (period_of(lo, grain), period_of(hi, grain)) if hi >= lo else (0, -1)


@njit(cache=True, nogil=True)
def lifecycle_pass(user, day, grain, first, last, out, a, b):
    """out[0..3, p - first]: new, returning, resurrecting, dormant for each period p in [first, last],
    from rows a..b (whole persons); earlier activity is history (back after it is resurrecting)."""
    prev_u = np.int64(-(1 << 40))
    prev = np.int64(0)
    last_day = np.int64(0)
    for r in range(a, b):
        u = np.int64(user[r])
        d = np.int64(day[r])
        if u != prev_u:
            if prev_u >= 0 and first <= prev + 1 <= last:  # the person before: dormant after their last
                out[3, prev + 1 - first] += 1
            prev_u = u
            if u < 0:
                continue
            p = period_of(d, grain)
            if first <= p <= last:
                out[0, p - first] += 1
            prev = p
            last_day = d
            continue
        if u < 0 or d == last_day:  # a person's many events of one day: one look
            continue
        last_day = d
        p = period_of(d, grain)
        if p == prev:
            continue
        if p == prev + 1:
            if first <= p <= last:
                out[1, p - first] += 1
        else:
            if first <= prev + 1 <= last:
                out[3, prev + 1 - first] += 1
            if first <= p <= last:
                out[2, p - first] += 1
        prev = p
    if prev_u >= 0 and first <= prev + 1 <= last:
        out[3, prev + 1 - first] += 1


@njit(cache=True, nogil=True)
def stickiness_pass(user, day, grain, day_lo, day_hi, hist, a, b):
    """hist[k]: person-periods (a person in one week or month) with activity on k distinct days,
    counting days in [day_lo, day_hi], from rows a..b (whole persons)."""
    prev_u = np.int64(-(1 << 40))
    cur = np.int64(0)
    last_day = np.int64(0)
    days = 0
    for r in range(a, b):
        u = np.int64(user[r])
        d = np.int64(day[r])
        if u < 0 or d < day_lo or d > day_hi:
            continue
        if u != prev_u:
            if days:
                hist[days] += 1
            prev_u = u
            cur = period_of(d, grain)
            last_day = d
            days = 1
            continue
        if d == last_day:
            continue
        last_day = d
        p = period_of(d, grain)
        if p != cur:
            hist[days] += 1
            cur = p
            days = 0
        days += 1
    if days:
        hist[days] += 1

"""Retention counts in one compiled pass over the activity stream, merged with the cohort members.

Why: "active in period k" is a distinct (user, period) count, which DuckDB computes with a large hash
aggregate. `analytics.events` is stored in person-then-time order, and the cohort members come sorted
by user, so one pass can walk both lists together and count each user's distinct periods as they
appear, with no hashing. If the stream is ever out of order, it is sorted first (slower, same answer).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from portal.product.kernels.user_slices import map_slices, sort_order

ORIGIN = np.datetime64("2000-01-03", "D")  # a Monday; members.sql counts cohort periods from it too
ORIGIN_DAYS = int(ORIGIN.astype(np.int64))


@njit(cache=True, nogil=True, inline="always")
def _period(day, monthly):
    """Periods since the origin: weeks (Monday-based) or calendar months, as date_diff counts them."""
    if not monthly:
        return (day - ORIGIN_DAYS) // 7
    z = day + 719468  # civil-from-days (H. Hinnant)
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return (year - 2000) * 12 + month - 1


@njit(cache=True, nogil=True)
def _count(user, day, monthly, m_user, m_group, m_period, n_groups, periods):
    counts = np.zeros((n_groups, periods + 1), dtype=np.int64)
    j = 0
    member = False
    last = 0
    for i in range(user.size):
        u = user[i]
        if i == 0 or u != user[i - 1]:
            if i and u < user[i - 1]:
                return False, counts
            while j < m_user.size and m_user[j] < u:
                j += 1
            member = j < m_user.size and m_user[j] == u
            last = -(1 << 40)
        elif day[i] < day[i - 1]:
            return False, counts
        if not member:
            continue
        p = _period(day[i], monthly)
        if p == last:
            continue
        last = p
        k = p - m_period[j]
        if 0 <= k <= periods:
            counts[m_group[j], k] += 1
    return True, counts


def active_counts(
    user: np.ndarray,
    day: np.ndarray,
    grain: str,
    m_user: np.ndarray,
    m_group: np.ndarray,
    m_period: np.ndarray,
    n_groups: int,
    periods: int,
    threads: int = 2,
) -> np.ndarray:
    """counts[g, k]: members of group g active in their cohort's k-th period (k = 0..periods).
    `day` is days since 1970-01-01; members must be sorted by user, one row each."""
    user = user if user.dtype in (np.int32, np.int64) else user.astype(np.int64)  # int32 ids: no copy
    day = day.astype(np.int32, copy=False)
    m_user, m_group = m_user.astype(np.int64, copy=False), m_group.astype(np.int64, copy=False)
    m_period = m_period.astype(np.int64, copy=False)
    monthly = grain == "month"
    args = (m_user, m_group, m_period, n_groups, periods)
    parts = map_slices(user, threads, lambda a, b: _count(user[a:b], day[a:b], monthly, *args))
    if parts is not None and all(ok for _, (ok, _) in parts):
        return sum(c for _, (_, c) in parts)
    ok, counts = _count(user, day, monthly, *args)
    if not ok:
        order = sort_order(user, day)
        ok, counts = _count(user[order], day[order], monthly, *args)
    return counts


def warm_up() -> None:
    """Compile the pass (or load it from numba's on-disk cache) before a user waits for it."""
    one = np.ones(2, dtype=np.int64)
    days = (one * 11000).astype(np.int32)
    for grain in ("week", "month"):
        active_counts(one, days, grain, one[:1], one[:1] * 0, one[:1] * 0, 1, 2)
        user, day = one.astype(np.int32), days.copy()  # as the event index hands them: int32, read-only
        user.flags.writeable = day.flags.writeable = False
        active_counts(user, day, grain, one[:1], one[:1] * 0, one[:1] * 0, 1, 2)

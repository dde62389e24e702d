"""windowFunnel over an event stream in (user, time) order: one compiled pass, no sort, no join.

Why not SQL: every formulation DuckDB can run (ASOF chains, window-function state machines) sorts or
joins the events once per step, while a funnel is a per-user state machine. The warehouse stores
events in person-then-time order, so a scan already yields each user's events in sequence; the pass
checks the order as it goes and the stream is put in order only if that check fails.

The state machine is ClickHouse's: a step-k event extends the chain of the latest step-(k-1) event at
or before it when the chain's start is within the window; that chain carries the latest possible
start, so a user reaches step k exactly when some such extension exists (see docs/FUNNELS.md).
Equal times count as "at or after": within a run of equal times, lower steps are applied first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from portal.product.kernels.user_slices import map_slices, sort_order

NOT_REACHED = np.iinfo(np.int64).min  # time of a step not reached (NaT once viewed as datetime64)


@dataclass
class Chains:
    """One entry per user who did step 1 in range, with the times of their best chain."""

    users: np.ndarray  # user ids, ascending
    level: np.ndarray  # steps reached, 1..n
    times: np.ndarray  # shape (n, users): time of step k, NOT_REACHED past `level`
    start_rows: np.ndarray  # stream row of each chain's first event (for its breakdown value)


@njit(cache=True, nogil=True)
def _user_count(user, steps, start_ok):
    """Users with a start in range, counted once per stretch of rows (exact when the stream is ordered)."""
    cap = 0
    last = -1
    for r in range(user.size):
        if (steps[r] & 1) and start_ok[r]:
            if last < 0 or user[r] != user[last]:
                cap += 1
            last = r
    return cap


@njit(cache=True, nogil=True, inline="always")
def _row_steps(lut, ev, extra, has_extra, r):
    m = np.int64(lut[ev[r]])
    if has_extra:
        m |= np.int64(extra[r])
    return m


@njit(cache=True, nogil=True)
def _sequential(user, t, ev, lut, extra, t_lo, t_hi, n, window, bits, nbits, users, level, times, start_rows, i):
    """ClickHouse's windowFunnel state machine, user by user, from row `i` on. A row's steps are
    lut[ev] | extra (extra: step filters, or empty); step 1 counts only inside [t_lo, t_hi).
    chain[k, :k+1] holds the times of the latest chain that reached step k+1 (chain[k, 0] is its
    start); `bits[m, :nbits[m]]` lists the steps of mask m in ascending order. Results go to the
    output arrays. Returns (status, row to resume at, users written): status 1 done, 0 out of room
    (resume after growing them), -1 the stream is out of order."""
    size = user.size
    cap = users.size
    chain = np.empty((n, n), dtype=np.int64)
    chain_start = np.empty(n, dtype=np.int64)  # stream row of each chain's start
    has_extra = extra.size > 0
    out = -1
    best = 0  # steps the current user reached so far; a chain at step k+1 exists exactly when best > k
    while i < size:
        ui = user[i]
        ti = t[i]
        if i and (ui < user[i - 1] or (ui == user[i - 1] and ti < t[i - 1])):
            return -1, i, out + 1
        if i == 0 or ui != user[i - 1]:
            if out + 1 == cap:
                return 0, i, out + 1
            best = 0
        j = i + 1  # rows i..j-1 share user and time: all their steps apply in ascending order
        while j < size and t[j] == ti and user[j] == ui:
            j += 1
        mask = _row_steps(lut, ev, extra, has_extra, i)
        for r in range(i + 1, j):
            mask |= _row_steps(lut, ev, extra, has_extra, r)
        for b in range(nbits[mask]):
            k = bits[mask, b]
            r = i
            if j > i + 1:  # the first row of the run that matches step k
                while not (_row_steps(lut, ev, extra, has_extra, r) >> k) & 1:
                    r += 1
            if k == 0:
                if ti < t_lo or ti >= t_hi:
                    continue
                chain[0, 0] = ti
                chain_start[0] = r
            elif best >= k and ti - chain[k - 1, 0] <= window:
                for q in range(k):
                    chain[k, q] = chain[k - 1, q]
                chain[k, k] = ti
                chain_start[k] = chain_start[k - 1]
            else:
                continue
            if k + 1 > best:  # the first chain to reach a new step is the user's best so far
                if best == 0:
                    out += 1
                    users[out] = ui
                best = k + 1
                level[out] = best
                for q in range(k + 1):
                    times[q, out] = chain[k, q]
                start_rows[out] = chain_start[k]
        i = j
    return 1, i, out + 1


@njit(cache=True, nogil=True)
def _strict(user, t, steps, start_ok, n, window):
    """Strict order: the steps must be consecutive among the user's funnel events (the stream holds
    only funnel events). Each event counts as the first step it matches; equal times are ordered by
    that step. Best chain: highest level, then the earliest start."""
    size = user.size
    label = np.zeros(size, dtype=np.int8)
    for r in range(size):
        for k in range(n):
            if (steps[r] >> k) & 1:
                label[r] = k + 1
                break
    order = np.arange(size)
    i = 0
    while i < size:  # check the order; sort runs of equal times by step (insertion sort: short runs)
        if i and (user[i] < user[i - 1] or (user[i] == user[i - 1] and t[i] < t[i - 1])):
            return False, user[:0], label[:0], np.empty((n, 0), dtype=np.int64), order[:0]
        j = i + 1
        while j < size and user[j] == user[i] and t[j] == t[i]:
            j += 1
        for a in range(i + 1, j):
            x = order[a]
            b = a - 1
            while b >= i and label[order[b]] > label[x]:
                order[b + 1] = order[b]
                b -= 1
            order[b + 1] = x
        i = j
    cap = _user_count(user, steps, start_ok)
    users = np.empty(cap, dtype=user.dtype)
    level = np.zeros(cap, dtype=np.int8)
    times = np.full((n, cap), NOT_REACHED, dtype=np.int64)
    start_rows = np.full(cap, -1, dtype=np.int64)
    out = -1
    for p in range(size):
        s = order[p]
        if label[s] != 1 or not start_ok[s]:
            continue
        if out < 0 or users[out] != user[s]:
            out += 1
            users[out] = user[s]
        got = 1
        while got < n and p + got < size:
            q = order[p + got]
            if user[q] != user[s] or label[q] != got + 1 or t[q] - t[s] > window:
                break
            got += 1
        if got > level[out]:
            level[out] = got
            start_rows[out] = s
            for g in range(got):
                times[g, out] = t[order[p + g]]
    return True, users[: out + 1], level[: out + 1], times[:, : out + 1], start_rows[: out + 1]


def _step_lists(n: int) -> tuple[np.ndarray, np.ndarray]:
    """For every step mask, its steps in ascending order (the kernel's way to visit set bits)."""
    masks = np.arange(1 << n)
    bits = np.zeros((1 << n, n), dtype=np.int64)
    nbits = np.zeros(1 << n, dtype=np.int64)
    for k in range(n):
        has = (masks >> k) & 1 == 1
        bits[has, nbits[has]] = k
        nbits[has] += 1
    return bits, nbits


def _sequential_all(user, t, ev, lut, extra, t_lo, t_hi, n, window_us, bits, nbits):
    """Run the sequential kernel over a whole (sorted) stream, growing the outputs when needed."""
    cap = max(1024, len(user) // 8)
    users = np.empty(cap, dtype=user.dtype)
    level = np.zeros(cap, dtype=np.int8)
    times = np.full((n, cap), NOT_REACHED, dtype=np.int64)
    start_rows = np.full(cap, -1, dtype=np.int64)
    i = done = 0
    while True:
        status, i, wrote = _sequential(
            user,
            t,
            ev,
            lut,
            extra,
            t_lo,
            t_hi,
            n,
            window_us,
            bits,
            nbits,
            users[done:],
            level[done:],
            times[:, done:],
            start_rows[done:],
            i,
        )
        done += wrote
        if status < 0:
            return (False,)
        if status == 1:
            return True, users[:done], level[:done], times[:, :done], start_rows[:done]
        cap *= 2
        users, level, start_rows = (np.concatenate([a, np.empty_like(a)]) for a in (users, level, start_rows))
        times = np.concatenate([times, np.full_like(times, NOT_REACHED)], axis=1)


def run(
    mode: str,
    user: np.ndarray,
    t: np.ndarray,
    ev: np.ndarray,
    lut: np.ndarray,
    extra: np.ndarray,
    n: int,
    window_us: int,
    t_lo: int,
    t_hi: int,
    threads: int = 2,
) -> Chains:
    """Best chain per user. A row matches the steps in lut[ev] | extra (extra may be empty); step 1
    counts inside [t_lo, t_hi) only. The stream should come in (user, time) order; if it does not,
    it is put in order first (slower, never wrong). `start_rows` index the stream as given. The
    sequential pass releases the GIL, so `threads` slices of users run at once."""
    bits, nbits = _step_lists(n)
    user = user if user.dtype in (np.int32, np.int64) else user.astype(np.int64)
    t, ev = t.astype(np.int64, copy=False), ev.astype(np.uint8, copy=False)
    lut = lut.astype(np.uint16)
    extra = extra.astype(np.uint16)

    def one(u, tt, e, x):
        if mode == "strict":
            steps = lut[e] | x if x.size else lut[e]
            ok = (tt >= t_lo) & (tt < t_hi)
            keep = np.flatnonzero(steps)  # strict order looks only at funnel events
            r = _strict(u[keep], tt[keep], steps[keep], ok[keep], n, window_us)
            return (r[0], *r[1:4], keep[r[4]]) if r[0] else (False,)
        return _sequential_all(u, tt, e, lut, x, t_lo, t_hi, n, window_us, bits, nbits)

    def ordered_pass(u, tt, e, x):
        """(ok, users, level, times, start_rows); ok is False when the stream is out of order."""
        if mode != "strict":
            parts = map_slices(u, threads, lambda a, b: one(u[a:b], tt[a:b], e[a:b], x[a:b] if x.size else x))
            if parts is not None:
                if not all(r[0] for _, r in parts):
                    return (False,)
                return (
                    True,
                    *(np.concatenate([r[i] for _, r in parts], axis=1 if i == 3 else 0) for i in (1, 2, 3)),
                    np.concatenate([r[4] + a for a, r in parts]),
                )
        return one(u, tt, e, x)

    result = ordered_pass(user, t, ev, extra)
    if not result[0]:
        perm = sort_order(user, t)
        result = ordered_pass(user[perm], t[perm], ev[perm], extra[perm] if extra.size else extra)
        result = (*result[:4], perm[result[4]])
    _, users, level, times, start_rows = result
    return Chains(users, level, times, start_rows)


def warm_up() -> None:
    """Compile both passes (or load them from numba's on-disk cache) before a user waits for them."""
    t = np.array([1, 2, 3, 1], dtype=np.int64)
    ev = np.array([1, 2, 2, 1], dtype=np.uint8)
    lut = np.array([0, 1, 2], dtype=np.uint16)

    def readonly(a):  # the event index's memory-mapped arrays are read-only: their own compiled variant
        a = a.copy()
        a.flags.writeable = False
        return a

    for user in (np.array([1, 1, 1, 2], dtype=np.int64), np.array([1, 1, 1, 2], dtype=np.int32)):
        for mode in ("sequential", "strict"):
            for extra in (np.zeros(0, dtype=np.uint16), np.zeros(4, dtype=np.uint16)):
                run(mode, user, t, ev, lut, extra, 2, 10, 0, 10, threads=1)
                run(mode, readonly(user), readonly(t), readonly(ev), lut, extra, 2, 10, 0, 10, threads=1)

"""A pool of worker processes for analysts' SQL: admission, deadline, cancel, memory cap.

Sized to the machine (`limits.workers`); a statement waits for a free worker (its queue position
is visible through `waiting()`), runs in it, and the worker is killed and replaced when the
deadline passes, on Cancel, or when it died of memory. A statement that runs longer than
`limits.slow_after_seconds` is moved to a lower CPU priority, so two runaways cannot starve
everybody's small queries; its worker is replaced afterwards (priority cannot be raised back
without privileges).
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from portal.warehouse.errors import QueryCancelled, QueryError, QueryRefused, QueryTimeout

_PROJECT = Path(__file__).resolve().parents[2]
_MEMORY_DIED = (
    "The query used more memory than one statement may use (or crashed its worker) and was "
    "stopped. Aggregate or filter earlier, or ask the data team for a curated table."
)


def parse_bytes(text: str) -> int:
    """'4GB' → bytes (DuckDB's own spelling of sizes)."""
    t = str(text).strip().upper().replace("IB", "B")
    for unit, mult in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10), ("B", 1)):
        if t.endswith(unit):
            return int(float(t[: -len(unit)]) * mult)
    return int(float(t))


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: Connection

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()


@dataclass(eq=False)
class Ticket:
    """One caller's claim: `cancel()` stops its statement, whether queued or running; `position` is
    its place in the queue (0 once it runs)."""

    owner: str | None = None  # per-user admission: None for the portal's own callers (no per-user limit)
    cancelled: threading.Event = field(default_factory=threading.Event)
    worker_pid: int | None = None
    position: int = 0
    shared_slot: str | None = None  # its row in the shared admission table (several app servers)

    def cancel(self) -> None:
        self.cancelled.set()


class WorkerPool:
    """Workers are started lazily and shared by every session of the process."""

    def __init__(
        self,
        size: int,
        threads: int,
        memory_limit: str,
        address_margin: str = "4GB",
        rss_margin: str = "512MB",
        slow_after_seconds: float = 2.0,
        per_user: int = 2,
    ):
        self.size = max(1, int(size))
        self.config = {"threads": int(threads), "memory_limit": memory_limit}
        # Two caps: the parent kills a worker whose resident memory passes memory_limit + rss_margin
        # (checked every 20 ms), and the kernel refuses address space beyond memory_limit +
        # address_margin (an idle worker already reserves ~2.5 GB of virtual space: thread stacks,
        # allocator arenas), so even an allocation between two checks cannot run away.
        self.address_space = parse_bytes(memory_limit) + parse_bytes(address_margin)
        self.max_rss = parse_bytes(memory_limit) + parse_bytes(rss_margin)
        self.slow_after = slow_after_seconds
        self.per_user = max(1, int(per_user))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()
        self._queue: list[Ticket] = []  # statements waiting for a worker, in arrival order
        self._running: dict[str, int] = {}  # statements running per owner
        self._slow = 0  # statements moved to the slow lane (lower priority, outside the pool's size)
        self._closed = False
        self.shared = None  # portal.state.admission.SharedAdmission when several servers share app state

    def share_admission(self, shared) -> None:
        """Count each person's running statements in the shared app state too (`[state] url`)."""
        self.shared = shared

    # ------------------------------------------------------------------ workers
    def _spawn(self) -> _Worker:
        """A fresh interpreter (not a fork of the app: no Streamlit, no threads, no caches in it)."""
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_PROJECT), os.environ.get("PYTHONPATH")]))}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portal.warehouse.worker",
                str(theirs.fileno()),
                json.dumps(self.config),
                str(self.address_space),
            ],
            pass_fds=(theirs.fileno(),),
            env=env,
            cwd=str(_PROJECT),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        return _Worker(proc, Connection(mine.detach()))

    def _may_run(self, t: Ticket) -> bool:
        """Below its owner's limit here and, with shared admission, holding its shared slot: a ticket
        still asking for one must not stand first in line, or a ticket that holds a slot waits behind
        it while it waits for that slot (review #3, finding 4)."""
        if t.owner is None:
            return True
        holds = self.shared is None or t.shared_slot is not None
        return holds and self._running.get(t.owner, 0) < self.per_user

    def _acquire(self, ticket: Ticket, deadline: float) -> _Worker:
        """A worker for `ticket`: first come first served among those whose owner is below the
        per-user limit. The wait counts against the statement's time limit."""
        with self._lock:
            self._queue.append(ticket)
        try:
            while True:
                if ticket.cancelled.is_set():
                    raise QueryCancelled("The query was cancelled while it waited for a free worker.")
                if self.shared is not None and ticket.owner is not None and ticket.shared_slot is None:
                    ticket.shared_slot = self.shared.enter(ticket.owner, self.per_user)
                    if ticket.shared_slot is None:  # their limit is reached on another server
                        ticket.position = max(ticket.position, 1)
                        if deadline - time.monotonic() <= 0:
                            raise QueryTimeout(
                                f"You already have {self.per_user} statements running (on this or another "
                                "server); nothing ran. Try again when one has finished."
                            )
                        time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
                        continue
                with self._lock:
                    eligible = [t for t in self._queue if self._may_run(t)]
                    ticket.position = eligible.index(ticket) + 1 if ticket in eligible else len(self._queue)
                    worker = self._take() if eligible and eligible[0] is ticket else None
                    if worker is not None:
                        self._queue.remove(ticket)
                        if ticket.owner is not None:
                            self._running[ticket.owner] = self._running.get(ticket.owner, 0) + 1
                        ticket.position = 0
                        return worker
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout(
                        f"Every query worker stayed busy ({self.size} at once, at most {self.per_user} per person); "
                        "nothing ran. Try again in a moment."
                    )
                time.sleep(min(0.02, left))
        except BaseException:
            self._leave_shared(ticket)
            raise
        finally:
            with self._lock:
                if ticket in self._queue:
                    self._queue.remove(ticket)

    def _leave_shared(self, ticket: Ticket) -> None:
        if ticket.shared_slot is not None and self.shared is not None:
            try:
                self.shared.leave(ticket.shared_slot)
            finally:
                ticket.shared_slot = None

    def _take(self) -> _Worker | None:
        """An idle live worker, a new one while the pool is below its size, else None (lock held)."""
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            if worker.alive:
                return worker
            worker.kill()
            self._started -= 1
        if self._started < self.size:
            self._started += 1
            return self._spawn()
        return None

    def _release(self, worker: _Worker | None, owner: str | None, slow_lane: bool = False) -> None:
        """Give the slot back: the worker, or a fresh one in its place. A statement that moved to the
        slow lane gave its slot back when it moved, so only the lane's count drops."""
        with self._lock:
            if owner is not None:
                self._running[owner] = max(0, self._running.get(owner, 0) - 1)
            if slow_lane:
                self._slow -= 1
        if slow_lane:
            return
        if self._closed:
            if worker:
                worker.kill()
            return
        self._idle.put(worker if worker is not None else self._spawn())

    def _to_slow_lane(self, pid: int) -> bool:
        """A long statement drops to a lower CPU priority and stops counting against the pool, so
        runaways cannot hold every worker; at most `size` statements are in the slow lane at once."""
        if not _lower_priority(pid):
            return False
        with self._lock:
            if self._slow >= self.size:
                return False
            self._slow += 1
            self._started -= 1
            return True

    def waiting(self) -> int:
        """How many statements are queued for a worker right now."""
        return len(self._queue)

    # ------------------------------------------------------------------ calls
    def call(self, request: dict, timeout_s: float, ticket: Ticket | None = None) -> dict:
        """Send `request` to a worker and return its reply payload; raises the portal's QueryError
        kinds for refusals, failures, timeouts and cancels."""
        ticket = ticket or Ticket()
        deadline = time.monotonic() + timeout_s
        worker = self._acquire(ticket, deadline)
        keep: _Worker | None = worker
        reniced = slow = False
        try:
            ticket.worker_pid = worker.process.pid
            started = time.monotonic()
            worker.conn.send(request)
            while not worker.conn.poll(0.02):
                now = time.monotonic()
                if ticket.cancelled.is_set():
                    keep = None
                    raise QueryCancelled()
                if now >= deadline:
                    keep = None
                    raise QueryTimeout(
                        f"The query ran past the time limit of {timeout_s:g} s and was stopped. "
                        "Filter or aggregate earlier, or ask the data team for a curated table."
                    )
                if not worker.alive or _rss(worker.process.pid) > self.max_rss:
                    keep = None
                    raise QueryError(_MEMORY_DIED)
                if not reniced and now - started > self.slow_after:
                    reniced = True
                    slow = self._to_slow_lane(worker.process.pid)
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                keep = None
                raise QueryError(_MEMORY_DIED) from None
        finally:
            ticket.worker_pid = None
            if keep is None or reniced:  # a reniced process cannot be raised again without privileges
                worker.kill()
                keep = None
            self._release(keep, ticket.owner, slow)
            self._leave_shared(ticket)
        if status == "ok":
            return payload
        kind = payload.pop("kind", "failed")
        cls = {"refused": QueryRefused, "timeout": QueryTimeout, "cancelled": QueryCancelled}.get(kind)
        raise cls(**payload) if cls else QueryError(kind=kind, **payload)

    def close(self) -> None:
        self._closed = True
        while not self._idle.empty():
            self._idle.get_nowait().kill()


_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int) -> int:
    """Resident bytes of a process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _lower_priority(pid: int) -> bool:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, 15)
        return True
    except OSError:
        return False

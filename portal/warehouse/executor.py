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


@dataclass
class Ticket:
    """One caller's claim: `cancel()` stops its statement, whether queued or running."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    worker_pid: int | None = None

    def cancel(self) -> None:
        self.cancelled.set()


class WorkerPool:
    """Workers are started lazily and shared by every session of the process."""

    def __init__(
        self, size: int, threads: int, memory_limit: str, address_margin: str = "1.5GB", slow_after_seconds: float = 2.0
    ):
        self.size = max(1, int(size))
        self.config = {"threads": int(threads), "memory_limit": memory_limit}
        self.address_space = parse_bytes(memory_limit) + parse_bytes(address_margin)
        self.slow_after = slow_after_seconds
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()
        self._waiting = 0
        self._closed = False

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

    def _acquire(self, ticket: Ticket, deadline: float) -> _Worker:
        with self._lock:
            if self._idle.empty() and self._started < self.size:
                self._started += 1
                return self._spawn()
            self._waiting += 1
        try:
            while True:
                if ticket.cancelled.is_set():
                    raise QueryCancelled("The query was cancelled while it waited for a free worker.")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout(f"Every query worker stayed busy ({self.size} at once); try again in a moment.")
                try:
                    worker = self._idle.get(timeout=min(0.1, left))
                except queue.Empty:
                    continue
                if worker.alive:
                    return worker
                worker.kill()
                return self._spawn()
        finally:
            with self._lock:
                self._waiting -= 1

    def _release(self, worker: _Worker | None) -> None:
        if self._closed:
            if worker:
                worker.kill()
            return
        self._idle.put(worker if worker is not None else self._spawn())

    def waiting(self) -> int:
        """How many statements are queued for a worker right now."""
        return self._waiting

    # ------------------------------------------------------------------ calls
    def call(self, request: dict, timeout_s: float, ticket: Ticket | None = None) -> dict:
        """Send `request` to a worker and return its reply payload; raises the portal's QueryError
        kinds for refusals, failures, timeouts and cancels."""
        ticket = ticket or Ticket()
        deadline = time.monotonic() + timeout_s
        worker = self._acquire(ticket, deadline)
        keep: _Worker | None = worker
        reniced = False
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
                if not worker.alive:
                    keep = None
                    raise QueryError(_MEMORY_DIED)
                if not reniced and now - started > self.slow_after:
                    reniced = _lower_priority(worker.process.pid)
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                keep = None
                raise QueryError(_MEMORY_DIED) from None
        finally:
            ticket.worker_pid = None
            if keep is None or reniced:
                worker.kill()
                keep = None
            self._release(keep)
        if status == "ok":
            return payload
        kind = payload.pop("kind", "failed")
        cls = {"refused": QueryRefused, "timeout": QueryTimeout, "cancelled": QueryCancelled}.get(kind)
        raise cls(**payload) if cls else QueryError(kind=kind, **payload)

    def close(self) -> None:
        self._closed = True
        while not self._idle.empty():
            self._idle.get_nowait().kill()


def _lower_priority(pid: int) -> bool:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, 15)
        return True
    except OSError:
        return False

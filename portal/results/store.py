"""The result store (issue #33): answers that outlive the browser tab and the server process.

Each result is a Parquet file in a configured folder and a row in the app state (SQLite or
PostgreSQL, so replicas share it): owner, role key, statement hash, parameters, warehouse version,
computed at, rows, bytes, status. Two kinds of reader:

- a **job** (a workbench run that went to the background) is served only to the person who ran it,
  and only while their role still reads what it was computed on;
- a **shared** result (a dashboard tile, a product page's default view) is served to the role it was
  computed for: the role key says which warehouse (the full one or the PII-free twin) and which
  schemas were readable, so a result computed with PII never reaches a person without `pii`.

Caps: bytes per person and in total (the oldest results go first) and a time to live.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from portal.state import open_state

COLUMNS = (
    "id, kind, owner, role_key, statement_hash, params, warehouse_version, sql, origin, status, error, "
    "created, computed_at, expires, rows, bytes, server, heartbeat, cancel_requested"
)
JOB = "job"
RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
RESTARTED = "failed: the server restarted while it ran"


def role_key_text(has_pii: bool, denied: tuple[str, ...]) -> str:
    """What a shared result is keyed by: the warehouse (with or without PII) and the denied schemas."""
    return ("pii" if has_pii else "public") + (
        ";denied=" + ",".join(sorted(d.lower() for d in denied)) if denied else ""
    )


def statement_hash(sql: str) -> str:
    return hashlib.sha256(sql.strip().encode()).hexdigest()[:32]


def warehouse_version(path: Path) -> str:
    """The warehouse file's version: a rebuilt file is a new version, and older results are stale."""
    try:
        st = Path(path).stat()
        return f"{st.st_mtime_ns}-{st.st_size}"
    except OSError:
        return "unknown"


@dataclass(frozen=True)
class Stored:
    id: str
    kind: str
    owner: str
    role_key: str
    statement_hash: str
    params: dict
    warehouse_version: str
    sql: str
    origin: str
    status: str
    error: str | None
    created: float
    computed_at: float | None
    expires: float
    rows: int | None
    bytes: int | None
    server: str | None
    heartbeat: float | None
    cancel_requested: bool

    @property
    def finished(self) -> bool:
        return self.status != RUNNING


def _row(r) -> Stored:
    values = list(r)
    values[5] = json.loads(values[5] or "{}")
    values[18] = bool(values[18])
    return Stored(*values)


@dataclass(frozen=True)
class ResultLimits:
    per_person_bytes: int = 500_000_000
    total_bytes: int = 5_000_000_000
    ttl_seconds: float = 7 * 86400

    @classmethod
    def of(cls, results: dict) -> ResultLimits:
        """From portal.toml's [results] (megabytes and hours)."""
        return cls(
            int(results.get("per_person_mb", 500)) * 1_000_000,
            int(results.get("total_mb", 5000)) * 1_000_000,
            float(results.get("ttl_hours", 168)) * 3600,
        )


def open_results(settings) -> ResultStore:
    """The configured store: [results] dir and caps, rows in the app state (replicas share both)."""
    return ResultStore(settings.state, settings.results_folder, ResultLimits.of(settings.results))


class ResultStore:
    def __init__(self, state, folder: Path, limits: ResultLimits | None = None):
        self.db = open_state(state, "results")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.limits = limits or ResultLimits()

    def _file(self, rid: str) -> Path:
        return self.folder / f"{rid}.parquet"

    # ------------------------------------------------------------------ writing
    def begin(self, kind: str, owner: str, role_key: str, sql: str, params: dict | None, version: str,
              origin: str, server: str = "") -> str:  # fmt: skip
        """A running result (a job, or a shared answer being computed); returns its id."""
        rid = uuid.uuid4().hex
        now = time.time()
        with self.db.connect() as con:
            con.execute(
                f"INSERT INTO results ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rid, kind, owner, role_key, statement_hash(sql), json.dumps(params or {}, sort_keys=True, default=str),
                 version, sql, origin, RUNNING, None, now, None, now + self.limits.ttl_seconds, None, None, server,
                 now, 0),
            )  # fmt: skip
        return rid

    def finish(self, rid: str, table: pa.Table) -> Stored:
        """Write the answer (atomically: a reader sees the whole file or none) and mark it done."""
        tmp = self._file(rid).with_suffix(".parquet.writing")
        pq.write_table(table, tmp)
        os.replace(tmp, self._file(rid))
        size = self._file(rid).stat().st_size
        with self.db.connect() as con:
            con.execute(
                "UPDATE results SET status = ?, computed_at = ?, rows = ?, bytes = ? WHERE id = ? AND status = ?",
                (DONE, time.time(), table.num_rows, size, rid, RUNNING),
            )
        self._enforce_caps(rid)
        found = self._get(rid)
        if found is None or found.status != DONE:  # cancelled or failed meanwhile: keep no file
            self._file(rid).unlink(missing_ok=True)
        return found

    def fail(self, rid: str, error: str, status: str = FAILED) -> None:
        with self.db.connect() as con:
            con.execute(
                "UPDATE results SET status = ?, error = ?, computed_at = ? WHERE id = ? AND status = ?",
                (status, error, time.time(), rid, RUNNING),
            )

    def put(self, kind: str, owner: str, role_key: str, sql: str, params: dict | None, version: str, origin: str,
            table: pa.Table) -> Stored:  # fmt: skip
        """A shared answer computed now (a refreshed tile)."""
        return self.finish(self.begin(kind, owner, role_key, sql, params, version, origin), table)

    # ------------------------------------------------------------------ reading, with the access rule
    def _get(self, rid: str) -> Stored | None:
        with self.db.connect() as con:
            found = con.execute(f"SELECT {COLUMNS} FROM results WHERE id = ?", (str(rid),)).fetchall()
        return _row(found[0]) if found else None

    def get(self, rid: str, person: str, role_key: str) -> Stored | None:
        """The result if this person may see it: a job only to its owner, anything only to the role
        it was computed for (a person who lost `pii` since no longer sees their own PII result)."""
        found = self._get(rid)
        if found is None or found.role_key != role_key:
            return None
        if found.kind == JOB and found.owner != person:
            return None
        return found

    def read(self, stored: Stored) -> pa.Table:
        """The answer's rows; raises FileNotFoundError when it expired or was evicted meanwhile."""
        return pq.read_table(self._file(stored.id))

    def latest(
        self, kind: str, role_key: str, sql: str, params: dict | None, version: str | None = None
    ) -> Stored | None:
        """The newest done shared result for this statement, parameters and role (and warehouse version,
        when given): what a page shows without computing."""
        where = "kind = ? AND role_key = ? AND statement_hash = ? AND params = ? AND status = ?"
        args = [kind, role_key, statement_hash(sql), json.dumps(params or {}, sort_keys=True, default=str), DONE]
        if version is not None:
            where += " AND warehouse_version = ?"
            args.append(version)
        with self.db.connect() as con:
            found = con.execute(
                f"SELECT {COLUMNS} FROM results WHERE {where} ORDER BY computed_at DESC LIMIT 1", tuple(args)
            ).fetchall()
        return _row(found[0]) if found else None

    def generation(self, kind: str) -> float:
        """When the newest `kind` answer was stored: part of in-memory cache keys, so a server shows a
        refresh's answers as soon as they are stored, not when its cache expires."""
        with self.db.connect() as con:
            found = con.execute("SELECT max(computed_at) FROM results WHERE kind = ?", (kind,)).fetchall()
        return float(found[0][0] or 0.0) if found else 0.0

    def jobs(self, owner: str, limit: int = 20) -> list[Stored]:
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {COLUMNS} FROM results WHERE kind = ? AND owner = ? ORDER BY created DESC LIMIT ?",
                (JOB, owner, limit),
            ).fetchall()
        return [_row(r) for r in rows]

    # ------------------------------------------------------------------ jobs: cancel, heartbeat, restarts
    def request_cancel(self, rid: str, person: str) -> bool:
        """Cancel from any tab or server: the runner holding the job sees the flag and stops it."""
        with self.db.connect() as con:
            con.execute(
                "UPDATE results SET cancel_requested = 1 WHERE id = ? AND owner = ? AND status = ?",
                (rid, person, RUNNING),
            )
        found = self._get(rid)
        return bool(found and found.cancel_requested and found.owner == person)

    def beat(self, rid: str) -> bool:
        """The runner is alive; returns whether a cancel was asked for."""
        with self.db.connect() as con:
            con.execute("UPDATE results SET heartbeat = ? WHERE id = ?", (time.time(), rid))
            found = con.execute("SELECT cancel_requested FROM results WHERE id = ?", (rid,)).fetchall()
        return bool(found and found[0][0])

    def recover(self, stale_after: float = 10.0) -> int:
        """Jobs whose runner stopped beating (its server restarted or died) are failed, and say so:
        never lost silently, never shown as running forever."""
        with self.db.connect() as con:
            stale = con.execute(
                "SELECT id FROM results WHERE status = ? AND heartbeat < ?", (RUNNING, time.time() - stale_after)
            ).fetchall()
            for (rid,) in stale:
                con.execute(
                    "UPDATE results SET status = ?, error = ?, computed_at = ? WHERE id = ? AND status = ?",
                    (FAILED, RESTARTED, time.time(), rid, RUNNING),
                )
        return len(stale)

    def fail_server(self, server: str) -> int:
        """A server starting again fails the jobs it was running before (it cannot still run them)."""
        with self.db.connect() as con:
            rows = con.execute("SELECT id FROM results WHERE status = ? AND server = ?", (RUNNING, server)).fetchall()
            con.execute(
                "UPDATE results SET status = ?, error = ?, computed_at = ? WHERE status = ? AND server = ?",
                (FAILED, RESTARTED, time.time(), RUNNING, server),
            )
        return len(rows)

    # ------------------------------------------------------------------ caps and time to live
    def _delete(self, con, ids) -> None:
        for rid in ids:
            con.execute("DELETE FROM results WHERE id = ?", (rid,))
            self._file(rid).unlink(missing_ok=True)

    def _enforce_caps(self, keep: str) -> None:
        with self.db.connect(exclusive="results:caps") as con:
            owner = con.execute("SELECT owner FROM results WHERE id = ?", (keep,)).fetchall()
            if owner:
                mine = con.execute(
                    "SELECT id, bytes FROM results WHERE owner = ? AND status = ? AND id <> ? ORDER BY computed_at DESC",
                    (owner[0][0], DONE, keep),
                ).fetchall()
                self._delete(con, _over(mine, self.limits.per_person_bytes - self._size(con, keep)))
            everyone = con.execute(
                "SELECT id, bytes FROM results WHERE status = ? AND id <> ? ORDER BY computed_at DESC", (DONE, keep)
            ).fetchall()
            self._delete(con, _over(everyone, self.limits.total_bytes - self._size(con, keep)))

    @staticmethod
    def _size(con, rid: str) -> int:
        found = con.execute("SELECT bytes FROM results WHERE id = ?", (rid,)).fetchall()
        return int(found[0][0] or 0) if found else 0

    def sweep(self, now: float | None = None) -> int:
        """Delete expired results and their files (the refresh command and the server run it)."""
        with self.db.connect() as con:
            old = [
                r[0] for r in con.execute("SELECT id FROM results WHERE expires < ?", (now or time.time(),)).fetchall()
            ]
            self._delete(con, old)
        return len(old)


def _over(rows, budget: int) -> list[str]:
    """Ids past `budget` bytes, newest kept first."""
    out, used = [], 0
    for rid, size in rows:
        used += int(size or 0)
        if used > budget:
            out.append(rid)
    return out

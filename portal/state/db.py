"""The one way to app state. A store (audit, history, …) asks `open_state(location, store)` for its
database and runs its SQL through `connect()`: `?` placeholders and one transaction per block on
both backends, so every store's SQL is written once.

- `SqliteState`: `<state folder>/<store>.sqlite`, WAL mode, a connection per block (safe across
  threads and processes on one machine).
- `PostgresState`: one database for every store and server, a connection per thread, reopened after
  a failure. `connect(exclusive=key)` serialises read-modify-write sections across servers with a
  transaction-scoped advisory lock (SQLite: BEGIN IMMEDIATE).

Migrations: `portal/sql/state/<store>/NNN_<name>.<dialect>.sql`, applied in order at open and
recorded in `schema_migrations`, under a lock, so two servers starting at once apply each once.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import zlib
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent.parent / "sql" / "state"
_FILE = re.compile(r"^(\d{3})_[a-z0-9_]+\.(sqlite|postgres)\.sql$")


class StateError(RuntimeError):
    """App state that cannot be reached or migrated; says which and why in plain words."""


def migrations(store: str, dialect: str) -> list[tuple[int, str]]:
    folder = MIGRATIONS / store
    found = []
    for p in sorted(folder.glob("*.sql")):
        m = _FILE.match(p.name)
        if m and m.group(2) == dialect:
            found.append((int(m.group(1)), p.read_text(encoding="utf-8")))
    if not found:
        raise StateError(f"No {dialect} schema for the {store} store in {folder}.")
    return found


class StateDB(ABC):
    """A store's database: `connect()` is one transaction with `?` placeholders on either backend."""

    dialect = ""

    @abstractmethod
    def connect(self, exclusive: str | None = None):
        """A context manager yielding a connection with `execute(sql, params)` and `script(sql)`."""

    def _migrate(self, store: str) -> None:
        with self.connect(exclusive=f"migrate:{store}") as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (store TEXT NOT NULL, version INTEGER NOT NULL, "
                        "PRIMARY KEY (store, version))")  # fmt: skip
            done = {r[0] for r in con.execute("SELECT version FROM schema_migrations WHERE store = ?", (store,))}
            for version, script in migrations(store, self.dialect):
                if version not in done:
                    con.script(script)
                    con.execute("INSERT INTO schema_migrations (store, version) VALUES (?, ?)", (store, version))


class _SqliteConn:
    def __init__(self, con: sqlite3.Connection):
        self._con = con

    def execute(self, sql: str, params=()):
        return self._con.execute(sql, tuple(params))

    def script(self, sql: str) -> None:
        for statement in _statements(sql):
            self._con.execute(statement)


class SqliteState(StateDB):
    dialect = "sqlite"

    def __init__(self, path: Path, store: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate(store)

    @contextmanager
    def connect(self, exclusive: str | None = None):
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("BEGIN IMMEDIATE" if exclusive else "BEGIN")
            try:
                yield _SqliteConn(con)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()


class _PgConn:
    def __init__(self, con):
        self._con = con

    def execute(self, sql: str, params=()):
        return self._con.execute(sql.replace("?", "%s"), tuple(params))

    def script(self, sql: str) -> None:
        self._con.execute(sql)


class PostgresState(StateDB):
    dialect = "postgres"
    _local = threading.local()

    def __init__(self, url: str, store: str):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StateError("[state] url is PostgreSQL, but psycopg is not installed (pip install psycopg).") from None
        self.url = url
        self._migrate(store)

    def _connection(self):
        import psycopg

        cache = getattr(self._local, "cons", None)
        if cache is None:
            cache = self._local.cons = {}
        con = cache.get(self.url)
        if con is None or con.closed or con.broken:
            try:
                con = cache[self.url] = psycopg.connect(self.url, connect_timeout=10)
            except psycopg.OperationalError as err:
                raise StateError(f"The app-state database cannot be reached: {str(err).strip()}") from None
        return con

    @contextmanager
    def connect(self, exclusive: str | None = None):
        """A transaction on this thread's connection. A connection the server dropped (it restarted)
        is only found dead on use: then one fresh connection is tried before anything ran, instead of
        a 500 on every thread's first request (review #3)."""
        import psycopg

        con = self._connection()
        ran = False
        for attempt in (1, 2):
            try:
                with con.transaction():
                    if exclusive:
                        con.execute("SELECT pg_advisory_xact_lock(%s)", (zlib.crc32(exclusive.encode()) - 2**31,))
                    ran = True
                    yield _PgConn(con)
                return
            except psycopg.OperationalError:
                if ran or attempt == 2:
                    raise
                con.close()
                con = self._connection()


def _statements(script: str) -> list[str]:
    """A migration's statements, split where SQLite says a statement is complete (a trigger's
    BEGIN … END stays one)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and (not line.strip() or line.strip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


_OPEN: dict[tuple[str, str], StateDB] = {}
_OPEN_LOCK = threading.Lock()


def open_state(location, store: str) -> StateDB:
    """The database of `store`: a PostgreSQL URL, or a state folder (SQLite, `<store>.sqlite`).
    Opened and migrated once per process and location."""
    if isinstance(location, StateDB):
        return location
    text = str(location)
    is_pg = text.startswith(("postgresql://", "postgres://"))
    key = (text if is_pg else str(Path(text).resolve()), store)
    with _OPEN_LOCK:
        cached = _OPEN.get(key)
        if cached is None or (isinstance(cached, SqliteState) and not cached.path.exists()):
            _OPEN[key] = PostgresState(text, store) if is_pg else SqliteState(Path(text) / f"{store}.sqlite", store)
        return _OPEN[key]

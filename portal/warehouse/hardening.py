"""Open a warehouse file so that untrusted SQL stays inside it.

DuckDB settings are global to a database instance, so the instance is opened with external
access, extension loading and replacement scans off, then its configuration is locked before any
user SQL runs. Used by the app process (for the portal's own SQL) and by every worker process.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def hardened_config(threads: int, memory_limit: str) -> dict:
    """Connection settings that keep untrusted SQL inside the warehouse."""
    return {
        "access_mode": "READ_ONLY",
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,
        "threads": int(threads),
        "memory_limit": str(memory_limit),
    }


def open_readonly(path: str | Path, config: dict) -> duckdb.DuckDBPyConnection:
    """Open `path` read-only and lock its configuration; raises FileNotFoundError if absent.

    `config` holds `threads` and `memory_limit`, plus any other DuckDB setting to fix before the lock."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"No warehouse file at {path}. Point [warehouse] path in portal.toml (or PORTAL_DB) at it; "
            "the portal never creates one except the demo's (python -m portal demo)."
        )
    extra = {k: v for k, v in config.items() if k not in ("threads", "memory_limit")}
    con = duckdb.connect(str(path), config={**hardened_config(config["threads"], config["memory_limit"]), **extra})
    if _already_locked(con):  # this process opened the file before: the instance is shared and hardened
        return con
    con.execute("SET enable_progress_bar = false")
    con.execute("SET errors_as_json = true")
    con.execute("SET lock_configuration = true")
    return con


def _already_locked(con: duckdb.DuckDBPyConnection) -> bool:
    locked, external = con.execute(
        "SELECT current_setting('lock_configuration'), current_setting('enable_external_access')"
    ).fetchall()[0]
    return bool(locked) and not external


def file_version(path: str | Path) -> tuple[int, int]:
    """Changes when `portal demo` swaps in a rebuilt file (os.replace gives it a new inode)."""
    st = Path(path).stat()
    return st.st_ino, st.st_mtime_ns

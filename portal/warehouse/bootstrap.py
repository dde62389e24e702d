"""Make sure the warehouse exists before the app or a command opens it, and never touch one the
portal did not build.

Only the shipped demo configuration (`[warehouse] demo = true`, at the demo's own path) lets the
portal build a warehouse file. Any other file belongs to the company: a missing or unreadable one
is a clear message on every page and command, never a build, a replacement or a deletion.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portal.config import Settings
from portal.warehouse.errors import WarehouseUnavailable
from portal.warehouse.twin import ensure_twin_current, public_twin


def warehouse_ready(path: Path) -> bool:
    return Path(path).exists() and public_twin(Path(path)).exists()


def missing_message(settings: Settings) -> str:
    """What is wrong with the configured warehouse, in words for a page or a command ("" if nothing)."""
    path = settings.warehouse_path
    if settings.engine != "duckdb":
        return ""
    if not path.exists():
        return (
            f"No warehouse file at {path}. Point [warehouse] path in portal.toml (or PORTAL_DB) at your "
            "DuckDB file; the portal never creates one except the demo (docs/ADOPTING.md)."
        )
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        return f"The warehouse file {path} cannot be read ({exc.strerror})."
    try:
        ensure_twin_current(path, public_twin(path))
    except WarehouseUnavailable as err:
        return err.message
    return ""


def ensure_warehouse(settings: Settings, progress: Callable[[int, int, str], None] | None = None) -> bool:
    """Build the demo warehouse when this is the demo configuration and it is missing or stale; True
    when a build happened. Never builds anything else."""
    if not settings.builds_demo or not missing_message(settings):
        return False
    from portal.demo import build_demo

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    build_demo(settings.warehouse_path, scale=settings.demo_scale, progress=progress)
    return True

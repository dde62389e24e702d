"""Make sure a warehouse exists before the app or a command opens it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portal.config import Settings, public_twin


def warehouse_ready(path: Path) -> bool:
    return Path(path).exists() and public_twin(Path(path)).exists()


def ensure_warehouse(settings: Settings, progress: Callable[[int, int, str], None] | None = None) -> bool:
    """Build the demo warehouse if either file is missing; True when a build happened."""
    if warehouse_ready(settings.warehouse_path):
        return False
    from portal.demo import build_demo

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    build_demo(settings.warehouse_path, scale=settings.demo_scale, progress=progress)
    return True

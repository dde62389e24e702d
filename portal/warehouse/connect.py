"""Which engine serves the warehouse: the embedded DuckDB file (the default) or a Spark Connect
cluster (`[warehouse] engine = "spark"` and its `url` in portal.toml). Both hand out sessions with
the same methods, so pages, saved queries and commands do not know which one they talk to."""

from __future__ import annotations

from portal.config import Settings


def open_warehouse(settings: Settings, pii: bool):
    """The full warehouse (`pii`) or its PII-free twin, on the configured engine."""
    if settings.engine == "spark":
        from portal.warehouse.spark.engine import SparkWarehouse

        return SparkWarehouse(settings.spark_url, settings.limits, public=not pii, model=settings.model)
    from portal.warehouse.engine import Warehouse

    if pii:
        return Warehouse(settings.warehouse_path, settings.limits, settings.model)
    # analysts read the PII-free twin, and only while it is as new as the warehouse it copies
    return Warehouse(settings.public_warehouse_path, settings.limits, settings.model, source=settings.warehouse_path)


def analysts_warehouse(settings: Settings, db=None):
    """What the command line reads: the file given with --db, else the analysts' view (the PII-free
    twin) on the configured engine."""
    if db is not None:
        from portal.warehouse.engine import Warehouse

        return Warehouse(db, settings.limits, settings.model)
    return open_warehouse(settings, pii=False)


def engine_label(settings: Settings) -> str:
    """Which engine answers, in words for Home (never its address: that is the server's business)."""
    if settings.engine == "spark":
        return "Answered by Apache Spark (a Spark Connect cluster)."
    return "Answered by DuckDB (embedded, on this server)."

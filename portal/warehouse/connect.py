"""Which engine serves the warehouse: the embedded DuckDB file (the default) or a Spark Connect
cluster (`[warehouse] engine = "spark"` and its `url` in portal.toml). Both hand out sessions with
the same methods, so pages, saved queries and commands do not know which one they talk to."""

from __future__ import annotations

from portal.config import Settings


def open_warehouse(settings: Settings, pii: bool):
    """The full warehouse (`pii`) or its PII-free twin, on the configured engine. With app state in
    PostgreSQL (several servers), each person's running statements are counted there too."""
    wh = _open(settings, pii)
    if settings.state_url and getattr(wh, "pool", None) is not None and wh.pool.shared is None:
        from portal.state.admission import SharedAdmission

        wh.pool.share_admission(
            SharedAdmission(settings.state_url, stale_after=4 * settings.limits.timeout_seconds + 60)
        )
    return wh


def _open(settings: Settings, pii: bool):
    if settings.engine == "spark":
        from portal.warehouse.spark.engine import SparkWarehouse

        return SparkWarehouse(settings.spark_url, settings.limits, public=not pii, model=settings.model)
    from portal.warehouse.engine import Warehouse

    if pii:
        return Warehouse(settings.warehouse_path, settings.limits, settings.model)
    # analysts read the PII-free twin, and only while it is as new as the warehouse it copies
    return Warehouse(settings.public_warehouse_path, settings.limits, settings.model, source=settings.warehouse_path)


def analysts_warehouse(settings: Settings, db=None, person=None):
    """What the command line reads: the file given with --db, else the view `person`'s roles allow
    (the PII-free twin unless they have pii; without a person, the twin) on the configured engine."""
    if db is not None:
        from portal.warehouse.engine import Warehouse

        return Warehouse(db, settings.limits, settings.model)
    return open_warehouse(settings, pii=bool(person and person.has_pii))


def add_person_argument(parser) -> None:
    """`--as PERSON` for every command that reads the warehouse (default: the operating-system user)."""
    parser.add_argument(
        "--as", dest="as_person", metavar="PERSON", help="run as this person, with their [people] roles (default: you)"
    )


def command_session(settings: Settings, args, command: str):
    """(warehouse, session) for a command: run as `--as PERSON` (else the operating-system user) with
    that person's roles and denied schemas, the command itself recorded in the audit trail, and every
    statement it runs audited under that name. Raises SignInRefused for a name that is not one."""
    import sys

    from portal.audit import AuditLog
    from portal.identity import command_line_person, denied_schemas

    person = command_line_person(settings, getattr(args, "as_person", None))
    audit = AuditLog(settings.state)
    audit.record(person, "command", "command line", "ok", object=command, detail=" ".join(sys.argv[1:])[:4000])
    wh = analysts_warehouse(settings, getattr(args, "db", None), person)
    return wh, wh.session(person, audit, denied_schemas(settings, person))


def engine_label(settings: Settings) -> str:
    """Which engine answers, in words for Home (never its address: that is the server's business)."""
    if settings.engine == "spark":
        return "Answered by Apache Spark (a Spark Connect cluster)."
    return "Answered by DuckDB (embedded, on this server)."


def open_for(args, command: str):
    """(settings, warehouse, session) for a command that reads the warehouse, or None after saying
    why on stderr (the command then exits 2): what every such command does first."""
    import sys

    from portal.config import ConfigError, load_settings
    from portal.identity import SignInRefused
    from portal.warehouse.errors import WarehouseUnavailable

    try:
        settings = load_settings()
        wh, session = command_session(settings, args, command)
    except (ConfigError, FileNotFoundError, WarehouseUnavailable, SignInRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return settings, wh, session

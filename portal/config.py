"""Settings with safe defaults, overridden by `portal.toml` (or the file named by PORTAL_CONFIG).

Limits are named settings (as in Datasette) so tests and operators can change them without code.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from portal.model import Model, ModelError
from portal.model_load import load_model
from portal.warehouse.twin import public_twin  # noqa: F401  (one definition; imported from here too)
from portal.workbench.lint.core import LintConfig

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("duckdb", "spark")
DEMO_PATH = ROOT / "data" / "warehouse.duckdb"


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 30.0
    max_rows: int = 10_000
    max_cell_chars: int = 10_000
    max_query_chars: int = 200_000
    threads: int = 2
    memory_limit: str = "2GB"  # per analyst statement (its worker is killed above this + 512 MB resident)
    app_memory_limit: str = "4GB"  # the app process's own queries (funnel and retention scans)
    workers: int = 3  # worker processes for analysts' SQL: statements running at once
    per_user_statements: int = 2  # statements one person may have running at once (more wait in the queue)
    estimate_seconds: float = 3.0  # the size guard's EXPLAIN gives up after this (the run keeps its own limit)
    slow_after_seconds: float = 2.0  # a statement running longer moves to a lower CPU priority
    download_max_rows: int = 1_000_000
    download_max_bytes: int = 100_000_000  # a download stops here too: 400 rows of 1 MB cells were 400 MB
    ceiling_rows: int = 10_000_000_000  # the size guard's refusal, in the seam for every caller ([guard] ceiling_rows)
    background_timeout_seconds: float = 600.0  # a workbench run that went to the background (issue #33)


@dataclass(frozen=True)
class People:
    data_team: tuple[str, ...] = ("dana", "sam")
    pii_access: tuple[str, ...] = ("dana",)
    default_user: str = "alex"
    demo_users: tuple[str, ...] = ("alex", "priya", "dana", "sam")


@dataclass(frozen=True)
class Guard:
    """Query-size guard thresholds: warn above these estimates, refuse above the ceiling."""

    warn_scan_rows: int = 20_000_000
    warn_result_rows: int = 1_000_000
    ceiling_rows: int = 10_000_000_000


@dataclass(frozen=True)
class ApiSettings:
    """[api]: the read-only CSV/JSON API (portal/api)."""

    requests_per_minute: int = 60  # per token, across every server sharing the state folder
    max_rows: int = 50_000  # rows one answer carries at most (more sets truncated)


@dataclass(frozen=True)
class Settings:
    warehouse_path: Path = ROOT / "data" / "warehouse.duckdb"
    demo: bool = False  # True only in the shipped demo configuration: the portal may build (and rebuild) this file
    demo_path: Path = (
        ROOT / "data" / "warehouse.duckdb"
    )  # the demo's own place: data/warehouse.duckdb beside its config
    engine: str = "duckdb"  # "duckdb" (the file above, embedded) or "spark" (a Spark Connect cluster)
    spark_url: str = "sc://127.0.0.1:15002"
    demo_scale: float = 1.0
    state_dir: Path = ROOT / "state"
    queries_dir: Path = ROOT / "queries"
    dashboards_dir: Path = ROOT / "dashboards"
    metrics_path: Path | None = None  # [paths] metrics: metric definitions (none configured: no metrics)
    annotations_path: Path | None = None  # [paths] annotations: dated product changes (none: no annotations)
    model: Model = field(default_factory=Model)
    pii_columns: tuple[str, ...] = ()  # [pii] columns: schema.table.column blanked in the PII-free twin
    pii_not_personal: tuple[str, ...] = ()  # [pii] not_personal: columns pii-scan must not flag
    dbt_target: Path | None = None  # [dbt] target: the dbt project's artifacts (portal/dbt)
    results_dir: Path | None = None  # [results] dir: stored answers (portal/results); None: <state_dir>/results
    results: dict = field(default_factory=dict)  # [results] caps: per_person_mb, total_mb, ttl_hours
    limits: Limits = field(default_factory=Limits)
    people: People = field(default_factory=People)
    lint: LintConfig = field(default_factory=LintConfig)
    guard: Guard = field(default_factory=Guard)
    api: ApiSettings = field(default_factory=ApiSettings)
    alerts_path: Path | None = None  # [paths] alerts: alert definitions (none configured: no alerts)
    site_url: str = ""  # [site] url: the address people open the portal at, for links that leave it
    state_url: str = ""  # [state] url: PostgreSQL for app state shared by several servers (else state_dir)
    extra: dict = field(default_factory=dict)

    @property
    def builds_demo(self) -> bool:
        """Whether the portal may build the warehouse file itself: only the demo configuration, and only
        at the demo's own path. Any other file is the company's, and is never created or replaced."""
        return self.demo and self.warehouse_path.resolve() == self.demo_path.resolve()

    @property
    def state(self) -> str | Path:
        """Where app state lives (`portal.state`): the PostgreSQL URL, else the state folder."""
        return self.state_url or self.state_dir

    @property
    def results_folder(self) -> Path:
        """Where stored answers' Parquet files live: [results] dir, else beside the app state."""
        return self.results_dir or self.state_dir / "results"

    @property
    def public_warehouse_path(self) -> Path:
        """The PII-free twin beside the full warehouse (`python -m portal twin` builds it)."""
        return public_twin(self.warehouse_path)

    def with_limits(self, **changes) -> Settings:
        return replace(self, limits=replace(self.limits, **changes))


class ConfigError(ValueError):
    """A settings file that cannot be used; the message names the file and key."""


def _resolve(path: str | Path, base: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (base / p)


def _dbt_pii(target: str | None, base: Path, path: Path) -> tuple[str, ...]:
    """Columns the dbt project marks personal (meta pii, a pii tag) are declared PII: the twin blanks
    them. Artifacts that cannot be read are an error, never a silently shorter list."""
    if not target:
        return ()
    from portal.dbt.artifacts import DbtError, load_project
    from portal.dbt.lineage import personal_columns

    try:
        return tuple(personal_columns(load_project(_resolve(target, base))))
    except DbtError as err:
        raise ConfigError(f"{path}: [dbt] target: {err}") from None


def load_settings(path: str | Path | None = None) -> Settings:
    """Read settings; environment variables PORTAL_DB and PORTAL_*_DIR win over the file. The file is
    validated against `portal.config_schema.PortalFile` first: an unknown section or key, or a value
    of the wrong type, is refused with the file, the line and the nearest known name."""
    from portal.config_schema import PortalFile
    from portal.config_validate import validate

    path = Path(path or os.environ.get("PORTAL_CONFIG") or ROOT / "portal.toml")
    data: dict = {}
    text = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    f = validate(PortalFile, data, path, text, ConfigError)
    base = path.parent
    try:
        model = load_model(data.get("model", {}), str(path))
    except ModelError as exc:
        raise ConfigError(str(exc)) from None
    lint_cfg = LintConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in f.lint.model_dump().items()})
    guard = Guard(**f.guard.model_dump())
    limits = Limits(**f.limits.model_dump(), ceiling_rows=guard.ceiling_rows)  # one setting: [guard] ceiling_rows
    people = People(**{k: tuple(v) if isinstance(v, list) else v for k, v in f.people.model_dump().items()})
    model = replace(model, raw_schemas=lint_cfg.raw_schemas)
    state_url = str(os.environ.get("PORTAL_STATE_URL") or f.state.url)
    if state_url and not state_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"{path}: [state] url must be a PostgreSQL URL (postgresql://…), not {state_url!r}")
    paths = f.paths
    settings = Settings(
        warehouse_path=_resolve(f.warehouse.path, base),
        demo=f.warehouse.demo,
        demo_path=base / "data" / "warehouse.duckdb",
        metrics_path=_resolve(paths.metrics, base) if paths.metrics else None,
        annotations_path=_resolve(paths.annotations, base) if paths.annotations else None,
        alerts_path=_resolve(paths.alerts, base) if paths.alerts else None,
        api=ApiSettings(**f.api.model_dump()),
        site_url=f.site.url.rstrip("/"),
        state_url=state_url,
        model=model,
        pii_columns=tuple(f.pii.columns) + _dbt_pii(f.dbt.target, base, path),
        dbt_target=_resolve(f.dbt.target, base) if f.dbt.target else None,
        results_dir=_resolve(f.results.dir, base) if f.results.dir else None,
        results=f.results.model_dump(exclude={"dir"}),
        pii_not_personal=tuple(f.pii.not_personal),
        engine=f.warehouse.engine,
        spark_url=f.warehouse.url,
        demo_scale=f.warehouse.demo_scale,
        state_dir=_resolve(paths.state_dir, base),
        queries_dir=_resolve(paths.queries_dir, base),
        dashboards_dir=_resolve(paths.dashboards_dir, base),
        limits=limits,
        people=people,
        lint=lint_cfg,
        guard=guard,
        extra={k: v for k, v in data.items() if k in ("auth", "permissions", "smtp")},
    )
    if os.environ.get("PORTAL_ENGINE"):
        settings = replace(settings, engine=os.environ["PORTAL_ENGINE"])
    if os.environ.get("PORTAL_SPARK_URL"):
        settings = replace(settings, spark_url=os.environ["PORTAL_SPARK_URL"])
    if os.environ.get("PORTAL_DB"):
        settings = replace(settings, warehouse_path=Path(os.environ["PORTAL_DB"]).resolve())
    for env, attr in (
        ("PORTAL_STATE_DIR", "state_dir"),
        ("PORTAL_QUERIES_DIR", "queries_dir"),
        ("PORTAL_DASHBOARDS_DIR", "dashboards_dir"),
        ("PORTAL_METRICS", "metrics_path"),
        ("PORTAL_ANNOTATIONS", "annotations_path"),
        ("PORTAL_ALERTS", "alerts_path"),
    ):
        if os.environ.get(env):
            settings = replace(settings, **{attr: Path(os.environ[env]).resolve()})
    return settings

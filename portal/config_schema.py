"""One schema for every file the data team writes: portal.toml, metrics.toml, alerts.toml,
annotations.toml and dashboards/<team>.toml, as pydantic models.

The loaders validate each file here first: an unknown section or key is refused with the file, the
line and the nearest known name ("did you mean limits?"), a wrong type with the line and what was
expected (`portal.config_validate`). `docs/REFERENCE.md` is generated from the same models (`python -m portal config reference`),
so the documentation cannot drift from what the loaders accept. Field meaning that needs the data
(does an expression bind, is a metric defined) stays with the loaders and `model check`.
"""

from __future__ import annotations

import typing
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["analyst", "data_team", "pii", "admin"]


class Section(BaseModel):
    """A table of a definitions file: unknown keys are refused, never ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- portal.toml ---------------------------------------------------------------------------------


class WarehouseSection(Section):
    """Which warehouse the portal reads."""

    path: str = Field("data/warehouse.duckdb", description="The DuckDB file (relative to portal.toml).")
    demo: bool = Field(
        False, description="Only the shipped demo: the portal may build this file. Never set it for yours."
    )
    demo_scale: float = Field(1.0, description="Size of the demo warehouse built on first start.")
    engine: Literal["duckdb", "spark"] = Field("duckdb", description="The engine answering queries.")
    url: str = Field("sc://127.0.0.1:15002", pattern=r"^sc://", description="Spark Connect address (engine = spark).")


class PathsSection(Section):
    """Where the company's own definitions live (relative to portal.toml). Nothing falls back to the demo's."""

    queries_dir: str = Field("queries", description="Saved queries (`.sql` files with a header).")
    dashboards_dir: str = Field("dashboards", description="Team dashboards (`<team>.toml`).")
    metrics: str | None = Field(None, description="Metric definitions (metrics.toml); none: no metrics.")
    annotations: str | None = Field(None, description="Dated product changes (annotations.toml).")
    alerts: str | None = Field(None, description="Metric alerts (alerts.toml).")
    state_dir: str = Field("state", description="App state (SQLite files) when [state] has no url.")


class PiiSection(Section):
    """Personal data, blanked in the PII-free twin that analysts without the pii role read."""

    columns: list[typing.Annotated[str, Field(pattern=r"^[^.\s]+(\.[^.\s]+){1,2}$")]] = Field(
        default_factory=list,
        description='"schema.table.column" (or "table.column" in main). `[pii]` in a column comment counts too.',
    )
    not_personal: list[str] = Field(
        default_factory=list,
        description='Columns pii-scan must not flag ("schema.table.column"): looked at and found not personal.',
    )


class ResultsSection(Section):
    """Stored answers: background runs, refreshed tiles (Parquet files and a row each in the app state)."""

    dir: str | None = Field(None, description="Folder of the Parquet files (default: results/ in the state folder).")
    per_person_mb: int = Field(500, ge=1, description="A person's stored answers at most; the oldest go first.")
    total_mb: int = Field(5000, ge=1, description="Every stored answer at most; the oldest go first.")
    ttl_hours: float = Field(168.0, gt=0, description="How long an answer is kept.")


class DbtSection(Section):
    """The data team's dbt project, read from its artifacts (no dbt at run time, no network)."""

    target: str | None = Field(
        None,
        description="dbt's target folder (manifest.json, catalog.json, run_results.json, sources.json), "
        "relative to this file; re-read when the files change.",
    )


class JoinSpec(Section):
    """A table joined to a model part, LEFT JOIN, declared many-to-one (model check verifies it)."""

    table: str = Field(description="schema.table joined.")
    alias: str | None = Field(None, description="Name the part's expressions use for it (default: the table's name).")
    on: str = Field(description="Join condition, e.g. `charges.customer = customers.id`.")
    relationship: Literal["many_to_one", "one_to_one"] = Field("many_to_one", description="Each row finds at most one.")


TimeUnit = Literal["s", "ms", "us"]
_EXPR = "Column or SQL expression over the table and its joins"


class PartBase(Section):
    table: str = Field(description="schema.table (a bare name resolves on the search path).")
    joins: list[JoinSpec] = Field(default_factory=list, description="Tables joined to this one (see joins).")


class IdentityPart(Section):
    """How a person's ids link: rows pairing an anonymous (device) id with the user id it became."""

    table: str | None = Field(None, description="The alias table (Segment's identifies).")
    anonymous_id: str = Field("anonymous_id", description=f"{_EXPR}: the anonymous id.")
    user_id: str = Field("user_id", description=f"{_EXPR}: the user id it links to.")
    time: str | None = Field(
        None, description="When linked: an anonymous id linked to several users belongs to the first."
    )
    time_unit: TimeUnit | None = Field(None, description="An integer epoch's unit.")
    joins: list[JoinSpec] = Field(default_factory=list, description="Tables joined to the alias table.")


class EventsPart(PartBase):
    """One row per event: Funnels, Cohorts' activity, Experiments' conversions, Before/after, the event index."""

    person: str = Field(description=f"{_EXPR}: the id on every event (an anonymous id in a Segment log).")
    user: str | None = Field(None, description="The known user id some events carry: it wins, and links the person id.")
    time: str = Field(description="TIMESTAMP/DATE, or an integer epoch with time_unit.")
    time_unit: TimeUnit | None = Field(None, description="s, ms or us for an integer epoch.")
    name: str = Field(description=f"{_EXPR}: the event name.")
    properties: list[str] = Field(default_factory=list, description="Columns pages break down and filter by.")
    default_steps: list[str] = Field(default_factory=list, description="The Funnels page's first funnel (event names).")


class PeoplePart(PartBase):
    """One row per person: Cohorts (signup, channel, campaign, splits)."""

    person: str = Field(description=f"{_EXPR}: the person id.")
    signup_time: str = Field(description="When the person signed up.")
    time_unit: TimeUnit | None = Field(None, description="s, ms or us for an integer epoch.")
    channel: str | None = Field(None, description="Acquisition channel (CAC joins spend on it).")
    campaign: str | None = Field(None, description="Acquisition campaign.")
    first_purchase: str | None = Field(
        None, description="First purchase time; else the first counted order of revenue."
    )
    is_customer: str | None = Field(None, description='Boolean; else "has a first purchase".')
    properties: list[str] = Field(default_factory=list, description="More cohort splits.")


class RevenuePart(PartBase):
    """Orders or charges: Cohorts' orders and revenue, CAC payback."""

    person: str = Field(description=f"{_EXPR}: who paid (e.g. customers.metadata_user_id through a join).")
    time: str = Field(description="When.")
    time_unit: TimeUnit | None = Field(None, description="s, ms or us for an integer epoch.")
    amount: str = Field(description=f"{_EXPR}: how much, in the currency's unit (e.g. `amount / 100` for cents).")
    status: str | None = Field(None, description="Status column: only `counted` statuses count.")
    counted: list[str] = Field(default_factory=list, description="Statuses that count.")


class ExperimentsPart(PartBase):
    """Experiment assignments: the Experiments page and variant breakdowns."""

    experiment: str = Field(description="Experiment name.")
    person: str = Field(description=f"{_EXPR}: who was assigned.")
    variant: str = Field(description="Variant name.")
    time: str = Field(description="When assigned.")
    time_unit: TimeUnit | None = Field(None, description="s, ms or us for an integer epoch.")
    control: str = Field("control", description="The control variant's name (when no details table says it).")
    details: str | None = Field(None, description="A table with one row per experiment.")
    description: str | None = Field(None, description="Its description column.")
    target_event: str | None = Field(None, description="Its target-event column.")
    control_column: str | None = Field(None, description="Its control-variant column.")
    key: str | None = Field(None, description="Its experiment-name column (default: experiment).")


class SpendPart(PartBase):
    """Ad spend per campaign and day: CAC, the campaign filter."""

    campaign: str = Field(description="Campaign.")
    day: str = Field(description="Day.")
    cost: str = Field(description=f"{_EXPR}: cost in currency units (e.g. `cost_micros / 1e6`).")
    clicks: str | None = Field(None, description="Clicks.")
    channel: str | None = Field(None, description="Channel, matching people's channel.")


class ModelSection(Section):
    """The semantic model: which of the company's tables and columns the product pages read."""

    search_path: list[str] | str = Field(
        default_factory=lambda: ["main"], description="Where bare table names resolve."
    )
    freshness: str | None = Field(None, description="schema.table.column whose max is 'data through'.")
    filters: dict[str, str] = Field(
        default_factory=dict,
        description='Dashboard filters: name = "people.<column>", "events.<column>" or "spend.campaign".',
    )
    identity: IdentityPart | None = Field(None, description="How a person's ids link (see [model.identity]).")
    events: EventsPart | None = None
    people: PeoplePart | None = None
    revenue: RevenuePart | None = None
    experiments: ExperimentsPart | None = None
    spend: SpendPart | None = None


class LimitsSection(Section):
    """Bounds on every analyst statement and the portal's own scans."""

    timeout_seconds: float = Field(30.0, gt=0, description="Wall-clock limit for one statement.")
    max_rows: int = Field(10_000, ge=1, description="Rows fetched into the results grid.")
    max_cell_chars: int = Field(10_000, ge=1, description="Longer text cells are cut.")
    max_query_chars: int = Field(200_000, ge=1, description="Longer SQL is refused before parsing.")
    threads: int = Field(2, ge=1, description="DuckDB threads per statement.")
    memory_limit: str = Field("2GB", description="Per analyst statement.")
    app_memory_limit: str = Field("4GB", description="The portal's own scans in the app process.")
    workers: int = Field(3, ge=1, description="Analysts' statements running at once.")
    per_user_statements: int = Field(2, ge=1, description="Statements one person may have running at once.")
    estimate_seconds: float = Field(3.0, gt=0, description="The size guard gives up estimating after this.")
    slow_after_seconds: float = Field(2.0, gt=0, description="Longer-running statements move to the slow lane.")
    download_max_rows: int = Field(1_000_000, ge=1, description="Rows a download streams at most.")
    download_max_bytes: int = Field(
        100_000_000, ge=1_000, description="Bytes a download holds at most (CSV or Parquet); it stops at a whole row."
    )
    background_timeout_seconds: float = Field(
        600.0,
        gt=0,
        description="A workbench run still going after a few seconds keeps running on the server this long.",
    )


class PeopleSection(Section):
    """Who curates and who sees PII (without OIDC groups)."""

    data_team: list[str] = Field(default_factory=lambda: ["dana", "sam"], description="May curate.")
    pii_access: list[str] = Field(default_factory=lambda: ["dana"], description="May read personal data.")
    default_user: str = Field("alex", description="Who you are without sign-in.")
    demo_users: list[str] = Field(
        default_factory=lambda: ["alex", "priya", "dana", "sam"], description="Demo personas."
    )


class LintSection(Section):
    """Thresholds of the monster-query rule, and raw schemas."""

    max_lines: int = Field(150, description="Longer queries are suggested as curated saved queries.")
    max_joins: int = Field(8, description="More joins: the same suggestion.")
    max_depth: int = Field(4, description="Deeper subquery nesting: the same suggestion.")
    max_ctes: int = Field(8, description="More CTEs: the same suggestion.")
    raw_schemas: list[str] = Field(default_factory=list, description="Production dumps: reading them is a warning.")


class GuardSection(Section):
    """The size guard: warn above these estimates, refuse above the ceiling."""

    warn_scan_rows: int = Field(20_000_000, description="Scanning more: a warning and a Run anyway button.")
    warn_result_rows: int = Field(1_000_000, description="Returning more (not counting GROUP BY guesses): the same.")
    ceiling_rows: int = Field(10_000_000_000, description="Processing more: refused, for every caller.")


class ApiSection(Section):
    """The read-only CSV/JSON API."""

    requests_per_minute: int = Field(60, ge=1, description="Per token.")
    max_rows: int = Field(50_000, ge=1, description="Rows one answer carries at most.")


class StateSection(Section):
    """App state: SQLite files in [paths] state_dir, or one PostgreSQL database."""

    url: str = Field("", pattern=r"^$|^postgres(ql)?://", description="postgresql://… shared by several app servers.")


class SiteSection(Section):
    url: str = Field("", pattern=r"^$|^https?://", description="The address people open the portal at (links in mail).")


class AuthSection(Section):
    """Sign-in (OIDC itself is configured in .streamlit/secrets.toml)."""

    roles_claim: str = Field("groups", description="The identity-token claim listing the user's groups.")
    unknown_users: Literal["analyst", "refuse"] = Field("analyst", description="A user whose groups map to no role.")
    user_header: str | None = Field(None, description="Behind an SSO proxy that strips it from clients only.")
    roles: dict[str, list[Role]] = Field(default_factory=dict, description="identity-provider group = portal roles.")
    max_session_hours: float = Field(12.0, gt=0, description="Sign-ins expire after this.")


class PermissionsSection(Section):
    schema_roles: dict[str, list[Role]] = Field(default_factory=dict, description="Schemas only these roles may query.")


class SmtpSection(Section):
    """Mail for the digest and alerts (better kept in .streamlit/secrets.toml)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    host: str = Field("localhost", description="SMTP server.")
    port: int = Field(25, description="Its port.")
    starttls: bool = Field(False, description="Upgrade to TLS.")
    user: str | None = Field(None, description="Login, when the server wants one.")
    password: str | None = Field(None, description="Its password.")
    from_: str | None = Field(None, alias="from", description="Sender.")
    to: list[str] | str = Field(default_factory=list, description="The digest's recipients.")


class PortalFile(Section):
    """portal.toml: every section optional; each value has a safe default."""

    warehouse: WarehouseSection = Field(default_factory=WarehouseSection)
    paths: PathsSection = Field(default_factory=PathsSection)
    pii: PiiSection = Field(default_factory=PiiSection)
    dbt: DbtSection = Field(default_factory=DbtSection)
    results: ResultsSection = Field(default_factory=ResultsSection)
    model: ModelSection = Field(default_factory=ModelSection)
    limits: LimitsSection = Field(default_factory=LimitsSection)
    people: PeopleSection = Field(default_factory=PeopleSection)
    lint: LintSection = Field(default_factory=LintSection)
    guard: GuardSection = Field(default_factory=GuardSection)
    api: ApiSection = Field(default_factory=ApiSection)
    state: StateSection = Field(default_factory=StateSection)
    site: SiteSection = Field(default_factory=SiteSection)
    auth: AuthSection = Field(default_factory=AuthSection)
    permissions: PermissionsSection = Field(default_factory=PermissionsSection)
    smtp: SmtpSection | None = None


# --- metrics.toml, alerts.toml, annotations.toml, dashboards ---------------------------------------


class MetricDef(Section):
    """A canonical metric: from a model measure, an SQL text returning (day, value), or a ratio."""

    description: str = Field("", description="What it counts, in a sentence (shown on tiles).")
    unit: Literal["usd", "count", "ratio"] = Field("count", description="How values are formatted.")
    owner: str = Field("", description="Who answers for it.")
    up_is_good: bool = Field(True, description="Whether a rise is good news.")
    synonyms: list[str] = Field(
        default_factory=list, description='Other words people use for it, for the question box ("sales").'
    )
    type: Literal["sum", "ratio"] = Field("sum", description="sum (a measure or SQL) or ratio of two sum metrics.")
    model: Literal["events", "people", "revenue", "experiments", "spend"] | None = Field(
        None, description="The model part the measure aggregates (instead of sql)."
    )
    measure: str | None = Field(
        None,
        description="An aggregate over the part's columns: sum(revenue), count(*), count(DISTINCT user_id), avg(…).",
    )
    where: str | None = Field(None, description="A condition over the part's columns (e.g. `counted`).")
    time: str | None = Field(None, description="The part's date column the series is by (default: the part's time).")
    dimensions: list[str] = Field(
        default_factory=list, description="Columns of the part it may be grouped and filtered by."
    )
    sql: str = Field("", description="(day, value) rows between $start and $end, when no measure can say it.")
    filters: list[str] = Field(default_factory=list, description="Its $filters (dashboard filters it honours).")
    numerator: str = Field("", description="A ratio's numerator: a sum metric.")
    denominator: str = Field("", description="A ratio's denominator: a sum metric.")
    bakes_days: int = Field(0, ge=0, description="Recent days still changing.")
    bakes: Literal["", "conversion"] = Field("", description='"conversion": the window measured from the data.')


class MetricsFile(Section):
    """metrics.toml: the canonical metrics, one [metrics.<name>] each."""

    metrics: dict[str, MetricDef] = Field(default_factory=dict)


# one address: no comma, no space, no line break (a comma would mail two people; a CR/LF a header)
Address = typing.Annotated[str, Field(pattern=r"^[^,;\s@<>]+@[^,;\s@<>]+\.[^,;\s@<>]+$")]


class AlertDef(Section):
    """An alert on a metric's last settled period, checked by `python -m portal alerts run`."""

    metric: str = Field(description="A metric of metrics.toml.")
    condition: Literal["beyond_noise", "above", "below"] = Field("beyond_noise", description="When it fires.")
    threshold: float | None = Field(None, description="For above and below.")
    direction: Literal["any", "up", "down", "bad"] = Field("any", description="beyond_noise: which moves count.")
    period_days: int = Field(7, ge=1, le=366, description="Settled days judged against the same before.")
    every: Literal["hourly", "daily", "weekly"] = Field("daily", description="How often it is due.")
    to: list[Address] | Address = Field(description="E-mail addresses, one per entry.")
    dashboard: str = Field("", description="The team page the mail links to.")
    filters: dict[str, str | int | float] = Field(default_factory=dict, description="Among the metric's own.")
    description: str = Field("", description="Why it exists.")
    owner: str = Field("", description="Who answers for it.")


class AlertsFile(Section):
    """alerts.toml: one [alerts.<name>] each (a name is letters, digits, - and _: it goes into mail subjects)."""

    alerts: dict[typing.Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,80}$")], AlertDef] = Field(default_factory=dict)


class AnnotationDef(Section):
    """A dated product change: marked on time charts, measured by Before/after."""

    id: str = Field(description="Unique in the file.")
    title: str = Field(description="Shown on charts.")
    start: date = Field(description="Written as 2026-06-02 (no quotes).")
    end: date | None = Field(None, description="When it was undone (a bug and its fix).")
    description: str = Field("", description="What changed.")
    metric: str = Field("", description="The rate metric it was meant to move.")


class AnnotationsFile(Section):
    """annotations.toml: one [[annotations]] each."""

    annotations: list[AnnotationDef] = Field(default_factory=list)


TILE_TYPES = ("kpi", "chart", "table")
TILE_CHARTS = ("line", "bar", "area", "heatmap", "funnel")


class TileDef(Section):
    """A tile: a metric's KPI or chart, or a saved query's chart or table."""

    type: Literal[TILE_TYPES] = Field(description="kpi (a metric), chart or table.")
    title: str = Field("", description="Heading (default: the metric's or query's).")
    metric: str = Field("", description="A metric of metrics.toml (or query).")
    query: str = Field("", description="A saved query id such as marketing/cac_by_campaign (or metric).")
    chart: Literal[("", *TILE_CHARTS)] = Field("", description="Chart kind (default: the query's own).")
    x: str = Field("", description="Column on the x axis.")
    y: str = Field("", description="Column on the y axis.")
    color: str = Field("", description="Column for colour.")


class RowDef(Section):
    """A row of tiles, side by side."""

    tiles: list[TileDef] = Field(description='Written inline: tiles = [{ type = "kpi", metric = "revenue" }, …].')


class DashboardFile(Section):
    """dashboards/<team>.toml: one team's page."""

    title: str = Field(description="The page's title.")
    icon: str = Field("", description='Navigation icon, ":material/campaign:".')
    owner: str = Field("", description="Who curates it.")
    description: str = Field("", description="What the page is for.")
    filters: list[str] = Field(default_factory=list, description="Names of [model.filters].")
    rows: list[RowDef] = Field(description="[[rows]] of tiles.")


FILES = {
    "portal.toml": PortalFile,
    "metrics.toml": MetricsFile,
    "alerts.toml": AlertsFile,
    "annotations.toml": AnnotationsFile,
    "dashboards/<team>.toml": DashboardFile,
}

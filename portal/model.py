"""The semantic model: which of the company's own tables and columns the product pages read.

Funnels, Cohorts, Experiments, Before/after, the event index and dashboard filters never name a
table. They read canonical relations (`events`, `people`, `revenue`, `assignments`, `spend`) that
this module compiles from portal.toml's `[model.*]` sections into subqueries over the configured
tables, so a GA4 export with text person ids and epoch-microsecond times reads like any other log.
Names from the file are checked as plain (optionally schema-qualified) identifiers and quoted;
nothing else from the file reaches SQL. A part that is not configured raises `ModelError` with what
to configure, which the pages show instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.model_expr import ExprError, Source
from portal.sqlfiles import Fragment

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
TIME_UNITS = ("s", "ms", "us")
# the canonical column names each relation exposes; a configured property may not reuse them
_CANONICAL = {
    "events": ("user_id", "event_at", "event_date", "event_name"),
    "people": ("user_id", "signup_at", "signup_month", "channel", "campaign", "first_order_at", "is_customer"),
}


class ModelError(ValueError):
    """A model part that is missing or malformed; the message says what to write in portal.toml."""


def ident(name: str, where: str) -> str:
    """`name` (a column, or schema.table) as quoted SQL; refuses anything but plain identifiers."""
    parts = str(name).split(".")
    if not name or len(parts) > 3 or not all(_NAME.fullmatch(p) for p in parts):
        raise ModelError(f"{where}: {name!r} is not a table or column name (letters, digits, _ and dots only).")
    return ".".join('"' + p + '"' for p in parts)


def time_sql(col: str, unit: str | None, where: str) -> str:
    """A TIMESTAMP from a TIMESTAMP/DATE column (SQL), or from an integer epoch in seconds, ms or µs."""
    if unit is None:
        return col
    if unit not in TIME_UNITS:
        raise ModelError(f"{where}: time_unit must be one of {', '.join(TIME_UNITS)}, not {unit!r}.")
    scale = {"s": " * 1000000", "ms": " * 1000", "us": ""}[unit]
    return f"make_timestamp(CAST({col} AS BIGINT){scale})"


def _src(part) -> Source:
    return Source(part.table, part.joins)


def _field(part, value: str, where: str) -> str:
    """A field of `part` (column name or expression over its table and joins) as SQL."""
    try:
        return _src(part).expr(value, where)
    except ExprError as exc:
        raise ModelError(str(exc)) from None


@dataclass(frozen=True)
class Identity:
    """How a person's ids link: rows of `table` that pair an anonymous (device) id with the user id
    it became (Segment's `identifies`), and events that carry both. Each person resolves to one
    canonical id: the user id when one is known (the first link wins when an anonymous id links to
    several users), else the anonymous id, as PostHog merges persons."""

    table: str | None = None
    anonymous_id: str = "anonymous_id"
    user_id: str = "user_id"
    time: str | None = None
    time_unit: str | None = None
    joins: tuple = ()
    event_links: tuple = ()  # (events table, person, user, time, time_unit): events carrying both ids

    def map_sql(self) -> str:
        """(anonymous_id, user_id) with one row per anonymous id, both as text."""
        w = "[model.identity]"
        timed = self.time is not None or not self.table
        parts = []
        if self.table:
            a, u = _field(self, self.anonymous_id, w), _field(self, self.user_id, w)
            t = time_sql(_field(self, self.time, w), self.time_unit, w) if self.time else "CAST(NULL AS TIMESTAMP)"
            parts.append(
                f"SELECT CAST({a} AS VARCHAR) AS anonymous_id, CAST({u} AS VARCHAR) AS user_id, {t} AS linked_at "
                f"FROM {_src(self).from_sql(w)} WHERE {a} IS NOT NULL AND {u} IS NOT NULL"
            )
        for table, person, user, time, unit in self.event_links:
            src, we = Source(table), "[model.events]"
            a, u = src.expr(person, we), src.expr(user, we)
            t = time_sql(src.expr(time, we), unit, we) if timed else "CAST(NULL AS TIMESTAMP)"
            parts.append(
                f"SELECT CAST({a} AS VARCHAR), CAST({u} AS VARCHAR), {t} FROM {src.from_sql(we)} "
                f"WHERE {a} IS NOT NULL AND {u} IS NOT NULL"
            )
        pick = "arg_min(user_id, linked_at)" if timed else "min(user_id)"
        return f"(SELECT anonymous_id, {pick} AS user_id FROM ({' UNION ALL '.join(parts)}) GROUP BY anonymous_id)"

    def resolve(self, key: str) -> tuple[str, str]:
        """(a LEFT JOIN to add after FROM, the resolved person) for a person key `key` (SQL)."""
        join = f' LEFT JOIN {self.map_sql()} AS "__identity" ON "__identity".anonymous_id = CAST({key} AS VARCHAR)'
        return join, f'coalesce("__identity".user_id, CAST({key} AS VARCHAR))'

    def tables(self) -> list[str]:
        return ([*_src(self).tables()] if self.table else []) + [link[0] for link in self.event_links]


def _person(part, key: str, where: str, user: str | None = None) -> tuple[str, str]:
    """(extra join, person SQL): the part's person key, resolved through identity when declared."""
    sql = _field(part, key, where)
    if part.identity is None:
        return "", sql
    join, resolved = part.identity.resolve(sql)
    if user:  # the user id on the row wins over any link
        resolved = f"coalesce(CAST({_field(part, user, where)} AS VARCHAR), {resolved})"
    return join, resolved


def _props(part, where: str) -> list[str]:
    alias = _src(part).alias
    return [f'"{alias}".{ident(p, where)} AS {ident(p, where)}' for p in part.properties]


@dataclass(frozen=True)
class Events:
    """One row per event: who, when, what, and the properties pages may break down and filter by.
    `person` is the id on every event (an anonymous id in a Segment log); `user`, when set, is the
    known user id an event may also carry, which wins (with [model.identity], all a person's ids
    resolve to one)."""

    table: str
    person: str
    time: str
    name: str
    time_unit: str | None = None
    user: str | None = None
    properties: tuple[str, ...] = ()
    default_steps: tuple[str, ...] = ()  # the Funnels page's first funnel (event names; else the most frequent)
    joins: tuple = ()
    identity: Identity | None = None

    def relation(self) -> Fragment:
        w = "[model.events]"
        t = time_sql(_field(self, self.time, w), self.time_unit, w)
        join, person = _person(self, self.person, w, self.user)
        cols = [
            f"{person} AS user_id",
            f"{t} AS event_at",
            f"CAST({t} AS DATE) AS event_date",
            f"{_field(self, self.name, w)} AS event_name",
            *_props(self, w),
        ]
        return Fragment(f"(SELECT {', '.join(cols)} FROM {_src(self).from_sql(w)}{join})")

    def tables(self) -> list[str]:
        return _src(self).tables() + (self.identity.tables() if self.identity else [])


@dataclass(frozen=True)
class People:
    """One row per person: signup time, acquisition channel and campaign, properties to split by.
    First purchase and "is a customer" come from columns when named, else from the revenue part."""

    table: str
    person: str
    signup_time: str
    time_unit: str | None = None
    channel: str | None = None
    campaign: str | None = None
    first_purchase: str | None = None
    is_customer: str | None = None
    properties: tuple[str, ...] = ()
    joins: tuple = ()
    identity: Identity | None = None

    def relation(self, revenue: Revenue | None) -> Fragment:
        w = "[model.people]"
        f = lambda c: _field(self, c, w) if c else "NULL"  # noqa: E731
        t = time_sql(_field(self, self.signup_time, w), self.time_unit, w)
        join, person = _person(self, self.person, w)
        first_col = f"{time_sql(f(self.first_purchase), None, w)}" if self.first_purchase else "CAST(NULL AS TIMESTAMP)"
        inner = [
            f"{person} AS user_id",
            f"{t} AS signup_at",
            f"CAST({f(self.channel)} AS VARCHAR) AS channel",
            f"CAST({f(self.campaign)} AS VARCHAR) AS campaign",
            f"{first_col} AS __first",
            f"{f(self.is_customer) if self.is_customer else 'NULL'} AS __customer",
            *_props(self, w),
        ]
        # one row per resolved person: the earliest signup when several ids of a person have rows
        rows = f"(SELECT {', '.join(inner)} FROM {_src(self).from_sql(w)}{join})"
        if self.identity:
            rows = f"(SELECT * FROM {rows} QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY signup_at) = 1)"
        tail = ""
        if self.first_purchase:
            first = "p.__first"
        elif revenue is not None:
            first = "r.first_order_at"
            tail = (
                f" LEFT JOIN (SELECT user_id, min(ordered_at) AS first_order_at FROM {revenue.relation()} "
                f"WHERE counted GROUP BY 1) AS r ON r.user_id = p.user_id"
            )
        else:
            first = "CAST(NULL AS TIMESTAMP)"
        customer = "p.__customer" if self.is_customer else f"({first} IS NOT NULL)"
        cols = [
            "p.user_id",
            "p.signup_at",
            "CAST(date_trunc('month', p.signup_at) AS DATE) AS signup_month",
            "p.channel",
            "p.campaign",
            f"{first} AS first_order_at",
            f"{customer} AS is_customer",
            *(f"p.{ident(c, w)} AS {ident(c, w)}" for c in self.properties),
        ]
        return Fragment(f"(SELECT {', '.join(cols)} FROM {rows} AS p{tail})")

    def tables(self) -> list[str]:
        return _src(self).tables() + (self.identity.tables() if self.identity else [])


@dataclass(frozen=True)
class Revenue:
    """Orders: who, when, how much; `status` and `counted` say which orders count (all when unset).
    `amount` may be an expression (`amount / 100` for Stripe's cents), `person` a joined table's
    column (`customers.metadata_user_id` through `joins`)."""

    table: str
    person: str
    time: str
    amount: str
    time_unit: str | None = None
    status: str | None = None
    counted: tuple[str, ...] = ()
    joins: tuple = ()
    identity: Identity | None = None

    def relation(self) -> Fragment:
        w = "[model.revenue]"
        t = time_sql(_field(self, self.time, w), self.time_unit, w)
        counted = "true"
        if self.status:
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in self.counted)
            if not values:
                raise ModelError(f"{w}: with status set, list the statuses that count in counted = [...].")
            counted = f"CAST({_field(self, self.status, w)} AS VARCHAR) IN ({values})"
        join, person = _person(self, self.person, w)
        cols = [
            f"{person} AS user_id",
            f"{t} AS ordered_at",
            f"CAST({t} AS DATE) AS order_date",
            f"CAST({_field(self, self.amount, w)} AS DOUBLE) AS revenue",
            f"coalesce({counted}, false) AS counted",
        ]
        return Fragment(f"(SELECT {', '.join(cols)} FROM {_src(self).from_sql(w)}{join})")

    def tables(self) -> list[str]:
        return _src(self).tables() + (self.identity.tables() if self.identity else [])


@dataclass(frozen=True)
class Experiments:
    """Assignments: experiment, person, variant, time. Descriptions, dates and a target event come
    from an optional `details` table keyed by experiment name; else from the assignments."""

    table: str
    experiment: str
    person: str
    variant: str
    time: str
    time_unit: str | None = None
    control: str = "control"  # the control variant's name, when no details table says it
    details: str | None = None
    description: str | None = None
    target_event: str | None = None
    control_column: str | None = None
    key: str | None = None  # the details table's experiment-name column (default: same as `experiment`)
    joins: tuple = ()
    identity: Identity | None = None

    def relation(self) -> Fragment:
        w = "[model.experiments]"
        t = time_sql(_field(self, self.time, w), self.time_unit, w)
        join, person = _person(self, self.person, w)
        return Fragment(
            f"(SELECT CAST({_field(self, self.experiment, w)} AS VARCHAR) AS experiment, {person} AS user_id, "
            f"CAST({_field(self, self.variant, w)} AS VARCHAR) AS variant, {t} AS assigned_at "
            f"FROM {_src(self).from_sql(w)}{join})"
        )

    def tables(self) -> list[str]:
        return (
            _src(self).tables()
            + ([self.details] if self.details else [])
            + (self.identity.tables() if self.identity else [])
        )

    def listing(self) -> Fragment:
        """One row per experiment: name, description, dates, target event, control, variants."""
        w = "[model.experiments]"
        base = (
            f"SELECT experiment, min(assigned_at) AS started_at, max(assigned_at) AS ended_at, "
            f"list(DISTINCT variant ORDER BY variant) AS variants FROM {self.relation()} GROUP BY 1"
        )
        control = "'" + self.control.replace("'", "''") + "'"
        if not self.details:
            return Fragment(
                f"SELECT experiment, '' AS description, started_at, ended_at, CAST(NULL AS VARCHAR) AS target_event, "
                f"CASE WHEN list_contains(variants, {control}) THEN {control} ELSE variants[1] END AS control_variant, "
                f"variants FROM ({base}) ORDER BY started_at DESC"
            )
        opt = lambda c, alt: f"CAST(d.{ident(c, w)} AS VARCHAR)" if c else alt  # noqa: E731
        key = ident(self.key or self.experiment, w)
        return Fragment(
            f"SELECT a.experiment, coalesce({opt(self.description, 'NULL')}, '') AS description, a.started_at, "
            f"a.ended_at, {opt(self.target_event, 'CAST(NULL AS VARCHAR)')} AS target_event, "
            f"coalesce({opt(self.control_column, 'NULL')}, CASE WHEN list_contains(a.variants, {control}) "
            f"THEN {control} ELSE a.variants[1] END) AS control_variant, a.variants "
            f"FROM ({base}) AS a LEFT JOIN {ident(self.details, w)} AS d ON CAST(d.{key} AS VARCHAR) = a.experiment "
            f"ORDER BY a.started_at DESC"
        )


@dataclass(frozen=True)
class Spend:
    """Ad spend per campaign and day (and channel), for CAC."""

    table: str
    campaign: str
    day: str
    cost: str
    clicks: str | None = None
    channel: str | None = None
    joins: tuple = ()

    def relation(self) -> Fragment:
        w = "[model.spend]"
        f = lambda c: _field(self, c, w) if c else "NULL"  # noqa: E731
        return Fragment(
            f"(SELECT CAST({f(self.campaign)} AS VARCHAR) AS campaign, CAST({f(self.day)} AS DATE) AS date, "
            f"CAST({f(self.cost)} AS DOUBLE) AS spend, {f(self.clicks)} AS clicks, "
            f"CAST({f(self.channel)} AS VARCHAR) AS channel FROM {_src(self).from_sql(w)})"
        )

    def tables(self) -> list[str]:
        return _src(self).tables()


PARTS = {"events": Events, "people": People, "revenue": Revenue, "experiments": Experiments, "spend": Spend}
WHAT_NEEDS = {
    "events": "Funnels, Cohorts' activity, Experiments' conversions, Before/after funnel steps and the event index",
    "people": "Cohorts (signup time, channel, campaign)",
    "revenue": "Cohorts' orders and revenue, and CAC payback",
    "experiments": "the Experiments page and variant breakdowns",
    "spend": "CAC and the campaign filter",
}


@dataclass(frozen=True)
class Model:
    """How to read this warehouse: the parts above, how bare names resolve, and freshness."""

    events: Events | None = None
    people: People | None = None
    revenue: Revenue | None = None
    experiments: Experiments | None = None
    spend: Spend | None = None
    identity: Identity | None = None  # how a person's anonymous and user ids link (resolved on every part)
    search_path: tuple[str, ...] = ("main",)  # as DuckDB's search_path: where a bare table name is looked up
    raw_schemas: tuple[str, ...] = ()  # [lint] raw_schemas: production dumps (the catalog marks their tables)
    freshness: str | None = None  # schema.table.column whose max is "data through"; else the events' last day
    filters: dict = field(default_factory=dict)  # dashboard filter name -> "people.<col>" / "spend.campaign" …

    def require(self, *parts: str) -> None:
        """Raise ModelError naming each missing part and what it is for."""
        missing = [p for p in parts if getattr(self, p) is None]
        if missing:
            raise ModelError(
                "Not configured yet: "
                + "; ".join(f"[model.{p}] in portal.toml, for {WHAT_NEEDS[p]}" for p in missing)
                + ". docs/ADOPTING.md shows each section."
            )

    def slots(self, *parts: str) -> dict[str, Fragment]:
        """The relations a template reads, by slot name; raises ModelError for a missing part."""
        self.require(*parts)
        out: dict[str, Fragment] = {}
        for p in parts:
            if p == "people":
                out["people"] = self.people.relation(self.revenue)
            elif p == "experiments":
                out["assignments"] = self.experiments.relation()
            else:
                out[p] = getattr(self, p).relation()
        return out

    def tables(self) -> list[str]:
        """Every table the model reads, for schema permissions."""
        return sorted({t for p in PARTS if getattr(self, p) is not None for t in getattr(self, p).tables()})

    @property
    def event_properties(self) -> tuple[str, ...]:
        return self.events.properties if self.events else ()

    @property
    def people_splits(self) -> dict[str, str]:
        """Cohort split label -> SQL over the people relation (labels are the company's column names)."""
        out = {"none": "'all users'"}
        if self.people is None:
            return out
        if self.people.channel:
            out[self.people.channel] = "coalesce(channel, '(none)')"
        if self.people.campaign:
            out[self.people.campaign] = "coalesce(campaign, '(none)')"
        for p in self.people.properties:
            out[p] = ident(p, "[model.people]")
        return out

    def freshness_sql(self) -> Fragment | None:
        """The query for "data through": the configured column's max, else the events' last day."""
        if self.freshness:
            parts = self.freshness.split(".")
            if len(parts) < 2:
                raise ModelError("[model] freshness must be schema.table.column (or table.column).")
            return Fragment(
                f"SELECT max(CAST({ident(parts[-1], '[model] freshness')} AS DATE)) "
                f"FROM {ident('.'.join(parts[:-1]), '[model] freshness')}"
            )
        if self.events is not None:
            return Fragment(f"SELECT max(event_date) FROM {self.events.relation()}")
        return None

    def range_sql(self) -> Fragment | None:
        """First and last day of events, for date pickers' defaults."""
        if self.events is None:
            return None
        return Fragment(f"SELECT min(event_date), max(event_date) FROM {self.events.relation()}")


def schema_of(table: str, model: Model) -> str:
    """The schema a configured table name lives in (a bare name: the first of the search path)."""
    parts = table.lower().split(".")
    return parts[-2] if len(parts) >= 2 else (model.search_path[0].lower() if model.search_path else "main")


def filter_options_sql(model: Model, name: str) -> Fragment:
    """The distinct values a dashboard filter can take, from the part it is declared over."""
    target = model.filters.get(name)
    if target is None:
        raise ModelError(f"No dashboard filter {name!r} in [model.filters] of portal.toml.")
    part, _, col = target.partition(".")
    model.require(part)
    if part == "spend":
        rel, column = model.spend.relation(), "campaign" if col == "campaign" else ident(col, "[model.filters]")
    elif part == "people":
        rel = model.people.relation(model.revenue)
        column = {model.people.channel: "channel", model.people.campaign: "campaign"}.get(col) or ident(
            col, "[model.filters]"
        )
    else:
        rel, column = model.events.relation(), ident(col, "[model.filters]")
    return Fragment(
        f"SELECT DISTINCT CAST({column} AS VARCHAR) AS v FROM {rel} WHERE {column} IS NOT NULL ORDER BY 1 LIMIT 1000"
    )

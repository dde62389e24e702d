"""Team dashboards as files (dashboards/<team>.toml): filters and rows of tiles backed by canonical
metrics or saved queries. Parsing names the file and field on any mistake; saving reuses the saved
queries' atomic write and version check so nobody overwrites a dashboard silently."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import tomli_w

from portal.library.files import atomic_write, locked, sweep_tmp
from portal.library.store import SaveConflict, diff_text, validate_id, version_of
from portal.reporting.metrics import FILTER_NAME, MetricSet

DEFAULT_DAYS = 28


class DashboardError(ValueError):
    pass


@dataclass(frozen=True)
class Tile:
    type: str
    title: str = ""
    metric: str = ""
    query: str = ""
    chart: str = ""
    x: str = ""
    y: str = ""
    color: str = ""


@dataclass(frozen=True)
class Dashboard:
    team: str
    title: str
    owner: str
    description: str
    filters: tuple[str, ...]
    rows: tuple[tuple[Tile, ...], ...]
    version: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def tiles(self) -> list[Tile]:
        return [t for row in self.rows for t in row]


def parse_dashboard(
    text: str, team: str, metrics: MetricSet | None = None, query_ids: set[str] | None = None
) -> Dashboard:
    where = f"dashboards/{team}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DashboardError(f"{where}: not valid TOML ({exc})") from None
    from portal.config_schema import DashboardFile
    from portal.config_validate import validate

    validate(DashboardFile, data, where, text, DashboardError)  # unknown or mistyped fields, with the line
    filters = tuple(data.get("filters", []))
    bad = {f for f in filters if not FILTER_NAME.fullmatch(str(f))}
    if bad:
        raise DashboardError(
            f"{where}: field 'filters': {', '.join(sorted(map(str, bad)))} is not a filter name "
            "(declare filters in portal.toml [model.filters])"
        )
    rows = []
    for r, row in enumerate(data["rows"], 1):
        tiles = []
        if not isinstance(row, dict) or not isinstance(row.get("tiles"), list):
            raise DashboardError(f"{where}: rows[{r}] needs a list of tiles")
        for i, t in enumerate(row["tiles"], 1):
            ctx = f"{where}: rows[{r}].tiles[{i}]"
            tile = Tile(**{k: str(v) for k, v in t.items()})
            if bool(tile.metric) == bool(tile.query):
                raise DashboardError(f"{ctx}: give exactly one of 'metric' or 'query'")
            if tile.type == "kpi" and not tile.metric:
                raise DashboardError(f"{ctx}: a kpi tile shows a metric")
            if metrics is not None and tile.metric and tile.metric not in metrics.metrics:
                raise DashboardError(f"{ctx}: field 'metric': unknown metric {tile.metric!r}")
            if tile.query:
                try:
                    validate_id(tile.query)
                except ValueError:
                    raise DashboardError(f"{ctx}: field 'query': {tile.query!r} is not a saved-query id") from None
                if query_ids is not None and tile.query not in query_ids:
                    raise DashboardError(f"{ctx}: field 'query': no saved query {tile.query!r}")
            tiles.append(tile)
        rows.append(tuple(tiles))
    return Dashboard(
        team,
        str(data["title"]),
        str(data.get("owner", "")),
        str(data.get("description", "")),
        filters,
        tuple(rows),
        version_of(text),
    )


def render_dashboard(d: Dashboard) -> str:
    data = {
        "title": d.title,
        "owner": d.owner,
        "description": d.description,
        "filters": list(d.filters),
        "rows": [{"tiles": [{k: v for k, v in t.__dict__.items() if v} for t in row]} for row in d.rows if row],
    }
    return tomli_w.dumps(data)


class DashboardStore:
    def __init__(self, root: Path, audit=None):
        self.root = Path(root)
        self.audit = audit  # an AuditLog: saves and refused edits are recorded

    def teams(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.toml")) if self.root.exists() else []

    def uses(self, query_id: str) -> list[str]:
        """The dashboards with a tile of `query_id` ("the executive dashboard"), for the query store's
        in-use check; an unreadable dashboard file is skipped (its own page says what is wrong)."""
        found = []
        for team in self.teams():
            try:
                d = self.load(team)
            except DashboardError:
                continue
            if any(t.query == query_id for t in d.tiles):
                found.append(f"the {team} dashboard")
        return found

    def icon(self, team: str) -> str:
        """The dashboard's `icon = ":material/…:"` for the navigation (a generic one when absent or unreadable)."""
        try:
            icon = str(tomllib.loads((self.root / f"{team}.toml").read_text(encoding="utf-8")).get("icon", ""))
        except (OSError, tomllib.TOMLDecodeError):
            icon = ""
        return icon if re.fullmatch(r":material/[a-z0-9_]+:", icon) else ":material/dashboard:"

    def load(self, team: str, metrics: MetricSet | None = None, query_ids: set[str] | None = None) -> Dashboard:
        path = self.root / f"{team}.toml"
        if not path.exists() or "/" in team or team.startswith("."):
            raise DashboardError(f"No dashboard for team {team!r}.")
        return parse_dashboard(path.read_text(encoding="utf-8"), team, metrics, query_ids)

    def save(self, d: Dashboard, user, base_version: str) -> Dashboard:
        """Data team only; refuses (with a diff) if the file changed since `base_version`."""
        if not user.is_data_team:
            if self.audit is not None:
                self.audit.record(user, "refused", "dashboards", "refused", object=d.team, detail="not data team")
            raise PermissionError("Only the data team can edit dashboards.")
        path = self.root / f"{d.team}.toml"
        text = render_dashboard(d)
        parse_dashboard(text, d.team)
        with locked(self.root / ".portal.lock"):  # read, compare and write as one step, across processes
            sweep_tmp(self.root)
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if version_of(current) != base_version:
                raise SaveConflict(d.team, current, text, diff_text(current, text))
            atomic_write(path, text)
        if self.audit is not None:
            self.audit.record(user, "save", "dashboards", object=d.team)
        return parse_dashboard(text, d.team)


def default_range(data_through: date, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    return data_through - timedelta(days=days - 1), data_through


def opening_range(data_through: date, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """What a dashboard opens on: whole weeks, Monday to Sunday, ending on the last Sunday by
    `data_through`. Its charts are weekly, and a range cutting weeks drew a partial first and last
    week as a collapse."""
    end = data_through - timedelta(days=(data_through.weekday() + 1) % 7)
    return end - timedelta(days=(days // 7) * 7 - 1), end


def settled_through(metrics: list, through: date) -> tuple[date, list[str]]:
    """The last day every one of `metrics` is final for (`through` minus the longest baking window),
    and the metrics that bake. A dashboard opens on the period ending there, so CAC reads its settled
    figure, not a young cohort's half-counted one."""
    baking = [m for m in metrics if m.bakes_days > 0]
    if not baking:
        return through, []
    return through - timedelta(days=max(m.bakes_days for m in baking)), sorted({m.name for m in baking})


def query_params_for(sql_params: list[str], start: date, end: date, filters: dict) -> dict:
    """Dashboard filters flow into a saved query's parameters of the same name (bound, never pasted)."""
    values = {"start": start, "end": end, **{k: v for k, v in filters.items() if v}}
    return {k: v for k, v in values.items() if k in sql_params}

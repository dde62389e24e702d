"""The portal's team dashboards and curated saved queries as dbt exposures, so dbt's own lineage
(`dbt ls --select +exposure:…`, dbt docs) sees who reads each model. Written as YAML whose every
string is JSON-quoted (valid YAML, no YAML library needed, no text can break out of its value)."""

from __future__ import annotations

import json
import re

from portal.dbt.artifacts import DbtProject


def linked(project: DbtProject | None, team: str) -> list:
    """The project's exposures that are this team's dashboard: their url opens it (`/team-<team>` or
    `?team=<team>`), or `dbt exposures` wrote them for it."""
    from urllib.parse import parse_qs, urlparse

    out = []
    for e in project.exposures if project else ():
        url = urlparse(e.url)
        if (
            url.path.rstrip("/").endswith(f"/team-{team}")
            or parse_qs(url.query).get("team") == [team]
            or e.name == f"portal_dashboard_{_name(team)}"
        ):
            out.append(e)
    return out


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")[:120] or "unnamed"


def _refs(tables, project: DbtProject) -> list[str]:
    out = []
    for t in sorted(tables):
        rel = project.relation(t)
        if rel is None:
            continue
        if rel.kind == "source":
            source, _, table = rel.unique_id.split(".", 1)[1].split(".", 1)[1].partition(".")
            out.append(f"source('{source}', '{table}')")
        else:
            out.append(f"ref('{rel.unique_id.rsplit('.', 1)[-1]}')")
    return out


def exposures_yaml(project: DbtProject, dashboards: dict, dashboard_reads: dict, queries, site_url: str) -> str:
    """`dashboard_reads["dashboard:<team>"]` and `queries` ((saved query, its lineage) pairs) say which
    tables each reads; only those dbt builds or declares as sources become `depends_on`. Drafts are
    left out: an exposure is something people rely on."""
    lines = ["version: 2", "exposures:"]
    base = site_url.rstrip("/") or "http://localhost:8501"
    items = [
        (
            f"portal_dashboard_{_name(team)}",
            d.title or f"{team.capitalize()} dashboard",
            "dashboard",
            f"{base}/team-{team}",
            d.owner or "data team",
            dashboard_reads.get(f"dashboard:{team}"),
        )
        for team, d in sorted(dashboards.items())
    ]
    items += [
        (f"portal_query_{_name(q.id)}", q.title, "analysis", f"{base}/library?q={q.id}", q.owner or "data team", lin)
        for q, lin in queries
        if q.is_curated
    ]
    for name, label, kind, url, owner, reads in items:
        refs = _refs(reads.tables if reads else (), project)
        if not refs:
            continue
        lines += [
            f"  - name: {name}",
            f"    label: {json.dumps(label)}",
            f"    type: {kind}",
            f"    url: {json.dumps(url)}",
            f"    owner: {{name: {json.dumps(owner)}}}",
            '    description: "Written by python -m portal dbt exposures; regenerate, do not edit."',
            "    depends_on:",
            *[f"      - {json.dumps(r)}" for r in refs],
        ]
    return "\n".join(lines) + "\n"

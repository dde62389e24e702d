"""A dbt project as its artifacts say it: manifest.json (models, sources, tests, exposures, semantic
models, metrics), catalog.json (the columns as built), run_results.json (test results) and
sources.json (source freshness). Plain JSON read from a folder: no dbt at run time, no network.

Relations are named `schema.table` in lower case, the way the portal's catalog names them (a
DuckDB file is one database, so dbt's database part is dropped)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ARTIFACTS = ("manifest.json", "catalog.json", "run_results.json", "sources.json")
TEST_RUNS = {"build", "test"}  # run_results.json written by `dbt docs generate` or `dbt run` holds no tests


class DbtError(ValueError):
    """Artifacts that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class TestResult:
    name: str  # not_null, unique, accepted_values, … (the generic test) or the singular test's name
    column: str | None  # None: a test of the whole table
    status: str  # pass, fail, warn, error, skipped; "not run" when the last run ran no tests
    failures: int = 0


@dataclass(frozen=True)
class Freshness:
    status: str  # pass, warn, error, runtime error; "built" for a model (when dbt last built it)
    at: str  # a source's newest _loaded_at, or the model's build time (ISO 8601)
    warn_after: str = ""  # "12 hours" when the source declares it
    error_after: str = ""

    def text(self) -> str:
        if self.status == "built":
            return f"built {short_time(self.at)}"
        limits = ", ".join(
            f"{word} after {value}" for word, value in (("warn", self.warn_after), ("error", self.error_after)) if value
        )
        verdict = {"pass": "fresh", "warn": "late", "error": "stale"}.get(self.status, self.status)
        return f"{verdict}: loaded {short_time(self.at)}" + (f" ({limits})" if limits else "")


@dataclass(frozen=True)
class Relation:
    unique_id: str
    kind: str  # model, source, seed, snapshot
    name: str  # schema.table, lower case
    description: str
    columns: dict[str, str]  # column (lower case) -> description
    tests: tuple[TestResult, ...] = ()
    pii: tuple[str, ...] = ()  # columns dbt marks personal: meta pii true, or a pii tag
    depends_on: tuple[str, ...] = ()  # unique ids of the models and sources it reads
    compiled_sql: str | None = None
    freshness: Freshness | None = None

    def quality(self, column: str | None = None) -> str:
        """ "12 tests pass, 1 fails" for the table (every test), or for one column's own tests."""
        tests = [t for t in self.tests if column is None or (t.column or "").lower() == column.lower()]
        return quality_text(tests)


@dataclass(frozen=True)
class Exposure:
    name: str
    label: str
    type: str
    url: str
    owner: str
    description: str
    depends_on: tuple[str, ...]  # relation names (schema.table)


@dataclass(frozen=True)
class DbtProject:
    folder: Path
    relations: dict[str, Relation]  # by schema.table
    exposures: tuple[Exposure, ...] = ()
    semantic_models: tuple[dict, ...] = ()
    metrics: tuple[dict, ...] = ()
    run_at: str = ""  # when the run that produced the test results finished
    run_kind: str = ""  # build, test, run, generate, …
    notes: tuple[str, ...] = field(default_factory=tuple)  # what was missing or skipped, said plainly

    def relation(self, name: str) -> Relation | None:
        return self.relations.get(name.lower())

    def by_id(self, unique_id: str) -> Relation | None:
        return next((r for r in self.relations.values() if r.unique_id == unique_id), None)

    def pii_columns(self) -> list[str]:
        return sorted(f"{r.name}.{c}" for r in self.relations.values() for c in r.pii)

    def models(self) -> list[Relation]:
        return [r for r in self.relations.values() if r.kind in ("model", "snapshot", "seed")]


def quality_text(tests) -> str:
    if not tests:
        return ""
    counts: dict[str, int] = {}
    for t in tests:
        counts[t.status] = counts.get(t.status, 0) + 1
    words = {
        "pass": ("passes", "pass"),
        "fail": ("fails", "fail"),
        "warn": ("warns", "warn"),
        "error": ("errors", "error"),
    }
    parts = []
    for status in ("pass", "fail", "warn", "error", "skipped", "not run"):
        n = counts.get(status, 0)
        if n:
            verb = words.get(status, (status, status))[0 if n == 1 else 1]
            parts.append(f"{n} {'test' if n == 1 else 'tests'} {verb}" if not parts else f"{n} {verb}")
    return ", ".join(parts)


def short_time(iso: str) -> str:
    """2026-11-30T06:00:00+00:00 -> 2026-11-30 06:00 UTC."""
    text = (iso or "").replace("T", " ")
    return (text[:16] + " UTC") if len(text) >= 16 else text


def _json(folder: Path, name: str, required: bool) -> dict | None:
    path = folder / name
    if not path.exists():
        if required:
            raise DbtError(f"{path}: not found. Point [dbt] target at the folder where dbt writes its artifacts.")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DbtError(f"{path}: not readable as JSON ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise DbtError(f"{path}: not a dbt artifact (no metadata)")
    return data


def _relation_name(node: dict) -> str:
    table = node.get("alias") or node.get("identifier") or node.get("name") or ""
    return f"{node.get('schema', '')}.{table}".lower()


def _personal(col: dict) -> bool:
    meta = col.get("meta") or {}
    tags = {str(t).lower() for t in (col.get("tags") or [])}
    return meta.get("pii") is True or str(meta.get("pii", "")).lower() == "true" or "pii" in tags


def _compiled(folder: Path, node: dict) -> str | None:
    """The model's compiled SQL: in the manifest after `dbt compile`/`run`/`build`, else in
    target/compiled/ (a later `dbt source freshness` writes a manifest without it)."""
    if node.get("compiled_code"):
        return node["compiled_code"]
    path = folder / "compiled" / node.get("package_name", "") / node.get("original_file_path", "")
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return None


def _period(spec: dict | None) -> str:
    if not spec or not spec.get("count") or not spec.get("period"):
        return ""
    n, period = spec["count"], spec["period"]
    return f"{n} {period}{'s' if n != 1 else ''}"


def read_project(folder: Path) -> DbtProject:
    """Read the artifacts of `folder` (dbt's target/). manifest.json is required; the others add
    columns, test results and freshness when they are there, and `notes` says what is missing."""
    folder = Path(folder)
    manifest = _json(folder, "manifest.json", required=True)
    catalog = _json(folder, "catalog.json", required=False) or {}
    run = _json(folder, "run_results.json", required=False) or {}
    fresh = _json(folder, "sources.json", required=False) or {}
    notes = [f"{name} not found" for name in ARTIFACTS[1:] if not (folder / name).exists()]
    run_kind = str((run.get("args") or {}).get("which", "")) if run else ""
    statuses = {r["unique_id"]: r for r in run.get("results", [])} if run_kind in TEST_RUNS else {}
    if run and run_kind not in TEST_RUNS:
        notes.append(f"run_results.json is from `dbt {run_kind}`, which runs no tests: test results are not known")
    built = {uid: r for uid, r in statuses.items() if uid.startswith(("model.", "seed.", "snapshot."))}
    source_fresh = {r.get("unique_id"): r for r in fresh.get("results", [])}

    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    tests: dict[str, list[TestResult]] = {}
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "test":
            continue
        owner = node.get("attached_node") or next(iter((node.get("depends_on") or {}).get("nodes", [])), None)
        meta = node.get("test_metadata") or {}
        result = statuses.get(uid)
        status = result.get("status", "not run") if result else "not run"
        failures = int(result.get("failures") or 0) if result else 0
        tests.setdefault(owner, []).append(
            TestResult(meta.get("name") or node.get("name", uid), node.get("column_name"), status, failures)
        )

    relations: dict[str, Relation] = {}
    for uid, node in nodes.items():
        kind = node.get("resource_type")
        if kind not in ("model", "source", "seed", "snapshot") or not (node.get("config") or {}).get("enabled", True):
            continue
        name = _relation_name(node)
        built_cols = (catalog.get("nodes", {}).get(uid) or catalog.get("sources", {}).get(uid) or {}).get("columns", {})
        columns = {c.lower(): "" for c in built_cols}
        columns.update({c.lower(): spec.get("description") or "" for c, spec in (node.get("columns") or {}).items()})
        freshness = None
        if kind == "source" and uid in source_fresh:
            f, criteria = source_fresh[uid], source_fresh[uid].get("criteria") or {}
            freshness = Freshness(
                f.get("status", ""),
                f.get("max_loaded_at", ""),
                _period(criteria.get("warn_after")),
                _period(criteria.get("error_after")),
            )
        elif uid in built and built[uid].get("status") == "success":
            timing = [t for t in built[uid].get("timing", []) if t.get("name") == "execute"]
            freshness = Freshness(
                "built",
                timing[-1].get("completed_at", "") if timing else run.get("metadata", {}).get("generated_at", ""),
            )
        relations[name] = Relation(
            uid,
            kind,
            name,
            node.get("description") or "",
            columns,
            tuple(tests.get(uid, ())),
            tuple(sorted(c.lower() for c, spec in (node.get("columns") or {}).items() if _personal(spec))),
            tuple((node.get("depends_on") or {}).get("nodes", [])),
            _compiled(folder, node) if kind in ("model", "snapshot") else None,
            freshness,
        )
    by_id = {r.unique_id: r.name for r in relations.values()}
    exposures = tuple(
        Exposure(
            e.get("name", ""),
            e.get("label") or e.get("name", ""),
            e.get("type", ""),
            e.get("url") or "",
            (e.get("owner") or {}).get("name") or (e.get("owner") or {}).get("email") or "",
            e.get("description") or "",
            tuple(by_id[n] for n in (e.get("depends_on") or {}).get("nodes", []) if n in by_id),
        )
        for e in manifest.get("exposures", {}).values()
    )
    return DbtProject(
        folder,
        relations,
        exposures,
        tuple(manifest.get("semantic_models", {}).values()),
        tuple(manifest.get("metrics", {}).values()),
        (run.get("metadata") or {}).get("generated_at", "") if statuses else "",
        run_kind,
        tuple(notes),
    )


@cache
def _cached(folder: str, stamps: tuple) -> DbtProject:
    return read_project(Path(folder))


def load_project(folder: Path | None) -> DbtProject | None:
    """The project of `folder`, read again whenever one of its artifacts changes (None: no [dbt])."""
    if folder is None:
        return None
    stamps = tuple((folder / n).stat().st_mtime_ns if (folder / n).exists() else 0 for n in ARTIFACTS)
    return _cached(str(folder), stamps)

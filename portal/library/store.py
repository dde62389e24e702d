"""The saved-query files: load, save atomically with optimistic concurrency, revisions and trash.

Files are the source of truth (reviewable in git, runnable anywhere). Every save writes a temporary
file in the same folder, fsyncs it and `os.replace`s it, so a crash leaves the old or the new
version, never half a file. A save names the version it started from; if the file changed since,
the save is refused with the other version and a diff, so nobody overwrites anybody silently.
Revisions and the trash live in the app-state folder, outside the reviewed queries/ tree.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from portal.audit import AuditLog
from portal.identity import User
from portal.library.files import atomic_write, locked, sweep_tmp
from portal.library.header import HeaderError, SavedQuery, parse_query, render_query
from portal.workbench.params import bind

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}(/[a-z0-9][a-z0-9_-]{0,63}){1,3}$")
LIMITS = {"title": 200, "description": 5000, "owner": 64, "team": 64, "tag": 40, "tags": 20, "sql": 200_000}


class SaveRefused(ValueError):
    """The save cannot happen as asked (bad id, duplicate title, does not compile...)."""


class PermissionDenied(SaveRefused):
    pass


@dataclass
class SaveConflict(Exception):
    """The file changed since the user opened it: theirs is kept, ours is returned untouched."""

    query_id: str
    theirs: str
    mine: str
    diff: str

    def __str__(self) -> str:
        return f"{self.query_id} was changed by someone else since you opened it."


@dataclass(frozen=True)
class Revision:
    query_id: str
    number: int
    user: str
    when: float
    message: str
    text: str


def validate_id(query_id: str) -> str:
    """`team/name`: lower-case words only, so an id can never climb out of the queries folder."""
    qid = (query_id or "").strip().removesuffix(".sql")
    if not _ID.match(qid) or ".." in qid:
        raise SaveRefused(
            f"{query_id!r} is not a valid query id: use team/name with lower-case letters, digits, - and _."
        )
    return qid


def version_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def diff_text(a: str, b: str, a_name: str = "theirs", b_name: str = "mine") -> str:
    return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), a_name, b_name))


class QueryStore:
    def __init__(
        self,
        root: Path,
        state_dir: Path,
        in_use: Callable[[str], list[str]] | None = None,
        audit: AuditLog | None = None,
    ):
        """`in_use(query_id)` names what shows a query to others (dashboards): such a curated query is
        neither trashed nor taken back to draft while anything uses it (issue #21, finding 1).
        Revisions and the trash are files beside the queries' state (`state_dir`), so replicas share
        them on the same volume as the queries; `audit` is the app state's trail (default: SQLite
        in `state_dir`)."""
        self.root = Path(root)
        self.state = Path(state_dir) / "saved_queries"
        self.audit = audit or AuditLog(state_dir)
        self.in_use = in_use or (lambda _qid: [])

    def curated(self, query_id: str) -> SavedQuery:
        """The query, if the data team curated it: what dashboards and the digest may show everyone
        (a draft is anyone's to edit, so it is never shown to others as the company's answer)."""
        q = self.get(query_id)
        if not q.is_curated:
            raise PermissionDenied(
                f"{q.id} is {q.status}: dashboards and the digest show only curated queries "
                "(the data team curates it on the Saved queries page)."
            )
        return q

    def _refuse_if_used(self, q: SavedQuery, action: str) -> None:
        users = self.in_use(q.id) if q.is_curated else []
        if users:
            raise PermissionDenied(f"{q.id} is used by {', '.join(users)}: remove it there before you {action} it.")

    # ------------------------------------------------------------------ reading
    def path(self, query_id: str) -> Path:
        return self.root / f"{validate_id(query_id)}.sql"

    def load_all(self) -> tuple[list[SavedQuery], list[HeaderError]]:
        """Every parseable query (curated first, then by title) and every malformed file's error."""
        queries, errors = [], []
        for p in sorted(self.root.glob("*/**/*.sql")):
            qid = p.relative_to(self.root).with_suffix("").as_posix()
            try:
                validate_id(qid)
                text = p.read_text(encoding="utf-8")
                queries.append(parse_query(text, qid, version_of(text)))
            except HeaderError as err:
                errors.append(err)
            except (SaveRefused, OSError, UnicodeDecodeError) as err:
                errors.append(HeaderError(f"queries/{qid}.sql", 1, str(err)))
        queries.sort(key=lambda q: (not q.is_curated, q.status == "deprecated", q.title.lower()))
        return queries, errors

    def get(self, query_id: str) -> SavedQuery:
        p = self.path(query_id)
        if not p.exists():
            raise KeyError(f"No saved query {query_id!r}.")
        text = p.read_text(encoding="utf-8")
        return parse_query(text, validate_id(query_id), version_of(text))

    # ------------------------------------------------------------------ writing
    def can_edit(self, user: User, query: SavedQuery | None) -> bool:
        """Curated and deprecated queries belong to the data team; drafts to anyone."""
        return query is None or query.status == "draft" or user.is_data_team

    def save(
        self, query: SavedQuery, user: User, base_version: str | None, message: str = "", compile_check=None
    ) -> SavedQuery:
        """Create (base_version None) or update a query; raises SaveConflict, SaveRefused, PermissionDenied.
        Every save, curation change and refused attempt goes to the audit trail."""
        try:
            saved, previous = self._save(query, user, base_version, message, compile_check)
        except PermissionDenied as err:
            self.audit.record(user, "refused", "saved queries", "refused", object=query.id, detail=str(err))
            raise
        curation = previous is not None and previous != saved.status
        self.audit.record(
            user,
            "curation" if curation else "save",
            "saved queries",
            object=saved.id,
            sql=saved.sql,
            detail=f"{previous} → {saved.status}" if curation else (message or None),
        )
        return saved

    def _save(self, query: SavedQuery, user: User, base_version: str | None, message: str, compile_check):
        qid = validate_id(query.id)
        if query.status != "draft" and not user.is_data_team:
            raise PermissionDenied("Only the data team can mark a query curated or deprecated.")
        check_fields(query)
        text = render_query(replace(query, id=qid))
        parse_query(text, qid)  # never write a file we could not read back
        if compile_check is not None:
            compile_check(query)
        with locked(self.state / ".lock"):
            sweep_tmp(self.root)
            path = self.path(qid)
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current is not None:
                existing = parse_query(current, qid, version_of(current))
                if not self.can_edit(user, existing):
                    raise PermissionDenied(
                        f"{existing.title!r} is {existing.status}: only the data team can change it. "
                        "Fork it to make your own version."
                    )
                if query.status != "curated":
                    self._refuse_if_used(existing, f"mark {query.status}")
            if base_version is None and current is not None:
                raise SaveConflict(qid, current, text, diff_text(current, text))
            if base_version is not None and (current is None or version_of(current) != base_version):
                raise SaveConflict(qid, current or "", text, diff_text(current or "", text))
            others, _ = self.load_all()
            clash = next(
                (o for o in others if o.id != qid and o.title.strip().lower() == query.title.strip().lower()), None
            )
            if clash:
                raise SaveRefused(f"Another saved query ({clash.id}) already has the title {query.title!r}.")
            atomic_write(path, text)
            self._add_revision(qid, user.name, message or ("created" if current is None else "edited"), text)
        previous = parse_query(current, qid).status if current is not None else None
        return parse_query(text, qid, version_of(text)), previous

    def fork(self, query: SavedQuery, user: User, new_id: str, title: str) -> SavedQuery:
        fork = replace(query, id=validate_id(new_id), title=title, owner=user.name, status="draft", version="")
        return self.save(fork, user, None, message=f"forked from {query.id}")

    def delete(self, query_id: str, user: User, base_version: str) -> Path:
        """Move the file to the trash (restorable); same permission and version rules as a save."""
        with locked(self.state / ".lock"):
            q = self.get(query_id)
            if not self.can_edit(user, q):
                raise PermissionDenied(f"{q.title!r} is {q.status}: only the data team can delete it.")
            self._refuse_if_used(q, "trash")
            if q.version != base_version:
                current = self.path(query_id).read_text(encoding="utf-8")
                raise SaveConflict(q.id, current, "", diff_text(current, ""))
            trash = self.state / "trash" / f"{_flat(q.id)}__{int(time.time() * 1000)}.sql"
            trash.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path(query_id), trash)
            self._add_revision(q.id, user.name, "deleted", "")
        self.audit.record(user, "delete", "saved queries", object=q.id)
        return trash

    def trash(self) -> list[tuple[str, Path]]:
        items = sorted((self.state / "trash").glob("*.sql"), reverse=True) if (self.state / "trash").exists() else []
        return [(_unflat(p.name.rsplit("__", 1)[0]), p) for p in items]

    def restore_from_trash(self, trashed: Path, user: User) -> SavedQuery:
        qid = _unflat(trashed.name.rsplit("__", 1)[0])
        text = trashed.read_text(encoding="utf-8")
        if self.path(qid).exists():
            raise SaveRefused(f"{qid} exists again; restore it under another id by forking.")
        q = parse_query(text, qid)
        saved = self.save(q, user if q.status == "draft" else _as_data_team(user), None, message="restored from trash")
        trashed.unlink()
        return saved

    # ------------------------------------------------------------------ revisions
    def _rev_dir(self, qid: str) -> Path:
        return self.state / "revisions" / _flat(qid)

    def _add_revision(self, qid: str, user: str, message: str, text: str) -> None:
        d = self._rev_dir(qid)
        d.mkdir(parents=True, exist_ok=True)
        number = len(list(d.glob("*.json"))) + 1
        atomic_write(
            d / f"{number:05d}.json", json.dumps({"user": user, "when": time.time(), "message": message, "text": text})
        )

    def revisions(self, query_id: str) -> list[Revision]:
        d = self._rev_dir(validate_id(query_id))
        out = []
        for p in sorted(d.glob("*.json")) if d.exists() else []:
            data = json.loads(p.read_text(encoding="utf-8"))
            out.append(Revision(query_id, int(p.stem), data["user"], data["when"], data["message"], data["text"]))
        return out

    def restore_revision(self, query_id: str, number: int, user: User, base_version: str) -> SavedQuery:
        rev = next(r for r in self.revisions(query_id) if r.number == number)
        q = parse_query(rev.text, validate_id(query_id))
        return self.save(q, user, base_version, message=f"restored revision {number}")


def _flat(qid: str) -> str:
    """A query id as one file name. `@` never occurs in ids, so `aa__bb/cc` and `aa/bb__cc` stay apart
    (they shared a folder when `/` became `__`: issue #12, finding 6)."""
    return qid.replace("/", "@")


def _unflat(name: str) -> str:
    return name.replace("@", "/")


def check_fields(q: SavedQuery) -> None:
    """One-line, bounded metadata: a newline would end the header line and cut the rest off, and a
    megabyte title would land on every viewer's page."""
    if not q.title.strip():
        raise SaveRefused("A saved query needs a title.")
    for name in ("title", "owner", "team"):
        value = getattr(q, name)
        if len(value.splitlines()) > 1 or "\n" in value or "\r" in value:  # U+2028 ends a line too
            raise SaveRefused(f"The {name} must be one line.")
        if len(value) > LIMITS[name]:
            raise SaveRefused(f"The {name} is {len(value):,} characters long; at most {LIMITS[name]:,} are allowed.")
    if len(q.description) > LIMITS["description"]:
        raise SaveRefused(f"The description is {len(q.description):,} characters long; at most 5,000 are allowed.")
    if len(q.tags) > LIMITS["tags"] or any(
        len(t) > LIMITS["tag"] or "," in t or len(t.splitlines()) > 1 for t in q.tags
    ):
        raise SaveRefused("Use at most 20 tags of up to 40 characters each, without commas or newlines.")
    if len(q.sql) > LIMITS["sql"]:
        raise SaveRefused(f"The SQL is {len(q.sql):,} characters long; at most {LIMITS['sql']:,} are allowed.")


def _as_data_team(user: User) -> User:
    if user.is_data_team:
        return user
    raise PermissionDenied("Only the data team can restore a curated query.")


def run_saved(session, query: SavedQuery, values: dict, max_rows: int | None = None, origin: str = ""):
    """Run a saved query with its declared parameters validated and bound."""
    return session.run(
        query.sql, bind(query.sql, list(query.params), values), max_rows, origin=origin or f"saved query {query.id}"
    )

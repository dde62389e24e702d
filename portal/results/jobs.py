"""Background runs (issue #33): a statement that keeps running on the server after its tab is reloaded
or closed. The job is a running row in the result store; a thread of this server runs it through the
person's own session (their roles, limits and audit trail, with the longer background time limit),
beats every couple of seconds, stops it when a cancel is asked for from any tab, and writes the answer
to the store. A server that restarts fails the jobs it held, and any server fails jobs whose heartbeat
stopped: a job is never lost silently."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from pathlib import Path

import pyarrow as pa

from portal.results.store import CANCELLED, JOB, ResultStore
from portal.warehouse.errors import QueryError
from portal.warehouse.results import QueryResult

log = logging.getLogger(__name__)
SERVER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process, this start


class JobRunner:
    def __init__(self, store: ResultStore, beat_seconds: float = 2.0, notify=None):
        """`notify(stored, address)`: told when a job someone asked to be mailed about finishes."""
        self.store = store
        self.beat_seconds = beat_seconds
        self.notify = notify
        self.threads: dict[str, threading.Thread] = {}
        self.mail_to: dict[str, str] = {}

    def mail_when_done(self, rid: str, address: str) -> None:
        """Mail `address` when job `rid` (running on this server) finishes."""
        self.mail_to[rid] = address

    def start(self, session, sql: str, params: dict | None, max_rows: int, timeout_s: float, role_key: str,
              version: str, origin: str = "workbench") -> str:  # fmt: skip
        """Begin a job; returns its id at once (the page may go away)."""
        rid = self.store.begin(JOB, session.user.name, role_key, sql, params, version, origin, SERVER)
        thread = threading.Thread(
            target=self._work,
            args=(rid, session, sql, params, max_rows, timeout_s, origin),
            daemon=True,
            name=f"job-{rid}",
        )
        self.threads[rid] = thread
        thread.start()
        return rid

    def _work(self, rid, session, sql, params, max_rows, timeout_s, origin) -> None:
        outcome: dict = {}

        def run() -> None:
            try:  # audited under the origin the page gave (workbench, workbench link)
                outcome["result"] = session.run(sql, params, max_rows, timeout_s=timeout_s, origin=origin)
            except QueryError as err:
                outcome["error"] = err
            except Exception as exc:  # never let a job die silently
                outcome["error"] = QueryError(f"Unexpected error: {exc}")

        inner = threading.Thread(target=run, daemon=True)
        inner.start()
        cancelled = False
        while inner.is_alive():
            inner.join(self.beat_seconds)
            if inner.is_alive() and self.store.beat(rid) and not cancelled:
                cancelled = True
                session.cancel()
        try:
            self._finish(rid, outcome, cancelled)
        finally:
            address = self.mail_to.pop(rid, None)
            if address and self.notify is not None:
                try:
                    self.notify(self.store._get(rid), address)
                except Exception as exc:  # a mail that cannot go out must not fail the job: logged
                    log.warning("could not mail %s about job %s: %s", address, rid, exc)

    def _finish(self, rid, outcome, cancelled) -> None:
        err = outcome.get("error")
        if err is not None:
            self.store.fail(
                rid,
                err.message if hasattr(err, "message") else str(err),
                CANCELLED if cancelled or getattr(err, "kind", "") == "cancelled" else "failed",
            )
            return
        result = outcome["result"]
        table = pa.Table.from_pandas(result.frame, preserve_index=False)
        facts = {"types": result.types, "truncated": result.truncated, "max_rows": result.max_rows,
                 "elapsed_s": result.elapsed_s, "kind": result.kind}  # fmt: skip
        self.store.finish(
            rid, table.replace_schema_metadata({**(table.schema.metadata or {}), b"portal": json.dumps(facts).encode()})
        )

    def running_here(self, rid: str) -> bool:
        thread = self.threads.get(rid)
        return thread is not None and thread.is_alive()

    def wait(self, rid: str, seconds: float) -> bool:
        """Wait up to `seconds` for a job this server runs; True when it has finished."""
        thread = self.threads.get(rid)
        if thread is not None:
            thread.join(seconds)
            return not thread.is_alive()
        return True


def as_query_result(stored, table: pa.Table) -> QueryResult:
    """A finished job's answer as the workbench shows any result."""
    facts = json.loads((table.schema.metadata or {}).get(b"portal", b"{}"))
    frame = table.to_pandas()
    return QueryResult(
        stored.sql,
        list(frame.columns),
        facts.get("types") or [str(t) for t in table.schema.types],
        frame,
        bool(facts.get("truncated")),
        float(facts.get("elapsed_s") or 0.0),
        int(facts.get("max_rows") or len(frame)),
        facts.get("kind", "select"),
    )


def as_error(stored) -> QueryError:
    """A failed or cancelled job as the error the workbench shows."""
    kind = "cancelled" if stored.status == CANCELLED else "failed"
    return QueryError(stored.error or stored.status, kind=kind)


def job_mail(settings, secrets: Path):
    """The notifier that mails a finished job's status and its link, through the digest's SMTP path."""
    import html

    from portal.reporting.digest import send_digest, smtp_settings

    def notify(stored, address: str) -> None:
        cfg = smtp_settings(secrets, settings.extra)
        if not cfg or "from" not in cfg:
            raise OSError("no [smtp] settings with from")
        link = f"{settings.site_url or 'http://localhost:8501'}/workbench?job={stored.id}"
        rows = f", {stored.rows:,} rows" if stored.rows is not None else ""
        body = (
            f"<p style='font:14px sans-serif'>Your query finished: {html.escape(stored.status)}{rows}. "
            f"<a href='{html.escape(link)}'>Open it in the workbench</a>.</p>"
            f"<pre style='font:12px monospace;color:#555'>{html.escape(stored.sql[:2000])}</pre>"
        )
        send_digest(
            body, f"Your query finished: {stored.status}", cfg, to=[address], text=f"Your query finished: {link}"
        )

    return notify

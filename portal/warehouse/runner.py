"""Run a statement on a background thread so the page can show elapsed time and a Cancel button.

The engine call blocks inside DuckDB; keeping it off the page's script thread lets a Cancel click
rerun the page, which then calls `Session.cancel()` on this user's cursor only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from portal.warehouse.engine import QueryResult, Session
from portal.warehouse.errors import QueryError


@dataclass
class BackgroundRun:
    session: Session
    sql: str
    params: dict | None = None
    max_rows: int | None = None
    origin: str = "workbench"  # where the statement came from, for the audit trail
    started: float = field(default_factory=time.perf_counter)
    result: QueryResult | None = None
    error: QueryError | None = None
    finished: float | None = None
    _thread: threading.Thread | None = None

    def start(self) -> BackgroundRun:
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()
        return self

    def _work(self) -> None:
        try:
            self.result = self.session.run(self.sql, self.params, self.max_rows, origin=self.origin)
        except QueryError as err:
            self.error = err
        except Exception as exc:  # never let a worker die silently: report it like a query error
            self.error = QueryError(f"Unexpected error: {exc}")
        finally:
            self.finished = time.perf_counter()

    @property
    def done(self) -> bool:
        return self.finished is not None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def wait(self, seconds: float) -> bool:
        if self._thread is not None:
            self._thread.join(seconds)
        return self.done

    def cancel(self) -> bool:
        return self.session.cancel()

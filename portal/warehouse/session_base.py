"""What every engine's session owns, written once (review #3): who is asking (a principal, never
optional), where it is recorded (an audit log: every operation, refused ones included), what they
may not read (denied schemas) and the limits they run under. Engines add how a statement is planned,
executed, interrupted and listed; their policy checks (statement guard, denied schemas in the plan,
the size ceiling, cell caps) are held to the same tests on both engines (tests/test_hardening.py,
tests/test_policies.py)."""

from __future__ import annotations

import time

from portal.audit import AuditLog
from portal.config import Limits
from portal.identity import User
from portal.model import Model


class PolicySession:
    def __init__(self, warehouse, principal: User, audit: AuditLog, denied_schemas: tuple[str, ...]):
        if not isinstance(principal, User) or audit is None or denied_schemas is None:
            raise TypeError("A session needs a principal, an audit log and its denied schemas.")
        self.warehouse = warehouse
        self.user = principal
        self.audit = audit
        self.denied_schemas = tuple(d.lower() for d in denied_schemas)
        self.running_since: float | None = None

    @property
    def limits(self) -> Limits:
        return self.warehouse.limits

    @property
    def model(self) -> Model:
        return self.warehouse.model

    def exported(self, what: str, rows: int, size: int, origin: str) -> None:
        """Record an export the portal built from its own passes (the Funnels page's dropped-users CSV):
        every export is audited, not only statements' downloads."""
        self.audit.record(self.user, "export", origin, "ok", object=what, rows=rows, bytes=size)

    def refuse(self, sql: str, reason: str, params: dict | None = None, origin: str = "") -> None:
        """Record a statement the portal refused before it reached the warehouse (a lint error, the
        size guard): refusals are audited like every statement."""
        self.audit.record(
            self.user, "refused", origin or "unspecified", "refused", sql=sql, params=params, detail=reason
        )

    def recorded(self, kind: str, origin: str, status: str, sql: str, params, started: float, **facts) -> None:
        """One operation in the audit trail, with how long it took."""
        self.audit.record(
            self.user,
            kind,
            origin or "unspecified",
            status,
            sql=sql,
            params=params,
            seconds=time.perf_counter() - started,
            **facts,
        )

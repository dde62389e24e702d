"""The principal benchmarks run as: a named system principal with PII access, audited into a
throwaway folder (sessions always have a principal and an audit log; issue #21)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.audit import AuditLog  # noqa: E402
from portal.identity import system_principal  # noqa: E402

_AUDIT = AuditLog(Path(tempfile.mkdtemp(prefix="bench-audit-")))


def bench_session(warehouse):
    return warehouse.session(system_principal("benchmark", pii=True), _AUDIT, ())

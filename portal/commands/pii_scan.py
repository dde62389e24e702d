"""`python -m portal pii-scan [--db PATH]`: columns that look like personal data (by name, or by values:
e-mails, phones, IPs, street addresses, names) but are not declared in portal.toml [pii], with counts.
Exit 1 when there are any, so a build can stop before the twin is published."""

from __future__ import annotations

import sys
from pathlib import Path

from portal.config import load_settings
from portal.warehouse.pii_scan import scan


def register(sub) -> None:
    p = sub.add_parser("pii-scan", help="list undeclared columns that look like personal data")
    p.add_argument("--db", help="warehouse file (default: [warehouse] path in portal.toml)")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    path = Path(args.db) if args.db else settings.warehouse_path
    if not path.exists():
        print(f"error: no warehouse file at {path}", file=sys.stderr)
        return 2
    suspects = scan(path, settings.pii_columns, settings.pii_not_personal)
    for s in suspects:
        counts = f"{s.matches} of {s.sampled} sampled values" if s.sampled else "no text values sampled"
        print(f"{s.column}\t{s.reason}\t{counts}")
    if suspects:
        print(
            f"{len(suspects)} column(s) may hold personal data: declare them in portal.toml [pii] columns "
            "(or tag their description [pii]), then run python -m portal twin. A column you looked at and found not "
            "personal goes in [pii] not_personal.",
            file=sys.stderr,
        )
    return 1 if suspects else 0

"""`python -m portal twin [--db PATH]`: build the PII-free twin of any warehouse (the file analysts
without the pii role read), and its event index. Run it after every warehouse build: a twin older
than its warehouse is refused, not served."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from portal.config import load_settings
from portal.model_check import findings_on_file
from portal.warehouse.errors import WarehouseUnavailable
from portal.warehouse.event_index import IndexUnsupported, rebuild, share_index
from portal.warehouse.pii_scan import scan
from portal.warehouse.twin import write_twin


def register(sub) -> None:
    p = sub.add_parser("twin", help="build the PII-free twin of the warehouse ([pii] columns blanked)")
    p.add_argument("--db", help="warehouse file (default: [warehouse] path in portal.toml)")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    source = Path(args.db) if args.db else settings.warehouse_path
    t0 = time.perf_counter()
    try:
        # fail closed: a column whose values look personal is blanked too until the data team declares
        # it ([pii] columns) or clears it ([pii] not_personal) (review #3, finding 5)
        found = scan(source, settings.pii_columns, settings.pii_not_personal) if source.exists() else []
        suspects = [s for s in found if s.matches]
        report = write_twin(source, [*settings.pii_columns, *(s.column for s in suspects)])
    except (WarehouseUnavailable, OSError) as err:
        print(f"error: {getattr(err, 'message', None) or err}", file=sys.stderr)
        return 2
    except Exception as exc:  # a locked file, a broken table: say which, change nothing
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"built {report.path} in {time.perf_counter() - t0:.1f} s: {report.tables} tables, {report.views} views")
    guessed = {s.column.lower(): s for s in suspects}
    for col in report.blanked:
        why = guessed.get(col.lower())
        print(
            f"  blanked {col}"
            + (f" (not declared, but its {why.reason.removeprefix('values look like ')})" if why else "")
        )
    if suspects:
        print(
            f"warning: {len(suspects)} undeclared columns look personal and were blanked in the twin; declare them "
            "in [pii] columns, or list those that are not personal in [pii] not_personal (python -m portal pii-scan)",
            file=sys.stderr,
        )
    for view in report.skipped_views:  # analysts would get "does not exist": say so, and fail
        print(f"error: view {view} could not be recreated in the twin; analysts cannot read it", file=sys.stderr)
    missing = {c.lower() for c in settings.pii_columns} - {c.lower() for c in report.blanked}
    missing = {c for c in missing if f"main.{c}" not in {b.lower() for b in report.blanked}}
    dropped = {v.split(" ", 1)[0].lower() for v in report.skipped_views}  # said above
    for col in sorted(c for c in missing if c.rsplit(".", 1)[0] not in dropped):
        print(f"warning: [pii] names {col}, which is not a column of the warehouse", file=sys.stderr)
    if settings.model.events is not None:
        try:
            rebuild(source, settings.model.events)
            share_index(source, report.path)
            print("event index built")
        except IndexUnsupported as why:
            print(f"no event index: {why}", file=sys.stderr)
        except Exception as exc:
            print(f"no event index: {exc}", file=sys.stderr)
    for finding in findings_on_file(settings, report.path):
        print(finding.line(), file=sys.stderr)
    return 1 if report.skipped_views else 0

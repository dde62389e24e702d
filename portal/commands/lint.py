"""`python -m portal lint FILE...`: lint SQL files against the warehouse, one finding per line."""

from __future__ import annotations

import sys
from pathlib import Path

from portal.library.files import atomic_write
from portal.warehouse.connect import add_person_argument, open_for
from portal.workbench.lint import has_errors, lint
from portal.workbench.lint.fixes import apply_fixes


def register(sub) -> None:
    p = sub.add_parser("lint", help="lint SQL files (exit 1 on any error-level finding)")
    p.add_argument("files", nargs="+", help=".sql files")
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    p.add_argument(
        "--fix", action="store_true", help="apply the mechanical fixes (= NULL, LIMIT without ORDER BY) in place"
    )
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (opened := open_for(args, "lint")) is None:
        return 2
    settings, warehouse, session = opened
    catalog = session.catalog()
    failed = False
    for name in args.files:
        path = Path(name)
        try:
            sql = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{name}:1:1: L000 cannot read file ({exc})")
            failed = True
            continue
        if args.fix:
            fixed, n = apply_fixes(sql, {f.code for f in lint(sql, catalog, session, settings.lint)}, catalog)
            if n:
                atomic_write(path, fixed)
                print(f"{name}: applied {n} fix{'es' if n > 1 else ''}", file=sys.stderr)
                sql = fixed
        findings = lint(sql, catalog, session, settings.lint)
        for f in findings:
            print(f.format(name) + (f" ({f.fix})" if f.fix else ""))
        failed = failed or has_errors(findings)
    warehouse.close()
    return 1 if failed else 0

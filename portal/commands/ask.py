"""`python -m portal ask "QUESTION" [--as PERSON] [--format csv|json]`: a plain-English question over
the semantic layer, answered as CSV (group-by columns first, values last) or JSON; what was understood
goes to stderr. A word the parser cannot place is refused with the closest names it knows and exit 3;
two readings are listed and exit 3 too: it never guesses."""

from __future__ import annotations

import json
import sys

from portal.warehouse.connect import add_person_argument, open_for
from portal.warehouse.errors import QueryError


def register(sub) -> None:
    p = sub.add_parser("ask", help="answer a plain-English question (orders by country since 2026-08-01)")
    p.add_argument("question", help='e.g. "revenue by week on iOS last 8 weeks"')
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--db", help="warehouse file (default: the PII-free public twin from portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.csv_out import rows_csv
    from portal.explore.question import QuestionError
    from portal.explore.service import answer_table, ask
    from portal.product.vocabulary import data_range
    from portal.reporting.metrics import MetricError, load_metrics

    if (opened := open_for(args, "ask")) is None:
        return 2
    settings, wh, session = opened
    try:
        metrics = load_metrics(settings.metrics_path, settings.model)
        span = data_range(session)
        through = _data_through(session) or (span[1] if span else None)
        if through is None:
            print(
                "error: no data to answer from (the events are empty and [model] freshness names nothing)",
                file=sys.stderr,
            )
            return 2
        parsed, answer = ask(session, metrics, args.question, through, span[0] if span else None)
    except (MetricError, QuestionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        wh.close()
    if answer is None:
        print(parsed.message(), file=sys.stderr)
        for i, q in enumerate(parsed.choices, 1):
            print(f"  {i}. " + " · ".join(text for _, text in q.words()), file=sys.stderr)
        return 3
    print("understood: " + " · ".join(f"{kind}: {text}" for kind, text in parsed.question.words())
          + f" ({answer.start} to {answer.end})", file=sys.stderr)  # fmt: skip
    columns, rows = answer_table(answer)
    if args.format == "csv":
        sys.stdout.write(rows_csv(columns, rows))
    else:
        json.dump({"question": args.question, "understood": dict(parsed.question.to_params()), "columns": columns,
                   "rows": rows, "from": answer.start.isoformat(), "to": answer.end.isoformat()}, sys.stdout)  # fmt: skip
        sys.stdout.write("\n")
    return 0


def _data_through(session):
    from datetime import date

    text = session.catalog().data_through
    return date.fromisoformat(text[:10]) if text else None

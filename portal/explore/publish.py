"""An Explore question kept: as a saved query (its statement, with start, end and filters as
parameters whose defaults are the answer's), and as a tile on a team dashboard (a curated saved query
and a chart of it), through the query store and the dashboard store like any other save."""

from __future__ import annotations

from dataclasses import replace

from portal.explore.answer import Answer, statement, statement_values
from portal.library.drafts import build_query, slug
from portal.reporting.dashboards import Tile


def saved_query_parts(model, metrics, a: Answer) -> tuple[str, list[str], dict]:
    """(SQL, parameter names, defaults) of the answer's statement."""
    sql, params = statement(model, metrics, a.question)
    values = statement_values(a.question, a.start, a.end, params)
    return sql, params, {k: ("all" if v is None else v) for k, v in values.items()}  # 'all': no filter


def tile_for(a: Answer, query_id: str, title: str) -> Tile:
    """The tile that shows the saved question as the Explore page does: a line over time, bars for
    categories, or a table for a single number."""
    q = a.question
    if not a.chart:
        return Tile("table", title=title, query=query_id)
    x = "period" if a.chart == "line" else q.by[0]
    color = q.by[0] if a.chart == "line" and q.by else (q.by[1] if len(q.by) > 1 else "")
    return Tile("chart", title=title, query=query_id, chart=a.chart, x=x, y=q.metrics[0], color=color)


def add_to_dashboard(queries, dashboards, user, model, metrics, a: Answer, team: str, title: str, compile_check=None):
    """Save the answer as a curated query of `team` and add a row with its tile to the team's
    dashboard; returns (saved query, dashboard). Only the data team may (both stores refuse others)."""
    sql, params, defaults = saved_query_parts(model, metrics, a)
    words = " · ".join(text for _, text in a.question.words())
    query = build_query(sql, params, None, "Save as new", title, f"From Explore: {words}.", team, "explore",
                        "curated", user, defaults)  # fmt: skip
    if query.status != "curated":
        raise PermissionError("Only the data team can add tiles to a team dashboard.")
    saved = queries.save(query, user, None, "added from Explore", compile_check=compile_check)
    board = dashboards.load(team)
    tile = tile_for(a, saved.id, title.strip() or saved.id)
    board = dashboards.save(replace(board, rows=(*board.rows, (tile,))), user, board.version)
    return saved, board


__all__ = ["add_to_dashboard", "saved_query_parts", "slug", "tile_for"]

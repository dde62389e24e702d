"""The HTTP face of `service.Api`: Starlette routes mounted on the Streamlit server (`asgi.py`).

    GET /api/queries/<team>/<name>.csv|.json?<param>=<value>&_shape=objects&_size=100
    GET /api/metrics/<name>.csv|.json?from=2026-01-01&to=2026-01-31&grain=week&<filter>=<value>&by=<dimension>
    GET /api/ask?q=orders+by+country+since+2026-08-01 (JSON) · /api/ask.csv?q=…

Blocking work (SQLite, the warehouse seam) runs in Starlette's thread pool, never on the event
loop that also serves the app's websockets.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.api.service import Api, ApiError

FORMATS = ("csv", "json")
log = logging.getLogger(__name__)
_API: list[Api] = []


def api() -> Api:
    """The process's Api over the settings the server started with (PORTAL_CONFIG and friends)."""
    if not _API:
        from portal.config import load_settings

        _API.append(Api(load_settings()))
    return _API[0]


def _split(path: str) -> tuple[str, str]:
    stem, dot, fmt = path.rpartition(".")
    if not dot or fmt not in FORMATS:
        raise ApiError(404, "Not found. Ask for .csv or .json.")
    return stem, fmt


def _error(err: ApiError) -> Response:
    return JSONResponse({"error": err.message, "status": err.status}, err.status, headers=err.headers)


async def _answer(request: Request, kind: str) -> Response:
    service = api()
    args = {k: v for k, v in request.query_params.items()}
    try:
        what, fmt = _split(request.path_params["path"])
        token, user = await run_in_threadpool(
            service.authenticate, request.headers.get("authorization"), args.get("token"), f"api {request.url.path}"
        )
        answer = await run_in_threadpool(getattr(service, kind), token, user, what, fmt, args)
    except ApiError as err:
        return _error(err)
    except Exception:  # a bug, never a traceback to the caller: the server's log has it
        log.exception("API request %s failed", request.url.path)
        return _error(ApiError(500, "The API could not answer this request; the server's log says why."))
    headers = {"Cache-Control": "private, no-store", "X-Truncated": "true" if answer.truncated else "false"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{what.rsplit("/", 1)[-1]}.csv"'
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def queries(request: Request) -> Response:
    return await _answer(request, "query")


async def metrics(request: Request) -> Response:
    return await _answer(request, "metric")


async def ask(request: Request) -> Response:
    """GET /api/ask?q=… (JSON) or /api/ask.csv?q=…: a plain-English question."""
    request.path_params["path"] = "ask." + (request.path_params.get("fmt") or "json")
    return await _answer(request, "ask")


async def unsubscribe(request: Request) -> Response:
    """A mail's unsubscribe link: no sign-in, the secret in the link is the proof (issue #33)."""
    import html

    from portal.reporting.subscriptions import Subscriptions

    service = api()
    done = await run_in_threadpool(
        Subscriptions(service.settings.state, service.audit).unsubscribe_token,
        str(request.query_params.get("token", "")),
    )
    text = (
        f"You will no longer receive the {html.escape(done.team)} dashboard's {html.escape(done.every)} digest at "
        f"{html.escape(done.email)}."
        if done
        else "This link does not unsubscribe anything: it was used already, or it is not one of ours."
    )
    page = f"<!doctype html><meta charset=utf-8><title>Unsubscribe</title><p style='font:16px sans-serif'>{text}</p>"
    return Response(page, media_type="text/html", status_code=200 if done else 404)


async def snapshot(request: Request) -> Response:
    """A snapshot link: the stored static page while the link lives; 410 once expired or revoked."""
    from portal.results.snapshots import Snapshots

    service = api()
    store = Snapshots(service.settings.state, service.settings.results_folder, service.audit)
    snap, page = await run_in_threadpool(store.page, str(request.path_params.get("token", "")))
    headers = {"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}  # fmt: skip
    if page is not None:
        return Response(page, media_type="text/html", headers=headers)
    text = "This snapshot link has expired or was revoked." if snap else "There is no snapshot at this link."
    page = f"<!doctype html><meta charset=utf-8><title>Snapshot</title><p style='font:16px sans-serif'>{text}</p>"
    return Response(page, media_type="text/html", status_code=410 if snap else 404, headers=headers)


def routes() -> list[Route]:
    return [
        Route("/api/queries/{path:path}", queries, methods=["GET"]),
        Route("/api/metrics/{path:path}", metrics, methods=["GET"]),
        Route("/api/ask", ask, methods=["GET"]),
        Route("/api/ask.{fmt:str}", ask, methods=["GET"]),
        Route("/unsubscribe", unsubscribe, methods=["GET"]),
        Route("/snapshot/{token:str}", snapshot, methods=["GET"]),
    ]

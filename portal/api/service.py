"""What the HTTP API answers, free of HTTP: authenticate a token, run a curated saved query or a
canonical metric as the token's owner through the warehouse seam, and shape the answer as CSV or
JSON. Every call, refused ones included, is one `api` row in the audit trail (who, token id, what,
parameters, rows, bytes); the statements it runs are audited by the seam as usual.

Only curated queries are served; a draft, an unknown id and anything the owner may not read are
the same 404, and a missing, revoked or expired token the same 401, so a caller learns nothing
about what exists.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd

from portal.api.tokens import Token, TokenStore
from portal.audit import AuditLog
from portal.config import Settings
from portal.csv_out import rows_csv
from portal.identity import User, denied_schemas, make_user, read_auth_secrets, sign_in_mode
from portal.library import PermissionDenied, QueryStore, validate_id
from portal.workbench.params import ParamError, bind

RESERVED = ("_shape", "_size", "token")  # everything else in the query string is a parameter
SHAPES = ("arrays", "objects", "array")
GRAINS = ("day", "week", "month", "quarter", "year")
NOT_FOUND = "Not found."  # one answer for unknown, draft and not-yours
NO_TOKEN = "A valid API token is required: send it as 'Authorization: Bearer <token>' (or ?token=)."


@dataclass
class ApiError(Exception):
    status: int
    message: str
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    rows: int
    truncated: bool = False


def principal(settings: Settings, token: Token) -> User:
    """Whom a token's requests run as. A person configured in [people] gets the roles they have now
    (removing someone from pii_access takes effect at once); an OIDC person keeps the roles they
    signed in with when they created it (the identity provider cannot be asked again), so a role
    change there means revoking their tokens, which the Audit page lists."""
    if token.owner_key == token.owner:
        return make_user(token.owner, settings, verified=True)
    return User(token.owner, token.roles, verified=True, subject=token.owner_key)


def json_value(v):
    """A cell as JSON: dates as ISO text, decimals as numbers, missing values (NULL, NaN, NaT) as null."""
    if v is None or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
        return None  # NaN and ±Infinity are not JSON
    if isinstance(v, datetime | date | pd.Timestamp):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if hasattr(v, "item"):  # numpy scalars
        return json_value(v.item())
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list | tuple):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def frame_rows(frame: pd.DataFrame) -> list[list]:
    return [[json_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def shaped(columns: list[str], rows: list[list], shape: str, extra: dict) -> bytes:
    """Datasette's shapes: `arrays` (columns + rows of lists, the default), `objects` (rows of
    objects) and `array` (a bare list of objects, for scripts)."""
    if shape == "array":
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows]).encode()
    body = dict(extra)
    body["columns"] = columns
    body["rows"] = [dict(zip(columns, r, strict=True)) for r in rows] if shape == "objects" else rows
    return json.dumps(body).encode()


MAX_ORIGIN = 200
ANONYMOUS_PER_MINUTE = 60


class Api:
    """One per server process: tokens, audit and the warehouses, shared by every request."""

    def __init__(self, settings: Settings, secrets_files: tuple | None = None):
        """`secrets_files`: where sign-in is configured (Streamlit's secrets; its defaults when None)."""
        self.settings = settings
        self.secrets_files = secrets_files
        self.tokens = TokenStore(settings.state)
        self.audit = AuditLog(settings.state)
        self._warehouses: dict[bool, object] = {}
        self._through: dict[tuple, date | None] = {}
        self._lock = threading.Lock()
        self._refusals: deque[float] = deque()  # when the recent anonymous refusals were recorded
        self._unrecorded = 0

    # ------------------------------------------------------------------ who is asking
    def authenticate(self, authorization: str | None, query_token: str | None, origin: str) -> tuple[Token, User]:
        """The token and its owner; ApiError 401 (one message for every failure), 429 past the rate."""
        secret = ""
        if authorization:
            scheme, _, value = authorization.partition(" ")
            secret = value.strip() if scheme.lower() == "bearer" else ""
        secret = secret or (query_token or "").strip()
        oidc, problem = read_auth_secrets(self.secrets_files)
        if problem:  # as the pages do: closed, never back to a mode that trusts less
            raise ApiError(503, "Sign-in is misconfigured, so the API is closed until the data team fixes it.")
        token = self.tokens.authenticate(secret, sign_in_mode(self.settings, oidc))
        if token is None:
            self._refused_anonymously(origin)
            raise ApiError(401, NO_TOKEN, {"WWW-Authenticate": 'Bearer realm="portal"'})
        user = principal(self.settings, token)
        wait = self.tokens.admit(token.id, self.settings.api.requests_per_minute)
        if wait:
            self._record(user, token, origin, "refused", detail="rate limit")
            raise ApiError(
                429,
                f"Too many requests for this token: at most {self.settings.api.requests_per_minute} a minute. "
                f"Try again in {math.ceil(wait)} s.",
                {"Retry-After": str(math.ceil(wait))},
            )
        return token, user

    def _refused_anonymously(self, origin: str) -> None:
        """Audit a request without a valid token, bounded: its path cut to MAX_ORIGIN characters, and
        at most ANONYMOUS_PER_MINUTE rows a minute per server; the next row says how many more there
        were (review #3: 200 requests with 8 KB paths grew the trail from 45 KB to 1.7 MB)."""
        now = time.monotonic()
        with self._lock:
            while self._refusals and now - self._refusals[0] > 60:
                self._refusals.popleft()
            if len(self._refusals) >= ANONYMOUS_PER_MINUTE:
                self._unrecorded += 1
                return
            self._refusals.append(now)
            more, self._unrecorded = self._unrecorded, 0
        detail = "no valid API token" + (f" ({more} more such requests were not recorded)" if more else "")
        short = origin if len(origin) <= MAX_ORIGIN else origin[:MAX_ORIGIN] + "…"
        anonymous = User("anonymous", frozenset(), verified=False, kind="system")
        self.audit.record(anonymous, "api", short, "refused", detail=detail)

    def _session(self, user: User):
        from portal.warehouse.connect import open_warehouse

        with self._lock:
            if user.has_pii not in self._warehouses:
                self._warehouses[user.has_pii] = open_warehouse(self.settings, user.has_pii)
            wh = self._warehouses[user.has_pii]
        return wh.session(user, self.audit, denied_schemas(self.settings, user))

    def _record(self, user, token, origin, status, *, what=None, params=None, rows=None, size=None, detail=None):
        self.audit.record(
            user,
            "api",
            origin,
            status,
            object=f"{what or '-'} (token {token.id})",
            params=params,
            rows=rows,
            bytes=size,
            detail=detail,
        )

    # ------------------------------------------------------------------ answers
    def query(self, token: Token, user: User, query_id: str, fmt: str, args: dict[str, str]) -> Answer:
        """A curated saved query's answer as `fmt` (csv or json), its parameters typed and bound
        exactly as in share links; bounded by the workbench's time, row and memory limits."""
        return self._audited(token, user, query_id, args, lambda v, o: self._query(user, query_id, fmt, v, args, o))

    def metric(self, token: Token, user: User, name: str, fmt: str, args: dict[str, str]) -> Answer:
        """A canonical metric by day, week or month over [from, to] with its filters: the numbers the
        dashboards show, and which periods are still baking."""
        return self._audited(
            token, user, f"metric {name}", args, lambda v, o: self._metric(user, name, fmt, v, args, o)
        )

    def ask(self, token: Token, user: User, _what: str, fmt: str, args: dict[str, str]) -> Answer:
        """A plain-English question (`?q=`) answered as the token's owner, over the vocabulary of the
        metrics and the data they may see; a question it cannot place is a 422 naming the words."""
        text = str(args.get("q") or "").strip()
        return self._audited(token, user, f"ask {text[:200]}", args, lambda v, o: self._ask(user, text, fmt, args))

    def _ask(self, user, text: str, fmt: str, args: dict) -> Answer:
        from portal.explore.question import QuestionError
        from portal.explore.service import answer_table, ask
        from portal.product.vocabulary import data_range
        from portal.reporting.metrics import MetricError, load_metrics, metrics_path
        from portal.warehouse.errors import QueryError

        if not text or len(text) > 500:
            raise ApiError(400, "Ask a question in q= (at most 500 characters).")
        session = self._session(user)
        try:
            metrics = load_metrics(metrics_path(self.settings), self.settings.model)
            through = self._data_through(session)
            span = data_range(session)
            if through is None:
                raise ApiError(404, "No data to answer from.")
            parsed, answer = ask(session, metrics, text, through, span[0] if span else None)
        except (MetricError, QuestionError) as err:
            raise ApiError(400, str(err)) from None
        except QueryError as err:
            raise _http_error(err) from None
        if answer is None:
            choices = [q.to_params() for q in parsed.choices]
            raise ApiError(422, parsed.message() + (f" Readings: {json.dumps(choices)}" if choices else ""))
        columns, rows = answer_table(answer)
        if fmt == "csv":
            return Answer(rows_csv(columns, rows).encode(), "text/csv; charset=utf-8", len(rows))
        extra = {
            "question": text,
            "understood": parsed.question.to_params(),
            "from": answer.start.isoformat(),
            "to": answer.end.isoformat(),
            "sql": answer.sql,
        }
        shape, _ = _shape_and_size(args, 10**6)
        return Answer(shaped(columns, rows, shape, extra), "application/json", len(rows))

    def _audited(self, token: Token, user: User, what: str, args: dict, answer) -> Answer:
        """`answer(values, origin)` with one `api` audit row, whether it answered or was refused."""
        origin = f"api token {token.id}"
        values = {k: v for k, v in args.items() if k not in RESERVED}
        started = time.perf_counter()
        try:
            out = answer(values, origin)
        except ApiError as err:
            status = "refused" if err.status < 500 else "failed"
            self._record(user, token, origin, status, what=what, params=values, detail=err.message)
            raise
        kind = "csv" if out.media_type.startswith("text/csv") else "json"
        self._record(
            user,
            token,
            origin,
            "ok",
            what=what,
            params=values,
            rows=out.rows,
            size=len(out.body),
            detail=f"{kind}, {time.perf_counter() - started:.2f} s",
        )
        return out

    def _query(self, user, query_id, fmt, values, args, origin) -> Answer:
        from portal.warehouse.errors import QueryError

        store = QueryStore(self.settings.queries_dir, self.settings.state_dir, audit=self.audit)
        try:
            q = store.curated(validate_id(query_id))
        except (KeyError, ValueError, PermissionDenied, OSError):
            raise ApiError(404, NOT_FOUND) from None
        declared = {p.name for p in q.params}
        unknown = sorted(set(values) - declared - set(_names(q.sql)))
        if unknown:
            raise ApiError(
                400,
                f"Unknown parameter(s): {', '.join(unknown)}. This query takes: "
                f"{', '.join(sorted(declared | set(_names(q.sql)))) or 'none'}.",
            )
        try:
            bound = bind(q.sql, list(q.params), values)
        except ParamError as err:
            raise ApiError(400, str(err)) from None
        shape, size = _shape_and_size(args, self.settings.api.max_rows)
        try:
            result = self._session(user).run(q.sql, bound, max_rows=size, origin=origin)
        except QueryError as err:
            raise _http_error(err) from None
        rows = frame_rows(result.frame)
        if fmt == "csv":
            return Answer(
                rows_csv(list(result.columns), rows).encode(), "text/csv; charset=utf-8", len(rows), result.truncated
            )
        extra = {"query": q.id, "title": q.title, "truncated": result.truncated, "params": _plain(bound)}
        return Answer(shaped(list(result.columns), rows, shape, extra), "application/json", len(rows), result.truncated)

    def _metric(self, user, name, fmt, values, args, origin) -> Answer:
        from portal.reporting.metrics import MetricError, load_metrics, metrics_path, series
        from portal.warehouse.errors import QueryError

        try:
            metrics = load_metrics(metrics_path(self.settings), self.settings.model)
            m = metrics[name]
        except MetricError:
            raise ApiError(404, NOT_FOUND) from None
        allowed = set(metrics.filters_of(name))
        unknown = sorted(set(values) - allowed - {"from", "to", "grain", "by"})
        if unknown:
            raise ApiError(
                400,
                f"Unknown parameter(s): {', '.join(unknown)}. Filters of {name}: "
                f"{', '.join(sorted(allowed)) or 'none'}; also from, to, grain, by.",
            )
        grain = values.get("grain") or "day"
        if grain not in GRAINS:
            raise ApiError(400, f"grain must be one of {', '.join(GRAINS)}; got {grain!r}.")
        by = tuple(b for b in (values.get("by") or "").split(",") if b)
        if set(by) - set(metrics.dimensions_of(name)):
            dims = ", ".join(metrics.dimensions_of(name)) or "nothing"
            raise ApiError(400, f"{name} can be grouped by {dims}; got by={','.join(by)}.")
        session = self._session(user)
        try:
            through = self._data_through(session)
            end = _date(values.get("to"), "to") or through or date.today()
            start = _date(values.get("from"), "from") or end - timedelta(days=27)
            if start > end:
                raise ApiError(400, "from must not be after to.")
            if (end - start).days > 3660:
                raise ApiError(400, "At most ten years of days at once.")
            if m.bakes and through:
                from portal.product.baking import baking_windows
                from portal.reporting.metrics import settle

                metrics = settle(metrics, baking_windows(session, through))
                m = metrics[name]
            frame = series(session, metrics, name, start, end, grain, by, {f: values.get(f) for f in allowed}, through)
        except QueryError as err:
            raise _http_error(err) from None
        except MetricError as err:
            raise ApiError(400, str(err)) from None
        rows = [
            [
                r["period"].isoformat(),
                *(None if pd.isna(r[b]) else str(r[b]) for b in by),
                None if pd.isna(r["value"]) else round(float(r["value"]), 6),
                int(r["days"]),
                bool(r["still_baking"]),
            ]
            for _, r in frame.iterrows()
        ]
        columns = ["period", *by, "value", "days", "still_baking"]  # days: of the period inside [from, to]
        if fmt == "csv":
            return Answer(rows_csv(columns, rows).encode(), "text/csv; charset=utf-8", len(rows))
        extra = {
            "metric": m.name,
            "description": m.description,
            "unit": m.unit,
            "owner": m.owner,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "grain": grain,
            "filters": {f: values.get(f) for f in allowed},
            "by": list(by),
            "data_through": through.isoformat() if through else None,
        }
        shape, _ = _shape_and_size(args, 10**6)
        return Answer(shaped(columns, rows, shape, extra), "application/json", len(rows))

    def _data_through(self, session) -> date | None:
        key = session.cache_key
        if key not in self._through:
            text = session.catalog().data_through
            self._through = {key: date.fromisoformat(text[:10]) if text else None}
        return self._through[key]


def _http_error(err) -> ApiError:
    """A refused or failed statement as an HTTP answer: a restricted schema is the same 404 as a
    query that does not exist (nothing said about what exists)."""
    if err.kind == "refused" and "is restricted" in err.message:
        return ApiError(404, NOT_FOUND)
    return ApiError({"timeout": 504, "unavailable": 503, "refused": 403}.get(err.kind, 500), err.message)


def _names(sql: str) -> list[str]:
    from portal.workbench.params import find_params

    return find_params(sql)


def _plain(bound: dict) -> dict:
    return {k: json_value(v) for k, v in bound.items()}


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ApiError(400, f"{name} must be a date like 2026-01-31; got {text!r}.") from None


def _shape_and_size(args: dict, cap: int) -> tuple[str, int]:
    shape = args.get("_shape") or "arrays"
    if shape not in SHAPES:
        raise ApiError(400, f"_shape must be one of {', '.join(SHAPES)}; got {shape!r}.")
    try:
        size = int(args.get("_size") or cap)
    except ValueError:
        raise ApiError(400, f"_size must be a whole number; got {args.get('_size')!r}.") from None
    if not 1 <= size <= cap:
        raise ApiError(400, f"_size must be between 1 and {cap}.")
    return shape, size

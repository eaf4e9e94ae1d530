"""Problem details (RFC 9457) for every error the API returns."""

from __future__ import annotations

import json
import re
from collections.abc import MutableMapping
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from analysis.locate import NoSolutionInTime
from app.compute import PoolFull
from app.db import DatabaseUnavailable

__all__ = ["BUSY", "ComputeUnavailable", "Forbidden", "InvalidInput", "MAX_LISTED_IDS",
           "NotFound", "ProblemResponse", "TIME_LIMIT", "TimeLimitReached", "Unauthorized",
           "bounded_ids", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
#: an error lists at most this many offending ids, then how many there were in all
MAX_LISTED_IDS = 20
#: and its detail text is cut at this many characters
MAX_DETAIL_CHARS = 2000
#: problem types (RFC 9457 ``type``) of the compute answers, documented in the OpenAPI
TIME_LIMIT = "urn:oncoregio:problem:time-limit"
BUSY = "urn:oncoregio:problem:busy"


def bounded_ids(ids: list[Any], limit: int = MAX_LISTED_IDS) -> str:
    """``a, b, c`` for a short list; ``a, b, ... (10000 in all)`` for a long one."""
    shown = ", ".join(str(i) for i in ids[:limit])
    return shown if len(ids) <= limit else f"{shown}, ... ({len(ids)} in all)"


class NotFound(LookupError):
    """An id in the path does not exist."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} '{ident}' does not exist")
        self.kind, self.ident = kind, ident


class InvalidInput(ValueError):
    """Input that is well-formed but wrong (unknown ids in a body, infeasible request)."""

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        errors = errors or []
        long_lists = [e for e in errors
                      if isinstance(e.get("unknown"), list) and len(e["unknown"]) > MAX_LISTED_IDS]
        if long_lists:
            # the caller's text lists every id: say it again with bounded lists
            detail = "; ".join(f"{e.get('field', '?')}: unknown id(s) {bounded_ids(e['unknown'])}"
                               for e in errors if isinstance(e.get("unknown"), list))
            errors = [_bounded_error(e) for e in errors]
        if len(detail) > MAX_DETAIL_CHARS:
            detail = detail[:MAX_DETAIL_CHARS] + " ... (cut)"
        super().__init__(detail)
        self.errors = errors


def _bounded_error(error: dict[str, Any]) -> dict[str, Any]:
    ids = error.get("unknown")
    if isinstance(ids, list) and len(ids) > MAX_LISTED_IDS:
        return {**error, "unknown": ids[:MAX_LISTED_IDS], "unknown_count": len(ids)}
    return error


class ComputeUnavailable(RuntimeError):
    """The compute backend (a configured Dask scheduler) cannot be reached, or a run hit its
    wall-clock limit: 503, nothing stored."""
class TimeLimitReached(TimeoutError):
    """A computation found no solution within its ``time_limit`` (422, type
    :data:`TIME_LIMIT`): not infeasible, only not solved in time."""

    def __init__(self, time_limit: float, detail: str) -> None:
        super().__init__(detail)
        self.time_limit = time_limit


class Unauthorized(PermissionError):
    """No token, or a token that is not (or no longer) valid: 401."""


class Forbidden(PermissionError):
    """A valid token whose role does not allow the operation: 403."""


class ProblemResponse(JSONResponse):
    """problem+json, rendered ASCII-only so that any text (even a lone surrogate someone sent)
    encodes."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False,
                          separators=(",", ":")).encode("ascii")


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None,
            type_: str = "about:blank", title: str | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status,
            "detail": detail, **extra}
    return ProblemResponse(body, status_code=status, headers=headers)


def _time_limit_problem(time_limit: float, detail: str) -> JSONResponse:
    return problem(422, detail, type_=TIME_LIMIT, title="No solution within the time limit",
                   time_limit=time_limit)


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@lru_cache(maxsize=256)
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def allowed_methods(app: Any, scope: MutableMapping[str, Any]) -> list[str]:
    """Every method the API serves at the request's path (for ``Allow``): from the OpenAPI
    paths, plus plain routes outside the schema (``/docs``, ``/openapi.json``)."""
    from starlette.routing import Match, Route

    path = scope.get("path", "")
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        if _template_regex(template).fullmatch(path):
            methods |= {m.upper() for m in item if m in HTTP_METHODS}
    for route in app.routes:
        if isinstance(route, Route) and route.matches(scope)[0] != Match.NONE:
            methods |= set(route.methods or ())
    if "GET" in methods:
        methods.add("HEAD")
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)


def _database_retry_after(request: Request, default: int) -> int:
    """While the database gate is open: seconds until its next probe (a retry before that
    cannot succeed, one after it may); otherwise (a slow database, a busy token check) the
    configured ``default``."""
    gate = getattr(getattr(request.app.state, "driver", None), "gate", None)
    seconds = gate.retry_after() if gate is not None else None
    return default if seconds is None else seconds


def install_error_handlers(app: FastAPI, *, retry_after: int) -> None:
    @app.exception_handler(DatabaseUnavailable)
    async def _unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        seconds = _database_retry_after(request, retry_after)
        return problem(503, f"{exc}; retry in {seconds} s",
                       headers={"Retry-After": str(seconds)})

    @app.exception_handler(ComputeUnavailable)
    async def _compute(request: Request, exc: ComputeUnavailable) -> JSONResponse:
        return problem(503, str(exc), headers={"Retry-After": str(retry_after)})
    @app.exception_handler(PoolFull)
    async def _busy(request: Request, exc: PoolFull) -> JSONResponse:
        return problem(429, f"{exc}; retry in {exc.retry_after} s", type_=BUSY,
                       title="Compute workers busy",
                       headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(TimeLimitReached)
    async def _time_limit(request: Request, exc: TimeLimitReached) -> JSONResponse:
        return _time_limit_problem(exc.time_limit, str(exc))

    @app.exception_handler(NoSolutionInTime)
    async def _no_solution(request: Request, exc: NoSolutionInTime) -> JSONResponse:
        return _time_limit_problem(exc.time_limit, str(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> JSONResponse:
        return problem(422, str(exc), errors=exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                  for e in found[:MAX_LISTED_IDS]]
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        if len(found) > len(errors):
            where += f"; ... ({len(found)} errors in all)"
        return problem(422, f"invalid request: {where}"[:MAX_DETAIL_CHARS], errors=errors,
                       error_count=len(found))

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return problem(401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="oncoregio"'})

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem(403, str(exc), headers={
            "WWW-Authenticate": 'Bearer realm="oncoregio", error="insufficient_scope"'})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first matching route only
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
        return problem(exc.status_code, str(exc.detail), headers=headers or None)

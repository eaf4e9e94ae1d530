"""ASGI middleware that guards every request before a route sees it.

- :class:`TrustedHosts`: the ``Host`` header must name one of the configured hosts (400).
- :class:`SecurityHeaders`: ``nosniff``, no framing, no referrer on every response.
- :class:`RequestGuard`: ``OPTIONS`` answers with the complete ``Allow``; request bodies are
  at most ``max_body_bytes`` (413), JSON only (415; this also stops the cross-site "simple"
  ``text/plain`` POST), valid UTF-8 (400) without lone surrogates (422).
- :class:`DatabaseBudget`: a request waits on the database at most ``seconds`` in all, over
  every database call it makes (:func:`app.db.database_budget`; then 503).
- :class:`RequestClock`: stamps the request's arrival (:func:`arrived_at`), so a time limit
  counts from there, the token check before the route included.

All refusals are problem+json (:func:`app.errors.problem`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.db import database_budget
from app.errors import allowed_methods, problem

__all__ = ["ARRIVED", "DatabaseBudget", "RequestClock", "RequestGuard", "SecurityHeaders",
           "TrustedHosts", "arrived_at", "lone_surrogate_at"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", b"frame-ancestors 'none'"),
                    (b"referrer-policy", b"no-referrer")]
BODY_METHODS = {"POST", "PUT", "PATCH"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class TrustedHosts:
    """Refuse a request whose ``Host`` is not in ``hosts`` (``"*"`` allows any)."""

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app, self.hosts = app, {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self.hosts:
            host = (_header(scope, b"host") or "").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.hosts:
                await problem(400, "the Host header names a host this API does not serve "
                                   "(setting TRUSTED_HOSTS)")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Add the security headers to every HTTP response (CORS headers are left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in SECURITY_HEADERS if k not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def lone_surrogate_at(value: Any, path: tuple[str | int, ...] = ()) -> tuple | None:
    """The location of the first string holding a lone surrogate in decoded JSON, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and lone_surrogate_at(key) is not None:
            return (*path, key)
        found = lone_surrogate_at(item, (*path, key))
        if found is not None:
            return found
    return None


#: the scope key :class:`RequestClock` sets: ``time.monotonic()`` when the request arrived
ARRIVED = "oncoregio.arrived"


def arrived_at(scope: Scope) -> float:
    """When the request of ``scope`` arrived (``time.monotonic()``), stamped by
    :class:`RequestClock`; now when nothing stamped it (a route called without the app)."""
    stamp = scope.get(ARRIVED)
    return stamp if isinstance(stamp, float) else time.monotonic()


class RequestClock:
    """Stamp every request with its arrival (:data:`ARRIVED`): the outermost layer, so what
    the layers and dependencies before a route spend (the token check's database read) counts
    against a time limit that runs from "request start"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[ARRIVED] = time.monotonic()
        await self.app(scope, receive, send)


class DatabaseBudget:
    """Give each HTTP request a database budget of ``seconds`` (all its calls together)."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with database_budget(self.seconds):
            await self.app(scope, receive, send)


class RequestGuard:
    """OPTIONS with a complete ``Allow``; bounded, JSON-only, well-encoded request bodies."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            await self._options(scope, receive, send)
            return
        if method not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        refusal, body = await self._read_body(scope, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _options(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.responses import Response

        methods = allowed_methods(scope["app"], scope) if "app" in scope else []
        if not methods:
            await problem(404, "Not Found")(scope, receive, send)
            return
        await Response(status_code=204, headers={"Allow": ", ".join(methods)})(
            scope, receive, send)

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[Any, bytes]:
        limit = self.max_body_bytes
        too_large = problem(413, f"the request body is larger than {limit:,} bytes")
        length = _header(scope, b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > limit:
            return too_large, b""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return problem(400, "the client went away while sending the body"), b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large, b""
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = _header(scope, b"content-type")
        if content_type is None and not body:
            return None, body  # a POST without a body (e.g. /analysis/flows)
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media != "application/json" and not (media.startswith("application/")
                                                and media.endswith("+json")):
            return problem(415, "request bodies must be JSON (Content-Type: application/json)"
                                f"; got {media or 'no Content-Type'}"), b""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            return problem(400, f"the request body is not valid UTF-8 (byte {e.start})"), b""
        try:
            data = json.loads(text) if text.strip() else None
            where = lone_surrogate_at(data)
        except ValueError:
            return None, body  # FastAPI answers invalid JSON with a 422 naming the position
        except RecursionError:
            return problem(422, "invalid request: body: JSON nested too deeply"), b""
        if where is not None:
            loc = ".".join(str(p) for p in ("body", *where))
            return problem(422, f"invalid request: {loc}: text holds a lone UTF-16 surrogate "
                                "(not a Unicode character)",
                           errors=[{"loc": ["body", *where], "msg": "lone surrogate",
                                    "type": "string_unicode"}]), b""
        return None, body

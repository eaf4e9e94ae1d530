"""The OpenAPI document, completed with what the middleware and the bearer check can answer.

Those answers are the same for every operation, so they are declared here once instead of in
each route's ``responses=``; every error is described as problem+json.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["install_openapi"]

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}},
                   "error_count": {"type": "integer"}},
}
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref":
                                                           "#/components/schemas/Problem"}}}
EVERY_OPERATION = {400: "Host not trusted, or a body that is not UTF-8 (problem+json)"}
WITH_BODY = {413: "request body larger than the limit (problem+json)",
             415: "request body is not JSON (problem+json)",
             422: "invalid request (problem+json)"}
SECURED = {401: "no token, or an unknown or revoked one (problem+json, "
                "WWW-Authenticate: Bearer)",
           403: "the token's role does not allow this (problem+json)",
           # the token check reads the stored hashes
           503: "database unavailable (problem+json, Retry-After)"}
#: every 503 says when to retry: while Neo4j is down, the seconds until the API next asks
#: whether it is back (app.db.DatabaseGate.retry_after)
RETRY_AFTER = {"Retry-After": {
    "description": "seconds to wait before retrying: while Neo4j is unavailable, until the "
                   "service next checks whether it is back", "schema": {"type": "integer"}}}
BODY_METHODS = {"post", "put", "patch"}


def _complete(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for method, op in path_item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            extra = dict(EVERY_OPERATION)
            if method in BODY_METHODS:
                extra.update(WITH_BODY)
            if op.get("security"):
                extra.update(SECURED)
            responses = op["responses"]
            for status, description in extra.items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = PROBLEM_CONTENT
                if status == "503":
                    response.setdefault("headers", RETRY_AFTER)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _complete(get_openapi(
                title=app.title, version=app.version, summary=app.summary,
                description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

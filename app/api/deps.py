"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Path, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from neo4j import Driver
from starlette.concurrency import run_in_threadpool

from app.auth import Principal, Role, TokenCache, role_allows
from app.compute import ComputePool
from app.db import DatabaseUnavailable
from app.errors import Forbidden, Unauthorized
from app.middleware import arrived_at
from app.repository.tokens import token_hashes
from app.settings import Settings

__all__ = ["AdminDep", "AUTH_ERRORS", "COMPUTE_ERRORS", "ComputeDep", "DatabaseDep",
           "DriverDep", "ID_PATTERN", "IdPath",
           "IdQuery", "LimitDep", "MAX_OFFSET", "MinutesDep", "OffsetDep", "PlannerDep",
           "READER", "ReaderDep", "Responses", "SettingsDep", "TimeLimitOf", "check_owner",
           "delete_owned", "require_role", "token_cache"]


# ``async``: FastAPI runs a plain ``def`` dependency in the thread pool, a hop per request
# for what is an attribute read
async def get_driver(request: Request) -> Driver:
    return request.app.state.driver


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> str:
    return request.app.state.settings.neo4j_database


def get_compute(request: Request) -> ComputePool:
    return request.app.state.compute


#: OpenAPI ``responses=`` of a route
Responses = dict[int | str, dict[str, Any]]

SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DriverDep = Annotated[Driver, Depends(get_driver)]
DatabaseDep = Annotated[str, Depends(get_database)]
ComputeDep = Annotated[ComputePool, Depends(get_compute)]

#: what a route that runs a computation in the compute pool can answer besides its own
COMPUTE_ERRORS: Responses = {
    422: {"description": "invalid or infeasible request (problem+json); or, with problem "
                         "type `urn:oncoregio:problem:time-limit`, no solution was found "
                         "within `time_limit` (not a proof of infeasibility: a longer "
                         "time_limit may find one)"},
    429: {"description": "every compute worker is busy and the queue is full (problem+json, "
                         "type `urn:oncoregio:problem:busy`, Retry-After)",
          "headers": {"Retry-After": {"description": "seconds to wait",
                                      "schema": {"type": "integer"}}}}}

# ----------------------------------------------------------------------------- paging, ids
#: far beyond any list here and far inside Neo4j's 32-bit SKIP/LIMIT and list-slice range
MAX_OFFSET = 1_000_000
LimitDep = Annotated[int, Query(ge=1, le=5000, description="page size")]
OffsetDep = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
MinutesDep = Annotated[float, Query(gt=0, le=600, description="travel-time threshold, minutes")]
#: every id in the seed data, the test fixtures and every scenario id has this shape
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
IdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=100,
                             description="an id: letters, digits, '.', '_', '-'")]
IdQuery = Annotated[str | None, Query(pattern=ID_PATTERN, max_length=100,
                                      description="an id to filter by")]

# ----------------------------------------------------------------------------- roles
#: what the bearer check can answer, for ``responses=`` of protected routes
AUTH_ERRORS: Responses = {
    401: {"description": "no token, or an unknown or revoked one (problem+json, "
                         "WWW-Authenticate: Bearer)"},
    403: {"description": "the token's role does not allow this (problem+json)"}}

bearer = HTTPBearer(auto_error=False, description="a token from `oncoregio token create`")
ANONYMOUS = Principal(name="anonymous", role="reader", authenticated=False)


def token_cache(request: Request) -> TokenCache:
    """The app's token cache, made on first use (the driver lives in the lifespan)."""
    state = request.app.state
    cache = getattr(state, "token_cache", None)
    if cache is None:
        settings: Settings = state.settings
        cache = state.token_cache = TokenCache(
            lambda: token_hashes(state.driver, settings.neo4j_database),
            ttl=settings.token_cache_seconds)
    return cache


#: how a route tells the token check its time limit: seconds from the request's arrival
TimeLimitOf = Callable[[Request], Awaitable[float]]


def require_role(role: Role, time_limit: TimeLimitOf | None = None):
    """The bearer check for ``role``. With ``time_limit``, a check that must read the stored
    hashes from the database waits for them only until the request's limit (counted from its
    arrival, :func:`app.middleware.arrived_at`) and then answers 503: the limit bounds the
    whole request, this wait included."""
    async def check(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None,
                                           Depends(bearer)]) -> Principal:
        settings: Settings = request.app.state.settings
        if credentials is None:
            if role == "reader" and settings.reads_open:
                return ANONYMOUS
            raise Unauthorized("a bearer token is needed (Authorization: Bearer <token>; "
                               "create one with `oncoregio token create`)")
        cache = token_cache(request)
        # the stored hashes are re-read (a database call) at most once per ttl: off the loop
        rows = cache.fresh_rows()
        if rows is not None:
            principal = cache.principal(credentials.credentials, rows)
        elif time_limit is None:
            principal = await run_in_threadpool(cache.principal, credentials.credentials)
        else:
            limit = await time_limit(request)
            left = arrived_at(request.scope) + limit - time.monotonic()
            try:
                # abandoned at the limit: the read ends in its thread, the request does not
                principal = await asyncio.wait_for(anyio.to_thread.run_sync(
                    cache.principal, credentials.credentials, abandon_on_cancel=True),
                    timeout=max(left, 0.0))
            except TimeoutError as e:
                raise DatabaseUnavailable(
                    f"the token check waited for Neo4j the whole time limit of {limit:g} s "
                    f"(the stored token hashes did not arrive)") from e
        if principal is None:
            raise Unauthorized("the bearer token is not valid (unknown or revoked)")
        if not role_allows(principal.role, role):
            raise Forbidden(f"token '{principal.name}' has role {principal.role}; "
                            f"this needs {role}")
        return principal

    check.__name__ = f"require_{role}" + ("_within_time_limit" if time_limit else "")
    return check


require_reader = require_role("reader")
require_planner = require_role("planner")
require_admin = require_role("admin")

ReaderDep = Annotated[Principal, Depends(require_reader)]
PlannerDep = Annotated[Principal, Depends(require_planner)]
AdminDep = Annotated[Principal, Depends(require_admin)]
#: for ``APIRouter(dependencies=[READER])``: every route of a read-only router
READER = Depends(require_reader)


def check_owner(principal: Principal, owner: str | None, what: str) -> None:
    """A planner may change only what it created; an admin anything. Raises 403."""
    if principal.role != "admin" and owner != principal.name:
        raise Forbidden(f"{what} was created by {owner or 'an unknown user'}; only they or "
                        "an admin may delete it")


def delete_owned(planner: Principal, what: str, owner: Callable[[], str | None],
                 delete: Callable[[], object]) -> Response:
    """A DELETE of something stored, as every such route has it: a planner only what they
    created (:func:`check_owner`, 403; the owner is read only for a planner), an admin
    anything; then ``delete()`` and 204 No Content."""
    if planner.role != "admin":
        check_owner(planner, owner(), what)
    delete()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

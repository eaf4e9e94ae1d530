"""The FastAPI application: built by :func:`create_app`, nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from neo4j import Driver

from app.api.openapi import install_openapi
from app.api.routes import ROUTERS
from app.compute import ComputePool
from app.db import DatabaseUnavailable, GuardedDriver, WarmUp, create_driver, translate_errors
from app.errors import install_error_handlers
from app.middleware import (
    DatabaseBudget,
    RequestClock,
    RequestGuard,
    SecurityHeaders,
    TrustedHosts,
)
from app.repository.load_lock import DATASET_CHECK_WARM_UP
from app.repository.revision import READ_REVISION
from app.repository.scenarios import WARM_UP as SCENARIO_STORE
from app.repository.tokens import TOKEN_HASHES
from app.services.cache import database_cache
from app.settings import Settings, get_settings

__all__ = ["create_app"]

log = logging.getLogger("oncoregio")

#: modules the compute workers import once, in the forkserver they are forked from
COMPUTE_PRELOAD = ("app.services.scenarios", "app.services.sweeps")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # every database call of a request is bounded and behind a circuit breaker (app.db)
        guarded = GuardedDriver(create_driver(settings), database=settings.neo4j_database,
                                call_timeout=settings.neo4j_call_timeout,
                                probe_interval=settings.neo4j_probe_interval,
                                warm_ups=(WarmUp(READ_REVISION, {}), WarmUp(TOKEN_HASHES, {}),
                                          SCENARIO_STORE, DATASET_CHECK_WARM_UP))
        driver = cast(Driver, guarded)  # it serves the driver methods the repositories use
        try:
            with translate_errors():
                guarded.bounded(guarded.driver.verify_connectivity)
            guarded.start_warm_up()  # in the background; again whenever Neo4j is back
        except DatabaseUnavailable as e:
            # start anyway: requests answer 503 until the gate's probe finds the database
            log.warning("Neo4j not reachable at %s at start-up: %s", settings.neo4j_uri, e)
        app.state.driver = driver
        app.state.settings = settings
        app.state.snapshots = database_cache(
            driver, settings.neo4j_database, staleness=settings.revision_check_seconds,
            max_answers=settings.answer_cache_entries)
        # CPU-heavy work runs in worker processes that can be stopped (app/compute.py)
        pool = ComputePool(settings.workers, settings.queue_size,
                           retry_after=settings.retry_after_seconds, preload=COMPUTE_PRELOAD)
        pool.start()
        app.state.compute = pool
        try:
            yield
        finally:
            pool.shutdown()
            driver.close()

    app = FastAPI(
        title="oncoregio",
        summary="Coverage, concentration scenarios and network structure of the Dutch "
                "oncology care regions, on Neo4j.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app, retry_after=settings.retry_after_seconds)
    # outermost last: RequestClock -> TrustedHosts -> SecurityHeaders -> CORS ->
    # RequestGuard -> DatabaseBudget -> routes
    app.add_middleware(DatabaseBudget, seconds=settings.neo4j_call_timeout)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    # Neo4j Browser (served on the database's HTTP port) fetches the guide and the style sheet
    app.add_middleware(CORSMiddleware, allow_origins=settings.browser_origins,
                       allow_methods=["GET"], allow_headers=["pragma", "cache-control"])
    app.add_middleware(SecurityHeaders)
    app.add_middleware(TrustedHosts, hosts=settings.trusted_hosts)
    app.add_middleware(RequestClock)  # a request's time limit counts from its arrival
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app)
    return app

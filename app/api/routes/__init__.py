"""All routers, joined in one place."""

from fastapi import APIRouter

from app.api.routes import (
    analysis,
    browser,
    calibrations,
    coverage,
    entities,
    exports,
    health,
    maps,
    scenarios,
    sweeps,
    workbench,
)

#: in matching order: fixed paths under /regions and /care-types before the {id} routes
ROUTERS: tuple[APIRouter, ...] = (
    health.router, browser.router, workbench.root, workbench.router, maps.router,
    coverage.router, exports.router, scenarios.router, sweeps.router, calibrations.router,
    analysis.router, entities.regions, entities.hospitals, entities.networks,
    entities.care_types)

#: every route in one router (for tools that want one); the app includes ``ROUTERS`` one by
#: one instead, as each level of nesting costs FastAPI's matcher time on every request
router = APIRouter()
for sub in ROUTERS:
    router.include_router(sub)

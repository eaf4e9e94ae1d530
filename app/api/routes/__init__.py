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

router = APIRouter()
router.include_router(health.router)
router.include_router(browser.router)
router.include_router(workbench.root)
router.include_router(workbench.router)
# fixed paths under /regions and /care-types before the {id} routes
router.include_router(maps.router)
router.include_router(coverage.router)
router.include_router(exports.router)
router.include_router(scenarios.router)
router.include_router(sweeps.router)
router.include_router(calibrations.router)
router.include_router(analysis.router)
for sub in (entities.regions, entities.hospitals, entities.networks, entities.care_types):
    router.include_router(sub)

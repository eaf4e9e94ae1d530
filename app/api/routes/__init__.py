"""All routers, joined in one place."""

from fastapi import APIRouter

from app.api.routes import coverage, entities, health

router = APIRouter()
router.include_router(health.router)
# coverage first: /regions/{id}/coverage and /care-types/{id}/concentration
router.include_router(coverage.router)
for sub in (entities.regions, entities.hospitals, entities.networks, entities.care_types):
    router.include_router(sub)

"""Pictures where a table is hard to read: the regions map (scenario maps live with scenarios)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import READER, DatabaseDep, DriverDep, Responses
from app.repository.snapshot import read_snapshot
from app.services.pictures import MEDIA_TYPES, Fmt, regions_picture

router = APIRouter(tags=["maps"], dependencies=[READER])
IMAGE: Responses = {200: {"content": {"image/svg+xml": {}, "image/png": {}},
               "description": "the rendered map"},
         503: {"description": "database unavailable (problem+json, Retry-After)"}}


@router.get("/regions/map.{fmt}", response_class=Response, responses=IMAGE)
def read_regions_map(fmt: Fmt, driver: DriverDep, db: DatabaseDep) -> Response:
    """Hospitals and demand areas of the Netherlands, coloured by oncology region."""
    return Response(regions_picture(read_snapshot(driver, db), fmt), media_type=MEDIA_TYPES[fmt])

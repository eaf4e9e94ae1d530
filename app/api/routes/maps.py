"""Pictures where a table is hard to read: the regions map (scenario maps live with scenarios)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import DatabaseDep, DriverDep
from app.plots import region_map
from app.repository.snapshot import read_snapshot

router = APIRouter(tags=["maps"])
MEDIA = {"svg": "image/svg+xml", "png": "image/png"}
IMAGE = {200: {"content": {"image/svg+xml": {}, "image/png": {}},
               "description": "the rendered map"},
         503: {"description": "database unavailable (problem+json, Retry-After)"}}


@router.get("/regions/map.{fmt}", response_class=Response, responses=IMAGE)
def read_regions_map(fmt: Literal["svg", "png"], driver: DriverDep, db: DatabaseDep) -> Response:
    """Hospitals and demand areas of the Netherlands, coloured by oncology region."""
    snap = read_snapshot(driver, db)
    regions = [{"id": k, "name": v} for k, v in sorted(snap.regions.items())]
    population = int(snap.population.sum())
    title = (f"Oncology regions: {len(snap.hospitals)} hospital locations, "
             f"{len(snap.areas):,} areas, {population / 1e6:.1f} M people")
    body = region_map(snap.hospitals, snap.areas, regions, fmt=fmt, title=title)
    return Response(body, media_type=MEDIA[fmt])

"""Pictures where a table is hard to read: the regions map (scenario maps live with scenarios)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.caching import CACHED, IfNoneMatch, cached_snapshot_answer
from app.api.deps import READER, Responses
from app.services.pictures import MEDIA_TYPES, Fmt, regions_picture

router = APIRouter(tags=["maps"], dependencies=[READER])
IMAGE: Responses = {**CACHED, 200: {"content": {"image/svg+xml": {}, "image/png": {}},
               "description": "the rendered map"},
         503: {"description": "database unavailable (problem+json, Retry-After)"}}


@router.get("/regions/map.{fmt}", response_class=Response, responses=IMAGE)
async def read_regions_map(request: Request, fmt: Fmt,
                           if_none_match: IfNoneMatch = None) -> Response:
    """Hospitals and demand areas of the Netherlands, coloured by oncology region."""
    return await cached_snapshot_answer(request, if_none_match, ("regions-map", fmt),
                                        lambda snap: regions_picture(snap, fmt),
                                        media_type=MEDIA_TYPES[fmt])

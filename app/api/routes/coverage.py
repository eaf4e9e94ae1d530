"""Coverage, concentration and gaps, computed from the revision's snapshot and cached per
revision (ETag, 304: see :mod:`app.api.caching`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.caching import CACHED, IfNoneMatch, cached_snapshot_answer, json_bytes
from app.api.deps import READER, IdPath, IdQuery, MinutesDep, Responses
from app.schemas import Concentration, CoverageMatrix, Gaps, RegionCoverage
from app.services import coverage as svc

router = APIRouter(tags=["coverage"], dependencies=[READER])
ERRORS: Responses = {**CACHED, 404: {"description": "unknown id (problem+json)"},
          422: {"description": "invalid parameter (problem+json)"},
          503: {"description": "database unavailable (problem+json, Retry-After)"}}


@router.get("/regions/{region_id}/coverage", response_model=RegionCoverage, responses=ERRORS)
async def read_region_coverage(request: Request, region_id: IdPath,
                               minutes: MinutesDep = 45.0,
                               if_none_match: IfNoneMatch = None) -> Response:
    """Per care type: providers in the region and via its networks, travel to the nearest
    provider (population-weighted mean, p90, max), share within ``minutes``, and gaps."""
    return await cached_snapshot_answer(
        request, if_none_match, ("region-coverage", region_id, minutes),
        lambda snap: json_bytes(RegionCoverage(**svc.region_coverage_rows(snap, region_id,
                                                                          minutes))))


@router.get("/coverage", response_model=CoverageMatrix, responses=ERRORS)
async def read_coverage(request: Request, care_type: IdQuery = None, minutes: MinutesDep = 45.0,
                        if_none_match: IfNoneMatch = None) -> Response:
    """The region x care type coverage matrix with national totals per care type."""
    return await cached_snapshot_answer(
        request, if_none_match, ("coverage", care_type, minutes),
        lambda snap: json_bytes(CoverageMatrix(**svc.coverage_matrix(snap, minutes, care_type))))


@router.get("/care-types/{care_type_id}/concentration", response_model=Concentration,
            responses=ERRORS)
async def read_concentration(request: Request, care_type_id: IdPath,
                             if_none_match: IfNoneMatch = None) -> Response:
    """Providers, volume per provider against the norm, HHI, share in norm-compliant centres."""
    return await cached_snapshot_answer(
        request, if_none_match, ("concentration", care_type_id),
        lambda snap: json_bytes(Concentration(**svc.care_type_concentration(snap,
                                                                            care_type_id))))


@router.get("/gaps", response_model=Gaps, responses=ERRORS)
async def read_gaps(request: Request, minutes: MinutesDep = 60.0,
                    limit: Annotated[int, Query(ge=1, le=100000)] = 500,
                    if_none_match: IfNoneMatch = None) -> Response:
    """Region x care type pairs without reachable provision, and areas whose nearest
    provider of an expert care type is beyond ``minutes``, worst first."""
    return await cached_snapshot_answer(
        request, if_none_match, ("gaps", minutes, limit),
        lambda snap: json_bytes(Gaps(**svc.gaps(snap, minutes, limit))))

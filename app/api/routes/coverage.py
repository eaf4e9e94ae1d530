"""Coverage, concentration and gaps, computed from the graph as stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import READER, DatabaseDep, DriverDep, IdPath, IdQuery, MinutesDep, Responses
from app.repository.snapshot import read_snapshot
from app.schemas import Concentration, CoverageMatrix, Gaps, RegionCoverage
from app.services import coverage as svc

router = APIRouter(tags=["coverage"], dependencies=[READER])
ERRORS: Responses = {404: {"description": "unknown id (problem+json)"},
          422: {"description": "invalid parameter (problem+json)"},
          503: {"description": "database unavailable (problem+json, Retry-After)"}}


@router.get("/regions/{region_id}/coverage", response_model=RegionCoverage, responses=ERRORS)
def read_region_coverage(region_id: IdPath, driver: DriverDep, db: DatabaseDep,
                         minutes: MinutesDep = 45.0) -> RegionCoverage:
    """Per care type: providers in the region and via its networks, travel to the nearest
    provider (population-weighted mean, p90, max), share within ``minutes``, and gaps."""
    return RegionCoverage(**svc.region_coverage_rows(read_snapshot(driver, db), region_id,
                                                     minutes))


@router.get("/coverage", response_model=CoverageMatrix, responses=ERRORS)
def read_coverage(driver: DriverDep, db: DatabaseDep, care_type: IdQuery = None,
                  minutes: MinutesDep = 45.0) -> CoverageMatrix:
    """The region x care type coverage matrix with national totals per care type."""
    return CoverageMatrix(**svc.coverage_matrix(read_snapshot(driver, db), minutes, care_type))


@router.get("/care-types/{care_type_id}/concentration", response_model=Concentration,
            responses=ERRORS)
def read_concentration(care_type_id: IdPath, driver: DriverDep, db: DatabaseDep) -> Concentration:
    """Providers, volume per provider against the norm, HHI, share in norm-compliant centres."""
    return Concentration(**svc.care_type_concentration(read_snapshot(driver, db), care_type_id))


@router.get("/gaps", response_model=Gaps, responses=ERRORS)
def read_gaps(driver: DriverDep, db: DatabaseDep, minutes: MinutesDep = 60.0,
              limit: Annotated[int, Query(ge=1, le=100000)] = 500) -> Gaps:
    """Region x care type pairs without reachable provision, and areas whose nearest
    provider of an expert care type is beyond ``minutes``, worst first."""
    return Gaps(**svc.gaps(read_snapshot(driver, db), minutes, limit))

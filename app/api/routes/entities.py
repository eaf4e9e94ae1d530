"""Regions, hospitals, networks and care types as stored in the graph."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.caching import CACHED, IfNoneMatch, cached, cached_snapshot_answer, json_bytes
from app.api.deps import (
    READER,
    DatabaseDep,
    DriverDep,
    IdPath,
    IdQuery,
    LimitDep,
    OffsetDep,
    Responses,
)
from app.repository import entities as repo
from app.repository.snapshot import Snapshot
from app.schemas import (
    CareTypePublic,
    CareTypeSummary,
    HospitalPublic,
    HospitalSummary,
    NetworkPublic,
    NetworkSummary,
    Page,
    RegionPublic,
    RegionSummary,
)
from app.vocabulary import CareLevel, HospitalKind, NetworkScope

NOT_FOUND: Responses = {**CACHED, 404: {"description": "unknown id (problem+json)"},
             422: {"description": "malformed id (problem+json)"},
             503: {"description": "database unavailable (problem+json, Retry-After)"}}
LIST: Responses = {**CACHED, 422: {"description": "invalid parameter (problem+json)"},
        503: {"description": "database unavailable (problem+json, Retry-After)"}}

regions = APIRouter(prefix="/regions", tags=["regions"], dependencies=[READER])
hospitals = APIRouter(prefix="/hospitals", tags=["hospitals"], dependencies=[READER])
networks = APIRouter(prefix="/networks", tags=["networks"], dependencies=[READER])
care_types = APIRouter(prefix="/care-types", tags=["care types"], dependencies=[READER])


@regions.get("", response_model=Page[RegionSummary], responses=LIST)
async def list_regions(request: Request, driver: DriverDep, db: DatabaseDep,
                       limit: LimitDep = 100, offset: OffsetDep = 0,
                       if_none_match: IfNoneMatch = None) -> Response:
    """List the oncology regions with hospital count, population and networks."""

    def compute() -> bytes:
        data, count = repo.list_regions(driver, db, limit=limit, offset=offset)
        return json_bytes(Page[RegionSummary](data=data, count=count))  # type: ignore[arg-type]

    return await cached(request, if_none_match, ("regions", limit, offset), compute)


@regions.get("/{region_id}", response_model=RegionPublic, responses=NOT_FOUND)
async def read_region(request: Request, region_id: IdPath, driver: DriverDep, db: DatabaseDep,
                      if_none_match: IfNoneMatch = None) -> Response:
    """One region: its hospitals, the networks that cover it and its population."""
    return await cached(request, if_none_match, ("region", region_id),
                        lambda: json_bytes(RegionPublic(**repo.get_region(driver, db,
                                                                          region_id))))


@hospitals.get("", response_model=Page[HospitalSummary], responses=LIST)
async def list_hospitals(request: Request, region: IdQuery = None, care_type: IdQuery = None,
                         kind: HospitalKind | None = None,
                         network: IdQuery = None, limit: LimitDep = 200,
                         offset: OffsetDep = 0,
                         if_none_match: IfNoneMatch = None) -> Response:
    """List hospital locations, filtered by region, care type provided, kind or network."""

    def compute(snap: Snapshot) -> bytes:
        data, count = repo.page_hospitals(snap, region=region, kind=kind,
                                          care_type=care_type, network=network, limit=limit,
                                          offset=offset)
        return json_bytes(Page[HospitalSummary](data=data, count=count))  # type: ignore[arg-type]

    # from the revision's snapshot (no database read per question), as the other hot routes
    key = ("hospitals", region, care_type, kind, network, limit, offset)
    return await cached_snapshot_answer(request, if_none_match, key, compute)


@hospitals.get("/{hospital_id}", response_model=HospitalPublic, responses=NOT_FOUND)
async def read_hospital(request: Request, hospital_id: IdPath, driver: DriverDep,
                        db: DatabaseDep, if_none_match: IfNoneMatch = None) -> Response:
    """One hospital location with its networks and the care types it provides (volumes)."""
    return await cached(request, if_none_match, ("hospital", hospital_id),
                        lambda: json_bytes(HospitalPublic(**repo.get_hospital(driver, db,
                                                                              hospital_id))))


@networks.get("", response_model=Page[NetworkSummary], responses=LIST)
async def list_networks(request: Request, driver: DriverDep, db: DatabaseDep,
                        scope: NetworkScope | None = None,
                        limit: LimitDep = 100, offset: OffsetDep = 0,
                        if_none_match: IfNoneMatch = None) -> Response:
    """List the oncology networks with member count, covered regions and care types."""

    def compute() -> bytes:
        data, count = repo.list_networks(driver, db, scope=scope, limit=limit, offset=offset)
        return json_bytes(Page[NetworkSummary](data=data, count=count))  # type: ignore[arg-type]

    return await cached(request, if_none_match, ("networks", scope, limit, offset), compute)


@networks.get("/{network_id}", response_model=NetworkPublic, responses=NOT_FOUND)
async def read_network(request: Request, network_id: IdPath, driver: DriverDep,
                       db: DatabaseDep, if_none_match: IfNoneMatch = None) -> Response:
    """One network: members with their role, covered regions, care types it is for."""
    return await cached(request, if_none_match, ("network", network_id),
                        lambda: json_bytes(NetworkPublic(**repo.get_network(driver, db,
                                                                            network_id))))


@care_types.get("", response_model=Page[CareTypeSummary], responses=LIST)
async def list_care_types(request: Request, driver: DriverDep, db: DatabaseDep,
                          level: CareLevel | None = None,
                          limit: LimitDep = 100, offset: OffsetDep = 0,
                          if_none_match: IfNoneMatch = None) -> Response:
    """List care types with level, minimum-volume norm, national cases and provider count."""

    def compute() -> bytes:
        data, count = repo.list_care_types(driver, db, level=level, limit=limit, offset=offset)
        return json_bytes(Page[CareTypeSummary](data=data, count=count))  # type: ignore[arg-type]

    return await cached(request, if_none_match, ("care-types", level, limit, offset), compute)


@care_types.get("/{care_type_id}", response_model=CareTypePublic, responses=NOT_FOUND)
async def read_care_type(request: Request, care_type_id: IdPath, driver: DriverDep,
                         db: DatabaseDep, if_none_match: IfNoneMatch = None) -> Response:
    """One care type with its providers (and volumes) and the networks for it."""
    return await cached(request, if_none_match, ("care-type", care_type_id),
                        lambda: json_bytes(CareTypePublic(**repo.get_care_type(driver, db,
                                                                               care_type_id))))

"""Regions, hospitals, networks and care types as stored in the graph."""

from __future__ import annotations

from fastapi import APIRouter

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

NOT_FOUND: Responses = {404: {"description": "unknown id (problem+json)"},
             422: {"description": "malformed id (problem+json)"},
             503: {"description": "database unavailable (problem+json, Retry-After)"}}
LIST: Responses = {422: {"description": "invalid parameter (problem+json)"},
        503: {"description": "database unavailable (problem+json, Retry-After)"}}

regions = APIRouter(prefix="/regions", tags=["regions"], dependencies=[READER])
hospitals = APIRouter(prefix="/hospitals", tags=["hospitals"], dependencies=[READER])
networks = APIRouter(prefix="/networks", tags=["networks"], dependencies=[READER])
care_types = APIRouter(prefix="/care-types", tags=["care types"], dependencies=[READER])


@regions.get("", response_model=Page[RegionSummary], responses=LIST)
def list_regions(driver: DriverDep, db: DatabaseDep, limit: LimitDep = 100,
                 offset: OffsetDep = 0) -> Page[RegionSummary]:
    """List the oncology regions with hospital count, population and networks."""
    data, count = repo.list_regions(driver, db, limit=limit, offset=offset)
    return Page(data=data, count=count)  # type: ignore[arg-type]  # validated by pydantic


@regions.get("/{region_id}", response_model=RegionPublic, responses=NOT_FOUND)
def read_region(region_id: IdPath, driver: DriverDep, db: DatabaseDep) -> RegionPublic:
    """One region: its hospitals, the networks that cover it and its population."""
    return RegionPublic(**repo.get_region(driver, db, region_id))


@hospitals.get("", response_model=Page[HospitalSummary], responses=LIST)
def list_hospitals(driver: DriverDep, db: DatabaseDep, region: IdQuery = None,
                   care_type: IdQuery = None,
                   kind: HospitalKind | None = None,
                   network: IdQuery = None, limit: LimitDep = 200,
                   offset: OffsetDep = 0) -> Page[HospitalSummary]:
    """List hospital locations, filtered by region, care type provided, kind or network."""
    data, count = repo.list_hospitals(driver, db, region=region, kind=kind,
                                      care_type=care_type, network=network, limit=limit,
                                      offset=offset)
    return Page(data=data, count=count)  # type: ignore[arg-type]  # validated by pydantic


@hospitals.get("/{hospital_id}", response_model=HospitalPublic, responses=NOT_FOUND)
def read_hospital(hospital_id: IdPath, driver: DriverDep, db: DatabaseDep) -> HospitalPublic:
    """One hospital location with its networks and the care types it provides (volumes)."""
    return HospitalPublic(**repo.get_hospital(driver, db, hospital_id))


@networks.get("", response_model=Page[NetworkSummary], responses=LIST)
def list_networks(driver: DriverDep, db: DatabaseDep,
                  scope: NetworkScope | None = None,
                  limit: LimitDep = 100, offset: OffsetDep = 0) -> Page[NetworkSummary]:
    """List the oncology networks with member count, covered regions and care types."""
    data, count = repo.list_networks(driver, db, scope=scope, limit=limit, offset=offset)
    return Page(data=data, count=count)  # type: ignore[arg-type]  # validated by pydantic


@networks.get("/{network_id}", response_model=NetworkPublic, responses=NOT_FOUND)
def read_network(network_id: IdPath, driver: DriverDep, db: DatabaseDep) -> NetworkPublic:
    """One network: members with their role, covered regions, care types it is for."""
    return NetworkPublic(**repo.get_network(driver, db, network_id))


@care_types.get("", response_model=Page[CareTypeSummary], responses=LIST)
def list_care_types(driver: DriverDep, db: DatabaseDep,
                    level: CareLevel | None = None,
                    limit: LimitDep = 100, offset: OffsetDep = 0) -> Page[CareTypeSummary]:
    """List care types with level, minimum-volume norm, national cases and provider count."""
    data, count = repo.list_care_types(driver, db, level=level, limit=limit, offset=offset)
    return Page(data=data, count=count)  # type: ignore[arg-type]  # validated by pydantic


@care_types.get("/{care_type_id}", response_model=CareTypePublic, responses=NOT_FOUND)
def read_care_type(care_type_id: IdPath, driver: DriverDep, db: DatabaseDep) -> CareTypePublic:
    """One care type with its providers (and volumes) and the networks for it."""
    return CareTypePublic(**repo.get_care_type(driver, db, care_type_id))

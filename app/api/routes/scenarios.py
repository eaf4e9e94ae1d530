"""Concentration scenarios: run, store, list, compare, delete, draw."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.api.caching import SnapshotDep
from app.api.deps import (
    READER,
    DatabaseDep,
    DriverDep,
    IdPath,
    IdQuery,
    LimitDep,
    OffsetDep,
    PlannerDep,
    Responses,
    check_owner,
)
from app.repository import scenarios as repo
from app.schemas import Page, ScenarioComparison, ScenarioCreate, ScenarioPublic, ScenarioSummary
from app.services.compare import compare_scenarios
from app.services.pictures import MEDIA_TYPES, Fmt, scenario_chart_picture, scenario_map_picture
from app.services.scenarios import run_scenario

router = APIRouter(prefix="/scenarios", tags=["scenarios"])
ERRORS: Responses = {404: {"description": "unknown scenario (problem+json)"},
          422: {"description": "invalid or infeasible request, offending ids listed "
                               "(problem+json)"},
          503: {"description": "database unavailable (problem+json, Retry-After)"}}
IMAGE: Responses = {**ERRORS, 200: {"content": {"image/svg+xml": {}, "image/png": {}},
                         "description": "the rendered picture"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ScenarioPublic,
             responses=ERRORS)
def create_scenario(body: ScenarioCreate, driver: DriverDep, db: DatabaseDep,
                    response: Response, planner: PlannerDep,
                    snap: SnapshotDep) -> ScenarioPublic:
    """Run a location-allocation scenario for a care type and store it in the graph."""
    result = run_scenario(snap, body)
    # the creator is stored with it: a planner may delete only their own
    repo.save_scenario(driver, db, result, created_by=planner.name)
    response.headers["Location"] = f"/scenarios/{result.id}"
    return result


@router.get("", response_model=Page[ScenarioSummary], responses=ERRORS,
            dependencies=[READER])
def list_scenarios(driver: DriverDep, db: DatabaseDep, care_type: IdQuery = None,
                   limit: LimitDep = 100, offset: OffsetDep = 0) -> Page[ScenarioSummary]:
    """List stored scenarios with their headline figures, newest first."""
    data, count = repo.list_scenarios(driver, db, care_type=care_type, limit=limit,
                                      offset=offset)
    return Page(data=data, count=count)


@router.get("/{scenario_id}", response_model=ScenarioPublic, responses=ERRORS,
            dependencies=[READER])
def read_scenario(scenario_id: IdPath, driver: DriverDep, db: DatabaseDep) -> ScenarioPublic:
    """One stored scenario with all its figures."""
    return repo.get_scenario(driver, db, scenario_id)


@router.get("/{a}/compare/{b}", response_model=ScenarioComparison, response_model_by_alias=True,
            responses=ERRORS, dependencies=[READER])
def compare(a: IdPath, b: IdPath, driver: DriverDep, db: DatabaseDep) -> dict[str, Any]:
    """Two stored scenarios side by side: headline deltas (b - a) and differing centres."""
    return compare_scenarios(repo.get_scenario(driver, db, a), repo.get_scenario(driver, db, b))


@router.delete("/{scenario_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_scenario(scenario_id: IdPath, driver: DriverDep, db: DatabaseDep,
                    planner: PlannerDep) -> Response:
    """Delete a stored scenario and its links (a planner their own, an admin any)."""
    if planner.role != "admin":
        check_owner(planner, repo.scenario_owner(driver, db, scenario_id),
                    f"scenario '{scenario_id}'")
    repo.delete_scenario(driver, db, scenario_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{scenario_id}/map.{fmt}", response_class=Response, responses=IMAGE,
            dependencies=[READER])
def read_scenario_map(scenario_id: IdPath, fmt: Fmt, driver: DriverDep,
                      db: DatabaseDep, snap: SnapshotDep) -> Response:
    """Areas coloured by the centre they are allocated to; open centres sized by volume."""
    s = repo.get_scenario(driver, db, scenario_id)
    body = scenario_map_picture(s, snap, fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt])


@router.get("/{scenario_id}/chart.{fmt}", response_class=Response, responses=IMAGE,
            dependencies=[READER])
def read_scenario_chart(scenario_id: IdPath, fmt: Fmt, driver: DriverDep,
                        db: DatabaseDep,
                        width: Annotated[int, Query(ge=200, le=4000)] = 1200) -> Response:
    """Travel-time distribution baseline versus scenario, and volume per centre vs the norm."""
    body = scenario_chart_picture(
        repo.get_scenario(driver, db, scenario_id), fmt, width)
    return Response(body, media_type=MEDIA_TYPES[fmt])

"""Concentration scenarios: run, store, list, compare, delete, draw."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.caching import SnapshotDep, current_snapshot
from app.api.deps import (
    COMPUTE_ERRORS,
    READER,
    ComputeDep,
    DatabaseDep,
    DriverDep,
    IdPath,
    IdQuery,
    LimitDep,
    OffsetDep,
    PlannerDep,
    Responses,
    SettingsDep,
    delete_owned,
    require_role,
)
from app.auth import Principal
from app.compute import JobCancelled, JobTimedOut
from app.db import SUSPECT_AFTER, DatabaseUnavailable
from app.errors import TimeLimitReached
from app.middleware import arrived_at
from app.repository import scenarios as repo
from app.schemas import Page, ScenarioComparison, ScenarioCreate, ScenarioPublic, ScenarioSummary
from app.services.compare import compare_scenarios
from app.services.pictures import MEDIA_TYPES, Fmt, scenario_chart_picture, scenario_map_picture
from app.services.scenarios import (
    EVALUATION_RESERVE_SHARE,
    NoSolutionInTime,
    run_scenario,
)

router = APIRouter(prefix="/scenarios", tags=["scenarios"])
ERRORS: Responses = {404: {"description": "unknown scenario (problem+json)"},
          422: {"description": "invalid or infeasible request, offending ids listed "
                               "(problem+json)"},
          503: {"description": "database unavailable, the time limit spent waiting for it, "
                               "or a load in the way of the store (problem+json, "
                               "Retry-After)"}}
IMAGE: Responses = {**ERRORS, 200: {"content": {"image/svg+xml": {}, "image/png": {}},
                         "description": "the rendered picture"}}


_TIME_LIMIT = ScenarioCreate.model_fields["time_limit"]
#: the field's own type and bounds (no copy of gt/le here); a runtime-built form mypy cannot read
_time_limit: TypeAdapter[float] = TypeAdapter(
    Annotated[_TIME_LIMIT.annotation, *_TIME_LIMIT.metadata])  # type: ignore[arg-type]


async def body_time_limit(request: Request) -> float:
    """The request body's ``time_limit`` for the token check that runs before the body is
    validated: the field's default when absent or invalid (validation answers 422 for an
    invalid one after the check)."""
    try:
        body = await request.json()  # the body FastAPI read already (cached), parsed again
        return float(_time_limit.validate_python(body["time_limit"]))
    except (ValueError, TypeError, KeyError, ValidationError):
        return float(_TIME_LIMIT.default)


#: the planner check of ``POST /scenarios``: its wait for the token hashes counts in time_limit
TimedPlannerDep = Annotated[Principal, Depends(require_role("planner", body_time_limit))]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ScenarioPublic,
             responses={**ERRORS, **COMPUTE_ERRORS})
async def create_scenario(body: ScenarioCreate, request: Request, driver: DriverDep,
                          db: DatabaseDep, response: Response, planner: TimedPlannerDep,
                          compute: ComputeDep, settings: SettingsDep) -> Any:
    """Run a location-allocation scenario for a care type and store it in the graph.

    ``time_limit`` bounds the whole request from its arrival (the token check included):
    the optimiser stops at request start +
    time_limit (less a short reserve for the evaluation) and answers its best solution with
    status ``time_limit`` and the proven gap; a computation still running
    ``COMPUTE_GRACE_SECONDS`` after the limit is stopped. No solution in time is a 422 of
    type ``urn:oncoregio:problem:time-limit``, or a 503 with Retry-After when the time went
    to waiting for the database. A client that disconnects stops its computation and nothing
    is stored; nor is a result computed on a dataset that a load replaced meanwhile, or
    while a load runs (503 with Retry-After)."""
    started = arrived_at(request.scope)  # the token check before this counts too
    deadline = started + body.time_limit
    kill_at = deadline + settings.compute_grace_seconds
    try:
        # abandoned at the limit: the read ends in its thread, this request does not wait
        snapshot = await asyncio.wait_for(
            anyio.to_thread.run_sync(current_snapshot, request, abandon_on_cancel=True),
            timeout=kill_at - time.monotonic())
    except TimeoutError as e:
        raise DatabaseUnavailable(f"Neo4j did not deliver the data within the time limit "
                                  f"of {body.time_limit:g} s") from e
    waited = time.monotonic() - started
    job = compute.submit(run_scenario, snapshot, body, deadline=deadline, kill_at=kill_at)
    try:
        result = await job.wait(request.is_disconnected)
    except JobTimedOut as e:
        _check_database_wait(body.time_limit, waited, e)
        raise TimeLimitReached(body.time_limit, (
            f"no solution within the time limit of {body.time_limit:g} s: the computation "
            f"was stopped {settings.compute_grace_seconds:g} s after it ({e})")) from e
    except NoSolutionInTime as e:
        _check_database_wait(body.time_limit, waited, e)
        raise
    except JobCancelled:
        return Response(status_code=499)  # the client has gone: nobody reads this
    if await request.is_disconnected():
        return Response(status_code=499)  # computed, but not stored for nobody
    # the creator is stored with it: a planner may delete only their own
    await run_in_threadpool(repo.save_scenario, driver, db, result,
                            dataset=snapshot.dataset, created_by=planner.name)
    response.headers["Location"] = f"/scenarios/{result.id}"
    return result


#: a solve without a solution is the database's fault, not the problem's, when the wait for
#: the data took more than this share of ``time_limit`` (the share the solver leaves for the
#: evaluation, app.services.scenarios.EVALUATION_RESERVE_SHARE) and longer than a warm
#: database ever takes (app.db.SUSPECT_AFTER, when the database is checked at once)
DATABASE_WAIT_SHARE = EVALUATION_RESERVE_SHARE


def _check_database_wait(time_limit: float, waited: float, cause: BaseException) -> None:
    """Raise :class:`DatabaseUnavailable` (503, Retry-After) when the time limit went to
    waiting for Neo4j's data (cold, starting or not answering): a retry when it answers
    promptly has the whole limit for the solve; a real time-out stays a 422."""
    if waited > max(SUSPECT_AFTER, DATABASE_WAIT_SHARE * time_limit):
        raise DatabaseUnavailable(
            f"no solution within the time limit of {time_limit:g} s: {waited:.1f} s of it "
            "went to waiting for Neo4j's data (it is cold, starting or slow to answer), so "
            "the solve had too little time; nothing was stored") from cause


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
    return delete_owned(planner, f"scenario '{scenario_id}'",
                        lambda: repo.scenario_owner(driver, db, scenario_id),
                        lambda: repo.delete_scenario(driver, db, scenario_id))


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

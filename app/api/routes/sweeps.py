"""Trade-off sweeps: run (k x norms), store, list, read, delete, draw, export."""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from app.api.caching import SnapshotDep
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
)
from app.compute import JobCancelled
from app.executors import ComputePoolExecutor, Executor, executor_for
from app.repository import sweeps as repo
from app.schemas import Page, SweepCreate, SweepPublic, SweepSummary
from app.services.pictures import MEDIA_TYPES, sweep_chart_picture, sweep_map_picture
from app.services.sweeps import combinations_csv, losses_csv, plan_sweep, run_sweep

router = APIRouter(prefix="/sweeps", tags=["sweeps"])
ERRORS: Responses = {
    404: {"description": "unknown sweep (problem+json)"},
    422: {"description": "invalid request: too many combinations (the bound is named), k "
                         "outside 1..candidates, unknown ids (problem+json)"},
    503: {"description": "database unavailable, Dask scheduler unreachable, the sweep's "
                         "wall-clock limit reached, or a load in the way of the store: "
                         "running, switching, or done while the sweep ran (problem+json, "
                         "Retry-After)"}}
IMAGE: Responses = {**ERRORS, 200: {"content": {"image/svg+xml": {}, "image/png": {}},
                                    "description": "the rendered chart"}}
CSV: Responses = {**ERRORS, 200: {"content": {"text/csv": {}}, "description": "the table"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SweepPublic,
             responses={**ERRORS, 429: COMPUTE_ERRORS[429]})
async def create_sweep(body: SweepCreate, request: Request, driver: DriverDep,
                       db: DatabaseDep, settings: SettingsDep, response: Response,
                       planner: PlannerDep, snap: SnapshotDep, compute: ComputeDep) -> Any:
    """Run a scenario for every k and norm of a sweep, mark the Pareto-efficient plans, store.

    The runs are jobs of the API's bounded compute pool, shared with scenario requests: when
    it has no room for the sweep's first run the answer is 429 with Retry-After; a client
    that disconnects stops its runs and nothing is stored. With a Dask scheduler configured
    the runs go to that cluster instead (bounded by the sweep's wall-clock limit)."""
    plan = plan_sweep(snap, body, max_combinations=settings.sweep_max_combinations)
    cancel = threading.Event()
    executor: Executor
    if settings.dask_scheduler:
        executor = executor_for(dask_scheduler=settings.dask_scheduler,
                                workers=settings.sweep_workers, tasks=len(plan.scenarios),
                                connect_timeout=settings.dask_connect_timeout)
    else:
        executor = ComputePoolExecutor(compute, cancel=cancel)
    work = asyncio.ensure_future(anyio.to_thread.run_sync(
        functools.partial(run_sweep, snap, plan, executor, timeout=settings.sweep_time_limit)))
    try:
        while not work.done():
            await asyncio.wait({work}, timeout=0.2)
            if not work.done() and await request.is_disconnected():
                cancel.set()  # its runs stop; the thread ends within a poll
        result = work.result()
    except JobCancelled:
        return Response(status_code=499)  # the client has gone: nobody reads this
    finally:
        cancel.set()
    if await request.is_disconnected():
        return Response(status_code=499)  # computed, but not stored for nobody
    await run_in_threadpool(repo.save_sweep, driver, db, result, dataset=snap.dataset,
                            created_by=planner.name)
    response.headers["Location"] = f"/sweeps/{result.id}"
    return result


@router.get("", response_model=Page[SweepSummary], responses=ERRORS, dependencies=[READER])
def list_sweeps(driver: DriverDep, db: DatabaseDep, care_type: IdQuery = None,
                limit: LimitDep = 100, offset: OffsetDep = 0) -> Page[SweepSummary]:
    """List stored sweeps, newest first."""
    data, count = repo.list_sweeps(driver, db, care_type=care_type, limit=limit, offset=offset)
    return Page(data=data, count=count)


@router.get("/{sweep_id}", response_model=SweepPublic, responses=ERRORS, dependencies=[READER])
def read_sweep(sweep_id: IdPath, driver: DriverDep, db: DatabaseDep) -> SweepPublic:
    """One stored sweep: every combination, the Pareto marks, who loses the care type."""
    return repo.get_sweep(driver, db, sweep_id)


@router.delete("/{sweep_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_sweep(sweep_id: IdPath, driver: DriverDep, db: DatabaseDep,
                 planner: PlannerDep) -> Response:
    """Delete a stored sweep (a planner their own, an admin any)."""
    return delete_owned(planner, f"sweep '{sweep_id}'",
                        lambda: repo.sweep_owner(driver, db, sweep_id),
                        lambda: repo.delete_sweep(driver, db, sweep_id))


@router.get("/{sweep_id}/chart.{fmt}", response_class=Response, responses=IMAGE,
            dependencies=[READER])
def read_sweep_chart(sweep_id: IdPath, fmt: Literal["svg", "png"], driver: DriverDep,
                     db: DatabaseDep,
                     width: Annotated[int, Query(ge=320, le=4000)] = 1000) -> Response:
    """The trade-off curve: extra travel against expected events avoided, labelled by k."""
    body = sweep_chart_picture(repo.get_sweep(driver, db, sweep_id), fmt, width)
    return Response(body, media_type=MEDIA_TYPES[fmt])


@router.get("/{sweep_id}/map.{fmt}", response_class=Response, responses=IMAGE,
            dependencies=[READER])
def read_sweep_map(sweep_id: IdPath, fmt: Literal["svg", "png"], driver: DriverDep,
                   db: DatabaseDep, snap: SnapshotDep) -> Response:
    """Today's providers on the map, by the share of the sweep's plans in which each keeps
    the care type (422 when no plan was feasible)."""
    body = sweep_map_picture(repo.get_sweep(driver, db, sweep_id), snap, fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt])


@router.get("/{sweep_id}/table.csv", response_class=Response, responses=CSV,
            dependencies=[READER])
def read_sweep_table(sweep_id: IdPath, driver: DriverDep, db: DatabaseDep,
                     table: Literal["combinations", "losses"] = "combinations") -> Response:
    """The sweep as CSV: one row per combination, or per provider losing the care type."""
    s = repo.get_sweep(driver, db, sweep_id)
    text = combinations_csv(s) if table == "combinations" else losses_csv(s)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="sweep-{s.id}-{table}.csv"'})

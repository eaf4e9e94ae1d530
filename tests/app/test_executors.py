"""Sweep executors: a local process pool and a real Dask LocalCluster (worker processes on
loopback) give the same plans as running the combinations one after the other here."""

from __future__ import annotations

import time

import pytest

from app.executors import (
    ComputeTimeout,
    ComputeUnavailable,
    DaskExecutor,
    LocalPoolExecutor,
    SequentialExecutor,
    executor_for,
)
from app.repository.snapshot import snapshot_from_folder
from app.schemas import SweepCreate
from app.services.sweeps import plan_sweep, run_sweep
from tests.helpers import free_port

# exact solves: deterministic, so every executor must find the very same plans
REQUEST = SweepCreate(care_type="pancreatic-resection", k_min=4, k_max=6, norms=[None, 20],
                      solver="exact", time_limit=60)


def _plans(sweep):
    return [(r.k, r.norm, r.feasible, tuple(r.centres), r.objective, r.mean_minutes,
             r.expected_events, r.pareto) for r in sweep.runs]


@pytest.fixture(scope="module")
def snap():
    return snapshot_from_folder()


@pytest.fixture(scope="module")
def plan(snap):
    return plan_sweep(snap, REQUEST, max_combinations=50)


@pytest.fixture(scope="module")
def sequential(snap, plan):
    return run_sweep(snap, plan, SequentialExecutor(), timeout=600)


def test_sequential_sweep_runs_every_combination_in_order(sequential):
    assert [(r.k, r.norm) for r in sequential.runs] == [
        (k, n) for n in (None, 20.0) for k in (4, 5, 6)]
    assert all(r.feasible and len(r.centres) == r.k for r in sequential.runs)


def test_local_pool_matches_sequential(snap, plan, sequential):
    seen: list[int] = []
    pooled = run_sweep(snap, plan, LocalPoolExecutor(2), timeout=600,
                       on_result=lambda i, _: seen.append(i))
    assert _plans(pooled) == _plans(sequential)
    assert sorted(seen) == list(range(len(plan.scenarios)))
    assert pooled.executor == "local pool of 2 worker process(es)"


def test_dask_local_cluster_matches_sequential(snap, plan, sequential):
    from distributed import LocalCluster

    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        result = run_sweep(snap, plan, DaskExecutor(address), timeout=600)
    assert _plans(result) == _plans(sequential)
    assert result.executor == f"Dask cluster at {address}"


def test_unreachable_scheduler_is_a_clear_error(snap, plan):
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(ComputeUnavailable, match=f"Dask scheduler at {address}.*1 s"):
        run_sweep(snap, plan, DaskExecutor(address, connect_timeout=1.0), timeout=60)
    assert time.monotonic() - started < 30  # bounded by the connect timeout, not a hang


def _sleep(_shared, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.parametrize("executor", [SequentialExecutor(), LocalPoolExecutor(2)],
                         ids=["sequential", "pool"])
def test_wall_clock_limit_stops_the_run(executor):
    with pytest.raises(ComputeTimeout, match=r"wall-clock limit of 0.5 s \(\d of 6 runs"):
        executor.run(_sleep, None, [0.4] * 6, timeout=0.5)


def test_executor_for_follows_the_settings():
    assert isinstance(executor_for(dask_scheduler="tcp://127.0.0.1:1", workers=None, tasks=9),
                      DaskExecutor)
    assert isinstance(executor_for(dask_scheduler=None, workers=1, tasks=9), SequentialExecutor)
    assert isinstance(executor_for(dask_scheduler=None, workers=4, tasks=1), SequentialExecutor)
    pool = executor_for(dask_scheduler=None, workers=4, tasks=3)
    assert isinstance(pool, LocalPoolExecutor) and pool.workers == 3


#: a sweep of linked plans (one set of centres for both types in every run)
LINKED = SweepCreate(care_types=["oesophagectomy", "gastrectomy"], weights=[1, 2], k_min=4,
                     k_max=5, norms=[None, 20], solver="exact", time_limit=60)


def test_linked_sweep_on_dask_local_cluster_matches_the_local_pool(snap):
    plan = plan_sweep(snap, LINKED, max_combinations=50)
    pooled = run_sweep(snap, plan, LocalPoolExecutor(2), timeout=600)
    assert all(r.feasible and len(r.centres) == r.k for r in pooled.runs)
    assert pooled.care_types == ["oesophagectomy", "gastrectomy"]
    from distributed import LocalCluster

    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster:
        result = run_sweep(snap, plan, DaskExecutor(cluster.scheduler_address), timeout=600)
    assert _plans(result) == _plans(pooled)
    assert [r.centres_below_norm for r in result.runs] == [
        r.centres_below_norm for r in pooled.runs]

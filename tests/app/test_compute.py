"""The compute pool (app/compute.py): results and errors come back, a full pool refuses, a
deadline or a cancel stops the worker process, a dirty worker is replaced. No database."""

from __future__ import annotations

import os
import threading
import time

import pytest

from app.compute import ComputePool, JobCancelled, JobTimedOut, PoolFull

# every wait in these tests is bounded by this many seconds
WAIT = 20.0


def spin(seconds: float) -> int:
    """Burn CPU for ``seconds``; return the worker's pid."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def leave_thread() -> int:
    """Return at once but leave a thread running (as an abandoned solver call does)."""
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    return os.getpid()


def gone(pid: int) -> bool:
    """True when the process no longer exists (or is only a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_until(check, what: str) -> None:
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {WAIT} s: {what}")


@pytest.fixture
def pool():
    with ComputePool(2, 1, retry_after=3) as p:
        yield p


def test_submit_returns_result_and_error(pool: ComputePool) -> None:
    pid = pool.submit(spin, 0.0).result(WAIT)
    assert pid != os.getpid() and pid in pool.stats().worker_pids
    with pytest.raises(ValueError, match="bad input"):
        pool.submit(fail, "bad input").result(WAIT)


def test_submit_pool_full_refuses_with_retry_after(pool: ComputePool) -> None:
    jobs = [pool.submit(spin, 1.0) for _ in range(3)]  # 2 running + 1 waiting
    with pytest.raises(PoolFull) as info:
        pool.submit(spin, 0.0)
    assert info.value.retry_after == 3
    assert sorted(j.result(WAIT) for j in jobs)  # the admitted ones all finish
    assert pool.submit(spin, 0.0).result(WAIT)  # and there is room again


def test_kill_at_stops_the_worker_process(pool: ComputePool) -> None:
    job = pool.submit(spin, 60.0, kill_at=time.monotonic() + 0.5)
    with pytest.raises(JobTimedOut):
        job.result(WAIT)
    assert job.pid is not None
    wait_until(lambda: gone(job.pid), f"worker {job.pid} stopped")
    assert job.pid not in pool.stats().worker_pids
    assert len(pool.stats().worker_pids) == 2  # replaced
    assert pool.submit(spin, 0.0).result(WAIT)


def test_cancel_stops_the_worker_and_a_queued_job_never_runs(pool: ComputePool) -> None:
    running = [pool.submit(spin, 60.0) for _ in range(2)]
    queued = pool.submit(spin, 60.0)
    wait_until(lambda: len(pool.stats().busy_pids) == 2, "both workers busy")
    queued.cancel()
    for job in running:
        job.cancel()
    for job in (*running, queued):
        with pytest.raises(JobCancelled):
            job.result(WAIT)
    assert queued.pid is None  # never reached a worker
    for job in running:
        assert job.pid is not None
        wait_until(lambda pid=job.pid: gone(pid), f"cancelled worker {job.pid} stopped")
    wait_until(lambda: pool.stats().running == 0, "no job running")


def test_worker_left_with_a_thread_is_replaced(pool: ComputePool) -> None:
    pid = pool.submit(leave_thread).result(WAIT)
    wait_until(lambda: gone(pid), "dirty worker replaced")
    wait_until(lambda: len(pool.stats().worker_pids) == 2 and pid not in pool.stats().worker_pids,
               "a fresh worker in its slot")


def test_shutdown_stops_every_worker() -> None:
    p = ComputePool(2, 0)
    p.start()
    job = p.submit(spin, 60.0)
    wait_until(lambda: p.stats().busy_pids, "job started")
    pids = p.stats().worker_pids
    p.shutdown()
    for pid in pids:
        assert gone(pid), f"worker {pid} still running after shutdown"
    with pytest.raises((JobCancelled, RuntimeError)):
        job.result(WAIT)
    with pytest.raises(RuntimeError, match="not running"):
        p.submit(spin, 0.0)

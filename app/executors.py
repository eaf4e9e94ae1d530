"""Where the scenarios of a sweep run: in this process, on a bounded local pool of worker
processes, or on a Dask cluster.

One small interface, :class:`Executor`: ``run(fn, shared, items)`` calls ``fn(shared, item)``
for every item and returns the results in the order of ``items``. ``shared`` (the graph
snapshot) is shipped to each worker once, not once per item. ``fn`` must be a module-level
function (it is pickled by reference), and so must everything it returns.

* :class:`SequentialExecutor` -- in the calling process, one item after the other.
* :class:`LocalPoolExecutor` -- a ``concurrent.futures.ProcessPoolExecutor`` of at most
  ``workers`` processes (``spawn``, safe to start from a threaded server), made for one run and
  shut down after it.
* :class:`ComputePoolExecutor` -- the API's bounded compute pool (:mod:`app.compute`),
  shared with scenario requests: what the API uses unless a Dask scheduler is set.
* :class:`DaskExecutor` -- the scheduler at ``ONCOREGIO_DASK_SCHEDULER`` (``tcp://host:port``)
  through a ``dask.distributed.Client``; the workers need oncoregio installed. A scheduler
  that cannot be reached within the connect timeout raises :class:`ComputeUnavailable`
  naming the address (an HTTP 503): a sweep never falls back silently to the local pool,
  so a result always ran where the settings say.

Every run is bounded: at most ``len(items)`` tasks, and a wall-clock ``timeout`` after which
pending tasks are cancelled and :class:`ComputeTimeout` is raised (nothing is stored).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Generic, Protocol, TypeVar

from app.errors import ComputeUnavailable

__all__ = ["ComputePoolExecutor", "ComputeTimeout", "ComputeUnavailable", "DaskExecutor",
           "Executor",
           "LocalPoolExecutor", "SequentialExecutor", "default_workers", "executor_for"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

OnResult = Callable[[int, Any], None]


class ComputeTimeout(ComputeUnavailable):
    """The run did not finish within its wall-clock limit; nothing was kept."""


class Executor(Protocol):
    """Runs ``fn(shared, item)`` for every item; results in the order of ``items``."""

    #: where the work ran, recorded with the result ("local pool of 2 processes", ...)
    description: str

    def run(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T], *,
            timeout: float, on_result: OnResult | None = None) -> list[R]: ...


def default_workers() -> int:
    """The machine's usable CPUs (the process's affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Results(Generic[R]):
    """The bookkeeping every executor's run shares: its wall-clock deadline, the results so
    far by item index (each handed to ``on_result`` as it comes), and the timeout error
    that says how far the run got."""

    def __init__(self, total: int, timeout: float, on_result: OnResult | None) -> None:
        self.total, self.timeout, self.on_result = total, timeout, on_result
        self.deadline = time.monotonic() + timeout
        self.by_index: dict[int, R] = {}

    def timed_out(self) -> ComputeTimeout:
        return ComputeTimeout(f"the sweep did not finish within its wall-clock limit of "
                              f"{self.timeout:g} s ({len(self.by_index)} of {self.total} runs "
                              "done); nothing was stored: run fewer combinations or a shorter "
                              "time_limit")

    def left(self) -> float:
        """The seconds left before the deadline; :class:`ComputeTimeout` once it has passed."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.timed_out()
        return left

    def wait(self, futures: Collection[Future], *, poll: float | None = None) -> set[Future]:
        """The futures done after waiting for the first of them: at most ``poll`` seconds, or
        by default until the deadline (:class:`ComputeTimeout` when it has passed)."""
        done, _ = wait(futures, timeout=self.left() if poll is None else poll,
                       return_when=FIRST_COMPLETED)
        return done

    def keep(self, i: int, result: R) -> None:
        self.by_index[i] = result
        if self.on_result is not None:
            self.on_result(i, result)

    def in_order(self) -> list[R]:
        """The results in the order of the items."""
        return [self.by_index[i] for i in range(self.total)]


class SequentialExecutor:
    """In the calling process; the limit is checked between items (each item bounds itself,
    e.g. by a solver time limit)."""

    description = "sequential (in the API or CLI process)"

    def run(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T], *,
            timeout: float, on_result: OnResult | None = None) -> list[R]:
        run: _Results[R] = _Results(len(items), timeout, on_result)
        for i, item in enumerate(items):
            run.left()
            run.keep(i, fn(shared, item))
        return run.in_order()


# the worker processes' copy of ``shared``, set once by the pool initializer
_SHARED: Any = None


def _set_shared(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _call_with_shared(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


class LocalPoolExecutor:
    """A process pool of at most ``workers`` processes, for one run."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, not {workers}")
        self.workers = workers
        self.description = f"local pool of {workers} worker process(es)"

    def run(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T], *,
            timeout: float, on_result: OnResult | None = None) -> list[R]:
        if not items:
            return []
        run: _Results[R] = _Results(len(items), timeout, on_result)
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(items)),
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_set_shared, initargs=(shared,))
        try:
            pending = {pool.submit(_call_with_shared, fn, item): i
                       for i, item in enumerate(items)}
            while pending:
                for future in run.wait(pending):
                    run.keep(pending.pop(future), future.result())
        finally:
            # pending tasks are dropped; a running one ends within its own time limit
            pool.shutdown(wait=True, cancel_futures=True)
        return run.in_order()


class DaskExecutor:
    """The tasks on a dask.distributed cluster; ``shared`` is scattered to every worker once."""

    def __init__(self, address: str, *, connect_timeout: float = 5.0) -> None:
        self.address = address
        self.connect_timeout = connect_timeout
        self.description = f"Dask cluster at {address}"

    def _client(self) -> Any:
        from distributed import Client

        try:
            return Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ComputeUnavailable(
                f"the Dask scheduler at {self.address} (ONCOREGIO_DASK_SCHEDULER) cannot be "
                f"reached within {self.connect_timeout:g} s: {e}") from e

    def run(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T], *,
            timeout: float, on_result: OnResult | None = None) -> list[R]:
        from distributed import as_completed

        if not items:
            return []
        run: _Results[R] = _Results(len(items), timeout, on_result)
        client = self._client()
        try:
            shared_future = client.scatter(shared, broadcast=True, hash=False)
            run_id = uuid.uuid4().hex[:12]
            futures = [client.submit(fn, shared_future, item, pure=False,
                                     key=f"oncoregio-sweep-{run_id}-{i}")
                       for i, item in enumerate(items)]
            index = {f.key: i for i, f in enumerate(futures)}
            left = max(0.001, run.deadline - time.monotonic())
            try:
                with client.as_current():  # as_completed looks up its client there
                    for future in as_completed(futures, timeout=left):
                        run.keep(index[future.key], future.result())
            except TimeoutError as e:
                client.cancel(futures)
                raise run.timed_out() from e
        finally:
            client.close(timeout=self.connect_timeout)
        return run.in_order()


class ComputePoolExecutor:
    """The items as jobs of the API's bounded :class:`~app.compute.ComputePool`, shared with
    every scenario and calibration request, so concurrent sweeps never run more processes
    than the pool has.

    A sweep keeps at most ``pool.workers`` of its items submitted at a time, so one long
    sweep leaves the queue to other requests. Its first item must find room at once, else
    :class:`~app.compute.PoolFull` (429 with Retry-After, as for a scenario); a later item
    that finds the pool full waits for room, within the sweep's wall-clock limit. Setting
    ``cancel`` (the client went away) or passing the limit stops its jobs, running ones by
    their worker being killed, and nothing is returned.
    """

    def __init__(self, pool: Any, *, cancel: threading.Event | None = None) -> None:
        self.pool, self.cancel = pool, cancel or threading.Event()
        self.description = f"compute pool of {pool.workers} worker process(es)"

    def run(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T], *,
            timeout: float, on_result: OnResult | None = None) -> list[R]:
        from app.compute import JobCancelled, JobTimedOut, PoolFull

        if not items:
            return []
        run: _Results[R] = _Results(len(items), timeout, on_result)
        todo = list(enumerate(items))
        running: dict[Any, tuple[Any, int]] = {}  # a job's future -> (job, item index)
        try:
            while todo or running:
                if self.cancel.is_set():
                    raise JobCancelled("the client went away; the sweep was stopped")
                run.left()
                while todo and len(running) < self.pool.workers:
                    i, item = todo[0]
                    try:
                        job = self.pool.submit(fn, shared, item, kill_at=run.deadline)
                    except PoolFull:
                        if not run.by_index and not running:
                            raise  # no room for this sweep at all: 429
                        break  # room comes as jobs end (its own or others')
                    todo.pop(0)
                    running[job.future] = (job, i)
                if not running:
                    time.sleep(0.05)
                    continue
                for future in run.wait(running, poll=0.05):
                    job, i = running.pop(future)
                    try:
                        result = job.result()
                    except JobTimedOut as e:  # stopped at the sweep's deadline
                        raise run.timed_out() from e
                    run.keep(i, result)
        finally:
            for job, _ in running.values():
                job.cancel()
        return run.in_order()


def executor_for(*, dask_scheduler: str | None, workers: int | None, tasks: int,
                 connect_timeout: float = 5.0) -> Executor:
    """The executor the settings ask for: the Dask cluster when a scheduler address is set;
    else a local pool of ``workers`` (default: the machine's CPUs) processes, or this process
    when one worker (or one task) is enough."""
    if dask_scheduler:
        return DaskExecutor(dask_scheduler, connect_timeout=connect_timeout)
    n = min(workers or default_workers(), max(tasks, 1))
    return SequentialExecutor() if n <= 1 else LocalPoolExecutor(n)

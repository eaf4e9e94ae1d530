"""A bounded pool of worker processes for CPU-heavy work (scenarios, sweeps, calibrations).

Why processes: a solve (numpy, HiGHS) cannot be interrupted inside the API process, but a
worker process can be killed. The pool runs at most ``workers`` computations at once, keeps
at most ``queue_size`` more waiting, and refuses the rest (:class:`PoolFull`, answered 429
with ``Retry-After``). Each job has a hard deadline: a job still running then is stopped by
killing its worker (:class:`JobTimedOut`); :meth:`Job.cancel` does the same for a client
that went away. A killed worker is replaced at once, and so is a worker that a job left with
threads still running (an abandoned HiGHS call, see :mod:`analysis.locate.milp`).

The interface is small and ``concurrent.futures``-like::

    pool = ComputePool(workers=2, queue_size=4)
    pool.start()
    job = pool.submit(some_module.function, arg1, arg2, kill_at=time.monotonic() + 10)
    job.result(timeout=11)          # or: await job.wait(gone), or job.cancel()
    pool.shutdown()

``function`` and its arguments must be picklable (a module-level function; numpy data,
dataclasses and pydantic models are). ``kill_at`` is a :func:`time.monotonic` value, the
same clock in every process of the machine.

Workers are forked from a ``forkserver`` that has imported ``preload`` once, so a new
worker starts in milliseconds and inherits no driver, socket or thread of the API process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["ComputePool", "Job", "JobCancelled", "JobTimedOut", "PoolFull", "PoolStats"]

log = logging.getLogger("oncoregio.compute")

#: how often a slot looks at its job (cancel flag, deadline, worker alive)
POLL_SECONDS = 0.02
#: how long a worker may take to exit on its own at shutdown before it is killed
SHUTDOWN_GRACE_SECONDS = 2.0


class PoolFull(RuntimeError):
    """Every worker is busy and the queue is full; try again after ``retry_after`` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JobCancelled(RuntimeError):
    """The job was cancelled (its worker, if it had started, was stopped)."""


class JobTimedOut(TimeoutError):
    """The job passed its hard deadline (its worker was stopped, nothing was returned)."""


@dataclass
class Job:
    """One submitted computation; ``future`` resolves to the function's result or error."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    kill_at: float | None
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    pid: int | None = None  # the worker process running it (None while queued)
    started: float | None = None  # time.monotonic() when a worker took it
    _cancel: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Stop the job: dropped if still queued, its worker killed if running."""
        self._cancel.set()
        if not self.future.done() and self.future.cancel():
            return  # still pending: nobody will run it

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def done(self) -> bool:
        return self.future.done()

    def result(self, timeout: float | None = None) -> Any:
        """The result (or raise the job's error, :class:`JobTimedOut`, :class:`JobCancelled`)."""
        try:
            return self.future.result(timeout)
        except concurrent.futures.CancelledError as e:
            raise JobCancelled("the computation was cancelled") from e

    async def wait(self, gone: Callable[[], Awaitable[bool]] | None = None,
                   poll: float = 0.1) -> Any:
        """Await the result from an event loop. ``gone`` (e.g. Starlette's
        ``request.is_disconnected``) is asked every ``poll`` seconds; when it answers True
        the job is cancelled and :class:`JobCancelled` raised. Cancelling the await cancels
        the job too."""
        fut = asyncio.wrap_future(self.future)
        try:
            while True:
                done, _ = await asyncio.wait({fut}, timeout=poll)
                if done:
                    return fut.result()
                if self.kill_at is not None and time.monotonic() > self.kill_at + 2 * poll:
                    self.cancel()  # e.g. still queued at its deadline
                    fut.cancel()
                    raise JobTimedOut("the computation passed its deadline and was stopped")
                if gone is not None and await gone():
                    self.cancel()
                    fut.cancel()
                    raise JobCancelled("the client went away; the computation was stopped")
        except asyncio.CancelledError:
            self.cancel()
            raise
        except concurrent.futures.CancelledError as e:
            raise JobCancelled("the computation was cancelled") from e


@dataclass(frozen=True)
class PoolStats:
    """What the pool is doing: workers, jobs running and waiting, and its limits."""

    workers: int
    queue_size: int
    running: int
    queued: int
    worker_pids: tuple[int, ...]
    busy_pids: tuple[int, ...]  # workers running a job now


def _worker_main(conn: Connection) -> None:
    """Loop of a worker process: run ``(fn, args, kwargs)`` jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the API process's to handle
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        fn, args, kwargs = msg
        try:
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - every error goes back to the caller
            reply = ("error", e)
        try:
            payload = pickle.dumps(reply)
        except Exception as e:  # noqa: BLE001 - an unpicklable result or error
            payload = pickle.dumps(("error", RuntimeError(
                f"the result could not be sent back: {type(e).__name__}: {e}")))
        # a job that left threads running (e.g. an abandoned solver call) dirties the worker
        dirty = threading.active_count() > 1
        try:
            conn.send_bytes(payload)
            conn.send(dirty)
        except (BrokenPipeError, OSError):
            return
        if dirty:
            os._exit(0)  # the abandoned threads die with the process; a fresh one follows


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True,
                                   name="oncoregio-compute")
        self.process.start()
        child.close()
        self._close_lock = threading.Lock()
        self._closed = False

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def kill(self) -> None:
        """Kill the process and close the pipe; safe to call from several threads at once
        (shutdown and the worker's slot thread both do when a running job is cancelled)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        with self._close_lock:
            if not self._closed:
                self._closed = True
                self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(SHUTDOWN_GRACE_SECONDS)
        self.kill()


class ComputePool:
    """A fixed number of worker processes with a short bounded queue in front.

    Parameters
    ----------
    workers : int
        Computations run at once (one process each).
    queue_size : int
        Further jobs that may wait; beyond that :meth:`submit` raises :class:`PoolFull`.
    retry_after : int
        Seconds suggested to a refused caller.
    preload : sequence of str
        Modules the forkserver imports once (so that workers start fast).
    """

    def __init__(self, workers: int, queue_size: int, *, retry_after: int = 5,
                 preload: Sequence[str] = ()) -> None:
        if workers < 1 or queue_size < 0:
            raise ValueError(f"workers must be >= 1 and queue_size >= 0, got {workers}, "
                             f"{queue_size}")
        self.workers, self.queue_size, self.retry_after = workers, queue_size, retry_after
        self._preload = list(preload)
        self._ctx: Any = None
        self._queue: deque[Job] = deque()
        self._cond = threading.Condition()
        self._running = 0
        self._slots: list[threading.Thread] = []
        self._current: list[_Worker | None] = []
        self._busy: list[int | None] = []
        self._closed = True

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the workers (and the forkserver, once per process)."""
        self._ctx = multiprocessing.get_context("forkserver")
        if self._preload:
            self._ctx.set_forkserver_preload(self._preload)
        self._closed = False
        self._current = [None] * self.workers
        self._busy = [None] * self.workers
        for i in range(self.workers):
            self._current[i] = _Worker(self._ctx)
            t = threading.Thread(target=self._slot, args=(i,), daemon=True,
                                 name=f"oncoregio-compute-slot-{i}")
            t.start()
            self._slots.append(t)

    def shutdown(self, *, cancel_pending: bool = True) -> None:
        """Stop taking jobs, cancel the waiting ones (and, with ``cancel_pending``, the
        running ones), and stop every worker."""
        with self._cond:
            self._closed = True
            pending = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for job in pending:
            job.cancel()
        if cancel_pending:
            for w in list(self._current):
                if w is not None:
                    w.kill()
        for t in self._slots:
            t.join(SHUTDOWN_GRACE_SECONDS + 5)
        for w in self._current:
            if w is not None:
                w.stop()
        self._slots, self._current = [], []

    def __enter__(self) -> ComputePool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # ------------------------------------------------------------------ jobs
    def submit(self, fn: Callable[..., Any], /, *args: Any, kill_at: float | None = None,
               **kwargs: Any) -> Job:
        """Queue ``fn(*args, **kwargs)``; raises :class:`PoolFull` when no room is left.

        ``kill_at`` (a :func:`time.monotonic` value) is a hard deadline: a job still
        waiting then is dropped, a running one has its worker stopped, and the job fails
        with :class:`JobTimedOut`.
        """
        job = Job(fn, args, kwargs, kill_at)
        with self._cond:
            if self._closed:
                raise RuntimeError("the compute pool is not running")
            waiting = sum(1 for j in self._queue if not j.future.cancelled())
            if self._running + waiting >= self.workers + self.queue_size:
                raise PoolFull(
                    f"all {self.workers} compute workers are busy and {len(self._queue)} "
                    f"computations are waiting (queue size {self.queue_size})",
                    self.retry_after)
            self._queue.append(job)
            self._cond.notify()
        return job

    def stats(self) -> PoolStats:
        with self._cond:
            return PoolStats(self.workers, self.queue_size, self._running, len(self._queue),
                             tuple(w.pid for w in self._current if w is not None),
                             tuple(pid for pid in self._busy if pid is not None))

    def _next(self) -> Job | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            job = self._queue.popleft()
            self._running += 1
            return job

    def _slot(self, i: int) -> None:
        """Thread of worker slot ``i``: hand jobs to its process, watch them, replace the
        process when it was killed or left dirty."""
        while True:
            job = self._next()
            if job is None:
                return
            try:
                self._run(i, job)
            except Exception as e:  # noqa: BLE001 - never lose the slot thread
                log.exception("compute slot %d failed", i)
                if not job.future.done():
                    job.future.set_exception(RuntimeError(f"compute worker failed: {e}"))
            finally:
                with self._cond:
                    self._running -= 1
                    self._busy[i] = None

    def _replace(self, i: int) -> None:
        old = self._current[i]
        if old is not None:
            old.kill()
        self._current[i] = None if self._closed else _Worker(self._ctx)

    def _run(self, i: int, job: Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return  # cancelled while queued
        if job.kill_at is not None and time.monotonic() >= job.kill_at:
            job.future.set_exception(JobTimedOut("the deadline passed while the job waited"))
            return
        worker = self._current[i]
        if worker is None or not worker.process.is_alive():
            self._replace(i)
            worker = self._current[i]
            if worker is None:
                job.future.set_exception(JobCancelled("the compute pool is shutting down"))
                return
        job.pid, job.started = worker.pid, time.monotonic()
        self._busy[i] = worker.pid
        try:
            worker.conn.send((job.fn, job.args, job.kwargs))
        except (BrokenPipeError, OSError) as e:
            self._replace(i)
            job.future.set_exception(RuntimeError(f"compute worker unavailable: {e}"))
            return
        while True:
            if job.cancelled():
                self._replace(i)
                job.future.set_exception(JobCancelled("the computation was cancelled"))
                return
            if job.kill_at is not None and time.monotonic() >= job.kill_at:
                self._replace(i)
                job.future.set_exception(JobTimedOut("the computation passed its deadline "
                                                     "and was stopped"))
                return
            try:
                ready = worker.conn.poll(POLL_SECONDS)
            except (EOFError, OSError):
                ready = True
            if not ready:
                continue
            try:
                status, value = pickle.loads(worker.conn.recv_bytes())
                dirty = worker.conn.recv()
            except (EOFError, OSError) as e:
                self._replace(i)
                if self._closed:
                    job.future.set_exception(JobCancelled("the compute pool is shutting down"))
                else:
                    job.future.set_exception(RuntimeError(f"compute worker died: {e}"))
                return
            if dirty:
                self._replace(i)
            if status == "ok":
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
            return

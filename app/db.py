"""The one Neo4j driver of a process, its creation and the project's database errors.

The API does not use the driver bare: :class:`GuardedDriver` bounds every database call of a
request in wall-clock time and puts a circuit breaker (:class:`DatabaseGate`) in front of it,
so that a database that is down, or up but not answering yet, costs a request a bounded wait
once and then nothing until a single background probe finds it answering again.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar, cast

import neo4j
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired
from neo4j.exceptions import DatabaseUnavailable as ServerDatabaseUnavailable

from app.refresh import RefreshAhead
from app.settings import Settings

__all__ = ["DatabaseGate", "DatabaseUnavailable", "GuardedDriver", "WarmUp", "create_driver",
           "database_budget", "translate_errors", "server_info"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """Neo4j cannot be reached (or refuses our credentials) right now."""


def create_driver(settings: Settings) -> Driver:
    """Create the process's driver with bounded timeouts; does not connect yet."""
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    return GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, password),
        connection_timeout=settings.neo4j_connection_timeout,
        connection_acquisition_timeout=settings.neo4j_acquisition_timeout,
        max_transaction_retry_time=settings.neo4j_max_retry_time,
        liveness_check_timeout=0,
        # the server's hints (e.g. "property minutes does not exist" before any travel matrix
        # is imported) are not problems of a running service
        notifications_min_severity="OFF",
    )


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn the driver's connectivity errors into :class:`DatabaseUnavailable`."""
    try:
        yield
    except AuthError as e:
        raise DatabaseUnavailable("Neo4j refused the configured credentials "
                                  "(NEO4J_USER / NEO4J_PASSWORD)") from e
    except (ServiceUnavailable, SessionExpired, OSError) as e:
        raise DatabaseUnavailable("Neo4j is unreachable") from e
    except BufferError as e:
        # the driver (6.x) can raise this on a connection broken while Neo4j restarts (seen
        # in tests/app/test_fault_neo4j.py): the connection is unusable, the database
        # unavailable for this call
        raise DatabaseUnavailable("the connection to Neo4j broke") from e
    except ServerDatabaseUnavailable as e:  # the server runs, its database is (re)starting
        raise DatabaseUnavailable("the Neo4j database is not available yet") from e


SERVER_INFO = ("CALL dbms.components() YIELD name, versions, edition "
               "RETURN versions[0] AS version, edition")


def server_info(driver: Driver, database: str) -> dict:
    """Version and edition of the connected server."""
    with translate_errors():
        records, _, _ = driver.execute_query(SERVER_INFO, database_=database,
                                             routing_=neo4j.RoutingControl.READ)
    row = records[0]
    return {"version": row["version"], "edition": row["edition"]}


# ----------------------------------------------------------------------------- bounded calls
class _Budget:
    """Seconds a request may still wait on the database, over all its calls."""

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds


_budget: ContextVar[_Budget | None] = ContextVar("oncoregio_database_budget", default=None)


@contextmanager
def database_budget(seconds: float) -> Iterator[None]:
    """Bound the database waits of everything run inside (one request, in the threads it
    hands work to as well: they copy the context) to ``seconds`` in all."""
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


#: the driver's errors that say "the database cannot be used right now" (the breaker opens)
CONNECTIVITY_ERRORS: tuple[type[BaseException], ...] = (
    ServiceUnavailable, SessionExpired, OSError, ServerDatabaseUnavailable, BufferError)
#: the most database calls in flight at once (a call abandoned at its time limit still holds
#: its slot until the driver gives up on it); beyond that a call waits, within its limit
MAX_CALLS_IN_FLIGHT = 64
PROBES_IN_FLIGHT = 4
PROBE = "RETURN 1 AS one"
#: a call still running after this many seconds has the database checked at once (a call to
#: a stopped server spends the driver's retry time before it fails), and its wait is polled
#: in steps of WAIT_STEP seconds for the gate opening
SUSPECT_AFTER, WAIT_STEP = 0.5, 0.05


class DatabaseGate:
    """A circuit breaker in front of the database.

    Closed (the normal state), calls go through. The first call that finds the database
    unreachable (or that passes its time limit) opens it: from then on every call fails at
    once with :class:`DatabaseUnavailable` (a 503 with Retry-After) without touching the
    driver, and a background thread probes: every ``interval`` seconds while probes fail at
    once (connection refused). A server that is starting accepts a connection and a
    transaction long before its database answers; such a probe waits, for at most
    ``probe_timeout`` (its transaction timeout), and proceeds the moment the database is
    available. Up to ``max_probes`` wait side by side, started ``probe_timeout /
    max_probes`` apart, so one is always young enough not to time out just before the
    database comes; one stuck on a connection that never answers is forgotten after
    ``2 * probe_timeout``. The first probe that gets an answer closes the gate.

    So while Neo4j is down or starting, requests neither each spend the driver's connection
    and retry timeouts nor queue behind one another's, and the service is back about
    ``interval`` after the database answers. ``on_close`` runs (in the probe's thread) each
    time the gate closes again: the driver warms up its hot queries there.

    :meth:`retry_after` is what a refused request is told: the whole seconds until the
    gate's next probe (at least 1), the earliest moment a retry can succeed.
    """

    def __init__(self, probe: Callable[[], None], *, interval: float, probe_timeout: float,
                 max_probes: int = 4, clock: Callable[[], float] = time.monotonic,
                 on_close: Callable[[], None] | None = None) -> None:
        self._probe, self._interval, self._clock = probe, interval, clock
        self._on_close = on_close
        self._max_probes = max_probes
        self._spacing = max(interval, probe_timeout / max_probes)
        self._max_probe_age = 2 * probe_timeout
        self._lock = threading.Lock()
        self._reason: str | None = None  # None: closed
        self._opened_at = 0.0
        self._closed_at = -float("inf")
        self._scheduler: threading.Thread | None = None
        self._probes: list[tuple[float, threading.Thread]] = []
        self._closing = threading.Event()
        self.opened = 0  # how often it opened, for tests and logs

    @property
    def is_open(self) -> bool:
        return self._reason is not None

    def check(self) -> None:
        """Raise :class:`DatabaseUnavailable` at once while the gate is open."""
        reason = self._reason
        if reason is not None:
            raise DatabaseUnavailable(reason)

    def retry_after(self) -> int | None:
        """Whole seconds (at least 1) until the next probe while the gate is open (when a
        retry may first succeed); None while it is closed."""
        with self._lock:
            if self._reason is None:
                return None
            now = self._clock()
            # the scheduler ticks every ``interval``; it starts a probe at a tick once the
            # youngest one in flight is ``spacing`` old (at once when none is in flight)
            youngest = max((t for t, p in self._probes if p.is_alive()), default=None)
            due = now + self._interval
            if youngest is not None:
                due = max(due, youngest + self._spacing)
        return max(1, math.ceil(due - now))

    def trip(self, reason: str, *, call_started: float | None = None) -> None:
        """Open the gate (a call found the database unusable) and start probing. A call
        that started before the gate last closed says nothing new: it is ignored."""
        with self._lock:
            if self._closing.is_set():
                return
            if call_started is not None and call_started < self._closed_at:
                return
            if self._reason is None:
                self._reason, self._opened_at = reason, self._clock()
                self.opened += 1
                log.warning("Neo4j unavailable (%s): answering 503 until a probe gets an "
                            "answer", reason)
            if self._scheduler is None or not self._scheduler.is_alive():
                self._scheduler = threading.Thread(target=self._schedule, daemon=True,
                                                   name="neo4j-probes")
                self._scheduler.start()

    def _schedule(self) -> None:
        while not self._closing.wait(self._interval):
            with self._lock:
                if self._reason is None:
                    return
                now = self._clock()
                # a probe stuck on a connection that never answers is forgotten after a while
                self._probes = [(t, p) for t, p in self._probes
                                if p.is_alive() and now - t < self._max_probe_age]
                # one at a time while they fail fast (connection refused); one waiting for a
                # database that is starting proceeds the moment it is available, unless its
                # transaction timed out first: so a new one every ``spacing`` seconds
                youngest = max((t for t, _ in self._probes), default=None)
                if youngest is not None and (len(self._probes) >= self._max_probes
                                             or now - youngest < self._spacing):
                    continue
                probe = threading.Thread(target=self._attempt, daemon=True, name="neo4j-probe")
                self._probes.append((now, probe))
            probe.start()

    def _attempt(self) -> None:
        try:
            self._probe()
        except Exception as e:  # still down: the scheduler starts another
            log.debug("Neo4j probe: %r %s", e, getattr(e, "message", ""))
            return
        with self._lock:
            if self._reason is None:
                return  # another probe closed it
            log.warning("Neo4j answers again after %.1f s", self._clock() - self._opened_at)
            self._reason, self._closed_at = None, self._clock()
        if self._on_close is not None:
            self._on_close()

    def close(self) -> None:
        """Stop probing (the app shuts down)."""
        self._closing.set()


@dataclass(frozen=True)
class WarmUp:
    """A hot query that :class:`GuardedDriver` runs once whenever Neo4j is (back) up, in a
    transaction that is rolled back: the server plans it and loads the code that runs it, and
    nothing is kept. ``parameters`` have the shapes and types of a real call (the server keys
    its plan cache on them) but name nothing that exists, so the run takes no lock on data.

    Why: a restarted Neo4j plans each query text anew, in a cold JVM. Its first plan of the
    scenario store (:data:`app.repository.scenarios.CREATE_SCENARIO`) took 3.4-6 s on the
    2-core development machine, the next one 0.03-0.16 s; a request that asks for the same
    plan while the warm-up compiles it waits for that compilation instead of starting
    another, so the warm-up's head start is the request's gain.
    """

    query: LiteralString
    parameters: Mapping[str, Any]


class GuardedDriver:
    """The API's view of the driver: the methods the app uses, each call bounded in time and
    behind a :class:`DatabaseGate`.

    ``execute_query`` and ``session(...).execute_read/execute_write`` run in a thread of their
    own; the caller waits at most ``call_timeout`` seconds for it. The bound is also the
    server-side transaction timeout, so a query that is merely slow is stopped by Neo4j too;
    a call abandoned at the limit (a server that accepts a connection but does not answer:
    the driver has no read timeout) ends in its thread when the driver gives up. A write
    abandoned that way may still commit after its request answered 503.

    The ``warm_ups`` (:class:`WarmUp`) run in a background thread each time the gate closes
    again and when :meth:`start_warm_up` is called (the app does at start-up): requests are
    not held back for them, one that needs a plan being compiled waits for it.

    Everything else (``verify_connectivity``, ``close``, attributes) goes to the real driver.
    """

    def __init__(self, driver: Driver, *, database: str, call_timeout: float,
                 probe_interval: float,
                 probe_queries: Sequence[LiteralString] = (PROBE,),
                 warm_ups: Sequence[WarmUp] = ()) -> None:
        self.driver, self._database, self._timeout = driver, database, call_timeout
        self._probe_queries = tuple(probe_queries)
        self._warm_ups = tuple(warm_ups)
        self._warming = RefreshAhead(self._warm_up, "neo4j-warm-up")
        self._suspicion = RefreshAhead(self._check_now, "neo4j-quick-check")
        self._slots = threading.BoundedSemaphore(MAX_CALLS_IN_FLIGHT)
        self.gate = DatabaseGate(self._probe, interval=probe_interval,
                                 probe_timeout=call_timeout, max_probes=PROBES_IN_FLIGHT,
                                 on_close=self.start_warm_up)
        self.warm_ups_done = 0  # completed warm-up runs, for tests and logs
        #: (started, finished) on the monotonic clock of the last completed warm-ups: how
        #: long a (re)started server took to plan the hot queries, for tests and logs
        self.warm_up_times: deque[tuple[float, float]] = deque(maxlen=16)

    # ------------------------------------------------------------------ the bound
    def bounded(self, work: Callable[[], T]) -> T:
        """Run ``work`` (a driver call) in its own thread and wait at most ``call_timeout``,
        less what the request has waited already; refused while the gate is open, and a
        connectivity failure or a time-out opens it."""
        self.gate.check()
        limit = self._timeout
        budget = _budget.get()
        # a call cut short by its request's budget says nothing about the database
        timeout_trips = budget is None or budget.remaining >= limit
        if budget is not None:
            limit = min(limit, budget.remaining)
            if limit <= 0:
                raise DatabaseUnavailable(f"this request has waited {self._timeout:g} s "
                                          "for Neo4j already")
        started = time.monotonic()
        try:
            if not self._slots.acquire(timeout=limit):
                raise DatabaseUnavailable(f"{MAX_CALLS_IN_FLIGHT} database calls are "
                                          "waiting for Neo4j")
            done = threading.Event()
            box: dict[str, Any] = {}

            def run() -> None:
                try:
                    box["value"] = work()
                except BaseException as e:  # handed to the caller
                    box["error"] = e
                finally:
                    self._slots.release()
                    done.set()

            threading.Thread(target=run, daemon=True, name="neo4j-call").start()
            if not self._wait(done, started + limit):
                if self.gate.is_open:  # another call or the quick check found it down
                    raise DatabaseUnavailable("Neo4j is unreachable")
                reason = f"Neo4j did not answer within {limit:g} s"
                if timeout_trips:
                    self.gate.trip(reason, call_started=started)
                raise DatabaseUnavailable(reason)
            error = box.get("error")
            if error is not None:
                if isinstance(error, CONNECTIVITY_ERRORS):
                    self.gate.trip("Neo4j is unreachable", call_started=started)
                raise error
            return cast(T, box["value"])
        finally:
            if budget is not None:
                budget.remaining -= time.monotonic() - started

    def _wait(self, done: threading.Event, until: float) -> bool:
        """Wait for a call until ``until``; False when it did not end by then, or when the
        gate opened meanwhile. A call still running after ``SUSPECT_AFTER`` s starts one
        quick check of the database in the background (:meth:`_check_now`): the driver
        retries a call to a stopped server for ``NEO4J_MAX_RETRY_TIME`` before it gives up,
        the check finds it refused at once, and then every waiting call answers 503 at once
        instead of each waiting out its retries."""
        if done.wait(max(0.0, min(until, time.monotonic() + SUSPECT_AFTER) - time.monotonic())):
            return True
        self._suspicion.start()
        while not done.wait(max(0.0, min(WAIT_STEP, until - time.monotonic()))):
            if self.gate.is_open or time.monotonic() >= until:
                return False
        return True

    def _check_now(self) -> None:
        """One auto-commit ``RETURN 1`` (no retries): a connectivity failure opens the gate;
        an answer, or a wait (a slow database), changes nothing."""
        started = time.monotonic()
        try:
            with self.driver.session(database=self._database,
                                     default_access_mode=neo4j.READ_ACCESS) as session:
                session.run(neo4j.Query(PROBE, timeout=self._timeout)).consume()
        except CONNECTIVITY_ERRORS:
            self.gate.trip("Neo4j is unreachable", call_started=started)

    def _probe(self) -> None:
        # the probe queries, auto-commit (no retries) on a session of their own. The default
        # (RETURN 1 on the app's database) needs no plan of its own: the gate closes the
        # moment the database answers, and the warm-up then plans the queries requests ask
        # first (a request asking meanwhile waits for that plan, not for the gate)
        with translate_errors(), self.driver.session(
                database=self._database, default_access_mode=neo4j.READ_ACCESS) as session:
            for query in self._probe_queries:
                session.run(neo4j.Query(query, timeout=self._timeout)).consume()

    def start_warm_up(self) -> None:
        """Run the warm-ups in the background (one run at a time; never waits)."""
        if self._warm_ups:
            self._warming.start()

    def _warm_up(self) -> None:
        """All warm-ups at once, each in a transaction of its own that is rolled back, so the
        store's long plan starts as early as the tiny reads' plans; bounded by the call
        timeout (each transaction's, and the wait for all). A failure is logged only: such a
        query is planned by the first request that needs it, as without a warm-up."""
        started = time.monotonic()
        failed: list[BaseException] = []

        def run(item: WarmUp) -> None:
            try:
                with self.driver.session(database=self._database) as session, \
                        session.begin_transaction(timeout=self._timeout) as tx:
                    tx.run(item.query, dict(item.parameters)).consume()
                    tx.rollback()
            except Exception as e:  # noqa: BLE001 - the warm-up is an optimisation only
                failed.append(e)

        threads = [threading.Thread(target=run, args=(item,), daemon=True,
                                    name="neo4j-warm-up-query") for item in self._warm_ups]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, started + self._timeout - time.monotonic()))
        if failed or any(t.is_alive() for t in threads):
            log.info("Neo4j warm-up incomplete after %.1f s: %r", time.monotonic() - started,
                     failed[:1])
            return
        self.warm_ups_done += 1
        self.warm_up_times.append((started, time.monotonic()))
        log.info("Neo4j warm-up: %d hot queries planned in %.1f s", len(self._warm_ups),
                 time.monotonic() - started)

    # ------------------------------------------------------------------ the driver's API
    def execute_query(self, query_: Any, parameters_: dict[str, Any] | None = None,
                      *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_, str):
            query_ = neo4j.Query(query_, timeout=self._timeout)  # type: ignore[arg-type]
        return self.bounded(functools.partial(self.driver.execute_query, query_, parameters_,
                                              *args, **kwargs))

    def session(self, **config: Any) -> GuardedSession:
        return GuardedSession(self, config)

    def close(self) -> None:
        self.gate.close()
        self.driver.close()

    def __getattr__(self, name: str) -> Any:
        if name == "driver":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.driver, name)


class GuardedSession:
    """``with driver.session(database=db) as s: s.execute_read(work)``, each unit of work
    run in a session of its own, bounded like :meth:`GuardedDriver.execute_query`."""

    def __init__(self, guarded: GuardedDriver, config: dict[str, Any]) -> None:
        self._guarded, self._config = guarded, config

    def __enter__(self) -> GuardedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _unit(self, method: str, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        timeout = getattr(work, "timeout", None) or self._guarded._timeout  # noqa: SLF001
        unit = neo4j.unit_of_work(timeout=timeout)(functools.partial(work))

        def run() -> T:
            with self._guarded.driver.session(**self._config) as session:
                return cast(T, getattr(session, method)(unit, *args, **kwargs))
        return self._guarded.bounded(run)

    def execute_read(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._unit("execute_read", work, *args, **kwargs)

    def execute_write(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._unit("execute_write", work, *args, **kwargs)


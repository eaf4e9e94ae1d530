"""One load at a time: a lock node in Neo4j that every dataset writer holds while it writes.

A load (``oncoregio load``, any mode) and the API's write of the modelled referral flows take
``(:LoadLock {id: 'load'})`` in a transaction of their own before writing anything, under the
uniqueness constraint on ``LoadLock.id`` (so two writers can never both create it), and delete
it in ``finally``. A second writer fails at once with :class:`LoadLocked`, which names the
holder (what, pid, host, since when); nothing is written.

A holder that dies (kill -9, a lost machine) cannot delete its lock. The holder refreshes the
lock's ``heartbeat`` every :data:`HEARTBEAT_SECONDS` from a thread, so a lock is *stale* when
its heartbeat is older than :data:`STALE_SECONDS`, or at once when its holder ran on this host
and its pid is gone. A stale lock is taken over (:func:`load_lock` yields the holders it took
over); ``oncoregio load --recover --break-lock`` removes any lock (for a holder on another
host that the user knows is gone).

Writes computed on the dataset (scenarios, sweeps, calibrations) do not take the lock: they
must not wait for one another. Each runs through :func:`write_on_dataset` instead, whose one
write transaction checks, before and after its statement, that the dataset it was computed on
(:func:`dataset_of`, the tag every load gives the ``Dataset`` node) is still the current one,
that no live load holds the lock (a lock left by a dead process on this host does not count,
whatever its heartbeat) and that no dataset switch is marked; otherwise it raises
:class:`DatasetChanged` (a 503 with Retry-After) and the transaction is rolled back, so
nothing of it is stored. The check after the statement closes the gap between the first check
and the commit: a load that takes the lock meanwhile is seen there, and a load whose
statements touch the nodes the write links to waits for the write's locks, so it either sees
the stored write (and a replace load removes it with the dataset) or the write sees the lock.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ConstraintError, Neo4jError

from app.db import DatabaseUnavailable, WarmUp, translate_errors
from app.repository.revision import SWITCH_STALE_SECONDS, bump_revision

__all__ = ["DATASET_CHECK_WARM_UP", "DATASET_OF", "HEARTBEAT_SECONDS", "DatasetChanged",
           "LoadLocked", "LockHolder", "STALE_SECONDS", "break_lock", "check_dataset",
           "dataset_of", "load_lock", "read_lock", "write_on_dataset"]

#: the holder refreshes its lock this often
HEARTBEAT_SECONDS = 5.0
#: a lock whose heartbeat is older than this is left by a holder that died
STALE_SECONDS = 60

ENSURE_CONSTRAINT = """
CREATE CONSTRAINT load_lock_id IF NOT EXISTS FOR (l:LoadLock) REQUIRE l.id IS UNIQUE
"""
TAKE_LOCK = """
CREATE (l:LoadLock {id: 'load'})
SET l.token = $token, l.what = $what, l.pid = $pid, l.host = $host, l.started = datetime(),
    l.heartbeat = datetime()
"""
READ_LOCK = """
MATCH (l:LoadLock {id: 'load'})
RETURN l.token AS token, l.what AS what, l.pid AS pid, l.host AS host,
       toString(l.started) AS started,
       l.heartbeat < datetime() - duration({seconds: $stale}) AS silent
"""
HEARTBEAT = """
MATCH (l:LoadLock {id: 'load'}) WHERE l.token = $token
SET l.heartbeat = datetime()
RETURN count(l) AS held
"""
RELEASE_LOCK = """
MATCH (l:LoadLock {id: 'load'}) WHERE $token IS NULL OR l.token = $token
DELETE l
RETURN count(l) AS released
"""
#: which dataset is loaded: the tag each load sets (``loaded_at`` for a dataset loaded before
#: loads set one); None before the first load
DATASET_OF = """
OPTIONAL MATCH (d:Dataset {id: 'current'})
RETURN coalesce(d.load_tag, toString(d.loaded_at)) AS dataset
"""
#: what a write computed on a dataset must find to be stored: the same dataset, no live load
#: lock, no switch mark (a staged switch's mark, with a phase, at any age; a commit mark while
#: younger than the time a commit takes, as app.repository.revision.READ_STATE)
DATASET_STATE = """
OPTIONAL MATCH (d:Dataset {id: 'current'})
OPTIONAL MATCH (l:LoadLock {id: 'load'})
OPTIONAL MATCH (m:DatasetSwitch {id: 'current'})
RETURN coalesce(d.load_tag, toString(d.loaded_at)) AS dataset,
       CASE WHEN l.heartbeat > datetime() - duration({seconds: $stale}) THEN l.what END
         AS writer,
       l.pid AS writer_pid, l.host AS writer_host,
       coalesce(m.phase IS NOT NULL
                OR m.since > datetime() - duration({seconds: $switch_stale}), false)
         AS switching
"""


@dataclass(frozen=True)
class LockHolder:
    """Who holds the load lock, and whether it is stale (its holder died)."""

    token: str
    what: str
    pid: int
    host: str
    started: str
    stale: bool

    def __str__(self) -> str:
        return f"{self.what} (pid {self.pid} on {self.host}, since {self.started})"


class LoadLocked(DatabaseUnavailable):
    """Another load (or dataset write) holds the lock: nothing was written."""

    def __init__(self, holder: LockHolder) -> None:
        super().__init__(f"another load is running: {holder}; nothing was written (if that "
                         "process is gone, `oncoregio load --recover --break-lock` removes "
                         "its lock)")
        self.holder = holder


#: the check every computed write runs twice: planned (rolled back) when Neo4j is back, with
#: the parameter types of :func:`check_dataset`'s call
DATASET_CHECK_WARM_UP = WarmUp(DATASET_STATE, {"stale": STALE_SECONDS,
                                               "switch_stale": SWITCH_STALE_SECONDS})


class DatasetChanged(DatabaseUnavailable):
    """A write computed on one dataset met a load (running, switching, or done meanwhile):
    nothing was written; computing it again on the current dataset is the remedy."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _dead_here(pid: Any, host: Any) -> bool:
    """Whether a lock's holder ran on this host and its process is gone (its lock is stale
    at once, whatever its heartbeat says)."""
    return host == socket.gethostname() and isinstance(pid, int) and not _pid_alive(pid)


def read_lock(driver: Driver, db: str) -> LockHolder | None:
    """The current holder of the lock, or None."""
    with translate_errors():
        records, _, _ = driver.execute_query(READ_LOCK, stale=STALE_SECONDS, database_=db)
    if not records:
        return None
    r = records[0]
    stale = bool(r["silent"]) or _dead_here(r["pid"], r["host"])
    return LockHolder(r["token"], r["what"], int(r["pid"]), r["host"], r["started"], stale)


def break_lock(driver: Driver, db: str) -> LockHolder | None:
    """Remove the lock whoever holds it; the holder it had (None when there was none)."""
    holder = read_lock(driver, db)
    with translate_errors():
        driver.execute_query(RELEASE_LOCK, token=None, database_=db)
    return holder


def _take(driver: Driver, db: str, token: str, what: str) -> None:
    with translate_errors():
        driver.execute_query(TAKE_LOCK, token=token, what=what, pid=os.getpid(),
                             host=socket.gethostname(), database_=db)


@contextmanager
def load_lock(driver: Driver, db: str, what: str) -> Iterator[list[LockHolder]]:
    """Hold the load lock while the block runs (``what`` names the writer); raise
    :class:`LoadLocked` at once when a live holder has it. Yields the stale holders taken
    over (empty normally), for the caller to report."""
    token = uuid.uuid4().hex
    taken_over: list[LockHolder] = []
    # normally made by the schema (graph/schema.cypher); a user without schema rights has
    # it from there
    with translate_errors(), suppress(Neo4jError):
        driver.execute_query(ENSURE_CONSTRAINT, database_=db)
    for _ in range(3):  # bounded: a stale lock taken over, or one released meanwhile
        try:
            _take(driver, db, token, what)
            break
        except ConstraintError:
            holder = read_lock(driver, db)
            if holder is None:
                continue  # released in between
            if not holder.stale:
                raise LoadLocked(holder) from None
            with translate_errors():
                driver.execute_query(RELEASE_LOCK, token=holder.token, database_=db)
            taken_over.append(holder)
    else:
        holder = read_lock(driver, db)
        if holder is not None:
            raise LoadLocked(holder)
        raise DatabaseUnavailable("could not take the load lock; try again")
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(driver, db, token, stop),
                            name="load-lock-heartbeat", daemon=True)
    beat.start()
    try:
        yield taken_over
    except BaseException:
        stop.set()
        beat.join(HEARTBEAT_SECONDS + 5)
        # the database may be gone: the writer's own error is the one to report, and a lock
        # left behind is stale (its pid is gone) once this process has exited
        with suppress(Exception):
            driver.execute_query(RELEASE_LOCK, token=token, database_=db)
        raise
    stop.set()
    beat.join(HEARTBEAT_SECONDS + 5)
    with translate_errors():
        driver.execute_query(RELEASE_LOCK, token=token, database_=db)


def _beat(driver: Driver, db: str, token: str, stop: threading.Event) -> None:
    """Refresh the heartbeat until ``stop``; a failed refresh is retried at the next beat (the
    writer's own statements fail too when the database is gone)."""
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            driver.execute_query(HEARTBEAT, token=token, database_=db)
        except Exception:  # noqa: BLE001, S110 - the next beat tries again
            pass


# ----------------------------------------------------------------------------- computed writes
def dataset_of(tx: ManagedTransaction) -> str | None:
    """The loaded dataset's tag as seen by the caller's (read) transaction."""
    record = tx.run(DATASET_OF).single()
    return None if record is None else record["dataset"]


def check_dataset(tx: ManagedTransaction, dataset: str | None, what: str) -> None:
    """Raise :class:`DatasetChanged` unless ``dataset`` is still the loaded one, no load holds
    the lock and no switch is marked (in the caller's write transaction: it is rolled
    back)."""
    state = tx.run(DATASET_STATE, stale=STALE_SECONDS,
                   switch_stale=SWITCH_STALE_SECONDS).single(strict=True)
    if state["writer"] is not None and not _dead_here(state["writer_pid"],
                                                      state["writer_host"]):
        raise DatasetChanged(f"{what} not stored: a load is running ({state['writer']}); "
                             "nothing was written; run it again when the load is done")
    if state["switching"]:
        raise DatasetChanged(f"{what} not stored: a new dataset is being switched in; "
                             "nothing was written; run it again when the switch is done")
    if state["dataset"] != dataset:
        raise DatasetChanged(f"{what} not stored: a load changed the dataset while it was "
                             "computed; nothing was written; run it again on the current "
                             "dataset")


def write_on_dataset(driver: Driver, db: str, dataset: str | None, what: str,
                     query: LiteralString, *, bump: str | None = None,
                     **params: Any) -> list[dict[str, Any]]:
    """Run one write ``query`` computed on ``dataset`` (:attr:`Snapshot.dataset
    <app.repository.snapshot.Snapshot.dataset>`) in a transaction that first and last checks
    it is still current (:func:`check_dataset`); ``bump`` names the revision bump of the same
    transaction, if any. Its records; :class:`DatasetChanged` with nothing written."""
    def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
        check_dataset(tx, dataset, what)
        rows = [r.data() for r in tx.run(query, params)]
        if bump is not None:
            bump_revision(tx, bump)
        check_dataset(tx, dataset, what)
        return rows

    with translate_errors(), driver.session(database=db) as session:
        return session.execute_write(work)

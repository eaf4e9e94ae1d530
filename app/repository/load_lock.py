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
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from neo4j import Driver
from neo4j.exceptions import ConstraintError, Neo4jError

from app.db import DatabaseUnavailable, translate_errors

__all__ = ["HEARTBEAT_SECONDS", "LoadLocked", "LockHolder", "STALE_SECONDS", "break_lock",
           "load_lock", "read_lock"]

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def read_lock(driver: Driver, db: str) -> LockHolder | None:
    """The current holder of the lock, or None."""
    with translate_errors():
        records, _, _ = driver.execute_query(READ_LOCK, stale=STALE_SECONDS, database_=db)
    if not records:
        return None
    r = records[0]
    here = r["host"] == socket.gethostname()
    stale = bool(r["silent"]) or (here and not _pid_alive(int(r["pid"])))
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

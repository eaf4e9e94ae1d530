"""The dataset revision: one small counter in the graph that every answer-changing write bumps.

Every write that changes what computed answers depend on (a load in any mode, road travel
times, calibrations, the modelled referral flows) bumps ``(:Dataset {id: 'current'})``'s
``revision`` **in the same transaction as the write**, and gives it a fresh random ``tag``.
Caches key on the tag, not on the number: the number restarts when someone wipes the database
by hand, the tag never repeats, so a cached answer can never be taken for another dataset's.

Neo4j reads are *read committed*: a read transaction (even one statement) that runs while a
large transaction is being applied can see part of it. A load (``app/loader.py``) marks the
commit of a new dataset (a ``DatasetSwitch`` node, in its own small transaction before the
commit) and clears the mark after it; a staged load's switch, which takes several
transactions, sets a mark with a ``phase`` that stays until the switch is finished (by the
load, or, when it died, by the next one) and is removed in the switch's last transaction,
together with the revision bump. :func:`read_consistent` runs a read that must see one
dataset only, and runs it again when the mark was set or the tag changed while it read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import Driver, ManagedTransaction, Transaction

from app.db import DatabaseUnavailable, translate_errors

__all__ = ["BUMP_REVISION", "READ_REVISION", "Revision", "bump_revision", "read_revision",
           "read_consistent", "revision_in", "switching", "write_and_bump"]

BUMP_REVISION = """
MERGE (d:Dataset {id: 'current'})
SET d.revision = coalesce(d.revision, 0) + 1, d.revision_tag = randomUUID(),
    d.changed_at = datetime(), d.changed_by = $what
RETURN d.revision AS number, d.revision_tag AS tag
"""
READ_REVISION = """
OPTIONAL MATCH (d:Dataset {id: 'current'})
RETURN d.revision AS number, d.revision_tag AS tag
"""

# a commit mark older than this is left by a load that died (a commit takes seconds); a
# staged switch's mark (with a phase) never goes stale: until the switch is finished the graph
# is a mix of two datasets
SWITCH_STALE_SECONDS = 300
# on a node of its own: the switch's transaction holds the Dataset node's lock until it commits
MARK_SWITCHING = """
MERGE (m:DatasetSwitch {id: 'current'})
SET m.token = $token, m.since = datetime()
"""
CLEAR_SWITCHING = """
MATCH (m:DatasetSwitch {id: 'current'}) WHERE $token IS NULL OR m.token = $token
DELETE m
"""
READ_STATE = """
OPTIONAL MATCH (d:Dataset {id: 'current'})
OPTIONAL MATCH (m:DatasetSwitch {id: 'current'})
RETURN d.revision_tag AS tag,
       coalesce(m.phase IS NOT NULL OR m.since > datetime() - duration({seconds: $stale}),
                false) AS switching,
       m.phase IS NOT NULL AS staged, toString(m.since) AS since
"""
T = TypeVar("T")


@dataclass(frozen=True)
class Revision:
    """Which dataset an answer was computed from: ``number`` for people, ``tag`` for keys."""

    number: int
    tag: str

    def __str__(self) -> str:
        return str(self.number)


#: no Dataset node, or one from before revisions existed
UNRECORDED = Revision(0, "unrecorded")


def _revision(record: neo4j.Record | dict | None) -> Revision:
    if record is None or record["tag"] is None:
        return UNRECORDED
    return Revision(int(record["number"] or 0), str(record["tag"]))


def bump_revision(tx: ManagedTransaction | Transaction, what: str) -> Revision:
    """Bump the revision inside the caller's write transaction; ``what`` names the write."""
    return _revision(tx.run(BUMP_REVISION, what=what).single())


def revision_in(tx: ManagedTransaction) -> Revision:
    """The revision as seen by the caller's (read) transaction."""
    return _revision(tx.run(READ_REVISION).single())


def read_revision(driver: Driver, db: str) -> Revision:
    """The current revision: one tiny read."""
    with translate_errors():
        records, _, _ = driver.execute_query(READ_REVISION, database_=db,
                                             routing_=neo4j.RoutingControl.READ)
    return _revision(records[0] if records else None)


def write_and_bump(driver: Driver, db: str, what: str, query: LiteralString,
                   **params: Any) -> list[dict[str, Any]]:
    """Run one write ``query`` and bump the revision in the same transaction; its records."""

    def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
        rows = [r.data() for r in tx.run(query, params)]
        bump_revision(tx, what)
        return rows

    with translate_errors(), driver.session(database=db) as session:
        return session.execute_write(work)


class switching:  # noqa: N801 - used as a context manager, like contextlib's
    """``with switching(driver, db):`` marks a dataset switch for :func:`read_consistent`
    while the block (one write transaction) runs; the mark is cleared after it, also when it
    fails."""

    def __init__(self, driver: Driver, db: str) -> None:
        self.driver, self.db, self.token = driver, db, uuid.uuid4().hex

    def __enter__(self) -> switching:
        with translate_errors():
            self.driver.execute_query(MARK_SWITCHING, token=self.token, database_=self.db)
        return self

    def __exit__(self, *exc: object) -> None:
        with translate_errors():
            self.driver.execute_query(CLEAR_SWITCHING, token=self.token, database_=self.db)


def clear_switching(driver: Driver, db: str) -> None:
    """Remove a switch mark whatever made it (left by a load that died)."""
    with translate_errors():
        driver.execute_query(CLEAR_SWITCHING, token=None, database_=db)


_AGAIN = object()


def read_consistent(driver: Driver, db: str, work: Callable[[ManagedTransaction], T], *,
                    seconds: float = 30.0) -> T:
    """``work`` in a read transaction that saw no dataset switch: run again (for at most
    ``seconds``, then :class:`DatabaseUnavailable`) while a switch is marked, or when the
    revision tag changed between the start and the end of the read."""
    def guarded(tx: ManagedTransaction) -> Any:
        before = tx.run(READ_STATE, stale=SWITCH_STALE_SECONDS).single(strict=True).data()
        if before["switching"]:
            state.update(before)
            return _AGAIN
        value = work(tx)
        after = tx.run(READ_STATE, stale=SWITCH_STALE_SECONDS).single(strict=True).data()
        return value if after == before else _AGAIN

    state: dict[str, Any] = {}
    deadline = time.monotonic() + seconds
    for attempt in range(100_000):
        with translate_errors(), driver.session(database=db) as session:
            value = session.execute_read(guarded)
        if value is not _AGAIN:
            return value  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            break
        time.sleep(min(0.5, 0.02 * (attempt + 1)))
    if state.get("staged"):
        raise DatabaseUnavailable(
            f"a new dataset is being switched in (since {state['since']}); try again shortly "
            "(if no load runs, `oncoregio load --recover` finishes the switch)")
    raise DatabaseUnavailable("a new dataset is being switched in; try again shortly")

"""The dataset revision: one small counter in the graph that every answer-changing write bumps.

Every write that changes what computed answers depend on (a load in any mode, road travel
times, calibrations, the modelled referral flows) bumps ``(:Dataset {id: 'current'})``'s
``revision`` **in the same transaction as the write**, and gives it a fresh random ``tag``.
Caches key on the tag, not on the number: the number restarts when someone wipes the database
by hand, the tag never repeats, so a cached answer can never be taken for another dataset's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

import neo4j
from neo4j import Driver, ManagedTransaction

from app.db import translate_errors

__all__ = ["BUMP_REVISION", "READ_REVISION", "Revision", "bump_revision", "read_revision",
           "revision_in", "write_and_bump"]

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


def bump_revision(tx: ManagedTransaction, what: str) -> Revision:
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

"""Modelled referral flows stored as ``(Hospital)-[:REFERS]->(Hospital)``."""

from __future__ import annotations

from neo4j import Driver, ManagedTransaction

from app.db import translate_errors
from app.repository.load_lock import load_lock
from app.repository.revision import bump_revision

__all__ = ["replace_modelled_flows"]

DELETE_MODELLED = "MATCH (:Hospital)-[r:REFERS {modelled: true}]->(:Hospital) DELETE r"
MERGE_FLOWS = """
UNWIND $rows AS row
MATCH (d:Hospital {id: row.source}), (t:Hospital {id: row.target})
MERGE (d)-[r:REFERS {care_type: row.care_type}]->(t)
SET r.patients = row.patients, r.modelled = true,
    r.source = 'modelled: diagnosis at the nearest basic-care hospital, treatment at the '
               + 'nearest provider (oncoregio flows)'
"""


def replace_modelled_flows(driver: Driver, db: str, rows: list[dict]) -> int:
    """Replace all modelled REFERS relationships in one transaction (imported ones stay)."""

    def work(tx: ManagedTransaction) -> None:
        tx.run(DELETE_MODELLED).consume()
        for start in range(0, len(rows), 5000):
            tx.run(MERGE_FLOWS, rows=rows[start:start + 5000]).consume()
        bump_revision(tx, "modelled referral flows")

    # a dataset write like a load: not while a load runs (LoadLocked: 503, nothing written)
    with load_lock(driver, db, "modelled referral flows (POST /analysis/flows)"), \
            translate_errors(), driver.session(database=db) as session:
        session.execute_write(work)
    return len(rows)

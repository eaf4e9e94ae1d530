"""Persisted sweeps: a ``Sweep`` node with its result, linked to its care type and scope.

A sweep over a linked set has ``care_type`` = its ids joined by '+', the list in
``care_types`` and a ``FOR`` link to every type of the set; listing by care type finds it
under any of them, as every plan (:mod:`app.repository.plans`).

The stored ``result`` is what :class:`app.schemas.SweepPublic` dumps (every combination's
headline figures, the Pareto marks and the loss table). The combinations are not stored as
``Scenario`` nodes: re-run one as a scenario for its full detail (map, per-area travel).
``(Sweep)-[:PARETO {k, norm}]->(Hospital)`` links the centres of each Pareto-efficient plan, so
Browser shows which hospitals the efficient plans keep.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from app.repository.entities import delete_one, read_one
from app.repository.load_lock import write_on_dataset
from app.repository.plans import LINK_CARE_TYPES_AND_SCOPE, plan_properties, read_page
from app.schemas import SweepPublic, SweepSummary

__all__ = ["delete_sweep", "get_sweep", "list_sweeps", "save_sweep", "sweep_owner"]

CREATE_SWEEP: LiteralString = """
CREATE (s:Sweep {id: $id, name: $name, care_type: $care_type, care_types: $care_types,
                 method: $method, created_at: $created_at, parameters: $parameters,
                 result: $result, combinations: $combinations, feasible: $feasible,
                 pareto: $pareto, outcome: $outcome, executor: $executor,
                 created_by: $created_by})""" + LINK_CARE_TYPES_AND_SCOPE + """WITH s
UNWIND $efficient AS plan
UNWIND plan.centres AS hid
MATCH (h:Hospital {id: hid})
CREATE (s)-[:PARETO {k: plan.k, norm: plan.norm}]->(h)
"""
LIST_SWEEPS = """
MATCH (s:Sweep)
WHERE $care_type IS NULL OR s.care_type = $care_type OR $care_type IN s.care_types
WITH s ORDER BY s.created_at DESC, s.id
WITH collect(s) AS matches
UNWIND matches[$offset..$offset + $limit] AS s
RETURN s {.id, .name, .care_type, .care_types, .method, .created_at, .combinations,
          .feasible, .pareto, .outcome} AS sweep, size(matches) AS total
"""
GET_SWEEP = "MATCH (s:Sweep {id: $id}) RETURN s.result AS result"
SWEEP_OWNER = "MATCH (s:Sweep {id: $id}) RETURN s.created_by AS created_by"
DELETE_SWEEP = """
MATCH (s:Sweep {id: $id})
WITH s, s.id AS id
DETACH DELETE s
RETURN id
"""


def save_sweep(driver: Driver, db: str, result: SweepPublic, *, dataset: str | None,
               created_by: str | None = None) -> None:
    """Store ``result`` in one statement, computed on ``dataset`` (``Snapshot.dataset``: else
    nothing is stored, :func:`~app.repository.load_lock.write_on_dataset`); ``created_by`` is
    the name of the token."""
    efficient = [{"k": r.k, "norm": r.norm, "centres": r.centres}
                 for r in result.runs if r.pareto]
    write_on_dataset(
            driver, db, dataset, f"sweep {result.id!r}", CREATE_SWEEP, **plan_properties(result),
            combinations=result.combinations,
            feasible=sum(1 for r in result.runs if r.feasible),
            pareto=sum(1 for r in result.runs if r.pareto), outcome=result.outcome,
            executor=result.executor, created_by=created_by,
            regions=result.parameters.regions or [], efficient=efficient)


def list_sweeps(driver: Driver, db: str, *, care_type: str | None, limit: int,
                offset: int) -> tuple[list[SweepSummary], int]:
    return read_page(driver, db, LIST_SWEEPS, "sweep", SweepSummary.model_validate,
                     care_type=care_type, limit=limit, offset=offset)


def get_sweep(driver: Driver, db: str, sweep_id: str) -> SweepPublic:
    return SweepPublic.model_validate_json(
        read_one(driver, db, GET_SWEEP, "sweep", sweep_id)["result"])


def delete_sweep(driver: Driver, db: str, sweep_id: str) -> None:
    delete_one(driver, db, DELETE_SWEEP, "sweep", sweep_id)


def sweep_owner(driver: Driver, db: str, sweep_id: str) -> str | None:
    """The token name that created the sweep."""
    return read_one(driver, db, SWEEP_OWNER, "sweep", sweep_id)["created_by"]

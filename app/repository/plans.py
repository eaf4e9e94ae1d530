"""What stored scenarios and sweeps share: the links of a plan's node to its care types and its
scope, the properties every plan node carries, and the page of a list.

A plan (a ``Scenario`` or a ``Sweep``) is for one care type or a linked set: its node has
``care_type`` = the ids joined by '+', the list in ``care_types`` and a ``FOR`` link to every
care type of the set, so a list filtered by one care type finds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString, TypeVar

from neo4j import Driver

from app.repository.entities import read
from app.schemas import ScenarioPublic, SweepPublic

__all__ = ["LINK_CARE_TYPES_AND_SCOPE", "plan_properties", "read_page"]

M = TypeVar("M")

#: After ``CREATE (s:...)``: ``s`` gets a ``FOR`` link to each care type in ``$for_care_types``
#: and a ``SCOPE`` link to each region in ``$regions``; goes on ``WITH s``.
LINK_CARE_TYPES_AND_SCOPE: LiteralString = """
WITH s
CALL (s) {
  UNWIND $for_care_types AS cid
  MATCH (c:CareType {id: cid})
  MERGE (s)-[:FOR]->(c)
}
WITH s
CALL (s) {
  UNWIND $regions AS rid
  MATCH (g:Region {id: rid})
  MERGE (s)-[:SCOPE]->(g)
}
"""


def plan_properties(result: ScenarioPublic | SweepPublic) -> dict[str, Any]:
    """The parameters every plan's ``CREATE`` takes: identity, care type(s) (with
    ``for_care_types`` for :data:`LINK_CARE_TYPES_AND_SCOPE`), method, time, and the request
    and the result as JSON."""
    return {"id": result.id, "name": result.name, "care_type": result.care_type,
            "care_types": result.care_types,
            "for_care_types": result.care_types or [result.care_type],
            "method": result.method, "created_at": result.created_at,
            "parameters": result.parameters.model_dump_json(),
            "result": result.model_dump_json()}


def read_page(driver: Driver, db: str, query: LiteralString, key: str,
              model: Callable[[Any], M], **params: Any) -> tuple[list[M], int]:
    """One page of a list ``query`` whose rows hold the item under ``key`` and the number of
    all matches as ``total``: the items made by ``model``, and that number."""
    rows = read(driver, db, query, **params)
    if not rows:
        return [], 0
    return [model(r[key]) for r in rows], rows[0]["total"]

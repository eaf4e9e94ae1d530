"""Persisted scenarios: ``Scenario`` nodes linked to the hospitals they keep and allocate to,
the regions of their scope and the choice model they used.

A linked plan has ``care_type`` = its ids joined by '+', the list in ``care_types`` and a
``FOR`` link to each of its care types (a list filtered by one care type finds it), as every
plan (:mod:`app.repository.plans`).
The stored ``result`` is what :class:`app.schemas.ScenarioPublic` dumps; every field of
:class:`app.schemas.ScenarioHeadline` is also a property of the node (for Browser and lists),
so adding a headline figure is one edit in the schema.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

from app.db import WarmUp
from app.repository.entities import delete_one, read_one
from app.repository.load_lock import write_on_dataset
from app.repository.plans import LINK_CARE_TYPES_AND_SCOPE, plan_properties, read_page
from app.schemas import ScenarioHeadline, ScenarioPublic, ScenarioSummary

__all__ = ["HEADLINE_FIELDS", "WARM_UP", "delete_scenario", "get_scenario", "list_scenarios",
           "save_scenario", "scenario_owner"]

#: The node properties that mirror the headline: derived from the model, never listed by hand.
HEADLINE_FIELDS: tuple[str, ...] = tuple(ScenarioHeadline.model_fields)

CREATE_SCENARIO: LiteralString = """
CREATE (s:Scenario {id: $id, name: $name, care_type: $care_type, care_types: $care_types,
                    method: $method,
                    created_at: $created_at, parameters: $parameters, result: $result,
                    allocation_model: $allocation_model, national: $national,
                    cross_border: $cross_border, created_by: $created_by})
SET s += $headline""" + LINK_CARE_TYPES_AND_SCOPE + """CALL (s) {
  OPTIONAL MATCH (m:ChoiceModel {id: $choice_model})
  FOREACH (_ IN CASE WHEN m IS NULL THEN [] ELSE [1] END | MERGE (s)-[:USES]->(m))
}
WITH s
UNWIND $centres AS centre
MATCH (h:Hospital {id: centre.hospital})
MERGE (s)-[k:KEEPS]->(h)
SET k.status = centre.status
MERGE (s)-[a:ALLOCATES]->(h)
SET a.patients = centre.patients, a.mean_minutes = centre.mean_minutes,
    a.meets_norm = centre.meets_norm
"""
#: :data:`CREATE_SCENARIO` with the parameter shapes of :func:`save_scenario`'s call for one
#: care type, naming nothing stored: the driver plans it, rolled back, when Neo4j is back
WARM_UP = WarmUp(CREATE_SCENARIO, {
    "id": "warm-up", "name": "warm-up", "care_type": "warm-up", "care_types": None,
    "for_care_types": ["warm-up"], "method": "p_median",
    "created_at": "1970-01-01T00:00:00+00:00", "parameters": "{}", "result": "{}",
    "allocation_model": "nearest", "national": True, "cross_border": False,
    "regions": ["warm-up"], "choice_model": None,
    "headline": {"centres": 1, "objective": 0.0, "status": "optimal"},
    "centres": [{"hospital": "warm-up", "status": "kept", "patients": 0.0,
                 "mean_minutes": 0.0, "meets_norm": True}],
    "created_by": "warm-up"})
LIST_SCENARIOS = """
MATCH (s:Scenario)
WHERE $care_type IS NULL OR s.care_type = $care_type OR $care_type IN s.care_types
WITH s ORDER BY s.created_at DESC, s.id
WITH collect(s) AS matches
UNWIND matches[$offset..$offset + $limit] AS s
RETURN s {.*, result: null, parameters: null} AS scenario, size(matches) AS total
"""
GET_SCENARIO = "MATCH (s:Scenario {id: $id}) RETURN s.result AS result"
SCENARIO_OWNER = "MATCH (s:Scenario {id: $id}) RETURN s.created_by AS created_by"
DELETE_SCENARIO = """
MATCH (s:Scenario {id: $id})
WITH s, s.id AS id
DETACH DELETE s
RETURN id
"""


def save_scenario(driver: Driver, db: str, result: ScenarioPublic, *, dataset: str | None,
                  created_by: str | None = None) -> None:
    """Store ``result``, computed on ``dataset`` (``Snapshot.dataset``: else nothing is stored,
    :func:`~app.repository.load_lock.write_on_dataset`); ``created_by`` is the name of the
    token that ran it."""
    headline = result.headline.model_dump(mode="json")
    write_on_dataset(
            driver, db, dataset, f"scenario {result.id!r}", CREATE_SCENARIO,
            **plan_properties(result),
            allocation_model=result.allocation_model, national=result.scope.national,
            cross_border=result.scope.cross_border, regions=result.scope.regions,
            choice_model=result.choice_model.id if result.choice_model else None,
            headline=headline, centres=[c.model_dump(mode="json") for c in result.centres],
            created_by=created_by)


def list_scenarios(driver: Driver, db: str, *, care_type: str | None, limit: int,
                   offset: int) -> tuple[list[ScenarioSummary], int]:
    return read_page(driver, db, LIST_SCENARIOS, "scenario", _summary, care_type=care_type,
                     limit=limit, offset=offset)


def _summary(s: dict[str, Any]) -> ScenarioSummary:
    return ScenarioSummary(
        id=s["id"], name=s["name"], care_type=s["care_type"], care_types=s.get("care_types"),
        method=s["method"], created_at=s["created_at"],
        headline=ScenarioHeadline.model_validate({f: s.get(f) for f in HEADLINE_FIELDS}))


def get_scenario(driver: Driver, db: str, scenario_id: str) -> ScenarioPublic:
    row = read_one(driver, db, GET_SCENARIO, "scenario", scenario_id)
    return ScenarioPublic.model_validate_json(row["result"])


def delete_scenario(driver: Driver, db: str, scenario_id: str) -> None:
    delete_one(driver, db, DELETE_SCENARIO, "scenario", scenario_id)


def scenario_owner(driver: Driver, db: str, scenario_id: str) -> str | None:
    """The token name that created the scenario (None for scenarios from before roles)."""
    return read_one(driver, db, SCENARIO_OWNER, "scenario", scenario_id)["created_by"]

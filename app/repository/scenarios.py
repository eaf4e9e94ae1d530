"""Persisted scenarios: ``Scenario`` nodes linked to the hospitals they keep and allocate to."""

from __future__ import annotations

import json
from typing import Any

from neo4j import Driver

from app.db import translate_errors
from app.errors import NotFound
from app.repository.entities import read

__all__ = ["delete_scenario", "get_scenario", "list_scenarios", "save_scenario"]

CREATE_SCENARIO = """
CREATE (s:Scenario {id: $id, name: $name, care_type: $care_type, method: $method,
                    created_at: $created_at, parameters: $parameters, result: $result})
SET s += $headline
WITH s
OPTIONAL MATCH (c:CareType {id: $care_type})
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | MERGE (s)-[:FOR]->(c))
WITH s
UNWIND $centres AS centre
MATCH (h:Hospital {id: centre.hospital})
MERGE (s)-[k:KEEPS]->(h)
SET k.status = centre.status
MERGE (s)-[a:ALLOCATES]->(h)
SET a.patients = centre.patients, a.mean_minutes = centre.mean_minutes,
    a.meets_norm = centre.meets_norm
"""
LIST_SCENARIOS = """
MATCH (s:Scenario)
WHERE $care_type IS NULL OR s.care_type = $care_type
WITH s ORDER BY s.created_at DESC, s.id
WITH collect(s) AS matches
UNWIND matches[$offset..$offset + $limit] AS s
RETURN s {.*, result: null, parameters: null} AS scenario, size(matches) AS total
"""
GET_SCENARIO = "MATCH (s:Scenario {id: $id}) RETURN s.result AS result"
DELETE_SCENARIO = """
MATCH (s:Scenario {id: $id})
WITH s, s.id AS id
DETACH DELETE s
RETURN id
"""
HEADLINE_KEYS = ("centres", "objective", "gap", "status", "solver", "mean_minutes",
                 "mean_minutes_baseline", "mean_delta", "p90_minutes", "share_within",
                 "patients_worse", "centres_below_norm", "regions_without_centre",
                 "co2_kg", "co2_kg_delta")


def save_scenario(driver: Driver, db: str, data: dict[str, Any]) -> None:
    headline = {k: data["headline"][k] for k in HEADLINE_KEYS}
    with translate_errors():
        driver.execute_query(CREATE_SCENARIO, id=data["id"], name=data["name"],
                             care_type=data["care_type"], method=data["method"],
                             created_at=data["created_at"],
                             parameters=json.dumps(data["parameters"]),
                             result=json.dumps(data), headline=headline,
                             centres=data["centres"], database_=db)


def list_scenarios(driver: Driver, db: str, *, care_type: str | None, limit: int,
                   offset: int) -> tuple[list[dict], int]:
    rows = read(driver, db, LIST_SCENARIOS, care_type=care_type, limit=limit, offset=offset)
    if not rows:
        return [], 0
    data = []
    for r in rows:
        s = {k: v for k, v in r["scenario"].items() if k not in ("result", "parameters")}
        data.append({"id": s.pop("id"), "name": s.pop("name"), "care_type": s.pop("care_type"),
                     "method": s.pop("method"), "created_at": s.pop("created_at"),
                     "headline": s})
    return data, rows[0]["total"]


def get_scenario(driver: Driver, db: str, scenario_id: str) -> dict[str, Any]:
    rows = read(driver, db, GET_SCENARIO, id=scenario_id)
    if not rows:
        raise NotFound("scenario", scenario_id)
    return json.loads(rows[0]["result"])


def delete_scenario(driver: Driver, db: str, scenario_id: str) -> None:
    with translate_errors():
        records, _, _ = driver.execute_query(DELETE_SCENARIO, id=scenario_id, database_=db)
    if not records:
        raise NotFound("scenario", scenario_id)

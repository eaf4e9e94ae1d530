"""Stored patient-choice parameter sets: ``(:ChoiceModel)-[:FOR]->(:CareType)``."""

from __future__ import annotations

import json

from neo4j import Driver

from app.errors import NotFound
from app.repository.entities import read, read_one
from app.repository.load_lock import write_on_dataset
from app.repository.revision import write_and_bump
from app.services.calibrations import ChoiceModelPublic

__all__ = ["delete_choice_model", "get_choice_model", "list_choice_models",
           "choice_model_owner", "save_choice_model"]

CREATE_CHOICE_MODEL = """
MATCH (c:CareType {id: $care_type})
CREATE (m:ChoiceModel {id: $id, name: $name, care_type: $care_type, origin: $origin,
                       params: $params, result: $result, source: $source,
                       confidence: $confidence, created_at: $created_at,
                       beta_time: $beta_time, beta_volume: $beta_volume,
                       beta_region: $beta_region, beta_network: $beta_network,
                       rho2: $rho2, patients: $patients, created_by: $created_by})
CREATE (m)-[:FOR]->(c)
"""
LIST_CHOICE_MODELS = """
MATCH (m:ChoiceModel)
WHERE $care_type IS NULL OR m.care_type = $care_type
WITH m ORDER BY m.created_at DESC, m.id
WITH collect(m) AS matches
UNWIND matches[$offset..$offset + $limit] AS m
RETURN m.result AS result, size(matches) AS total
"""
GET_CHOICE_MODEL = "MATCH (m:ChoiceModel {id: $id}) RETURN m.result AS result"
CHOICE_MODEL_OWNER = "MATCH (m:ChoiceModel {id: $id}) RETURN m.created_by AS created_by"
DELETE_CHOICE_MODEL = """
MATCH (m:ChoiceModel {id: $id})
WITH m, m.id AS id
DETACH DELETE m
RETURN id
"""


def save_choice_model(driver: Driver, db: str, model: ChoiceModelPublic, *,
                      dataset: str | None, created_by: str | None = None) -> None:
    """Store ``model``, fitted on ``dataset`` (``Snapshot.dataset``: else nothing is stored,
    :func:`~app.repository.load_lock.write_on_dataset`); ``created_by`` is the name of the
    token that made it."""
    p = model.params
    write_on_dataset(
            driver, db, dataset, f"choice model {model.id!r}", CREATE_CHOICE_MODEL,
            bump="calibration stored", id=model.id, name=model.name,
            care_type=model.care_type,
            origin=model.origin, params=json.dumps(p), result=model.model_dump_json(),
            source=model.source, confidence=model.confidence, created_at=model.created_at,
            beta_time=p["beta_time"], beta_volume=p.get("beta_volume", 0.0),
            beta_region=p.get("beta_region", 0.0), beta_network=p.get("beta_network", 0.0),
            rho2=model.fit.rho2 if model.fit else None,
            patients=model.fit.patients if model.fit else None, created_by=created_by)


def list_choice_models(driver: Driver, db: str, *, care_type: str | None, limit: int,
                       offset: int) -> tuple[list[ChoiceModelPublic], int]:
    rows = read(driver, db, LIST_CHOICE_MODELS, care_type=care_type, limit=limit,
                offset=offset)
    if not rows:
        return [], 0
    return [ChoiceModelPublic.model_validate_json(r["result"]) for r in rows], rows[0]["total"]


def get_choice_model(driver: Driver, db: str, model_id: str) -> ChoiceModelPublic:
    row = read_one(driver, db, GET_CHOICE_MODEL, "choice model", model_id)
    return ChoiceModelPublic.model_validate_json(row["result"])


def delete_choice_model(driver: Driver, db: str, model_id: str) -> None:
    if not write_and_bump(driver, db, "calibration deleted", DELETE_CHOICE_MODEL, id=model_id):
        raise NotFound("choice model", model_id)


def choice_model_owner(driver: Driver, db: str, model_id: str) -> str | None:
    """The token name that created the choice model (None for models from before roles)."""
    return read_one(driver, db, CHOICE_MODEL_OWNER, "choice model", model_id)["created_by"]

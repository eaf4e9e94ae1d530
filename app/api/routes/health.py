"""Liveness of the API and its database."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import DriverDep, SettingsDep
from app.db import server_info

router = APIRouter(tags=["health"])


class Neo4jInfo(BaseModel):
    version: str
    edition: str


class Health(BaseModel):
    status: str
    neo4j: Neo4jInfo


@router.get("/health", response_model=Health,
            responses={503: {"description": "Neo4j unreachable (problem+json, Retry-After)"}})
def read_health(driver: DriverDep, settings: SettingsDep) -> Health:
    """Report that the API runs and which Neo4j answers it."""
    return Health(status="ok", neo4j=Neo4jInfo(**server_info(driver, settings.neo4j_database)))

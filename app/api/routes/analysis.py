"""Network structure: communities vs regions, centrality, single points of failure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.api.caching import SnapshotDep, after_write
from app.api.deps import ID_PATTERN, AdminDep, DatabaseDep, DriverDep, ReaderDep, Responses
from app.repository.flows import replace_modelled_flows
from app.repository.scenarios import get_scenario
from app.schemas import ScenarioPublic
from app.services import network as svc

router = APIRouter(prefix="/analysis", tags=["network analysis"])
ERRORS: Responses = {404: {"description": "unknown scenario (problem+json)"},
          422: {"description": "invalid parameter (problem+json)"},
          503: {"description": "database unavailable (problem+json, Retry-After)"}}
ScenarioQ = Annotated[str | None, Query(pattern=ID_PATTERN, max_length=100,
                                        description="analyse a stored scenario instead of "
                                                    "today's providers")]
LimitQ = Annotated[int, Query(ge=1, le=1000)]


def _scenario(driver, db, scenario_id: str | None) -> ScenarioPublic | None:
    return None if scenario_id is None else get_scenario(driver, db, scenario_id)


@router.get("/communities", responses=ERRORS)
def read_communities(driver: DriverDep, db: DatabaseDep, _: ReaderDep, snap: SnapshotDep,
                     scenario: ScenarioQ = None,
                     seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 42,
                     resolution: Annotated[float, Query(gt=0, le=10)] = 1.0) -> dict[str, Any]:
    """Louvain communities of the modelled patient flows compared with the defined regions:
    modularity of both partitions, adjusted Rand index, hospitals whose community differs."""
    s = _scenario(driver, db, scenario)
    return svc.analyse_communities(snap, s, seed=seed,
                                   resolution=resolution)


@router.get("/centrality", responses=ERRORS)
def read_centrality(driver: DriverDep, db: DatabaseDep, _: ReaderDep, snap: SnapshotDep,
                    scenario: ScenarioQ = None,
                    limit: LimitQ = 25) -> dict[str, Any]:
    """Weighted degree, betweenness and eigenvector centrality of hospitals in the flow graph
    and of hospitals and networks in the membership graph."""
    s = _scenario(driver, db, scenario)
    return svc.analyse_centrality(snap, s, limit=limit)


@router.get("/resilience", responses=ERRORS)
def read_resilience(driver: DriverDep, db: DatabaseDep, _: ReaderDep, snap: SnapshotDep,
                    scenario: ScenarioQ = None,
                    limit: LimitQ = 25) -> dict[str, Any]:
    """Single points of failure per region x care type, hospitals ranked by how many pairs
    depend on them, articulation points of the hospital-network graph."""
    s = _scenario(driver, db, scenario)
    return svc.analyse_resilience(snap, s, limit=limit)


@router.post("/flows", responses=ERRORS)
def write_flows(request: Request, driver: DriverDep, db: DatabaseDep, _: AdminDep,
                snap: SnapshotDep) -> dict[str, Any]:
    """Store today's modelled referral flows as REFERS relationships (marked modelled)."""
    graph = svc.flow_graph(snap)
    rows = svc.flow_rows(graph)
    replace_modelled_flows(driver, db, rows)
    after_write(request)
    return {"relationships": len(rows), "patients": graph.graph["routed_patients"]}

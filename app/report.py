"""The data report: what is in the graph, per region and per care type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j import Driver

from app.db import translate_errors

__all__ = ["DataReport", "data_report"]

REGION_REPORT = """
MATCH (g:Region)
CALL (g) { OPTIONAL MATCH (h:Hospital)-[:IN_REGION]->(g) RETURN count(h) AS hospitals }
CALL (g) { OPTIONAL MATCH (a:Area)-[:IN_REGION]->(g)
           RETURN count(a) AS areas, coalesce(sum(a.population), 0) AS population }
CALL (g) { OPTIONAL MATCH (n:Network)-[:COVERS]->(g) RETURN collect(n.name) AS networks }
CALL (g) { MATCH (c:CareType)
           OPTIONAL MATCH (h:Hospital)-[:IN_REGION]->(g), (h)-[:PROVIDES]->(c)
           WITH c, count(h) AS n ORDER BY c.level, c.id
           RETURN collect(c.id + ' ' + toString(n)) AS providers }
RETURN g.id AS id, g.name AS name, hospitals, areas, population, networks, providers
ORDER BY g.id
"""
CARE_TYPE_REPORT = """
MATCH (c:CareType)
OPTIONAL MATCH (h:Hospital)-[p:PROVIDES]->(c)
WITH c, count(h) AS providers, sum(p.volume) AS volume,
     sum(CASE WHEN c.min_volume IS NOT NULL AND p.volume < c.min_volume THEN 1 ELSE 0 END)
       AS below_norm
RETURN c.id AS id, c.level AS level, providers, c.min_volume AS norm, c.annual_cases AS cases,
       volume, below_norm
ORDER BY c.level, c.id
"""


@dataclass(frozen=True)
class DataReport:
    """Per region: hospitals, areas, population, networks and providers per care type; per
    care type: level, providers, norm, national cases, summed volume, providers below norm."""

    regions: list[dict[str, Any]]
    care_types: list[dict[str, Any]]


def data_report(driver: Driver, database: str) -> DataReport:
    """What is in the graph, read in one go for the terminal report."""
    with translate_errors():
        regions, _, _ = driver.execute_query(REGION_REPORT, database_=database,
                                             routing_=neo4j.RoutingControl.READ)
        care, _, _ = driver.execute_query(CARE_TYPE_REPORT, database_=database,
                                          routing_=neo4j.RoutingControl.READ)
    return DataReport([r.data() for r in regions], [c.data() for c in care])

"""The data report: what is in the graph, per region and per care type."""

from __future__ import annotations

import neo4j
from neo4j import Driver

from app.db import translate_errors

__all__ = ["data_report"]

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


def data_report(driver: Driver, database: str) -> str:
    """A plain-text report for the terminal."""
    with translate_errors():
        regions, _, _ = driver.execute_query(REGION_REPORT, database_=database,
                                             routing_=neo4j.RoutingControl.READ)
        care, _, _ = driver.execute_query(CARE_TYPE_REPORT, database_=database,
                                          routing_=neo4j.RoutingControl.READ)
    out = ["REGIONS", f"{'region':<14}{'name':<26}{'hospitals':>10}{'areas':>7}"
                      f"{'population':>12}  networks"]
    for r in regions:
        out.append(f"{r['id']:<14}{r['name'][:25]:<26}{r['hospitals']:>10}{r['areas']:>7}"
                   f"{r['population']:>12,}  {', '.join(r['networks'])}")
    out.append("")
    out.append("PROVIDERS PER CARE TYPE IN EACH REGION")
    for r in regions:
        out.append(f"  {r['id']}: " + ", ".join(r["providers"]))
    out.append("")
    out.append("CARE TYPES")
    out.append(f"{'care type':<32}{'level':<9}{'providers':>10}{'norm':>6}{'cases/yr':>10}"
               f"{'volume':>9}{'below norm':>12}")
    for c in care:
        norm = "-" if c["norm"] is None else str(c["norm"])
        vol = "-" if c["volume"] is None else f"{c['volume']:.0f}"
        out.append(f"{c['id']:<32}{c['level']:<9}{c['providers']:>10}{norm:>6}"
                   f"{c['cases']:>10}{vol:>9}{c['below_norm']:>12}")
    return "\n".join(out)

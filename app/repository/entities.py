"""Reads of the domain entities: regions, hospitals, networks, care types.

All Cypher is constant text with ``$parameters``; optional filters are ``$x IS NULL OR ...``
so no query is ever assembled from request values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, LiteralString

import neo4j
from neo4j import Driver

from app.db import translate_errors
from app.errors import NotFound
from app.repository.revision import read_consistent

if TYPE_CHECKING:  # the snapshot module reads through this one
    from app.repository.snapshot import Snapshot

__all__ = ["delete_one", "get_care_type", "get_hospital", "get_network", "get_region",
           "list_care_types", "list_hospitals", "list_networks", "list_regions",
           "page_hospitals", "read", "read_one"]


def read(driver: Driver, database: str, query: LiteralString, **params: Any) -> list[dict]:
    """Run a read query and return its records as dicts, from one dataset only: through
    :func:`~app.repository.revision.read_consistent`, so a load switching a new dataset in
    meanwhile (several transactions for a staged one) is never seen half-way."""
    def work(tx: neo4j.ManagedTransaction) -> list[dict]:
        return [r.data() for r in tx.run(query, params)]

    return read_consistent(driver, database, work)


def read_one(driver: Driver, database: str, query: LiteralString, what: str,
             entity_id: str) -> dict:
    """The record ``query`` returns for ``$id``; :class:`NotFound` (``what``) when none."""
    rows = read(driver, database, query, id=entity_id)
    if not rows:
        raise NotFound(what, entity_id)
    return rows[0]


def delete_one(driver: Driver, database: str, query: LiteralString, what: str,
               entity_id: str) -> None:
    """Run the write ``query`` for ``$id``; :class:`NotFound` (``what``) when it returns no
    record (nothing matched)."""
    with translate_errors():
        records, _, _ = driver.execute_query(query, id=entity_id, database_=database)
    if not records:
        raise NotFound(what, entity_id)


LIST_REGIONS = """
MATCH (g:Region)
WITH g ORDER BY g.id
WITH collect(g) AS matches
UNWIND matches[$offset..$offset + $limit] AS g
CALL (g) { OPTIONAL MATCH (h:Hospital)-[:IN_REGION]->(g) RETURN count(h) AS hospitals }
CALL (g) { OPTIONAL MATCH (a:Area)-[:IN_REGION]->(g)
           RETURN coalesce(sum(a.population), 0) AS population, count(a) AS areas }
CALL (g) { OPTIONAL MATCH (n:Network)-[:COVERS]->(g)
           WITH n ORDER BY n.id RETURN collect(n.id) AS networks }
RETURN g {.id, .name, .lead_organisation, .source, .confidence, hospitals: hospitals,
          population: population, areas: areas, networks: networks} AS region,
       size(matches) AS total
"""
GET_REGION = """
MATCH (g:Region {id: $id})
CALL (g) { OPTIONAL MATCH (h:Hospital)-[:IN_REGION]->(g)
           WITH h ORDER BY h.id
           RETURN collect(h {.id, .name, .kind, .city}) AS hospitals }
CALL (g) { OPTIONAL MATCH (a:Area)-[:IN_REGION]->(g)
           RETURN coalesce(sum(a.population), 0) AS population, count(a) AS areas }
CALL (g) { OPTIONAL MATCH (n:Network)-[:COVERS]->(g)
           WITH n ORDER BY n.id RETURN collect(n {.id, .name, .scope}) AS networks }
RETURN g {.id, .name, .lead_organisation, .source, .confidence, hospitals: hospitals,
          population: population, areas: areas, networks: networks} AS region
"""
LIST_HOSPITALS = """
MATCH (h:Hospital)-[:IN_REGION]->(g:Region)
WHERE ($region IS NULL OR g.id = $region)
  AND ($kind IS NULL OR h.kind = $kind)
  AND ($care_type IS NULL OR EXISTS { (h)-[:PROVIDES]->(:CareType {id: $care_type}) })
  AND ($network IS NULL OR EXISTS { (h)-[:MEMBER_OF]->(:Network {id: $network}) })
WITH h, g ORDER BY h.id
WITH collect(h {.id, .name, .organisation, .city, .province, .lat, .lon, .kind,
                region: g.id}) AS matches
RETURN matches[$offset..$offset + $limit] AS page, size(matches) AS total
"""
GET_HOSPITAL = """
MATCH (h:Hospital {id: $id})-[:IN_REGION]->(g:Region)
CALL (h) { OPTIONAL MATCH (h)-[m:MEMBER_OF]->(n:Network)
           WITH n, m ORDER BY n.id
           RETURN collect(CASE WHEN n IS NULL THEN NULL
                          ELSE {id: n.id, name: n.name, role: m.role} END) AS networks }
CALL (h) { OPTIONAL MATCH (h)-[p:PROVIDES]->(c:CareType)
           WITH c, p ORDER BY c.id
           RETURN collect(CASE WHEN c IS NULL THEN NULL
                          ELSE {id: c.id, name: c.name, level: c.level, volume: p.volume,
                                year: p.year, min_volume: c.min_volume,
                                confidence: p.confidence, source: p.source} END) AS care }
RETURN h {.id, .name, .organisation, .city, .province, .lat, .lon, .kind, .source,
          .confidence, region: g.id, networks: networks, care_types: care} AS hospital
"""
LIST_NETWORKS = """
MATCH (n:Network)
WHERE $scope IS NULL OR n.scope = $scope
WITH n ORDER BY n.id
WITH collect(n) AS matches
UNWIND matches[$offset..$offset + $limit] AS n
CALL (n) { OPTIONAL MATCH (h:Hospital)-[:MEMBER_OF]->(n) RETURN count(h) AS members }
CALL (n) { OPTIONAL MATCH (n)-[:COVERS]->(g:Region)
           WITH g ORDER BY g.id RETURN collect(g.id) AS regions }
CALL (n) { OPTIONAL MATCH (n)-[:FOR]->(c:CareType)
           WITH c ORDER BY c.id RETURN collect(c.id) AS care_types }
RETURN n {.id, .name, .scope, .source, .confidence, members: members, regions: regions,
          care_types: care_types} AS network, size(matches) AS total
"""
GET_NETWORK = """
MATCH (n:Network {id: $id})
CALL (n) { OPTIONAL MATCH (h:Hospital)-[m:MEMBER_OF]->(n)
           WITH h, m ORDER BY h.id
           RETURN collect(CASE WHEN h IS NULL THEN NULL
                          ELSE {id: h.id, name: h.name, kind: h.kind, role: m.role} END)
                  AS members }
CALL (n) { OPTIONAL MATCH (n)-[:COVERS]->(g:Region)
           WITH g ORDER BY g.id RETURN collect(g.id) AS regions }
CALL (n) { OPTIONAL MATCH (n)-[:FOR]->(c:CareType)
           WITH c ORDER BY c.id RETURN collect(c.id) AS care_types }
RETURN n {.id, .name, .scope, .source, .confidence, members: members, regions: regions,
          care_types: care_types} AS network
"""
LIST_CARE_TYPES = """
MATCH (c:CareType)
WHERE $level IS NULL OR c.level = $level
WITH c ORDER BY c.level, c.id
WITH collect(c) AS matches
UNWIND matches[$offset..$offset + $limit] AS c
CALL (c) { OPTIONAL MATCH (h:Hospital)-[:PROVIDES]->(c) RETURN count(h) AS providers }
RETURN c {.id, .name, .tumour, .modality, .level, .min_volume, .norm_year, .norm_source,
          .annual_cases, .cases_source, .confidence, providers: providers} AS care_type,
       size(matches) AS total
"""
GET_CARE_TYPE = """
MATCH (c:CareType {id: $id})
CALL (c) { OPTIONAL MATCH (h:Hospital)-[p:PROVIDES]->(c), (h)-[:IN_REGION]->(g:Region)
           WITH h, p, g ORDER BY h.id
           RETURN collect(CASE WHEN h IS NULL THEN NULL
                          ELSE {id: h.id, name: h.name, region: g.id, volume: p.volume,
                                confidence: p.confidence} END) AS providers }
CALL (c) { OPTIONAL MATCH (n:Network)-[:FOR]->(c)
           WITH n ORDER BY n.id RETURN collect(n.id) AS networks }
RETURN c {.id, .name, .tumour, .modality, .level, .min_volume, .norm_year, .norm_source,
          .annual_cases, .cases_source, .confidence, providers: providers,
          networks: networks} AS care_type
"""


def _page(rows: list[dict], key: str) -> tuple[list[dict], int]:
    if not rows:
        return [], 0
    return [r[key] for r in rows], rows[0]["total"]


def list_regions(driver: Driver, db: str, *, limit: int, offset: int) -> tuple[list[dict], int]:
    return _page(read(driver, db, LIST_REGIONS, limit=limit, offset=offset), "region")


def get_region(driver: Driver, db: str, region_id: str) -> dict:
    return read_one(driver, db, GET_REGION, "region", region_id)["region"]


def list_hospitals(driver: Driver, db: str, *, region: str | None, kind: str | None,
                   care_type: str | None, network: str | None, limit: int,
                   offset: int) -> tuple[list[dict], int]:
    rows = read(driver, db, LIST_HOSPITALS, region=region, kind=kind, care_type=care_type,
                network=network, limit=limit, offset=offset)
    return (rows[0]["page"], rows[0]["total"]) if rows else ([], 0)


#: the fields of a hospital in a list (:data:`LIST_HOSPITALS`'s projection)
HOSPITAL_SUMMARY_FIELDS = ("id", "name", "organisation", "city", "province", "lat", "lon",
                           "kind", "region")


def page_hospitals(snap: Snapshot, *, region: str | None, kind: str | None,
                   care_type: str | None, network: str | None, limit: int,
                   offset: int) -> tuple[list[dict], int]:
    """:func:`list_hospitals` answered from the revision's snapshot instead of a database
    read: the same filters, order (by id), page and fields."""
    providers = snap.provision.get(care_type, {}) if care_type is not None else None
    matches = [h for h in snap.hospitals
               if (region is None or h["region"] == region)
               and (kind is None or h["kind"] == kind)
               and (providers is None or h["id"] in providers)
               and (network is None or network in h["networks"])]
    page = [{f: h[f] for f in HOSPITAL_SUMMARY_FIELDS} for h in matches[offset:offset + limit]]
    return page, len(matches)


def get_hospital(driver: Driver, db: str, hospital_id: str) -> dict:
    return read_one(driver, db, GET_HOSPITAL, "hospital", hospital_id)["hospital"]


def list_networks(driver: Driver, db: str, *, scope: str | None, limit: int,
                  offset: int) -> tuple[list[dict], int]:
    return _page(read(driver, db, LIST_NETWORKS, scope=scope, limit=limit, offset=offset),
                 "network")


def get_network(driver: Driver, db: str, network_id: str) -> dict:
    return read_one(driver, db, GET_NETWORK, "network", network_id)["network"]


def list_care_types(driver: Driver, db: str, *, level: str | None, limit: int,
                    offset: int) -> tuple[list[dict], int]:
    return _page(read(driver, db, LIST_CARE_TYPES, level=level, limit=limit, offset=offset),
                 "care_type")


def get_care_type(driver: Driver, db: str, care_type_id: str) -> dict:
    return read_one(driver, db, GET_CARE_TYPE, "care type", care_type_id)["care_type"]

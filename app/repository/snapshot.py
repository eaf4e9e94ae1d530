"""Read the graph as stored into plain arrays and mappings for ``analysis/``.

One path for the data of every computed answer: read from Neo4j at request time → analysis →
respond (or persist). Nothing is cached between requests, so a user's own data changes the
answers at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from neo4j import Driver
from numpy.typing import NDArray

from analysis.travel import distance_matrix_km, matrix_from_pairs, travel_time_matrix
from app.repository.entities import read

__all__ = ["Snapshot", "read_snapshot"]

# columns in one record: the driver turns lists into Python values far faster than records
AREAS = """
MATCH (a:Area)-[:IN_REGION]->(g:Region)
WITH a, g ORDER BY a.id
RETURN collect(a.id) AS id, collect(a.name) AS name, collect(a.population) AS population,
       collect(a.lat) AS lat, collect(a.lon) AS lon, collect(g.id) AS region
"""
AREA_FIELDS = ("id", "name", "population", "lat", "lon", "region")
HOSPITALS = """
MATCH (h:Hospital)-[:IN_REGION]->(g:Region)
OPTIONAL MATCH (h)-[:MEMBER_OF]->(n:Network)
WITH h, g, n ORDER BY n.id
RETURN h.id AS id, h.name AS name, h.kind AS kind, h.lat AS lat, h.lon AS lon,
       g.id AS region, collect(n.id) AS networks
ORDER BY h.id
"""
NETWORKS = """
MATCH (n:Network)
OPTIONAL MATCH (n)-[:COVERS]->(g:Region)
WITH n, collect(g.id) AS regions
OPTIONAL MATCH (n)-[:FOR]->(c:CareType)
RETURN n.id AS id, n.name AS name, regions, collect(c.id) AS care_types
ORDER BY n.id
"""
CARE_TYPES = """
MATCH (c:CareType)
OPTIONAL MATCH (h:Hospital)-[p:PROVIDES]->(c)
WITH c, h, p ORDER BY h.id
RETURN c.id AS id, c.name AS name, c.level AS level, c.min_volume AS min_volume,
       c.annual_cases AS annual_cases,
       collect(CASE WHEN h IS NULL THEN NULL ELSE [h.id, p.volume] END) AS provision
ORDER BY c.id
"""
REGIONS = "MATCH (g:Region) RETURN g.id AS id, g.name AS name ORDER BY g.id"
TRAVEL = """
MATCH (a:Area)-[t:TRAVEL]->(h:Hospital)
RETURN a.id AS area, h.id AS hospital, t.minutes AS minutes
"""


@dataclass(frozen=True)
class Snapshot:
    """The graph as plain data; row order of areas and hospitals fixes the matrix axes."""

    regions: dict[str, str]                       # id -> name
    areas: list[dict]
    hospitals: list[dict]
    networks: dict[str, dict]                     # id -> {name, regions, care_types}
    care_types: dict[str, dict]                   # id -> {name, level, min_volume, ...}
    provision: dict[str, dict[str, float | None]]  # care type -> hospital -> volume
    travel_pairs: list[tuple[str, str, float]] = field(default_factory=list)

    @cached_property
    def area_ids(self) -> list[str]:
        return [a["id"] for a in self.areas]

    @cached_property
    def hospital_ids(self) -> list[str]:
        return [h["id"] for h in self.hospitals]

    @cached_property
    def hospital_index(self) -> dict[str, int]:
        return {h: j for j, h in enumerate(self.hospital_ids)}

    @cached_property
    def population(self) -> NDArray[np.float64]:
        return np.array([a["population"] for a in self.areas], dtype=float)

    @cached_property
    def area_region(self) -> list[str]:
        return [a["region"] for a in self.areas]

    @cached_property
    def hospital_region(self) -> dict[str, str]:
        return {h["id"]: h["region"] for h in self.hospitals}

    @cached_property
    def hospital_networks(self) -> dict[str, list[str]]:
        return {h["id"]: h["networks"] for h in self.hospitals}

    @cached_property
    def network_regions(self) -> dict[str, list[str]]:
        return {n: v["regions"] for n, v in self.networks.items()}

    @cached_property
    def network_care_types(self) -> dict[str, list[str]]:
        return {n: v["care_types"] for n, v in self.networks.items() if v["care_types"]}

    @cached_property
    def providers(self) -> dict[str, set[str]]:
        return {c: set(v) for c, v in self.provision.items()}

    def _coords(self) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        return (np.array([a["lat"] for a in self.areas], dtype=float),
                np.array([a["lon"] for a in self.areas], dtype=float),
                np.array([h["lat"] for h in self.hospitals], dtype=float),
                np.array([h["lon"] for h in self.hospitals], dtype=float))

    @cached_property
    def distance_km(self) -> NDArray[np.float64]:
        """Road km modelled as great-circle x circuity (areas x hospitals)."""
        return distance_matrix_km(*self._coords())

    @cached_property
    def minutes(self) -> NDArray[np.float64]:
        """Travel minutes, areas x hospitals.

        Modelled from coordinates (great-circle x circuity / speed, see ``analysis.travel``);
        where a user imported travel times (``TRAVEL`` relationships) those pairs replace the
        modelled ones, and pairs missing from the import keep their modelled value.
        """
        modelled = travel_time_matrix(*self._coords())
        if not self.travel_pairs:
            return modelled
        imported = matrix_from_pairs(self.area_ids, self.hospital_ids, self.travel_pairs)
        return np.where(np.isfinite(imported), imported, modelled)

    @property
    def travel_source(self) -> str:
        return ("imported matrix (TRAVEL relationships), modelled where missing"
                if self.travel_pairs else "modelled: great-circle x circuity / speed")

    def provider_mask(self, providers: set[str] | frozenset[str]) -> NDArray[np.bool_]:
        return np.array([h in providers for h in self.hospital_ids], dtype=bool)


def read_snapshot(driver: Driver, db: str) -> Snapshot:
    """Read the whole model (a few thousand rows for the Dutch instance)."""
    regions = {r["id"]: r["name"] for r in read(driver, db, REGIONS)}
    columns = read(driver, db, AREAS)[0]
    areas = [dict(zip(AREA_FIELDS, values, strict=True))
             for values in zip(*(columns[f] for f in AREA_FIELDS), strict=True)]
    hospitals = read(driver, db, HOSPITALS)
    networks = {r["id"]: {"name": r["name"], "regions": r["regions"],
                          "care_types": r["care_types"]} for r in read(driver, db, NETWORKS)}
    care_types: dict[str, dict] = {}
    provision: dict[str, dict[str, float | None]] = {}
    for r in read(driver, db, CARE_TYPES):
        care_types[r["id"]] = {k: r[k] for k in ("id", "name", "level", "min_volume",
                                                 "annual_cases")}
        provision[r["id"]] = dict(r["provision"])
    travel = [(r["area"], r["hospital"], float(r["minutes"])) for r in read(driver, db, TRAVEL)]
    return Snapshot(regions, areas, hospitals, networks, care_types, provision, travel)

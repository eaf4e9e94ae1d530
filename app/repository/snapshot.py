"""Read the graph as stored into plain arrays and mappings for ``analysis/``.

One path for the data of every computed answer: read from Neo4j at request time → analysis →
respond (or persist). All queries of one snapshot run in ONE read transaction, so a load that
commits meanwhile can never give a mix of two datasets; the same transaction reads the dataset
revision (:mod:`app.repository.revision`), so a snapshot knows exactly which data it holds.
The API keeps one snapshot per revision (:mod:`app.services.cache`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from neo4j import Driver, ManagedTransaction
from numpy.typing import NDArray

from analysis.outcomes import OutcomeTable, tables_from_bands
from analysis.travel import distance_matrix_km, matrix_from_pairs, travel_time_matrix
from app.repository.load_lock import dataset_of
from app.repository.outcomes import OUTCOME_BANDS
from app.repository.revision import UNRECORDED, Revision, read_consistent, revision_in

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
RETURN h.id AS id, h.name AS name, h.organisation AS organisation, h.city AS city,
       h.province AS province, h.kind AS kind, h.lat AS lat, h.lon AS lon,
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
RETURN a.id AS area, h.id AS hospital, t.minutes AS minutes, t.km AS km
"""
DEMAND = """
MATCH (a:Area)-[d:DEMAND]->(c:CareType)
RETURN c.id AS care_type, collect(a.id) AS areas, collect(d.patients) AS patients,
       collect(DISTINCT d.source) AS sources
"""
FLOWS = """
MATCH (a:Area)-[t:TREATED_AT]->(h:Hospital)
RETURN t.care_type AS care_type, collect(a.id) AS areas, collect(h.id) AS hospitals,
       collect(t.patients) AS patients, collect(DISTINCT t.source) AS sources
"""
CHOICE_MODELS = """
MATCH (m:ChoiceModel)
RETURN m.id AS id, m.care_type AS care_type, m.params AS params, m.name AS name,
       m.origin AS origin
"""

DemandModel = str  # "imported (demand.csv)", "observed flows", "population x national rate"


@dataclass(frozen=True)
class Snapshot:
    """The graph as plain data; row order of areas and hospitals fixes the matrix axes."""

    regions: dict[str, str]                       # id -> name
    areas: list[dict]
    hospitals: list[dict]                         # by id: id, name, organisation, city,
    #                                               province, kind, lat, lon, region, networks
    networks: dict[str, dict]                     # id -> {name, regions, care_types}
    care_types: dict[str, dict]                   # id -> {name, level, min_volume, ...}
    provision: dict[str, dict[str, float | None]]  # care type -> hospital -> volume
    travel_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    # care type -> (area ids, patients, sources) from (Area)-[:DEMAND]->(CareType)
    demand: dict[str, tuple[list[str], list[float], list[str]]] = field(default_factory=dict)
    # care type -> (area ids, hospital ids, patients, sources) from TREATED_AT
    flows: dict[str, tuple[list[str], list[str], list[float], list[str]]] = field(
        default_factory=dict)
    choice_models: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> model
    # (care type, outcome) -> volume -> outcome band table (care types without one: absent)
    outcome_tables: dict[tuple[str, str], OutcomeTable] = field(default_factory=dict)
    travel_km_pairs: list[tuple[str, str, float]] = field(default_factory=list)  # road km
    revision: Revision = UNRECORDED  # the dataset revision read in the same transaction
    #: the loaded dataset's tag read in the same transaction (None: none loaded, or read from
    #: a folder): what a write computed on this snapshot checks is still current
    #: (app.repository.load_lock.write_on_dataset)
    dataset: str | None = None

    @cached_property
    def area_index(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.area_ids)}

    def flow_matrix(self, care_type: str) -> NDArray[np.float64] | None:
        """Observed patients area x hospital for a care type, or None without flows."""
        if care_type not in self.flows:
            return None
        areas, hospitals, patients, _ = self.flows[care_type]
        F = np.zeros((len(self.areas), len(self.hospitals)))
        ai, hi = self.area_index, self.hospital_index
        np.add.at(F, ([ai[a] for a in areas], [hi[h] for h in hospitals]),
                  np.asarray(patients, dtype=float))
        return F

    def demand_for(self, care_type: str) -> tuple[NDArray[np.float64], DemandModel]:
        """Patients per year per area for a care type, and which demand model gave them.

        In order: imported ``demand.csv`` rows (areas without a row: 0); else the observed
        flows' patients per area; else population x the national rate (annual cases /
        population of all areas).
        """
        if care_type in self.demand:
            areas, patients, sources = self.demand[care_type]
            w = np.zeros(len(self.areas))
            ai = self.area_index
            np.add.at(w, [ai[a] for a in areas], np.asarray(patients, dtype=float))
            return w, f"imported (demand.csv: {'; '.join(sorted(sources))})"
        F = self.flow_matrix(care_type)
        if F is not None:
            return F.sum(axis=1), "observed flows (patients per area in flows.csv)"
        ct = self.care_types[care_type]
        pop = self.population
        rate = (ct["annual_cases"] or 0) / pop.sum() if pop.sum() else 0.0
        return pop * rate, "population x national rate (annual_cases / population): modelled"

    def choice_models_for(self, care_type: str) -> list[dict[str, Any]]:
        return [m for m in self.choice_models.values() if m["care_type"] == care_type]

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
        """Road km, areas x hospitals: routed where the imported matrix has km (``TRAVEL.km``),
        elsewhere modelled as great-circle x circuity."""
        modelled = distance_matrix_km(*self._coords())
        if not self.travel_km_pairs:
            return modelled
        routed = matrix_from_pairs(self.area_ids, self.hospital_ids, self.travel_km_pairs)
        return np.where(np.isfinite(routed), routed, modelled)

    @property
    def distance_source(self) -> str:
        return ("road km of the imported matrix (TRAVEL.km), modelled where missing"
                if self.travel_km_pairs else "modelled: great-circle x circuity")

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


def _read_all(tx: ManagedTransaction) -> Snapshot:
    def rows(query: Any) -> list[dict]:
        return [r.data() for r in tx.run(query)]

    revision = revision_in(tx)
    dataset = dataset_of(tx)
    regions = {r["id"]: r["name"] for r in rows(REGIONS)}
    columns = rows(AREAS)[0]
    areas = [dict(zip(AREA_FIELDS, values, strict=True))
             for values in zip(*(columns[f] for f in AREA_FIELDS), strict=True)]
    hospitals = rows(HOSPITALS)
    networks = {r["id"]: {"name": r["name"], "regions": r["regions"],
                          "care_types": r["care_types"]} for r in rows(NETWORKS)}
    care_types: dict[str, dict] = {}
    provision: dict[str, dict[str, float | None]] = {}
    for r in rows(CARE_TYPES):
        care_types[r["id"]] = {k: r[k] for k in ("id", "name", "level", "min_volume",
                                                 "annual_cases")}
        provision[r["id"]] = dict(r["provision"])
    records = rows(TRAVEL)
    travel = [(r["area"], r["hospital"], float(r["minutes"])) for r in records]
    km = [(r["area"], r["hospital"], float(r["km"])) for r in records if r["km"] is not None]
    demand = {r["care_type"]: (r["areas"], r["patients"], r["sources"]) for r in rows(DEMAND)}
    flows = {r["care_type"]: (r["areas"], r["hospitals"], r["patients"], r["sources"])
             for r in rows(FLOWS)}
    models = {r["id"]: {"id": r["id"], "care_type": r["care_type"], "name": r["name"],
                        "origin": r["origin"], "params": json.loads(r["params"])}
              for r in rows(CHOICE_MODELS)}
    bands = [r["band"] for r in tx.run(OUTCOME_BANDS, care_type=None)]
    return Snapshot(regions, areas, hospitals, networks, care_types, provision, travel,
                    demand, flows, models, tables_from_bands(bands), travel_km_pairs=km,
                    revision=revision, dataset=dataset)


def read_snapshot(driver: Driver, db: str) -> Snapshot:
    """Read the whole model (a few thousand rows for the Dutch instance) in one read
    transaction, which saw no dataset switch (:func:`~app.repository.revision.read_consistent`)."""
    return read_consistent(driver, db, _read_all)


def snapshot_from_folder(directory: Any = None) -> Snapshot:
    """The same Snapshot built from a validated data folder instead of the database (for
    scripts that make example data and for tests that need no server)."""
    from app.loader import read_directory

    data = read_directory(directory)
    r = {name: [row.model_dump() for row in rows] for name, rows in data.rows.items()}
    regions = {g["id"]: g["name"] for g in r["regions.csv"]}
    areas = sorted(({k: a[k] for k in AREA_FIELDS} for a in r["areas.csv"]),
                   key=lambda a: a["id"])
    members: dict[str, list[str]] = {}
    for m in r["network_members.csv"]:
        members.setdefault(m["hospital"], []).append(m["network"])
    hospitals = sorted(({"id": h["id"], "name": h["name"], "organisation": h["organisation"],
                         "city": h["city"], "province": h["province"], "kind": str(h["kind"]),
                         "lat": h["lat"], "lon": h["lon"], "region": h["region"],
                         "networks": sorted(members.get(h["id"], []))}
                        for h in r["hospitals.csv"]), key=lambda h: h["id"])
    networks: dict[str, dict] = {n["id"]: {"name": n["name"], "regions": [], "care_types": []}
                                 for n in r["networks.csv"]}
    for c in r["network_regions.csv"]:
        networks[c["network"]]["regions"].append(c["region"])
    for c in r.get("network_care_types.csv", []):
        networks[c["network"]]["care_types"].append(c["care_type"])
    care_types = {c["id"]: {k: c[k] for k in ("id", "name", "level", "min_volume",
                                              "annual_cases")} for c in r["care_types.csv"]}
    provision: dict[str, dict[str, float | None]] = {c: {} for c in care_types}
    for p in r["provision.csv"]:
        provision[p["care_type"]][p["hospital"]] = p["volume"]
    travel = [(t["area"], t["hospital"], float(t["minutes"]))
              for t in r.get("travel_times.csv", [])]
    km = [(t["area"], t["hospital"], float(t["km"])) for t in r.get("travel_times.csv", [])
          if t.get("km") is not None]
    demand: dict[str, tuple[list[str], list[float], list[str]]] = {}
    for d in r.get("demand.csv", []):
        a, p_, s = demand.setdefault(d["care_type"], ([], [], []))
        a.append(d["area"])
        p_.append(d["patients"])
        if d["source"] not in s:
            s.append(d["source"])
    flows: dict[str, tuple[list[str], list[str], list[float], list[str]]] = {}
    for f in r.get("flows.csv", []):
        a, h, p_, s = flows.setdefault(f["care_type"], ([], [], [], []))
        a.append(f["area"])
        h.append(f["hospital"])
        p_.append(f["patients"])
        if f["source"] not in s:
            s.append(f["source"])
    bands = [{**b, "care_type": b["care_type"]} for b in r.get("outcomes.csv", [])]
    for b in bands:
        b["id"] = f"{b['care_type']}/{b['outcome']}/{b['min_volume']}"
    return Snapshot(regions, areas, hospitals, networks, care_types, provision, travel,
                    demand, flows, {}, tables_from_bands(bands), travel_km_pairs=km)

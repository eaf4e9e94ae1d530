"""A stored scenario and the coverage matrix as files: CSV for spreadsheets, GeoJSON for GIS.

CSV goes through :func:`app.services.csv_export.to_csv`, so a text cell that a spreadsheet would
run as a formula is neutralised. GeoJSON follows RFC 7946: WGS84 longitude, latitude (in that
order), coordinates rounded to 6 decimals (about 0.1 m).
"""

from __future__ import annotations

from typing import Any

from app.repository.snapshot import Snapshot
from app.schemas import ScenarioPublic
from app.services.csv_export import to_csv

__all__ = ["ALLOCATION_COLUMNS", "CENTRE_COLUMNS", "COVERAGE_COLUMNS", "allocation_csv",
           "centres_csv", "coverage_csv", "scenario_geojson"]

ALLOCATION_COLUMNS = ("area", "area_name", "region", "centre", "centre_name", "patients",
                      "baseline_minutes", "scenario_minutes")
CENTRE_COLUMNS = ("hospital", "name", "region", "status", "patients", "baseline_patients",
                  "mean_minutes", "min_volume", "meets_norm")
COVERAGE_COLUMNS = ("region", "care_type", "level", "providers_in_region",
                    "providers_via_network", "mean_minutes", "p90_minutes", "max_minutes",
                    "minutes", "share_within", "unreachable_population", "gap")


def _area_rows(s: ScenarioPublic, snap: Snapshot) -> list[dict[str, Any]]:
    """One row per area of the scenario's scope, in the scenario's order."""
    am = s.area_minutes
    areas = {a["id"]: a for a in snap.areas}
    names = {h["id"]: h["name"] for h in snap.hospitals} | {c.hospital: c.name for c in s.centres}
    ids = am.areas or sorted(s.allocation)
    out = []
    for i, area_id in enumerate(ids):
        area = areas.get(area_id, {})
        centre = s.allocation.get(area_id)
        out.append({
            "area": area_id, "area_name": area.get("name"), "region": area.get("region"),
            "lat": area.get("lat"), "lon": area.get("lon"),
            "centre": centre, "centre_name": names.get(centre) if centre else None,
            "patients": am.demand[i] if i < len(am.demand) else None,
            "baseline_minutes": am.baseline[i] if i < len(am.baseline) else None,
            "scenario_minutes": am.scenario[i] if i < len(am.scenario) else None})
    return out


def allocation_csv(s: ScenarioPublic, snap: Snapshot) -> str:
    """Per area of the scope: the centre that receives (most of) its patients, its patients per
    year and its travel today and in the scenario (minutes; empty = unreachable)."""
    return to_csv(_area_rows(s, snap), ALLOCATION_COLUMNS)


def centres_csv(s: ScenarioPublic) -> str:
    """Per open centre: status, patients per year today and in the scenario, against the norm.

    A linked plan has a leading ``care_type`` column: one row per centre and care type (its
    patients, against its norm), then one per centre for all the plan's types together
    (``care_type`` = the ids joined by '+', ``meets_norm`` = meets every type's norm)."""
    if s.linked is None:
        rows = [{**c.model_dump(), "min_volume": s.min_volume} for c in s.centres]
        return to_csv(rows, CENTRE_COLUMNS)
    rows = [{**c.model_dump(), "care_type": part.care_type, "min_volume": part.norm}
            for part in s.linked for c in part.centres]
    rows += [{**c.model_dump(), "care_type": s.care_type, "min_volume": None}
             for c in s.centres]
    return to_csv(rows, ("care_type", *CENTRE_COLUMNS))


def coverage_csv(matrix: dict[str, Any]) -> str:
    """The region x care type coverage matrix (as ``GET /coverage`` returns it), one row per
    pair; provider lists joined with ``;``."""
    rows = []
    for r in matrix["data"]:
        travel = r["nearest_minutes"]
        rows.append({
            "region": r["region"], "care_type": r["care_type"], "level": r["level"],
            "providers_in_region": ";".join(r["providers_in_region"]),
            "providers_via_network": ";".join(r["providers_via_network"]),
            "mean_minutes": travel["mean"], "p90_minutes": travel["p90"],
            "max_minutes": travel["max"], "minutes": matrix["minutes"],
            "share_within": r["share_within"],
            "unreachable_population": r["unreachable_population"], "gap": r["gap"]})
    return to_csv(rows, COVERAGE_COLUMNS)


def _point(lon: Any, lat: Any) -> dict[str, Any] | None:
    if lon is None or lat is None:
        return None
    return {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]}


def area_cells(snap: Snapshot) -> dict[str, dict[str, Any] | None]:
    """Per area of the graph: its Voronoi cell among all areas' points (RD New metres),
    clipped to the national outline, as a GeoJSON geometry in lon/lat (None: no coordinates).
    A cell is a modelled area (the places nearer to the area's point than to any other's),
    not the area's administrative boundary."""
    from shapely.geometry import mapping

    from app import geo

    located = [a for a in snap.areas if a.get("lat") is not None and a.get("lon") is not None]
    cells = geo.voronoi_cells(geo.project_items(located), clip=geo.outline_rd())
    out: dict[str, dict[str, Any] | None] = {a["id"]: None for a in snap.areas}
    for area, cell in zip(located, cells, strict=True):
        out[area["id"]] = None if cell.is_empty else mapping(geo.unproject_geometry(cell))
    return out


def scenario_geojson(s: ScenarioPublic, snap: Snapshot, *,
                     cells: bool = False) -> dict[str, Any]:
    """A FeatureCollection: one feature per area of the scope (``kind: "area"``, with its
    centre, patients and travel) and one Point per open centre (``kind: "centre"``, with its
    volume). An area is its Point, or with ``cells`` its Voronoi cell (:func:`area_cells`,
    a modelled area, which the collection says), so the allocation can be drawn as a
    choropleth. A place no longer in the graph keeps its feature with ``geometry: null``
    (RFC 7946 §3.2)."""
    shapes = area_cells(snap) if cells else {}
    hospitals = {h["id"]: h for h in snap.hospitals}
    features: list[dict[str, Any]] = []
    for row in _area_rows(s, snap):
        props = {"kind": "area", **{k: row[k] for k in ALLOCATION_COLUMNS}}
        geometry = shapes.get(row["area"]) if cells else _point(row["lon"], row["lat"])
        features.append({"type": "Feature", "id": f"area-{row['area']}",
                         "geometry": geometry, "properties": props})
    per_type = {} if s.linked is None else {
        part.care_type: {c.hospital: c for c in part.centres} for part in s.linked}
    for c in s.centres:
        h = hospitals.get(c.hospital, {})
        props = {"kind": "centre", **c.model_dump(), "min_volume": s.min_volume}
        if s.linked is not None:  # a linked plan: the centre's figures per care type
            props["care_types"] = {
                t: {"patients": cs[c.hospital].patients, "meets_norm": cs[c.hospital].meets_norm,
                    "min_volume": part.norm}
                for part in s.linked for t, cs in [(part.care_type, per_type[part.care_type])]
                if c.hospital in cs}
        features.append({"type": "Feature", "id": f"centre-{c.hospital}",
                         "geometry": _point(h.get("lon"), h.get("lat")), "properties": props})
    return {"type": "FeatureCollection",
            "scenario": {"id": s.id, "name": s.name, "care_type": s.care_type,
                         **({} if s.care_types is None else {"care_types": s.care_types}),
                         "method": s.method, "created_at": s.created_at},
            "area_geometry": (
                "cells: each area's Voronoi cell among all areas' points, clipped to the "
                "national outline (modelled, not the administrative boundary)" if cells else
                "points: each area's coordinates"),
            "features": features}

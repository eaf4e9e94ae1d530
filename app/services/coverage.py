"""Coverage, concentration and gaps: the snapshot of the graph through ``analysis/``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.concentration import concentration_figures
from analysis.coverage import (
    CoverageFigures,
    coverage_figures,
    nearest,
    region_coverage,
    worst_areas,
)
from app.errors import NotFound
from app.repository.snapshot import Snapshot
from app.services.numbers import figure
from app.vocabulary import CareLevel

__all__ = ["care_type_concentration", "coverage_matrix", "gaps", "region_coverage_rows"]


def travel_dict(f: CoverageFigures) -> dict[str, Any]:
    return {"mean": figure(f.mean, 3), "p90": figure(f.p90, 3), "max": figure(f.max, 3),
            "share_within": figure(f.share_within, 3), "population": int(f.population),
            "unreachable_population": int(f.unreachable_population)}


def _coverage(snap: Snapshot, minutes: float, regions=None, care_types=None):
    return region_coverage(
        snap.minutes, snap.population, snap.area_region, snap.hospital_ids,
        hospital_region=snap.hospital_region, network_regions=snap.network_regions,
        hospital_networks=snap.hospital_networks, providers=snap.providers, minutes=minutes,
        regions=regions, care_types=care_types, network_care_types=snap.network_care_types)


def _row(snap: Snapshot, rc) -> dict[str, Any]:
    ct = snap.care_types[rc.care_type]
    return {"region": rc.region, "care_type": rc.care_type, "level": ct["level"],
            "providers_in_region": list(rc.providers_in_region),
            "providers_via_network": list(rc.providers_via_network),
            "nearest_minutes": {k: v for k, v in travel_dict(rc.travel).items()
                                if k in ("mean", "p90", "max")},
            "share_within": figure(rc.travel.share_within, 3),
            "unreachable_population": int(rc.travel.unreachable_population),
            "gap": rc.gap}


def region_coverage_rows(snap: Snapshot, region: str, minutes: float) -> dict[str, Any]:
    if region not in snap.regions:
        raise NotFound("region", region)
    cov = _coverage(snap, minutes, regions=[region])
    rows = [_row(snap, cov[(region, c)]) for c in sorted(snap.care_types)]
    population = float(snap.population[np.array(snap.area_region) == region].sum())
    return {"region": region, "name": snap.regions[region], "minutes": minutes,
            "population": int(population), "travel_model": snap.travel_source,
            "data": rows, "count": len(rows)}


def coverage_matrix(snap: Snapshot, minutes: float, care_type: str | None) -> dict[str, Any]:
    if care_type is not None and care_type not in snap.care_types:
        raise NotFound("care type", care_type)
    care = [care_type] if care_type else sorted(snap.care_types)
    cov = _coverage(snap, minutes, care_types=care)
    rows = [_row(snap, cov[(g, c)]) for g in sorted(snap.regions) for c in care]
    national = []
    for c in care:
        mask = snap.provider_mask(snap.providers.get(c, set()))
        figures = coverage_figures(nearest(snap.minutes, mask), snap.population, minutes)
        national.append({"care_type": c, "providers": int(mask.sum()),
                         "regions_with_gap": sum(cov[(g, c)].gap for g in snap.regions),
                         **travel_dict(figures)})
    return {"minutes": minutes, "travel_model": snap.travel_source, "data": rows,
            "count": len(rows), "national": national}


def care_type_concentration(snap: Snapshot, care_type: str) -> dict[str, Any]:
    if care_type not in snap.care_types:
        raise NotFound("care type", care_type)
    ct = snap.care_types[care_type]
    volumes = {h: float(v or 0.0) for h, v in snap.provision.get(care_type, {}).items()}
    f = concentration_figures(volumes, ct["min_volume"])
    return {"care_type": care_type, "name": ct["name"], "min_volume": ct["min_volume"],
            "providers": f.providers, "total_volume": figure(f.total, 3),
            "per_provider": [{"hospital": p.provider, "volume": figure(p.volume, 3),
                              "share": figure(p.share, 3), "meets_norm": p.meets_norm}
                             for p in f.per_provider],
            "compliant_providers": f.compliant_providers,
            "share_in_compliant": figure(f.share_in_compliant, 3), "hhi": figure(f.hhi, 3),
            "equivalent_providers": figure(f.equivalent_providers, 3)}


def gaps(snap: Snapshot, minutes: float, limit: int) -> dict[str, Any]:
    cov = _coverage(snap, minutes)
    region_gaps = [{"region": g, "care_type": c, "level": snap.care_types[c]["level"],
                    "population": int(rc.travel.population)}
                   for (g, c), rc in cov.items() if rc.gap]
    region_gaps.sort(key=lambda r: (-r["population"], r["region"], r["care_type"]))
    area_gaps = []
    for c, ct in sorted(snap.care_types.items()):
        if ct["level"] != CareLevel.EXPERT:
            continue
        mask = snap.provider_mask(snap.providers.get(c, set()))
        for a in worst_areas(nearest(snap.minutes, mask), snap.population, threshold=minutes,
                             area_ids=snap.area_ids):
            area_gaps.append({"area": a.area, "care_type": c, "minutes": figure(a.minutes, 3),
                              "population": int(a.population)})
    # worst first across care types: the longest travel, then the most people
    def worst_first(r: dict[str, Any]) -> tuple[float, int, str, str]:
        minutes = math.inf if r["minutes"] is None else float(r["minutes"])
        return (-minutes, -int(r["population"]), str(r["area"]), str(r["care_type"]))

    area_gaps.sort(key=worst_first)
    names = {a["id"]: (a["name"], a["region"]) for a in snap.areas}
    for r in area_gaps:
        r["name"], r["region"] = names[r["area"]]
    return {"minutes": minutes, "region_gaps": region_gaps, "region_gap_count": len(region_gaps),
            "area_gaps": area_gaps[:limit], "area_gap_count": len(area_gaps),
            "travel_model": snap.travel_source}

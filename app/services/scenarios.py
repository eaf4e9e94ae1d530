"""Concentration scenarios: read the graph → location-allocation → evaluate → persist.

Demand per area is modelled as population x the care type's national rate
(``annual_cases`` / national population of the areas).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from analysis.locate import InfeasibleScenario, max_covering, p_centre, p_median, set_covering
from analysis.scenario import CAR_CO2_KG_PER_KM, evaluate_scenario
from app.errors import InvalidInput
from app.repository.snapshot import Snapshot
from app.services.numbers import figure

__all__ = ["ScenarioCreate", "run_scenario"]

Method = Literal["p_median", "max_covering", "set_covering", "p_centre"]
CandidateSet = Literal["all", "providers", "umc_topclinical"]


class ScenarioCreate(BaseModel):
    """What to compute. Hospital ids refer to ``Hospital.id``; unknown ids are a 422."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Pancreas in 8 centres, norm 20", "care_type": "pancreatic-resection",
        "method": "p_median", "centres": 8, "minutes": 60, "keep": ["umcg-groningen"],
        "close": [], "candidate_set": "providers", "apply_norm": True, "solver": "auto"}]})

    name: str | None = Field(default=None, max_length=200)
    care_type: str
    method: Method = "p_median"
    centres: int | None = Field(default=None, ge=1, le=10000,
                                description="k: centres to open (not for set_covering)")
    minutes: float = Field(default=45.0, gt=0, le=600,
                           description="travel threshold T: coverage radius and 'within T'")
    keep: list[str] = Field(default_factory=list, description="hospitals that must stay open")
    close: list[str] = Field(default_factory=list, description="hospitals that must close")
    candidates: list[str] | None = Field(
        default=None, description="explicit candidate hospitals (overrides candidate_set)")
    candidate_set: CandidateSet = Field(
        default="providers", description="providers: today's providers of the care type; "
        "umc_topclinical: UMCs, categorical and top-clinical hospitals; all: every hospital")
    min_volume: float | None = Field(default=None, ge=0,
                                     description="patients/year each open centre must get")
    apply_norm: bool = Field(default=False,
                             description="use the care type's minimum-volume norm as min_volume")
    capacity: float | dict[str, float] | None = Field(
        default=None, description="patients/year per centre: one number or per hospital id")
    solver: Literal["auto", "exact", "heuristic"] = "auto"
    time_limit: float = Field(default=60.0, gt=0, le=600)
    worse_threshold: float = Field(default=15.0, ge=0,
                                   description="extra minutes above which patients count as "
                                               "much worse off")

    @model_validator(mode="after")
    def _centres_needed(self) -> ScenarioCreate:
        if self.method != "set_covering" and self.centres is None:
            raise ValueError(f"centres (k) is required for method {self.method}")
        return self


def _unknown(ids: list[str], known: dict[str, int]) -> list[str]:
    return sorted({h for h in ids if h not in known})


def run_scenario(snap: Snapshot, req: ScenarioCreate) -> dict[str, Any]:
    """Compute a scenario; returns the full result as plain JSON-ready data (with a new id)."""
    problems = []
    if req.care_type not in snap.care_types:
        problems.append({"field": "care_type", "unknown": [req.care_type]})
    index = snap.hospital_index
    for field in ("keep", "close", "candidates"):
        bad = _unknown(getattr(req, field) or [], index)
        if bad:
            problems.append({"field": field, "unknown": bad})
    if isinstance(req.capacity, dict):
        bad = _unknown(list(req.capacity), index)
        if bad:
            problems.append({"field": "capacity", "unknown": bad})
    if problems:
        detail = "; ".join(f"{p['field']}: unknown id(s) {', '.join(p['unknown'])}"
                           for p in problems)
        raise InvalidInput(detail, errors=problems)

    ct = snap.care_types[req.care_type]
    current = sorted(index[h] for h in snap.providers.get(req.care_type, set()))
    if req.candidates is not None:
        candidates = sorted(index[h] for h in req.candidates)
    elif req.candidate_set == "providers":
        candidates = current
    elif req.candidate_set == "umc_topclinical":
        candidates = [j for j, h in enumerate(snap.hospitals)
                      if h["kind"] in ("umc", "categorical", "topclinical")]
    else:
        candidates = list(range(len(snap.hospitals)))
    keep = sorted(index[h] for h in req.keep)
    candidates = sorted(set(candidates) | set(keep))
    min_volume = req.min_volume
    if req.apply_norm:
        if ct["min_volume"] is None:
            raise InvalidInput(f"care type {req.care_type} has no minimum-volume norm; "
                               "give min_volume instead of apply_norm")
        min_volume = float(ct["min_volume"])
    capacity: Any = req.capacity
    if isinstance(req.capacity, dict):
        capacity = np.full(len(snap.hospitals), np.inf)
        for h, cap in req.capacity.items():
            capacity[index[h]] = cap

    population = snap.population
    rate = ct["annual_cases"] / population.sum() if population.sum() else 0.0
    demand = population * rate
    C = snap.minutes
    common: dict[str, Any] = {"keep": keep, "close": [index[h] for h in req.close],
                                  "candidates": candidates, "min_volume": min_volume,
                                  "capacity": capacity, "solver": req.solver,
                                  "time_limit": req.time_limit, "seed": 0}
    k = req.centres if req.centres is not None else 0  # validated: only set_covering has none
    try:
        if req.method == "p_median":
            result = p_median(C, demand, k=k, **common)
        elif req.method == "max_covering":
            result = max_covering(C, demand, k=k, radius=req.minutes, **common)
        elif req.method == "set_covering":
            result = set_covering(C, demand, radius=req.minutes, **common)
        else:
            result = p_centre(C, demand, k=k, **common)
    except InfeasibleScenario as e:
        raise InvalidInput(f"infeasible scenario: {e}") from e
    hospital_region = np.array([h["region"] for h in snap.hospitals], dtype=object)
    ev = evaluate_scenario(C, demand, result.assignment, current=current,
                           distance_km=snap.distance_km,
                           area_region=np.array(snap.area_region, dtype=object),
                           hospital_region=hospital_region, radius=req.minutes,
                           worse_threshold=req.worse_threshold, min_volume=min_volume
                           if min_volume is not None else ct["min_volume"])
    return _as_data(snap, req, result, ev, demand, current, min_volume)


def _travel(stats) -> dict[str, Any]:
    return {"patients": figure(stats.demand), "mean": figure(stats.mean),
            "median": figure(stats.median), "p90": figure(stats.p90), "max": figure(stats.max),
            "share_within": figure(stats.share_within), "unserved": figure(stats.unserved_demand)}


def _as_data(snap: Snapshot, req: ScenarioCreate, result, ev, demand, current,
             min_volume) -> dict[str, Any]:
    hids = snap.hospital_ids
    norm = min_volume if min_volume is not None else snap.care_types[req.care_type]["min_volume"]
    centres = []
    area_minutes = ev.area_minutes_scenario
    for j in result.open:
        rows = np.flatnonzero(result.centre == j)
        patients = float(ev.scenario_volume[j])
        served = demand[rows]
        mean_minutes = (float((area_minutes[rows] * served).sum() / served.sum())
                        if served.sum() > 0 else None)
        centres.append({"hospital": hids[j], "name": snap.hospitals[j]["name"],
                        "region": snap.hospitals[j]["region"],
                        "status": "kept" if j in current else "new",
                        "patients": figure(patients), "baseline_patients":
                        figure(ev.baseline_volume[j]), "mean_minutes": figure(mean_minutes),
                        "meets_norm": None if norm is None else bool(patients >= norm - 1e-9)})
    open_set = set(result.open)
    closing = [{"hospital": hids[j], "name": snap.hospitals[j]["name"],
                "baseline_patients": figure(ev.baseline_volume[j])}
               for j in current if j not in open_set]
    headline = {
        "centres": len(result.open), "objective": figure(result.objective),
        "bound": figure(result.bound), "gap": figure(result.gap), "status": result.status,
        "solver": result.solver, "runtime_s": figure(result.runtime),
        "mean_minutes": figure(ev.scenario.mean), "mean_minutes_baseline": figure(ev.baseline.mean),
        "mean_delta": figure(ev.mean_delta), "p90_minutes": figure(ev.scenario.p90),
        "p90_delta": figure(ev.p90_delta), "share_within": figure(ev.scenario.share_within),
        "share_within_baseline": figure(ev.baseline.share_within),
        "patients": figure(float(demand.sum())), "patients_worse": figure(ev.patients_worse),
        "patients_losing_access": figure(ev.patients_losing_access),
        "centres_below_norm": (None if norm is None else
                               sum(1 for c in centres if c["meets_norm"] is False)),
        "regions_without_centre": len(ev.regions_without_centre),
        "patient_km": figure(ev.patient_km_scenario),
        "patient_km_delta": figure(ev.patient_km_delta),
        "co2_kg": figure(ev.co2_kg_scenario), "co2_kg_baseline": figure(ev.co2_kg_baseline),
        "co2_kg_delta": figure(ev.co2_kg_delta)}
    scenario_id = uuid.uuid4().hex[:12]
    return {
        "id": scenario_id,
        "name": req.name or f"{req.care_type}: {req.method} k={req.centres}",
        "care_type": req.care_type, "method": req.method,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": req.model_dump(),
        "min_volume": figure(norm),
        "headline": headline,
        "baseline": _travel(ev.baseline), "scenario": _travel(ev.scenario),
        "centres": centres, "closing": closing,
        "regions_without_centre": list(ev.regions_without_centre),
        "regions_losing_all_centres": list(ev.regions_losing_all_centres),
        "by_region": {str(g): {"baseline": _travel(b), "scenario": _travel(s)}
                      for g, (b, s) in ev.by_region.items()},
        "areas_worse": [snap.area_ids[i] for i in ev.areas_worse],
        "allocation": {snap.area_ids[i]: hids[j] for i, j in enumerate(result.centre)
                       if j >= 0},
        "area_minutes": {"baseline": [figure(x) for x in ev.area_minutes_baseline],
                         "scenario": [figure(x) for x in ev.area_minutes_scenario],
                         "demand": [figure(x) for x in demand]},
        "notes": list(result.warnings) + [
            "demand per area = population x national rate (annual_cases / population): modelled",
            f"travel: {snap.travel_source}",
            f"CO2: patient-km x {CAR_CO2_KG_PER_KM} kg/km (see analysis.scenario)"],
    }

"""Concentration scenarios: read the graph → location-allocation → evaluate → one typed result.

Scope: a scenario is for the patients resident in its ``regions`` (default: the whole
country). Candidates default to today's providers located in those regions; with
``cross_border`` today's providers outside the scope stay open, reachable and uncounted in k.

Demand per area: imported ``demand.csv`` for the care type, else the observed flows' patients
per area, else population x the national rate (see :meth:`Snapshot.demand_for`).

Baseline ("today"): the observed flows where imported (areas without flows: the allocation
model over today's providers), else the nearest provider (allocation ``nearest``) or the
choice model over today's providers (allocation ``choice``).

Scenario allocation: ``nearest`` sends every patient to the nearest open centre (or the LP
assignment under norms and capacities); ``choice`` keeps observed patients whose centre stays
open and lets the others choose by the logit model (:mod:`analysis.choice`).
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from analysis.choice import (
    ChoiceFeatures,
    ChoiceParams,
    ChoiceProblem,
    choice_location,
    choice_shares,
    displaced_allocation,
    log_volume,
    nearest_shares,
)
from analysis.coverage import reachable_providers
from analysis.locate import (
    InfeasibleScenario,
    NoSolutionInTime,
    max_covering,
    p_centre,
    p_median,
    set_covering,
)
from analysis.outcomes import expected_outcomes
from analysis.scenario import CAR_CO2_KG_PER_KM, ScenarioEvaluation, evaluate_scenario
from app.errors import InvalidInput, bounded_ids
from app.repository.snapshot import Snapshot
from app.schemas import (
    CHOICE_METHODS,
    AreaMinutes,
    CentreOutcome,
    ChoiceModelRef,
    ClosingCentre,
    RegionTravel,
    ScenarioCentre,
    ScenarioCreate,
    ScenarioHeadline,
    ScenarioOutcome,
    ScenarioPublic,
    ScenarioScope,
    TravelFigures,
)
from app.services.numbers import figure
from app.vocabulary import Allocation, CandidateSet, HospitalKind, Method, Solver

__all__ = ["EVALUATION_RESERVE_S", "NoSolutionInTime", "ScenarioCreate", "choice_features",
           "run_scenario", "scenario_candidates", "solve_budget", "today_volume"]

#: of a request's time_limit, the solver leaves this share (at most 1 s) for the
#: evaluation and the storing that follow it, so that the whole request ends near time_limit
EVALUATION_RESERVE_S, EVALUATION_RESERVE_SHARE = 1.0, 0.25


def solve_budget(time_limit: float, deadline: float | None) -> float:
    """Seconds the optimiser may use: up to ``deadline`` (a :func:`time.monotonic` value:
    request start + time_limit) less the evaluation's reserve; the whole ``time_limit``
    when there is no deadline. Raises :class:`NoSolutionInTime` when nothing is left."""
    if deadline is None:
        return time_limit
    reserve = min(EVALUATION_RESERVE_S, EVALUATION_RESERVE_SHARE * time_limit)
    budget = deadline - time.monotonic() - reserve
    if budget < 0.05:
        raise NoSolutionInTime(time_limit)
    return min(budget, time_limit)


VOLUME_NOTE = ("choice model: volume enters as ln(max(today's volume, 1)) (the provision volume, "
               "else the observed patients), held fixed in the scenario (no feedback of the "
               "scenario's volumes on attractiveness)")
#: The hospital kinds of candidate set ``umc_topclinical``.
_CENTRE_KINDS = frozenset({HospitalKind.UMC, HospitalKind.CATEGORICAL, HospitalKind.TOPCLINICAL})


def _unknown(ids: list[str], known: dict[str, Any] | set[str]) -> list[str]:
    return sorted({h for h in ids if h not in known})


def _validate(snap: Snapshot, req: ScenarioCreate) -> None:
    problems: list[dict[str, Any]] = []
    bad_types = _unknown(list(req.linked_types), snap.care_types)
    if bad_types:
        problems.append({"field": "care_type" if req.care_types is None else "care_types",
                         "unknown": bad_types})
    index = snap.hospital_index
    for name in ("keep", "close", "candidates"):
        bad = _unknown(getattr(req, name) or [], index)
        if bad:
            problems.append({"field": name, "unknown": bad})
    if isinstance(req.capacity, dict):
        bad = _unknown(list(req.capacity), index)
        if bad:
            problems.append({"field": "capacity", "unknown": bad})
    if req.regions is not None:
        bad = _unknown(req.regions, snap.regions)
        if bad or not req.regions:
            problems.append({"field": "regions", "unknown": bad})
    if req.choice_model is not None and req.choice_model not in snap.choice_models:
        problems.append({"field": "choice_model", "unknown": [req.choice_model]})
    if problems:
        detail = "; ".join(
            f"{p['field']}: unknown id(s) {bounded_ids(p['unknown'])}"
            if p["unknown"] else f"{p['field']}: give at least one region (or leave it out "
                                 "for the whole country)" for p in problems)
        raise InvalidInput(detail, errors=problems)  # InvalidInput bounds long id lists
    if req.choice_model is not None:
        model = snap.choice_models[req.choice_model]
        if model["care_type"] != req.care_type_id:
            raise InvalidInput(f"choice_model: {req.choice_model} was fitted for care type "
                               f"{model['care_type']}, not {req.care_type_id}",
                               errors=[{"field": "choice_model"}])


# --------------------------------------------------------------------------- inputs
def today_volume(snap: Snapshot, care_type: str) -> NDArray[np.float64]:
    """Patients per year per hospital today: the stored provision volume (a hospital's whole
    volume, modelled unless the user imported registry volumes); for a hospital without one,
    its observed patients in the flows (which may cover only some regions); else 0."""
    volume = np.zeros(len(snap.hospitals))
    F = snap.flow_matrix(care_type)
    if F is not None:
        volume = F.sum(axis=0)
    for h, v in snap.provision.get(care_type, {}).items():
        if v is not None:
            volume[snap.hospital_index[h]] = float(v)
    return volume


def choice_features(snap: Snapshot, care_type: str) -> ChoiceFeatures:
    """The choice features of every area x hospital for a care type."""
    hids = snap.hospital_ids
    area_region = np.array(snap.area_region, dtype=object)
    hosp_region = np.array([h["region"] for h in snap.hospitals], dtype=object)
    same = area_region[:, None] == hosp_region[None, :]
    everyone = {care_type: hids}
    network = np.zeros(same.shape, dtype=bool)
    for region in snap.regions:
        _, via = reachable_providers(
            region, care_type, hospital_region=snap.hospital_region,
            network_regions=snap.network_regions, hospital_networks=snap.hospital_networks,
            providers=everyone, network_care_types=snap.network_care_types)
        cols = np.array([h in via for h in hids], dtype=bool)
        network[area_region == region] = cols
    kinds = tuple(str(h["kind"]) for h in snap.hospitals)
    return ChoiceFeatures(snap.minutes, log_volume(today_volume(snap, care_type)), same,
                          network, kinds)


def _params(model: dict[str, Any]) -> ChoiceParams:
    p = model["params"]
    return ChoiceParams(beta_time=p["beta_time"], beta_volume=p.get("beta_volume", 0.0),
                        beta_region=p.get("beta_region", 0.0),
                        beta_network=p.get("beta_network", 0.0), kind=p.get("kind", {}))


@dataclass(frozen=True)
class _Scope:
    rows: NDArray[np.int64]        # areas whose residents the scenario is for
    inside: NDArray[np.bool_]      # hospitals located in the scope's regions
    regions: list[str]
    national: bool
    cross_border: bool


def _scope(snap: Snapshot, req: ScenarioCreate) -> _Scope:
    hosp_region = np.array([h["region"] for h in snap.hospitals], dtype=object)
    if req.regions is None or set(req.regions) == set(snap.regions):
        return _Scope(np.arange(len(snap.areas)), np.ones(len(snap.hospitals), bool),
                      sorted(snap.regions), True, True)
    regions = sorted(set(req.regions))
    area_region = np.array(snap.area_region, dtype=object)
    rows = np.flatnonzero(np.isin(area_region, regions))
    return _Scope(rows, np.isin(hosp_region, regions), regions, False, req.cross_border)


@dataclass(frozen=True)
class _Plan:
    """The open centres and how the optimiser got them."""

    open: tuple[int, ...]                 # scope centres and fixed outside providers
    assignment: Any                       # nearest-model allocation (n_scope x m)
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    runtime: float
    warnings: tuple[str, ...]


def _candidates(snap: Snapshot, req: ScenarioCreate, scope: _Scope,
                current: list[int]) -> list[int]:
    """Candidates: explicit ids, else the candidate set; the default (today's providers) is
    always those located in the scope; the others are limited to the scope only when it is
    closed (providers outside an open scope are fixed, see ``run_scenario``)."""
    index = snap.hospital_index
    if req.candidates is not None:
        cands = {index[h] for h in req.candidates}
    elif req.candidate_set == CandidateSet.PROVIDERS:
        cands = {j for j in current if scope.inside[j]}
    elif req.candidate_set == CandidateSet.UMC_TOPCLINICAL:
        cands = {j for j, h in enumerate(snap.hospitals)
                 if h["kind"] in _CENTRE_KINDS}
    else:
        cands = set(range(len(snap.hospitals)))
    if not scope.cross_border:
        cands = {j for j in cands if scope.inside[j]}
    return sorted(cands)


def _current(snap: Snapshot, care_type: str, F: NDArray | None) -> list[int]:
    """Today's providers: the provision rows and every hospital with observed patients."""
    index = snap.hospital_index
    observed_hospitals = set() if F is None else set(np.flatnonzero(F.sum(axis=0) > 0).tolist())
    return sorted({index[h] for h in snap.providers.get(care_type, set())} | observed_hospitals)


def _open_choices(snap: Snapshot, req: ScenarioCreate, scope: _Scope, current: list[int]
                  ) -> tuple[list[int], list[int], list[int], list[int]]:
    """keep, close, fixed (outside providers that stay open) and candidate columns."""
    index = snap.hospital_index
    close = sorted(index[h] for h in req.close)
    keep = sorted(index[h] for h in req.keep)
    if not scope.cross_border:
        outside = [snap.hospital_ids[j] for j in keep if not scope.inside[j]]
        if outside:
            raise InvalidInput(f"keep: {bounded_ids(outside)} lie(s) outside the scope regions "
                               "and cross_border is false", errors=[{"field": "keep"}])
    fixed = [] if scope.national or not scope.cross_border else [
        j for j in current if not scope.inside[j] and j not in close]
    candidates = _candidates(snap, req, scope, current)
    candidates = sorted((set(candidates) | set(keep)) - set(fixed))
    return keep, close, fixed, candidates


def scenario_candidates(snap: Snapshot, req: ScenarioCreate) -> tuple[list[str], list[str]]:
    """Validate ``req`` against the graph (unknown ids: :class:`InvalidInput`) and return the
    hospitals that may be opened (candidates less those forced closed) and today's providers
    in the scope, as :func:`run_scenario` would compute them."""
    _validate(snap, req)
    scope = _scope(snap, req)
    cands: set[int] | None = None
    today: set[int] = set()
    for care_type in req.linked_types:  # a linked set: the candidates common to its types
        current = _current(snap, care_type, snap.flow_matrix(care_type))
        _, close, _, candidates = _open_choices(snap, req, scope, current)
        mine = set(candidates) - set(close)
        cands = mine if cands is None else cands & mine
        today |= {j for j in current if scope.inside[j]}
    ids = snap.hospital_ids
    return [ids[j] for j in sorted(cands or ())], [ids[j] for j in sorted(today)]


def _locate_nearest(req: ScenarioCreate, C: NDArray, w: NDArray, *, k: int, keep: list[int],
                    close: list[int], candidates: list[int], fixed: list[int],
                    min_volume: float | None, capacity: Any, budget: float) -> _Plan:
    warnings: list[str] = []
    constrained = bool(min_volume) or capacity is not None
    if fixed and constrained:
        # the engine applies one norm to every open centre; providers outside the scope would
        # have to reach it on the scope's patients alone, so they are left out of the solve
        warnings.append("with cross_border and a volume norm or capacity, the centres are "
                        "chosen as if the scope were closed; the evaluation then lets the "
                        "scope's patients reach today's providers outside it")
        fixed_in_solve: list[int] = []
    else:
        fixed_in_solve = fixed
    common: dict[str, Any] = {
        "keep": sorted(set(keep) | set(fixed_in_solve)), "close": close,
        "candidates": sorted(set(candidates) | set(fixed_in_solve) | set(keep)),
        "min_volume": min_volume, "capacity": capacity, "solver": req.solver,
        "time_limit": budget, "seed": 0}
    kk = k + len(fixed_in_solve)
    try:
        if req.method == Method.P_MEDIAN:
            res = p_median(C, w, k=kk, **common)
        elif req.method == Method.MAX_COVERING:
            res = max_covering(C, w, k=kk, radius=req.minutes, **common)
        elif req.method == Method.SET_COVERING:
            res = set_covering(C, w, radius=req.minutes, **common)
        else:
            res = p_centre(C, w, k=kk, **common)
    except InfeasibleScenario as e:
        raise InvalidInput(f"infeasible scenario: {e}") from e
    except NoSolutionInTime as e:  # quote the request's limit, not the solver's share of it
        raise NoSolutionInTime(req.time_limit, e.what) from e
    open_ = tuple(sorted(set(res.open) | set(fixed)))
    assignment = res.assignment
    if set(open_) != set(res.open):
        assignment = sparse.csr_array(nearest_shares(C, list(open_)))
    return _Plan(open_, assignment, res.objective, res.bound, res.gap, res.status, res.solver,
                 res.runtime, tuple(res.warnings) + tuple(warnings))


def _locate_choice(req: ScenarioCreate, C: NDArray, w: NDArray, V: NDArray,
                   observed: NDArray | None, *, k: int, keep: list[int], close: list[int],
                   candidates: list[int], fixed: list[int],
                   min_volume: float | None, budget: float) -> _Plan:
    started = time.monotonic()
    cands = sorted((set(candidates) | set(keep)) - set(close) - set(fixed))
    allowed = sorted(set(cands) | set(fixed))
    top = np.max(np.where(np.isin(np.arange(C.shape[1]), allowed)[None, :], V, -np.inf),
                 axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        E = np.where(np.isfinite(V), np.exp(V - np.where(np.isfinite(top), top, 0.0)), 0.0)
    objective = "travel" if req.method == Method.P_MEDIAN_CHOICE else "coverage"
    prob = ChoiceProblem(E, C, w, observed, objective, req.minutes)
    # a good start: the optimum for patients who go to the nearest centre
    starts = []
    try:
        ref = p_median(C, w, k=k, keep=keep, close=close, candidates=cands, solver=Solver.HEURISTIC,
                       time_limit=min(5.0, budget / 4), seed=0)
        starts.append([j for j in ref.open if j not in fixed])
    except (InfeasibleScenario, NoSolutionInTime, ValueError):
        pass
    try:
        res = choice_location(prob, k=k, candidates=cands, keep=keep, fixed=fixed,
                              min_volume=min_volume, starts=starts, seed=0,
                              time_limit=max(budget - (time.monotonic() - started), 0.05))
    except ValueError as e:
        raise InvalidInput(f"infeasible scenario: {e}") from e
    warnings = []
    if res.shortfall > 1e-6:
        warnings.append(f"no set of {k} centres was found where every centre reaches the norm "
                        f"{min_volume:g} on expected volumes; the best found is "
                        f"{res.shortfall:.1f} patients/year short in total")
    return _Plan(res.open, sparse.csr_array(nearest_shares(C, list(res.open))), res.objective,
                 math.nan, math.nan, res.status, "choice swap heuristic", res.runtime,
                 tuple(warnings))


# --------------------------------------------------------------------------- the scenario
def run_scenario(snap: Snapshot, req: ScenarioCreate, *,
                 deadline: float | None = None) -> ScenarioPublic:
    """Compute a scenario; returns the full typed result (with a new id).

    ``deadline`` (a :func:`time.monotonic` value, normally request start + ``time_limit``)
    bounds the optimiser, which then leaves a short reserve for the evaluation (see
    :func:`solve_budget`); without one the optimiser gets ``time_limit`` itself. A search
    cut by the time answers with status ``time_limit``; :class:`NoSolutionInTime` when
    no solution was found in time.
    """
    if req.care_types is not None:  # a linked plan (imported here: it builds on this module)
        from app.services.linked import run_linked_scenario
        return run_linked_scenario(snap, req, deadline=deadline)
    _validate(snap, req)
    care_type = req.care_type_id
    ct = snap.care_types[care_type]
    index = snap.hospital_index
    scope = _scope(snap, req)
    rows = scope.rows
    w_all, demand_model = snap.demand_for(care_type)
    w = w_all[rows]
    C = snap.minutes[rows]
    F = snap.flow_matrix(care_type)
    current = _current(snap, care_type, F)
    keep, close, fixed, candidates = _open_choices(snap, req, scope, current)
    if not candidates and req.method != Method.SET_COVERING:
        raise InvalidInput(f"no candidate hospitals in the scope ({', '.join(scope.regions)}) "
                           f"for {care_type}: give candidates or candidate_set 'all'",
                           errors=[{"field": "candidates"}])

    assert not isinstance(req.min_volume, dict)  # per care type only with care_types
    min_volume = req.min_volume
    if req.apply_norm:
        if ct["min_volume"] is None:
            raise InvalidInput(f"care type {care_type} has no minimum-volume norm; "
                               "give min_volume instead of apply_norm")
        min_volume = float(ct["min_volume"])
    capacity: Any = req.capacity
    if isinstance(req.capacity, dict):
        capacity = np.full(len(snap.hospitals), np.inf)
        for h, cap in req.capacity.items():
            capacity[index[h]] = cap

    # the allocation model and today's baseline
    params: ChoiceParams | None = None
    V: NDArray | None = None
    model_ref: ChoiceModelRef | None = None
    if req.allocation == Allocation.CHOICE:
        assert req.choice_model is not None  # validated by ScenarioCreate
        stored = snap.choice_models[req.choice_model]
        params = _params(stored)
        V = params.utility(choice_features(snap, care_type).rows(rows))
        model_ref = ChoiceModelRef(id=stored["id"], name=stored.get("name"),
                                   origin=stored.get("origin"), params=stored["params"])
    V_today = V  # today patients may cross any border

    def model_over(open_: list[int]) -> NDArray:
        return choice_shares(V_today, open_) if V_today is not None else nearest_shares(C, open_)

    observed = None
    baseline_model = ("choice model over today's providers" if V is not None
                      else "nearest provider today")
    fallback_areas = 0
    if F is not None:
        Fr = F[rows]
        tot = Fr.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            observed = np.where(tot > 0, Fr / np.where(tot > 0, tot, 1.0), 0.0)
        missing = (tot.ravel() <= 0) & (w > 0)
        fallback_areas = int(missing.sum())
        A_b = observed.copy()
        if fallback_areas:
            A_b[missing] = model_over(current)[missing]
        baseline_model = "observed flows (flows.csv)"
    else:
        A_b = model_over(current)

    if not scope.cross_border and not scope.national:
        # a closed scope: in the scenario its patients can only be treated inside it
        C_alloc = np.where(scope.inside[None, :], C, np.inf)
        if V is not None:
            V = np.where(scope.inside[None, :], V, -np.inf)
    else:
        C_alloc = C

    k = req.centres if req.centres is not None else 0
    if req.method in CHOICE_METHODS:
        assert V is not None
        plan = _locate_choice(req, C_alloc, w, V, observed, k=k, keep=keep, close=close,
                              candidates=candidates, fixed=fixed, min_volume=min_volume,
                              budget=solve_budget(req.time_limit, deadline))
    else:
        plan = _locate_nearest(req, C_alloc, w, k=k, keep=keep, close=close,
                               candidates=candidates, fixed=fixed, min_volume=min_volume,
                               capacity=capacity, budget=solve_budget(req.time_limit, deadline))
    open_ = list(plan.open)
    if V is not None:
        P = choice_shares(V, open_)
        A_s: Any = displaced_allocation(observed, P, open_) if observed is not None else P
    else:
        A_s = plan.assignment

    hospital_region = np.array([h["region"] for h in snap.hospitals], dtype=object)
    area_region = np.array(snap.area_region, dtype=object)[rows]
    norm = min_volume if min_volume is not None else ct["min_volume"]

    def evaluate(allocation: Any) -> ScenarioEvaluation:
        return evaluate_scenario(C, w, allocation, current=current, baseline=A_b,
                                 distance_km=snap.distance_km[rows], area_region=area_region,
                                 hospital_region=hospital_region, radius=req.minutes,
                                 worse_threshold=req.worse_threshold, min_volume=norm)

    ev = evaluate(A_s)
    ev_nearest = evaluate(plan.assignment) if V is not None else None
    shares = _dense(A_s)
    nearest_open = nearest_shares(C_alloc, open_)
    served = float((w * shares.sum(axis=1)).sum())
    bypass = (1.0 - float((w[:, None] * shares * nearest_open).sum()) / served
              if served > 0 else None)

    notes = list(plan.warnings) + [
        f"demand: {demand_model}", f"baseline: {baseline_model}",
        f"travel: {snap.travel_source}", f"patient-km: {snap.distance_source}",
        f"CO2: patient-km x {CAR_CO2_KG_PER_KM} kg/km (see analysis.scenario)"]
    if fallback_areas:
        notes.append(f"{fallback_areas} area(s) with demand but no observed flows: their "
                     f"baseline is the {req.allocation} model over today's providers")
    if V is not None:
        notes.append(VOLUME_NOTE)
    if not scope.national:
        notes.append(f"scope: patients resident in {', '.join(scope.regions)}"
                     + ("; today's providers outside it stay open and reachable"
                        if scope.cross_border else "; closed: no patient leaves the scope"))

    return _result(snap, req, scope, rows, plan, ev, ev_nearest, w, current, fixed, norm,
                   shares, bypass, demand_model, baseline_model, model_ref, notes)


def _dense(A: Any) -> NDArray[np.float64]:
    return A.toarray() if sparse.issparse(A) else np.asarray(A, dtype=np.float64)


def _travel(stats) -> TravelFigures:
    return TravelFigures(patients=figure(stats.demand), mean=figure(stats.mean),
                         median=figure(stats.median), p90=figure(stats.p90),
                         max=figure(stats.max), share_within=figure(stats.share_within),
                         unserved=figure(stats.unserved_demand))


def _headline(plan: _Plan, ev: ScenarioEvaluation, w: NDArray, centres: list[ScenarioCentre],
              norm: float | None, bypass: float | None) -> ScenarioHeadline:
    scope_centres = [c for c in centres if c.status != "outside"]
    return ScenarioHeadline(
        centres=len(scope_centres), objective=figure(plan.objective),
        bound=figure(plan.bound), gap=figure(plan.gap), status=plan.status,
        solver=plan.solver, runtime_s=figure(plan.runtime),
        mean_minutes=figure(ev.scenario.mean), mean_minutes_baseline=figure(ev.baseline.mean),
        mean_delta=figure(ev.mean_delta), p90_minutes=figure(ev.scenario.p90),
        p90_delta=figure(ev.p90_delta), share_within=figure(ev.scenario.share_within),
        share_within_baseline=figure(ev.baseline.share_within),
        patients=figure(float(w.sum())), patients_worse=figure(ev.patients_worse),
        patients_losing_access=figure(ev.patients_losing_access),
        centres_below_norm=(None if norm is None else
                            sum(1 for c in scope_centres if c.meets_norm is False)),
        regions_without_centre=len(ev.regions_without_centre),
        patient_km=figure(ev.patient_km_scenario), patient_km_delta=figure(ev.patient_km_delta),
        co2_kg=figure(ev.co2_kg_scenario), co2_kg_baseline=figure(ev.co2_kg_baseline),
        co2_kg_delta=figure(ev.co2_kg_delta), bypass_share=figure(bypass))


def _centres(snap: Snapshot, plan: _Plan, ev: ScenarioEvaluation, shares: NDArray,
             w: NDArray, current: list[int], fixed: list[int],
             norm: float | None, C: NDArray) -> list[ScenarioCentre]:
    out = []
    for j in plan.open:
        h = snap.hospitals[j]
        patients = float(ev.scenario_volume[j])
        mass = w * shares[:, j]
        mean_minutes = (float((mass * C[:, j]).sum() / mass.sum()) if mass.sum() > 0 else None)
        status = "outside" if j in fixed else "kept" if j in current else "new"
        meets = None if norm is None or status == "outside" else bool(patients >= norm - 1e-9)
        out.append(ScenarioCentre(
            hospital=h["id"], name=h["name"], region=h["region"], status=status,
            patients=figure(patients), baseline_patients=figure(ev.baseline_volume[j]),
            mean_minutes=figure(mean_minutes), meets_norm=meets))
    return out


def _result(snap: Snapshot, req: ScenarioCreate, scope: _Scope, rows: NDArray, plan: _Plan,
            ev: ScenarioEvaluation, ev_nearest: ScenarioEvaluation | None, w: NDArray,
            current: list[int], fixed: list[int], norm: float | None, shares: NDArray,
            bypass: float | None, demand_model: str, baseline_model: str,
            model_ref: ChoiceModelRef | None, notes: list[str]) -> ScenarioPublic:
    hids = snap.hospital_ids
    C = snap.minutes[rows]
    centres = _centres(snap, plan, ev, shares, w, current, fixed, norm, C)
    headline = _headline(plan, ev, w, centres, norm, bypass)
    headline_nearest = None
    if ev_nearest is not None:
        near_shares = _dense(plan.assignment)
        headline_nearest = _headline(
            plan, ev_nearest, w, _centres(snap, plan, ev_nearest, near_shares, w, current,
                                          fixed, norm, C), norm, 0.0)
    open_set = set(plan.open)
    closing = [ClosingCentre(hospital=hids[j], name=snap.hospitals[j]["name"],
                             baseline_patients=figure(ev.baseline_volume[j]))
               for j in current if j not in open_set and scope.inside[j]]
    area_ids = [snap.area_ids[i] for i in rows]
    outcomes = _outcomes(snap, req.care_type_id, ev, current, plan, fixed, scope, notes)
    main = np.argmax(shares, axis=1)
    has = shares.sum(axis=1) > 0
    return ScenarioPublic(
        id=uuid.uuid4().hex[:12],
        name=req.name or (f"{req.care_type_id}: {req.method} k={req.centres}"
                          + ("" if scope.national else f" ({', '.join(scope.regions)})")),
        care_type=req.care_type_id, care_types=req.care_types, method=req.method,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        parameters=req, min_volume=figure(norm),
        scope=ScenarioScope(national=scope.national,
                            regions=[] if scope.national else scope.regions,
                            cross_border=scope.cross_border,
                            outside_providers=[hids[j] for j in fixed]),
        allocation_model=req.allocation, demand_model=demand_model,
        baseline_model=baseline_model, choice_model=model_ref,
        headline=headline, headline_nearest=headline_nearest,
        baseline=_travel(ev.baseline), scenario=_travel(ev.scenario),
        centres=centres, closing=closing,
        regions_without_centre=[str(g) for g in ev.regions_without_centre],
        regions_losing_all_centres=[str(g) for g in ev.regions_losing_all_centres],
        by_region={str(g): RegionTravel(baseline=_travel(b), scenario=_travel(s))
                   for g, (b, s) in ev.by_region.items()},
        areas_worse=[area_ids[i] for i in ev.areas_worse],
        allocation={area_ids[i]: hids[int(main[i])] for i in range(len(area_ids)) if has[i]},
        area_minutes=AreaMinutes(
            areas=area_ids,
            baseline=[figure(x) for x in ev.area_minutes_baseline],
            scenario=[figure(x) for x in ev.area_minutes_scenario],
            demand=[figure(x) for x in w]),
        outcomes=outcomes, notes=notes)


def _outcomes(snap: Snapshot, care_type: str, ev: ScenarioEvaluation, current: list[int],
              plan: _Plan, fixed: list[int], scope: _Scope,
              notes: list[str]) -> list[ScenarioOutcome]:
    """Expected events of every sourced outcome table of the care type, baseline against
    scenario, over the centres open in either (outside providers of a regional scope are left
    out: only part of their volume is modelled here)."""
    tables = sorted((o, t) for (c, o), t in snap.outcome_tables.items() if c == care_type)
    if not tables:
        return []
    cols = sorted((set(current) | set(plan.open)
                   | set(np.flatnonzero(ev.baseline_volume > 0).tolist())) - set(fixed))
    if not scope.national:
        cols = [j for j in cols if scope.inside[j]]
        notes.append("expected outcomes: volumes count the scope's patients only")
    ids = [snap.hospital_ids[j] for j in cols]
    out = []
    for outcome, table in tables:
        res = expected_outcomes(table, ids, ev.baseline_volume[cols], ev.scenario_volume[cols])
        if res is None:
            continue
        out.append(ScenarioOutcome(
            outcome=outcome, baseline_events=figure(res.baseline_events),
            scenario_events=figure(res.scenario_events), delta_events=figure(res.delta_events),
            source=res.source, period=res.period, caveat=res.caveat,
            centres=[CentreOutcome(
                centre=c.centre, baseline_volume=figure(c.baseline_volume),
                scenario_volume=figure(c.scenario_volume), baseline_band=c.baseline_band,
                scenario_band=c.scenario_band, baseline_rate=figure(c.baseline_rate, 6),
                scenario_rate=figure(c.scenario_rate, 6),
                baseline_events=figure(c.baseline_events),
                scenario_events=figure(c.scenario_events), delta_events=figure(c.delta_events))
                for c in res.centres if c.baseline_volume > 0 or c.scenario_volume > 0]))
    return out

"""Linked plans: one set of open centres shared by several care types (``care_types``).

Each care type keeps its own demand, baseline, norm and allocation (computed exactly as a
single-type scenario does, :mod:`app.services.scenarios`); the centres are chosen together
by :func:`analysis.locate.linked_p_median` from the candidates common to the types, and the
objective is the (weighted) sum of their patient-minutes. The result is the ordinary
:class:`~app.schemas.ScenarioPublic`: its headline, centres, travel and allocation are for
all the plan's patients together, and ``linked`` holds the same figures per care type.

What a linked plan does not take (a 422 from :class:`~app.schemas.ScenarioCreate`): methods
other than ``p_median``, allocation ``choice`` and ``capacity``. With a regional scope and
``cross_border``, today's providers outside the scope are left out of the solve (they are
not the same hospitals for every type) and reached in the evaluation, as a single-type
scenario with a norm does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from analysis.choice import nearest_shares
from analysis.locate import InfeasibleScenario, NoSolutionInTime, linked_p_median
from analysis.scenario import CAR_CO2_KG_PER_KM, ScenarioEvaluation, evaluate_scenario
from app.errors import InvalidInput
from app.repository.snapshot import Snapshot
from app.schemas import ClosingCentre, ScenarioCreate, ScenarioPart, ScenarioPublic
from app.services.numbers import figure
from app.services.scenarios import (
    _centres,
    _current,
    _dense,
    _headline,
    _open_choices,
    _outcomes,
    _Plan,
    _result,
    _Scope,
    _scope,
    _travel,
    _validate,
    solve_budget,
)

__all__ = ["run_linked_scenario"]


@dataclass(frozen=True)
class _Type:
    """One care type of the plan: its inputs over the scope's areas."""

    id: str
    w: NDArray[np.float64]
    demand_model: str
    current: list[int]
    fixed: list[int]
    candidates: list[int]
    baseline: NDArray[np.float64]        # today's shares (n_scope x m)
    baseline_model: str
    norm: float | None                   # applied in the optimisation
    check_norm: float | None             # the centres are checked against this one


def _norms(snap: Snapshot, req: ScenarioCreate, notes: list[str]) -> list[float | None]:
    out: list[float | None] = []
    for t in req.linked_types:
        own = snap.care_types[t]["min_volume"]
        if req.apply_norm:
            if own is None:
                notes.append(f"{t}: has no minimum-volume norm; none applied")
            out.append(None if own is None else float(own))
        elif isinstance(req.min_volume, dict):
            out.append(req.min_volume.get(t))
        else:
            out.append(req.min_volume)
    return out


def _baseline(snap: Snapshot, care_type: str, rows: NDArray, w: NDArray, C: NDArray,
              current: list[int], notes: list[str]) -> tuple[NDArray, str]:
    """Today's shares: the observed flows where imported (areas without: nearest provider),
    else the nearest provider, as a single-type nearest-allocation scenario has them."""
    F = snap.flow_matrix(care_type)
    nearest_today = nearest_shares(C, current)
    if F is None:
        return nearest_today, "nearest provider today"
    Fr = F[rows]
    tot = Fr.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        A = np.where(tot > 0, Fr / np.where(tot > 0, tot, 1.0), 0.0)
    missing = (tot.ravel() <= 0) & (w > 0)
    if missing.any():
        A[missing] = nearest_today[missing]
        notes.append(f"{care_type}: {int(missing.sum())} area(s) with demand but no observed "
                     "flows: their baseline is the nearest provider today")
    return A, "observed flows (flows.csv)"


def _inputs(snap: Snapshot, req: ScenarioCreate, scope: _Scope, C: NDArray,
            notes: list[str]) -> list[_Type]:
    norms = _norms(snap, req, notes)
    out = []
    for t, norm in zip(req.linked_types, norms, strict=True):
        w_all, demand_model = snap.demand_for(t)
        w = w_all[scope.rows]
        current = _current(snap, t, snap.flow_matrix(t))
        keep, close, fixed, candidates = _open_choices(snap, req, scope, current)
        A_b, baseline_model = _baseline(snap, t, scope.rows, w, C, current, notes)
        own = snap.care_types[t]["min_volume"]
        out.append(_Type(t, w, str(demand_model), current, fixed,
                         sorted(set(candidates) - set(close)), A_b, baseline_model,
                         norm, norm if norm is not None else own))
    return out


def _common(req: ScenarioCreate, types: list[_Type], scope: _Scope) -> list[int]:
    """The candidates every type may open; a 422 with the numbers when there are none or
    fewer than k."""
    common = set(types[0].candidates)
    for ty in types[1:]:
        common &= set(ty.candidates)
    sizes = ", ".join(f"{ty.id} {len(ty.candidates)}" for ty in types)
    where = "" if scope.national else f" in the scope ({', '.join(scope.regions)})"
    if not common:
        raise InvalidInput(f"care_types: no candidate hospital in common{where} (candidates: "
                           f"{sizes}; in common: 0); give candidates or candidate_set 'all'",
                           errors=[{"field": "care_types"}])
    k = req.centres or 0
    if k > len(common):
        raise InvalidInput(f"centres: k={k} is outside 1..{len(common)}, the number of "
                           f"candidate hospitals common to the care types{where} "
                           f"(candidates: {sizes})", errors=[{"field": "centres"}])
    return sorted(common)


def _named(message: str, types: list[_Type]) -> str:
    """The analysis' ``care type 1: ...`` with the care type's id."""
    for i, ty in enumerate(types):
        message = message.replace(f"care type {i}:", f"{ty.id}:")
    return message


def _bypass(w: NDArray, shares: NDArray, nearest_open: NDArray) -> float | None:
    served = float((w * shares.sum(axis=1)).sum())
    return (1.0 - float((w[:, None] * shares * nearest_open).sum()) / served
            if served > 0 else None)


def run_linked_scenario(snap: Snapshot, req: ScenarioCreate, *,
                        deadline: float | None = None) -> ScenarioPublic:
    """Compute a linked plan (``req.care_types``); returns the full typed result.

    ``deadline`` as in :func:`app.services.scenarios.run_scenario`.
    """
    _validate(snap, req)
    notes: list[str] = []
    scope = _scope(snap, req)
    rows = scope.rows
    C = snap.minutes[rows]
    types = _inputs(snap, req, scope, C, notes)
    common = _common(req, types, scope)
    index = snap.hospital_index
    keep = sorted(index[h] for h in req.keep)
    close = sorted(index[h] for h in req.close)
    closed_scope = not scope.cross_border and not scope.national
    C_alloc = np.where(scope.inside[None, :], C, np.inf) if closed_scope else C
    weights = list(req.weights) if req.weights is not None else [1.0] * len(types)
    started = time.perf_counter()
    try:
        res = linked_p_median(
            C_alloc, np.vstack([ty.w for ty in types]), k=req.centres or 0, weights=weights,
            min_volume=[ty.norm for ty in types], keep=keep, close=close,
            candidates=[common] * len(types), solver=req.solver,
            time_limit=solve_budget(req.time_limit, deadline), seed=0)
    except InfeasibleScenario as e:
        raise InvalidInput(f"infeasible scenario: {_named(str(e), types)}") from e
    except NoSolutionInTime as e:  # quote the request's limit, not the solver's share of it
        raise NoSolutionInTime(req.time_limit, e.what) from e
    runtime = time.perf_counter() - started
    notes += [_named(w, types) for w in res.warnings]
    if any(ty.fixed for ty in types):
        notes.append("cross_border: the shared centres are chosen among the scope's common "
                     "candidates; today's providers outside the scope stay open for their own "
                     "care type in the evaluation (nearest open centre)")

    hospital_region = np.array([h["region"] for h in snap.hospitals], dtype=object)
    area_region = np.array(snap.area_region, dtype=object)[rows]

    def evaluate(w: NDArray, allocation: Any, current: list[int], baseline: NDArray,
                 norm: float | None) -> ScenarioEvaluation:
        return evaluate_scenario(C, w, allocation, current=current, baseline=baseline,
                                 distance_km=snap.distance_km[rows], area_region=area_region,
                                 hospital_region=hospital_region, radius=req.minutes,
                                 worse_threshold=req.worse_threshold, min_volume=norm)

    parts: list[ScenarioPart] = []
    all_outcomes = []
    shares_all: list[NDArray] = []
    for ty, part, weight in zip(types, res.parts, weights, strict=True):
        open_t = sorted(set(res.open) | set(ty.fixed))
        A = (part.assignment if not ty.fixed
             else sparse.csr_array(nearest_shares(C, open_t)))
        plan = _Plan(tuple(open_t), A, part.objective, res.bound, res.gap, res.status,
                     res.solver, runtime, ())
        ev = evaluate(ty.w, A, ty.current, ty.baseline, ty.check_norm)
        shares = _dense(A)
        shares_all.append(shares)
        centres = _centres(snap, plan, ev, shares, ty.w, ty.current, ty.fixed, ty.check_norm,
                           C)
        headline = _headline(plan, ev, ty.w, centres, ty.check_norm,
                             _bypass(ty.w, shares, nearest_shares(C_alloc, open_t)))
        headline = headline.model_copy(update={"objective": figure(part.objective),
                                               "bound": None, "gap": None})
        open_set = set(open_t)
        closing = _closing(snap, ty.current, open_set, scope, ev)
        outcomes = _outcomes(snap, ty.id, ev, ty.current, plan, ty.fixed, scope, notes)
        outcomes = [o.model_copy(update={"care_type": ty.id}) for o in outcomes]
        all_outcomes += outcomes
        parts.append(ScenarioPart(
            care_type=ty.id, weight=weight, min_volume=figure(ty.norm),
            norm=figure(ty.check_norm), objective=figure(part.objective),
            demand_model=ty.demand_model, baseline_model=ty.baseline_model,
            headline=headline, baseline=_travel(ev.baseline), scenario=_travel(ev.scenario),
            centres=centres, closing=closing,
            regions_without_centre=[str(g) for g in ev.regions_without_centre],
            outcomes=outcomes))

    # together: every patient of every type (unweighted), shares mixed by demand
    w_tot = np.sum([ty.w for ty in types], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(w_tot > 0, 1.0 / np.where(w_tot > 0, w_tot, 1.0), 0.0)
        mix = sum(ty.w[:, None] * s for ty, s in zip(types, shares_all, strict=True))
        base = sum(ty.w[:, None] * ty.baseline for ty in types)
    shares_tot = np.asarray(mix) * inv[:, None]
    baseline_tot = np.asarray(base) * inv[:, None]
    current_tot = sorted(set().union(*(ty.current for ty in types)))
    fixed_tot = sorted(set().union(*(ty.fixed for ty in types)))
    open_tot = tuple(sorted(set(res.open) | set(fixed_tot)))
    plan_tot = _Plan(open_tot, sparse.csr_array(shares_tot), res.objective, res.bound,
                     res.gap, res.status, res.solver, runtime, ())
    ev_tot = evaluate(w_tot, shares_tot, current_tot, baseline_tot, None)
    notes += [
        "linked plan: " + ", ".join(
            f"{ty.id} (weight {w:g}, norm {'none' if ty.norm is None else f'{ty.norm:g}'})"
            for ty, w in zip(types, weights, strict=True))
        + f"; objective = sum of weight x patient-minutes ({res.formulation})",
        "together: the headline, centres, travel and allocation count every patient of every "
        "care type once (unweighted); per care type in 'linked'",
        "demand: " + "; ".join(f"{ty.id}: {ty.demand_model}" for ty in types),
        "baseline: " + "; ".join(f"{ty.id}: {ty.baseline_model}" for ty in types),
        f"travel: {snap.travel_source}", f"patient-km: {snap.distance_source}",
        f"CO2: patient-km x {CAR_CO2_KG_PER_KM} kg/km (see analysis.scenario)"]
    if not scope.national:
        notes.append(f"scope: patients resident in {', '.join(scope.regions)}"
                     + ("; today's providers outside it stay open and reachable"
                        if scope.cross_border else "; closed: no patient leaves the scope"))
    out = _result(snap, req, scope, rows, plan_tot, ev_tot, None, w_tot, current_tot,
                  fixed_tot, None, shares_tot,
                  _bypass(w_tot, shares_tot, nearest_shares(C_alloc, list(open_tot))),
                  "per care type", "per care type", None, notes)
    # a shared centre meets the norms when it meets every type's norm that applies
    below: dict[str, bool | None] = {}
    for p in parts:
        for c in p.centres:
            if c.meets_norm is not None:
                below[c.hospital] = bool(below.get(c.hospital)) or not c.meets_norm
    centres = [c.model_copy(update={"meets_norm": (None if c.hospital not in below
                                                   else not below[c.hospital])})
               for c in out.centres]
    headline = out.headline.model_copy(update={
        "centres_below_norm": (None if not below else sum(below.values()))})
    return out.model_copy(update={
        "care_types": list(req.linked_types), "centres": centres, "headline": headline,
        "linked": parts, "outcomes": all_outcomes, "demand_model": "per care type (linked)",
        "baseline_model": "per care type (linked)"})


def _closing(snap: Snapshot, current: list[int], open_set: set[int], scope: _Scope,
             ev: ScenarioEvaluation) -> list[ClosingCentre]:
    return [ClosingCentre(hospital=snap.hospital_ids[j], name=snap.hospitals[j]["name"],
                          baseline_patients=figure(ev.baseline_volume[j]))
            for j in current if j not in open_set and scope.inside[j]]

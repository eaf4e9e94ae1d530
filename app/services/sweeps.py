"""Trade-off sweeps: one scenario per (k, norm), run on an executor, summed up in one result.

Each combination is a :class:`~app.schemas.ScenarioCreate` computed by
:func:`app.services.scenarios.run_scenario` (pure given the snapshot), so a sweep's run and the
same scenario posted alone give the same centres and figures. A combination that is infeasible
(e.g. k centres cannot all reach the norm) is a row with ``feasible: false`` and the reason,
not a failed sweep.

Pareto-efficient plans (:func:`analysis.tradeoff.pareto_efficient`) minimise mean patient
travel and the expected events per year of the sweep's outcome (from the care type's sourced
volume -> outcome table). A care type without such a table has no expected events (they are
never invented): its second criterion is then the number of centres below the norm, where
every feasible plan has that figure (the care type has a norm, or every run has one), else
travel alone. ``pareto_criteria`` in the result says which.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from analysis.tradeoff import pareto_efficient, provider_losses
from app.errors import InvalidInput
from app.executors import Executor
from app.repository.snapshot import Snapshot
from app.schemas import (
    ScenarioCreate,
    SweepBaseline,
    SweepCreate,
    SweepLoss,
    SweepPlanRef,
    SweepPublic,
    SweepRun,
)
from app.services.csv_export import to_csv
from app.services.numbers import figure
from app.services.scenarios import run_scenario, scenario_candidates
from app.vocabulary import ParetoCriterion

__all__ = ["COMBINATION_COLUMNS", "SweepPlan", "combinations_csv", "losses_csv",
           "plan_label", "plan_sweep", "run_combination", "run_sweep"]


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the scenario requests to run, in the order of the result."""

    request: SweepCreate
    scenarios: list[ScenarioCreate]
    today: list[str]          # today's providers in the scope
    candidates: int
    outcome: str | None       # the outcome of expected_events, None without a table
    notes: list[str] = field(default_factory=list)


def _scenario(req: SweepCreate, k: int, norm: float | None) -> ScenarioCreate:
    return ScenarioCreate(
        name=f"{req.name or req.care_type}: k={k}, {plan_label(k, norm)}",
        care_type=req.care_type, method=req.method, centres=k, minutes=req.minutes,
        keep=req.keep, close=req.close, candidates=req.candidates,
        candidate_set=req.candidate_set, min_volume=norm, solver=req.solver,
        time_limit=req.time_limit, regions=req.regions, cross_border=req.cross_border,
        allocation=req.allocation, choice_model=req.choice_model)


def plan_label(k: int, norm: float | None) -> str:
    """``"k=5 norm=20"`` / ``"k=5 no norm"``: a plan's name in tables and charts."""
    return f"k={k} " + ("no norm" if norm is None else f"norm={norm:g}")


def plan_sweep(snap: Snapshot, req: SweepCreate, *, max_combinations: int) -> SweepPlan:
    """Check a sweep against its bound and the graph; raise :class:`InvalidInput` (422) with
    the numbers when it is too large, names unknown ids or asks for more centres than there
    are candidates."""
    n = req.combinations
    if n > max_combinations:
        raise InvalidInput(
            f"the sweep has {n} combinations ({len(req.ks)} values of k x {len(req.norms)} "
            f"norm(s)); at most {max_combinations} are allowed: narrow k_min..k_max, raise "
            "k_step or give fewer norms",
            errors=[{"field": "k_max", "combinations": n, "max_combinations": max_combinations}])
    first = _scenario(req, req.k_min, req.norms[0])
    candidates, today = scenario_candidates(snap, first)  # unknown ids: InvalidInput
    if req.k_max > len(candidates):
        field_name = "k_min" if req.k_min > len(candidates) else "k_max"
        raise InvalidInput(
            f"{field_name}: k {req.k_min}..{req.k_max} is outside 1..{len(candidates)}, the "
            f"number of candidate hospitals for {req.care_type} in the scope "
            f"(candidate_set {req.candidate_set!r}); lower k or widen the candidates",
            errors=[{"field": field_name, "k_min": req.k_min, "k_max": req.k_max,
                     "candidates": len(candidates)}])
    tables = sorted(o for (c, o) in snap.outcome_tables if c == req.care_type)
    notes: list[str] = []
    if req.outcome is not None and req.outcome not in tables:
        raise InvalidInput(
            f"outcome: {req.care_type} has no outcome table {req.outcome!r} (has: "
            f"{', '.join(tables) or 'none'})", errors=[{"field": "outcome", "unknown":
                                                         [req.outcome]}])
    outcome = req.outcome or (tables[0] if tables else None)
    if outcome is None:
        notes.append(f"{req.care_type} has no sourced volume -> outcome table: expected "
                     "events are not reported (unknown, not zero)")
    scenarios = [_scenario(req, k, norm) for norm in req.norms for k in req.ks]
    return SweepPlan(req, scenarios, today, len(candidates), outcome, notes)


@dataclass(frozen=True)
class CombinationResult:
    """What a worker sends back: the run's row and today's figures (the same in every run)."""

    run: SweepRun
    baseline: dict[str, Any] | None


def run_combination(snap: Snapshot, req: ScenarioCreate) -> CombinationResult:
    """One combination (module level: the executors pickle it by reference)."""
    assert req.centres is not None and not isinstance(req.min_volume, dict)  # one type
    try:
        s = run_scenario(snap, req)
    except InvalidInput as e:
        return CombinationResult(SweepRun(k=req.centres, norm=req.min_volume, feasible=False,
                                          error=str(e)), None)
    h = s.headline
    run = SweepRun(
        k=req.centres, norm=req.min_volume, feasible=True, status=h.status, solver=h.solver,
        gap=h.gap, runtime_s=h.runtime_s, objective=h.objective, mean_minutes=h.mean_minutes,
        mean_delta=h.mean_delta, p90_minutes=h.p90_minutes, share_within=h.share_within,
        centres_below_norm=h.centres_below_norm,
        regions_without_centre=h.regions_without_centre, patient_km=h.patient_km,
        co2_kg=h.co2_kg, co2_kg_delta=h.co2_kg_delta,
        outcomes={o.outcome: o.scenario_events for o in s.outcomes},
        centres=sorted(c.hospital for c in s.centres if c.status != "outside"),
        closing=sorted(c.hospital for c in s.closing))
    volumes = {c.hospital: c.baseline_patients for c in s.centres}
    volumes.update({c.hospital: c.baseline_patients for c in s.closing})
    baseline = {"mean_minutes": h.mean_minutes_baseline, "p90_minutes": s.baseline.p90,
                "share_within": h.share_within_baseline, "co2_kg": h.co2_kg_baseline,
                "events": {o.outcome: o.baseline_events for o in s.outcomes},
                "sources": {o.outcome: (o.source, o.period, o.caveat) for o in s.outcomes},
                "volumes": volumes, "notes": [n for n in s.notes if not n.startswith(
                    ("no set of", "infeasible"))]}
    return CombinationResult(run, baseline)


def _criteria(runs: list[SweepRun], outcome: str | None) -> list[ParetoCriterion]:
    travel = ParetoCriterion.MEAN_MINUTES
    if outcome is not None:
        return [travel, ParetoCriterion.EXPECTED_EVENTS]
    feasible = [r for r in runs if r.feasible]
    if feasible and all(r.centres_below_norm is not None for r in feasible):
        return [travel, ParetoCriterion.CENTRES_BELOW_NORM]
    return [travel]


def run_sweep(snap: Snapshot, plan: SweepPlan, executor: Executor, *, timeout: float,
              on_result: Callable[[int, Any], None] | None = None) -> SweepPublic:
    """Run every combination of ``plan`` on ``executor`` and sum them up."""
    req = plan.request
    # the matrices every run needs, computed once here rather than in every worker
    _ = snap.minutes, snap.distance_km, snap.hospital_index, snap.area_index
    started = time.monotonic()
    results = executor.run(run_combination, snap, plan.scenarios, timeout=timeout,
                           on_result=on_result)
    wall = time.monotonic() - started
    runs = [r.run for r in results]
    baseline = next((r.baseline for r in results if r.baseline is not None), None)
    outcome = plan.outcome
    base_events = None
    if baseline is not None and outcome is not None:
        base_events = baseline["events"].get(outcome)
    for r in runs:
        if r.feasible and outcome is not None:
            r.expected_events = r.outcomes.get(outcome)
            if r.expected_events is not None and base_events is not None:
                r.events_avoided = figure(base_events - r.expected_events)
    criteria = _criteria(runs, outcome)

    def cost(r: SweepRun, name: str) -> float:
        v = getattr(r, name) if r.feasible else None
        return math.nan if v is None else float(v)

    front = pareto_efficient(np.array([[cost(r, c) for c in criteria] for r in runs],
                                      dtype=float).reshape(len(runs), len(criteria)))
    for r, efficient in zip(runs, front, strict=True):
        r.pareto = bool(efficient)

    volumes = baseline["volumes"] if baseline else {}
    lost = provider_losses(plan.today, [r.centres if r.feasible else None for r in runs])
    hospitals = {h["id"]: h for h in snap.hospitals}
    losses = [SweepLoss(hospital=h, name=hospitals[h]["name"], region=hospitals[h]["region"],
                        baseline_patients=volumes.get(h),
                        loses_in=[SweepPlanRef(k=runs[i].k, norm=runs[i].norm) for i in idx],
                        keeps_in_all=not idx)
              for h, idx in lost.items()]
    losses.sort(key=lambda x: (-len(x.loses_in), x.hospital))

    notes = list(plan.notes)
    if ParetoCriterion.CENTRES_BELOW_NORM in criteria:
        notes.append("Pareto front: less mean travel and fewer centres below the norm (no "
                     "outcome table for this care type)")
    elif len(criteria) == 1:
        notes.append("Pareto front: mean travel alone (no outcome table, and centres below "
                     "the norm are not defined for every plan)")
    source = caveat = None
    if baseline is not None:
        notes.extend(baseline["notes"])
        if outcome is not None and outcome in baseline["sources"]:
            src, period, caveat = baseline["sources"][outcome]
            source = f"{src} ({period})"
    infeasible = sum(1 for r in runs if not r.feasible)
    if infeasible:
        notes.append(f"{infeasible} of {len(runs)} combination(s) infeasible: see their error")
    return SweepPublic(
        id=uuid.uuid4().hex[:12],
        name=req.name or (f"{req.care_type}: {req.method} k={req.k_min}..{req.k_max}"
                          f" x {len(req.norms)} norm(s)"),
        care_type=req.care_type, method=req.method,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"), parameters=req,
        combinations=len(runs), executor=executor.description, wall_s=figure(wall),
        outcome=outcome, outcome_source=source, outcome_caveat=caveat,
        pareto_criteria=[str(c) for c in criteria],
        baseline=SweepBaseline(
            **{f: (baseline or {}).get(f) for f in ("mean_minutes", "p90_minutes",
                                                    "share_within", "co2_kg")},
            expected_events=base_events, providers=len(plan.today)),
        runs=runs, losses=losses, notes=notes)


# --------------------------------------------------------------------------- CSV
COMBINATION_COLUMNS = (
    "k", "norm", "feasible", "pareto", "mean_minutes", "mean_delta", "p90_minutes",
    "share_within", "centres_below_norm", "regions_without_centre", "patient_km", "co2_kg",
    "co2_kg_delta", "expected_events", "events_avoided", "status", "solver", "gap",
    "runtime_s", "centres", "closing", "error")


def combinations_csv(s: SweepPublic) -> str:
    """One row per combination; ``closing`` lists the hospitals that lose the care type."""
    rows = []
    for r in s.runs:
        row = r.model_dump()
        row["centres"] = ";".join(r.centres)
        row["closing"] = ";".join(r.closing)
        rows.append(row)
    return to_csv(rows, COMBINATION_COLUMNS)


def losses_csv(s: SweepPublic) -> str:
    """One row per provider of today, one column per plan: ``loses``, ``keeps``, or empty
    where the plan is infeasible."""
    labels = [plan_label(r.k, r.norm) for r in s.runs]
    rows = []
    for loss in s.losses:
        lost = {(p.k, p.norm) for p in loss.loses_in}
        row: dict[str, Any] = {"hospital": loss.hospital, "name": loss.name,
                               "region": loss.region,
                               "baseline_patients": loss.baseline_patients}
        for r, label in zip(s.runs, labels, strict=True):
            row[label] = ("" if not r.feasible else
                          "loses" if (r.k, r.norm) in lost else "keeps")
        rows.append(row)
    return to_csv(rows, ["hospital", "name", "region", "baseline_patients", *labels])

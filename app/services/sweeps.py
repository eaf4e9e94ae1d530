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

Centres below the norm are counted against one volume for every plan of a sweep, whatever
the plan's own norm (:func:`reference_norms`): per care type the strictest of the sweep's
norms and the type's own norm (``norm_references``; one type: also ``norm_reference``).
Counted against its own norm, a "no norm" plan would be measured against the type's norm
and a plan under a stricter norm against that one (which it meets by construction): two
scales, compared as one by the Pareto marks. A linked plan's ``centres_below_norm`` is the
number of its shared centres below the volume of at least one of its types (a centre counts
once), with the count per type in ``centres_below_norm_by_type``.

A sweep over a linked set (``care_types``) runs a linked plan per combination
(:mod:`app.services.linked`), a norm applying to every type of the set. Its headline figures
are the plan's totals (every patient of every type); its expected events are summed over
the types that have a table for the sweep's outcome (``outcome_types``; the others are named
in the notes: their events are unknown, not zero), with the figures per type in
``events_by_type``. Today's providers (the loss table) are the providers of any of the types.

Expected events avoided can be 0 because nothing changes, not because nothing was computed:
when every provider today and every centre of a plan lie in one volume band of the table
(``event_bands``), every patient has the same rate before and after, so the plan's events
equal today's whatever its centres. ``events_note`` (also in the notes) says so, with the band
and its rate, and names the types' other tables, so that a 0 never reads like a finding.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from analysis.tradeoff import pareto_efficient, provider_losses
from app.errors import InvalidInput
from app.executors import Executor
from app.repository.snapshot import Snapshot
from app.schemas import (
    RUN_FIGURES,
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

__all__ = ["COMBINATION_COLUMNS", "SweepPlan", "below_label", "combinations_csv", "losses_csv",
           "one_band", "plan_label", "plan_sweep", "reference_norm", "reference_norms",
           "reference_volumes", "run_combination", "run_sweep"]


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the scenario requests to run, in the order of the result."""

    request: SweepCreate
    scenarios: list[ScenarioCreate]
    today: list[str]          # today's providers in the scope
    candidates: int
    outcome: str | None       # the outcome of expected_events, None without a table
    notes: list[str] = field(default_factory=list)
    outcome_types: list[str] | None = None  # a linked set: the types with that table


def _scenario(req: SweepCreate, k: int, norm: float | None) -> ScenarioCreate:
    return ScenarioCreate(
        name=f"{req.name or req.care_type_id}: k={k}, {plan_label(k, norm)}",
        care_type=req.care_type, care_types=req.care_types, weights=req.weights,
        method=req.method, centres=k, minutes=req.minutes,
        keep=req.keep, close=req.close, candidates=req.candidates,
        candidate_set=req.candidate_set, min_volume=norm, solver=req.solver,
        time_limit=req.time_limit, regions=req.regions, cross_border=req.cross_border,
        allocation=req.allocation, choice_model=req.choice_model)


def plan_label(k: int, norm: float | None) -> str:
    """``"k=5 norm=20"`` / ``"k=5 no norm"``: a plan's name in tables and charts."""
    return f"k={k} " + ("no norm" if norm is None else f"norm={norm:g}")


def plan_sweep(snap: Snapshot, req: SweepCreate, *, max_combinations: int) -> SweepPlan:
    """Check a sweep against its bound and the graph; raise :class:`InvalidInput` (422) with
    the numbers when it is too large, names unknown ids, asks for more centres than there
    are candidates (for a linked set: candidates common to its types, none in common a
    422 of its own) or an outcome none of its care types has."""
    n = req.combinations
    if n > max_combinations:
        raise InvalidInput(
            f"the sweep has {n} combinations ({len(req.ks)} values of k x {len(req.norms)} "
            f"norm(s)); at most {max_combinations} are allowed: narrow k_min..k_max, raise "
            "k_step or give fewer norms",
            errors=[{"field": "k_max", "combinations": n, "max_combinations": max_combinations}])
    first = _scenario(req, req.k_min, req.norms[0])
    candidates, today = scenario_candidates(snap, first)  # unknown ids: InvalidInput
    linked = req.care_types is not None
    where = "" if req.regions is None else f" in the scope ({', '.join(req.regions)})"
    sizes = ""
    if linked:
        per_type = {t: len(scenario_candidates(snap, first.model_copy(update={
            "care_type": t, "care_types": None, "weights": None}))[0])
            for t in req.linked_types}
        sizes = ", ".join(f"{t} {c}" for t, c in per_type.items())
        if not candidates:
            raise InvalidInput(
                f"care_types: no candidate hospital in common{where} (candidates: {sizes}; "
                "in common: 0); give candidates or candidate_set 'all'",
                errors=[{"field": "care_types", "candidates": per_type, "common": 0}])
    if req.k_max > len(candidates):
        field_name = "k_min" if req.k_min > len(candidates) else "k_max"
        what = (f"common to the care types {req.care_type_id}{where} (candidates: {sizes})"
                if linked else f"for {req.care_type} in the scope")
        raise InvalidInput(
            f"{field_name}: k {req.k_min}..{req.k_max} is outside 1..{len(candidates)}, the "
            f"number of candidate hospitals {what} (candidate_set {req.candidate_set!r}); "
            "lower k or widen the candidates",
            errors=[{"field": field_name, "k_min": req.k_min, "k_max": req.k_max,
                     "candidates": len(candidates)}])
    tables = {t: sorted(o for (c, o) in snap.outcome_tables if c == t)
              for t in req.linked_types}
    notes: list[str] = []
    known = sorted({o for ts in tables.values() for o in ts})
    if req.outcome is not None and req.outcome not in known:
        has = "; ".join(f"{t}: {', '.join(ts) or 'none'}" for t, ts in tables.items())
        raise InvalidInput(
            f"outcome: {req.care_type_id} has no outcome table {req.outcome!r} (has: "
            + (has if linked else ', '.join(known) or 'none') + ")",
            errors=[{"field": "outcome", "unknown": [req.outcome]}])
    # default: the outcome most of the types have (one type: its first table)
    outcome = req.outcome or next(iter(sorted(known, key=lambda o: (
        -sum(o in ts for ts in tables.values()), o))), None)
    if outcome is None:
        notes.append(f"{req.care_type_id} has no sourced volume -> outcome table: expected "
                     "events are not reported (unknown, not zero)")
    outcome_types = [t for t, ts in tables.items() if outcome in ts]
    if linked and outcome is not None:
        missing = [t for t in req.linked_types if t not in outcome_types]
        notes.append(f"expected {outcome}: summed over {', '.join(outcome_types)}"
                     + (f"; {', '.join(missing)} ha{'s' if len(missing) == 1 else 've'} no "
                        f"sourced {outcome} table: not counted (unknown, not zero)"
                        if missing else ""))
    scenarios = [_scenario(req, k, norm) for norm in req.norms for k in req.ks]
    return SweepPlan(req, scenarios, today, len(candidates), outcome, notes,
                     outcome_types if linked else None)


@dataclass(frozen=True)
class CombinationResult:
    """What a worker sends back: the run's row and today's figures (the same in every run)."""

    run: SweepRun
    baseline: dict[str, Any] | None
    events_by_type: dict[str, dict[str, float | None]] = field(default_factory=dict)
    bands: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # care type -> in-scope centre -> its patients of that type (one type: keyed by its id)
    centre_patients: dict[str, dict[str, float | None]] = field(default_factory=dict)


def _summed(outcomes: list[Any], value: str) -> dict[str, float | None]:
    """outcome -> the sum of ``value`` over the care types with its table (None when one of
    them has none)."""
    out: dict[str, float | None] = {}
    for o in outcomes:
        v = getattr(o, value)
        if o.outcome not in out:
            out[o.outcome] = v
        else:
            prev = out[o.outcome]
            out[o.outcome] = None if v is None or prev is None else figure(prev + v)
    return out


def _by_type(outcomes: list[Any], value: str) -> dict[str, dict[str, float | None]]:
    """outcome -> care type -> ``value`` (a linked plan's outcomes carry their care type)."""
    out: dict[str, dict[str, float | None]] = {}
    for o in outcomes:
        if o.care_type is not None:
            out.setdefault(o.outcome, {})[o.care_type] = getattr(o, value)
    return out


def _band_start(label: str) -> int:
    """The lower edge of a band label (``'5-10'``, ``'20+'``)."""
    return int(label.split("-")[0].rstrip("+"))


def _bands(outcomes: list[Any], side: str, care_type: str) -> dict[str, dict[str, list[str]]]:
    """outcome -> care type -> the bands that the centres with patients fall in on ``side``
    (``baseline`` or ``scenario``), lowest first (one type: keyed by ``care_type``)."""
    out: dict[str, dict[str, list[str]]] = {}
    for o in outcomes:
        found = {getattr(c, f"{side}_band") for c in o.centres
                 if (getattr(c, f"{side}_volume") or 0.0) > 0.0}
        out.setdefault(o.outcome, {})[o.care_type or care_type] = sorted(found, key=_band_start)
    return out


def one_band(baseline: Mapping[str, Sequence[str]] | None,
             plan: Mapping[str, Sequence[str]] | None) -> bool:
    """Whether, for every care type, today's providers and a plan's centres all lie in one and
    the same volume band: one rate for every patient before and after, so the plan's expected
    events are today's whatever its centres (0 avoided by construction).

    >>> one_band({"x": ["20+"]}, {"x": ["20+"]}), one_band({"x": ["5-10", "20+"]}, {"x": ["20+"]})
    (True, False)
    >>> one_band({"x": ["20+"], "y": ["0-4"]}, {"x": ["20+"], "y": ["5-10"]}), one_band(None, {})
    (False, False)
    """
    if not baseline or not plan:
        return False
    return all(len(set(baseline.get(t, ())) | set(plan.get(t, ()))) == 1
               for t in set(baseline) | set(plan))


def run_combination(snap: Snapshot, req: ScenarioCreate) -> CombinationResult:
    """One combination (module level: the executors pickle it by reference)."""
    assert req.centres is not None and not isinstance(req.min_volume, dict)  # one number
    try:
        s = run_scenario(snap, req)
    except InvalidInput as e:
        return CombinationResult(SweepRun(k=req.centres, norm=req.min_volume, feasible=False,
                                          error=str(e)), None)
    h = s.headline
    run = SweepRun(
        k=req.centres, norm=req.min_volume, feasible=True,
        **h.model_dump(include=set(RUN_FIGURES)),
        outcomes=_summed(s.outcomes, "scenario_events"),
        centres=sorted(c.hospital for c in s.centres if c.status != "outside"),
        closing=sorted(c.hospital for c in s.closing))
    volumes = {c.hospital: c.baseline_patients for c in s.centres}
    volumes.update({c.hospital: c.baseline_patients for c in s.closing})
    sources: dict[str, list[tuple[str | None, str, str, str]]] = {}
    for o in s.outcomes:
        sources.setdefault(o.outcome, []).append((o.care_type, o.source, o.period, o.caveat))
    baseline = {"mean_minutes": h.mean_minutes_baseline, "p90_minutes": s.baseline.p90,
                "share_within": h.share_within_baseline, "co2_kg": h.co2_kg_baseline,
                "events": _summed(s.outcomes, "baseline_events"),
                "events_by_type": _by_type(s.outcomes, "baseline_events"),
                "bands": _bands(s.outcomes, "baseline", req.care_type_id),
                "sources": sources, "volumes": volumes, "notes": [n for n in s.notes if not
                                                                  n.startswith(("no set of",
                                                                                "infeasible"))]}
    parts = ([(p.care_type, p.centres) for p in s.linked] if s.linked
             else [(req.care_type_id, s.centres)])
    patients = {t: {c.hospital: c.patients for c in centres if c.status != "outside"}
                for t, centres in parts}
    return CombinationResult(run, baseline, _by_type(s.outcomes, "scenario_events"),
                             _bands(s.outcomes, "scenario", req.care_type_id), patients)


def reference_norm(snap: Snapshot, req: SweepCreate) -> float | None:
    """The one volume a single-type sweep counts every plan's centres below: the strictest of
    the sweep's norms and the care type's own norm (None when there is none at all, and for
    a linked set, which has one per type: :func:`reference_norms`).

    Each plan counted against its own norm would put "no norm" plans (counted against the
    care type's norm) and plans under a stricter norm (which meet it by construction) on two
    different scales, and the Pareto marks would compare them as one."""
    if req.care_types is not None:
        return None  # a linked set: one volume per type, reference_norms
    return reference_norms(snap, req)[req.care_type_id]


def reference_norms(snap: Snapshot, req: SweepCreate) -> dict[str, float | None]:
    """Care type -> the one volume every plan's centres are counted below for that type: the
    strictest of the sweep's norms and the type's own norm (None: neither exists).

    A sweep's norm applies to every type of a linked set, so each type's yardstick is the
    largest of the sweep's norms and its own; one type: ``{care_type: reference_norm}``.

    >>> from types import SimpleNamespace as NS
    >>> snap = NS(care_types={"a": {"min_volume": 20}, "b": {"min_volume": None}})
    >>> reference_norms(snap, NS(linked_types=["a", "b"], norms=[None]))
    {'a': 20.0, 'b': None}
    >>> reference_norms(snap, NS(linked_types=["a", "b"], norms=[None, 10, 40]))
    {'a': 40.0, 'b': 40.0}
    """
    given = [float(n) for n in req.norms if n is not None]
    out: dict[str, float | None] = {}
    for t in req.linked_types:
        own = snap.care_types[t]["min_volume"]
        norms = given + ([] if own is None else [float(own)])
        out[t] = max(norms) if norms else None
    return out


def _below(patients: Mapping[str, Mapping[str, float | None]],
           references: Mapping[str, float | None]) -> tuple[int, dict[str, int]]:
    """The centres below their reference volume: how many centres are below it for at least
    one care type (a shared centre counted once), and how many per care type (the types
    with a reference only).

    >>> _below({"a": {"x": 12.0, "y": 30.0}, "b": {"x": 5.0, "y": 19.0}},
    ...        {"a": 20.0, "b": 20.0})
    (2, {'a': 1, 'b': 2})
    >>> _below({"a": {"x": 12.0}, "b": {"x": 5.0}}, {"a": 10.0, "b": None})
    (0, {'a': 0})
    """
    below: set[str] = set()
    by_type: dict[str, int] = {}
    for t, ref in references.items():
        if ref is None:
            continue
        under = {h for h, p in patients.get(t, {}).items()
                 if p is not None and p < ref - 1e-9}
        by_type[t] = len(under)
        below |= under
    return len(below), by_type


def reference_volumes(s: SweepPublic | Mapping[str, float | None]) -> str:
    """A sweep's reference volumes by care type (its ``norm_references`` or the mapping
    given), ``"oesophagectomy 40, gastrectomy 40"``: the types with one, empty when none has.
    """
    refs = s if isinstance(s, Mapping) else (s.norm_references or {})
    return ", ".join(f"{t} {v:g}" for t, v in refs.items() if v is not None)


def below_label(s: SweepPublic) -> str:
    """What the sweep's centres below the norm are counted against, for a chart, a table
    header or a CLI column: ``"20 / year"`` (one type), ``"a norm (oesophagectomy 20,
    gastrectomy 20 / year)"`` (a linked set, a shared centre below any of its types'
    volumes), ``"the norm"`` where the sweep has no reference volume."""
    if s.care_types and s.norm_references:
        return f"a norm ({reference_volumes(s)} / year)"
    if s.norm_reference is not None:
        return f"{s.norm_reference:g} / year"
    return "the norm"


def _events_note(snap: Snapshot, outcome: str | None,
                 base_bands: Mapping[str, Sequence[str]] | None,
                 runs: list[SweepRun]) -> str | None:
    """Why the plans whose events avoided are 0 by construction (:func:`one_band`) show 0:
    the band and its rate per care type, and the types' other tables; sets their
    ``events_avoided`` to exactly 0. ``None`` when no plan is such."""
    feasible = [r for r in runs if r.feasible and r.events_avoided is not None]
    same = [r for r in feasible if one_band(base_bands, r.event_bands)
            and abs(r.events_avoided or 0.0) < 1e-3]  # and the same patients counted
    if outcome is None or base_bands is None or not same:
        return None
    for r in same:
        r.events_avoided = 0.0
    plan_bands = same[0].event_bands or {}
    bands = {t: (set(base_bands.get(t, ())) | set(plan_bands.get(t, ()))).pop()
             for t in sorted(set(base_bands) | set(plan_bands))}
    per_type = []
    for t, band in bands.items():
        table = snap.outcome_tables[(t, outcome)]
        per_type.append(f"{t}: band {band} per year, rate "
                        f"{table.rate[table.labels.index(band)]:.1%}")
    which, those = (("every plan", "every plan") if len(same) == len(feasible) else
                    (", ".join(plan_label(r.k, r.norm) for r in same),
                     "that plan" if len(same) == 1 else "those plans"))
    others = sorted({o for (c, o) in snap.outcome_tables if c in bands and o != outcome})
    return (f"expected {outcome} avoided is 0 by construction in {which}: every provider today "
            f"and every centre of {those} has a volume in one band of the table "
            f"({'; '.join(per_type)}), so every patient has the same rate before and after and "
            f"the expected events stay today's; the table cannot tell {those} apart from today"
            + (f"; other outcome tables of {', '.join(bands)}: {', '.join(others)} (the "
               "sweep's outcome option)" if others else ""))


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
    linked = req.care_types is not None
    base_bands = None if baseline is None or outcome is None else baseline["bands"].get(outcome)
    for res, r in zip(results, runs, strict=True):
        if r.feasible and outcome is not None:
            r.expected_events = r.outcomes.get(outcome)
            if r.expected_events is not None and base_events is not None:
                r.events_avoided = figure(base_events - r.expected_events)
            if linked:
                r.events_by_type = res.events_by_type.get(outcome, {})
            r.event_bands = res.bands.get(outcome)
    events_note = _events_note(snap, outcome, base_bands, runs)
    reference = reference_norm(snap, req)
    references = reference_norms(snap, req)
    counted = any(v is not None for v in references.values())
    if counted:  # every plan against the same volume(s), whatever its own norm
        for res, r in zip(results, runs, strict=True):
            if r.feasible:
                r.centres_below_norm, by_type = _below(res.centre_patients, references)
                if linked:
                    r.centres_below_norm_by_type = by_type
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
    if events_note is not None:
        notes.append(events_note)
    if ParetoCriterion.CENTRES_BELOW_NORM in criteria:
        notes.append("Pareto front: less mean travel and fewer centres below the norm (no "
                     "outcome table for this care type)" if not linked else
                     "Pareto front: less mean travel and fewer shared centres below the "
                     "volume of one of their types (no outcome table for these care types)")
    elif len(criteria) == 1:
        notes.append("Pareto front: mean travel alone (no outcome table, and centres below "
                     "the norm are not defined for every plan)")
    source = caveat = None
    if baseline is not None:
        notes.extend(baseline["notes"])
        if outcome is not None and outcome in baseline["sources"]:
            cited = baseline["sources"][outcome]
            source = "; ".join((f"{t}: " if linked and t else "") + f"{src} ({period})"
                               for t, src, period, _ in cited)
            caveat = cited[0][3]
    if reference is not None:
        own = snap.care_types[req.care_type_id]["min_volume"]
        notes.append(f"centres below the norm: every plan's centres counted against "
                     f"{reference:g} patients / year, the strictest of the sweep's norms and "
                     f"{req.care_type_id}'s own norm ("
                     + ("none" if own is None else f"{float(own):g}")
                     + "), so plans of every norm compare on one scale")
    elif linked and counted:
        own = {t: snap.care_types[t]["min_volume"] for t in req.linked_types}
        notes.append("centres below the norm: every plan's centres counted against "
                     f"{reference_volumes(references)} "
                     "patients / year of each type (per type the strictest of the sweep's "
                     "norms and the type's own norm: " + ", ".join(
                         f"{t} {'none' if v is None else f'{float(v):g}'}"
                         for t, v in own.items())
                     + "), so plans of every norm compare on one scale; a shared centre "
                     "below the volume of any of its types counts once in "
                     "centres_below_norm, per type in centres_below_norm_by_type")
    infeasible = sum(1 for r in runs if not r.feasible)
    if infeasible:
        notes.append(f"{infeasible} of {len(runs)} combination(s) infeasible: see their error")
    return SweepPublic(
        id=uuid.uuid4().hex[:12],
        name=req.name or (f"{req.care_type_id}: {req.method} k={req.k_min}..{req.k_max}"
                          f" x {len(req.norms)} norm(s)"),
        care_type=req.care_type_id, care_types=req.care_types, method=req.method,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"), parameters=req,
        combinations=len(runs), executor=executor.description, wall_s=figure(wall),
        outcome=outcome, outcome_types=plan.outcome_types, outcome_source=source,
        outcome_caveat=caveat, events_note=events_note, norm_reference=reference,
        norm_references=references if counted else None,
        pareto_criteria=[str(c) for c in criteria],
        baseline=SweepBaseline(
            **{f: (baseline or {}).get(f) for f in ("mean_minutes", "p90_minutes",
                                                    "share_within", "co2_kg")},
            expected_events=base_events, providers=len(plan.today),
            events_by_type=(None if not linked or baseline is None or outcome is None
                            else baseline["events_by_type"].get(outcome, {})),
            event_bands=base_bands),
        runs=runs, losses=losses, notes=notes)


# --------------------------------------------------------------------------- CSV
COMBINATION_COLUMNS = (
    "k", "norm", "feasible", "pareto", "mean_minutes", "mean_delta", "p90_minutes",
    "share_within", "centres_below_norm", "regions_without_centre", "patient_km", "co2_kg",
    "co2_kg_delta", "expected_events", "events_avoided", "status", "solver", "gap",
    "runtime_s", "centres", "closing", "error")


def combinations_csv(s: SweepPublic) -> str:
    """One row per combination; ``closing`` lists the hospitals that lose the care type. The
    first column is the sweep's care type (a linked set: its ids joined by '+'); a linked
    sweep has one ``expected_events:<care type>`` column per type with the outcome's table.
    The volume ``centres_below_norm`` counts against is named in the last column(s):
    ``norm_reference`` (one type), a linked sweep ``norm_reference:<care type>`` with
    ``centres_below_norm:<care type>`` per type that has one."""
    per_type = list(s.outcome_types or []) if s.care_types else []
    refs = s.norm_references or {}
    norm_types = [t for t, v in refs.items() if v is not None] if s.care_types else []
    norm_columns = ([c for t in norm_types
                     for c in (f"centres_below_norm:{t}", f"norm_reference:{t}")]
                    if s.care_types else ["norm_reference"])
    rows = []
    for r in s.runs:
        row = r.model_dump()
        row["care_type"] = s.care_type
        row["centres"] = ";".join(r.centres)
        row["closing"] = ";".join(r.closing)
        for t in per_type:
            row[f"expected_events:{t}"] = (r.events_by_type or {}).get(t)
        row["norm_reference"] = s.norm_reference
        for t in norm_types:
            row[f"centres_below_norm:{t}"] = (r.centres_below_norm_by_type or {}).get(t)
            row[f"norm_reference:{t}"] = refs[t]
        rows.append(row)
    return to_csv(rows, ["care_type", *COMBINATION_COLUMNS,
                         *(f"expected_events:{t}" for t in per_type), *norm_columns])


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

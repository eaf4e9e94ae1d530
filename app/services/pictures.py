"""Maps and charts from the graph and stored scenarios (shared by the API and the CLI)."""

from __future__ import annotations

from typing import Any

from app.errors import InvalidInput
from app.plots import (
    Fmt,
    provider_survival_map,
    region_map,
    scenario_comparison_chart,
    scenario_map,
    tradeoff_chart,
)
from app.repository.snapshot import Snapshot
from app.schemas import ScenarioPublic, SweepPublic
from app.services.sweeps import below_label
from app.vocabulary import Allocation

__all__ = ["MEDIA_TYPES", "Fmt", "regions_picture", "scenario_chart_picture",
           "scenario_map_picture", "sweep_chart_picture", "sweep_map_picture"]

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def regions_picture(snap: Snapshot, fmt: Fmt) -> bytes:
    regions = [{"id": k, "name": v} for k, v in sorted(snap.regions.items())]
    population = int(snap.population.sum())
    title = (f"Oncology regions: {len(snap.hospitals)} hospital locations, "
             f"{len(snap.areas):,} areas, {population / 1e6:.1f} M people")
    return region_map(snap.hospitals, snap.areas, regions, fmt=fmt, title=title)


def _subtitle(s: ScenarioPublic) -> str:
    h = s.headline

    def f(x: Any, fmt: str) -> str:
        return "n/a" if x is None else format(x, fmt)

    allocation = " (choice)" if s.allocation_model == Allocation.CHOICE else ""
    return (f"{h.centres} centres{allocation} · mean travel {f(h.mean_minutes, '.1f')} "
            f"min ({f(h.mean_delta, '+.1f')} vs today) · within {s.parameters.minutes:g} "
            f"min {f(h.share_within, '.0%')} · CO2 {f(h.co2_kg_delta, '+,.0f')} kg/yr")


def scenario_map_picture(s: ScenarioPublic, snap: Snapshot, fmt: Fmt) -> bytes:
    """Areas and hospitals as stored now; allocations to ids no longer in the graph are left
    out (a scenario outlives a data reload)."""
    scope = None if s.scope.national else set(s.scope.regions)
    areas = {a["id"] for a in snap.areas if scope is None or a["region"] in scope}
    hospitals = set(snap.hospital_ids)
    open_ids = [c.hospital for c in s.centres if c.hospital in hospitals]
    allocation = {a: h for a, h in s.allocation.items() if a in areas and h in open_ids}
    volumes = {c.hospital: c.patients or 0.0 for c in s.centres if c.hospital in hospitals}
    # catchment areas show the allocation; spider lines to every centre would only clutter
    return scenario_map(snap.hospitals, snap.areas, allocation, open_ids=open_ids,
                        volumes=volumes, scope=scope, fmt=fmt, title=s.name,
                        subtitle=_subtitle(s), links=False)


def scenario_chart_picture(s: ScenarioPublic, fmt: Fmt, width: int = 1200) -> bytes:
    am = s.area_minutes
    inf = float("inf")
    base = [inf if x is None else x for x in am.baseline]
    scen = [inf if x is None else x for x in am.scenario]
    weights = [x or 0.0 for x in am.demand]
    volumes = {c.name: c.patients or 0.0 for c in s.centres}
    return scenario_comparison_chart(base, weights, scen, weights, volumes, s.min_volume,
                                     fmt=fmt, title=s.name, width_px=width)


def sweep_chart_picture(s: SweepPublic, fmt: Fmt, width: int = 1000) -> bytes:
    """Extra mean travel against expected events avoided per plan, one line per norm; without
    an outcome table the second axis is the sweep's other Pareto criterion, as the chart says.
    A linked sweep names its care types in the title and the types its events are summed
    over (and those without a table) in the subtitle. Where the events avoided are 0 by
    construction (one volume band for every centre), the chart says so in the plot
    (``events_note``); a norm that does not bind is drawn over "no norm" and labelled as
    identical to it."""
    types = s.care_types or [s.care_type]
    subject = " + ".join(types)
    if "expected_events" in s.pareto_criteria:
        y_label = f"expected {s.outcome} avoided per year (today minus plan)"

        def y(r: Any) -> Any:
            return r.events_avoided
        subtitle = (f"{s.outcome}: observational volume-outcome association, not a causal "
                    "effect; case mix not adjusted")
        if s.care_types:
            missing = [t for t in types if t not in (s.outcome_types or [])]
            subtitle = (f"summed over {' + '.join(s.outcome_types or [])}"
                        + (f" (no table: {', '.join(missing)})" if missing else "")
                        + f" · {subtitle}")
    elif "centres_below_norm" in s.pareto_criteria:
        below = below_label(s)
        y_label = f"centres below {below}"

        def y(r: Any) -> Any:
            return r.centres_below_norm
        subtitle = f"no sourced outcome table for {subject}: centres below {below} instead" + (
            " (every plan against one norm: the strictest of the sweep's and the care type's)"
            if s.norm_reference is not None else
            " (every plan against one norm per type: the strictest of the sweep's and the "
            "type's; a shared centre counts once)" if s.care_types and s.norm_references
            else "")
    else:
        y_label = "regions without a centre"

        def y(r: Any) -> Any:
            return r.regions_without_centre
        subtitle = f"no sourced outcome table for {subject}: regions without a centre instead"
    nan = float("nan")
    series = []
    for norm in s.parameters.norms:
        label = "no norm" if norm is None else (f"norm {norm:g} / year"
                                                + (" each" if s.care_types else ""))
        points = [(r.k, nan if r.mean_delta is None else r.mean_delta,
                   nan if y(r) is None else float(y(r)), r.pareto)
                  for r in s.runs if r.feasible and r.norm == norm]
        series.append((label, points))
    title = s.name if not s.care_types or all(t in s.name for t in types) else (
        f"{s.name} ({subject})")
    note = s.events_note if "expected_events" in s.pareto_criteria else None
    return tradeoff_chart(series, x_label="extra mean travel vs today (minutes, one way)",
                          y_label=y_label, fmt=fmt, title=title, subtitle=subtitle, note=note,
                          width_px=width, height_px=max(200, int(width * 0.64)))


def sweep_map_picture(s: SweepPublic, snap: Snapshot, fmt: Fmt) -> bytes:
    """Today's providers of the sweep's scope, by the share of its feasible plans in which
    each keeps the care type; providers no longer in the graph are left out."""
    plans = sum(r.feasible for r in s.runs)
    if plans == 0:
        raise InvalidInput(f"sweep '{s.id}' has no feasible plan to map")
    known = set(snap.hospital_ids)
    keeps = {loss.hospital: (plans - len(loss.loses_in), plans) for loss in s.losses
             if loss.hospital in known}
    return provider_survival_map(
        snap.hospitals, snap.areas, keeps, fmt=fmt, title=s.name,
        subtitle=f"{len(keeps)} providers today · {plans} feasible plans "
                 f"(k {s.parameters.k_min}..{s.parameters.k_max})")

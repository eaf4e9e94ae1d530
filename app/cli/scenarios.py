"""``oncoregio scenario``: run a concentration scenario, store it, print a summary."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from app.cli.common import (
    EXIT_INVALID,
    PLAN_OPTION_OF,
    CliError,
    connect,
    invalid_request,
    out,
    split_ids,
    titled_table,
)
from app.cli.common import cell as _f
from app.schemas import ScenarioPublic
from app.vocabulary import Allocation, CandidateSet, Method, Solver

__all__ = ["print_scenario", "register", "scenario"]

# ScenarioCreate field -> the option that sets it, so a validation error names the option
OPTION_OF = {**PLAN_OPTION_OF, "centres": "-k/--centres", "keep": "--keep", "close": "--close",
             "min_volume": "--min-volume", "apply_norm": "--norm", "capacity": "--capacity"}

HospitalsOpt = Annotated[list[str] | None, typer.Option(
    metavar="HOSPITAL", help="hospital id; repeat the option or separate ids by commas",
    show_default=False)]


def scenario(
    care_type: Annotated[list[str], typer.Argument(
        metavar="CARE_TYPE...", help="care type id, e.g. pancreatic-resection; several (or "
        "separated by commas) for a linked plan: one set of centres for all of them")],
    method: Annotated[Method, typer.Option(help="location model")] = Method.P_MEDIAN,
    weight: Annotated[list[float] | None, typer.Option(
        help="linked plan: weight of each care type's travel, in the order given (repeat)",
        show_default=False)] = None,
    centres: Annotated[int | None, typer.Option(
        "-k", "--centres", help="centres to open (all methods but set_covering)",
        show_default=False)] = None,
    minutes: Annotated[float, typer.Option(help="travel threshold T")] = 45.0,
    keep: HospitalsOpt = None,
    close: HospitalsOpt = None,
    candidates: Annotated[CandidateSet, typer.Option(
        help="which hospitals may become a centre")] = CandidateSet.PROVIDERS,
    min_volume: Annotated[float | None, typer.Option(
        help="patients/year each open centre must get", show_default=False)] = None,
    norm: Annotated[bool, typer.Option("--norm",
                                       help="apply the care type's volume norm")] = False,
    capacity: Annotated[float | None, typer.Option(
        help="patients/year per centre", show_default=False)] = None,
    solver: Annotated[Solver, typer.Option()] = Solver.AUTO,
    time_limit: Annotated[float, typer.Option(help="seconds")] = 60.0,
    name: Annotated[str | None, typer.Option(show_default=False)] = None,
    region: Annotated[list[str] | None, typer.Option(
        metavar="REGION", help="scope: region whose patients the scenario is for (repeat or "
        "separate by commas; default the whole country)", show_default=False)] = None,
    cross_border: Annotated[bool, typer.Option(
        "--cross-border/--no-cross-border",
        help="with --region: providers outside the scope stay open and reachable")] = True,
    allocation: Annotated[Allocation, typer.Option(
        help="patients go to the nearest open centre, or choose (needs --choice-model)")
    ] = Allocation.NEAREST,
    choice_model: Annotated[str | None, typer.Option(
        metavar="ID", help="stored choice model for --allocation choice",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="compute and print, do not store")] = False,
) -> None:
    """Run a concentration scenario, store it, print a summary."""
    from app.repository.scenarios import save_scenario
    from app.repository.snapshot import read_snapshot
    from app.schemas import ScenarioCreate
    from app.services.scenarios import run_scenario

    types = split_ids(care_type)
    linked = {"care_types": types, "weights": weight or None} if len(types) > 1 else {
        "care_type": types[0] if types else None, "weights": weight or None}
    try:
        req = ScenarioCreate(name=name, **linked, method=method,
                             centres=centres, minutes=minutes, keep=split_ids(keep),
                             close=split_ids(close), candidate_set=candidates,
                             min_volume=min_volume, apply_norm=norm, capacity=capacity,
                             solver=solver, time_limit=time_limit,
                             regions=split_ids(region) or None, cross_border=cross_border,
                             allocation=allocation, choice_model=choice_model)
    except ValidationError as e:
        raise invalid_request(e, "scenario", OPTION_OF) from e
    with connect() as c:
        snap = read_snapshot(c.driver, c.database)
        result = run_scenario(snap, req)
        if not dry_run:
            save_scenario(c.driver, c.database, result, dataset=snap.dataset)
    print_scenario(result)


def print_scenario(s: ScenarioPublic) -> None:
    """The scenario's headline figures and its centres as tables on stdout."""
    h = s.headline
    out.print(f"[bold]scenario {s.id}[/]: {escape(s.name)}", highlight=False)
    out.print(f"{s.method} for {s.care_type}: {h.centres} centres, status {h.status} "
              f"({h.solver}, gap {_f(h.gap, '.2%')}, {_f(h.runtime_s, '.2f')} s)",
              highlight=False)

    figures = titled_table("Headline", ["figure"], ["today", "scenario", "change"])
    figures.add_row("objective", "", _f(h.objective, ",.1f"), "")
    figures.add_row("mean travel (min)", _f(h.mean_minutes_baseline), _f(h.mean_minutes),
                    _f(h.mean_delta, "+.1f"))
    figures.add_row("p90 travel (min)", _f(s.baseline.p90), _f(h.p90_minutes),
                    _f(h.p90_delta, "+.1f"))
    figures.add_row("share within T", _f(h.share_within_baseline, ".1%"),
                    _f(h.share_within, ".1%"), "")
    figures.add_row("travel CO2 (kg/yr)", _f(h.co2_kg_baseline, ",.0f"), _f(h.co2_kg, ",.0f"),
                    _f(h.co2_kg_delta, "+,.0f"))
    if s.headline_nearest is not None:
        hn = s.headline_nearest
        figures.add_row("mean travel if nearest (min)", _f(hn.mean_minutes_baseline),
                        _f(hn.mean_minutes), _f(hn.mean_delta, "+.1f"))
        figures.add_row("patients bypassing nearest", "", _f(h.bypass_share, ".1%"), "")
    for o in s.outcomes:
        figures.add_row(f"expected {o.outcome} (events/yr)"
                        + (f" · {o.care_type}" if o.care_type else ""),
                        _f(o.baseline_events, ".2f"), _f(o.scenario_events, ".2f"),
                        _f(o.delta_events, "+.2f"))
    out.print(figures)
    scope = ("the whole country" if s.scope.national else ", ".join(s.scope.regions)
             + ("" if s.scope.cross_border else " (closed)"))
    out.print(f"scope: {scope}; allocation: {s.allocation_model}; demand: {s.demand_model}; "
              f"baseline: {s.baseline_model}", highlight=False)
    out.print(f"patients/yr {_f(h.patients, ',.0f')}, of whom {_f(h.patients_worse, ',.0f')} "
              f"travel > {s.parameters.worse_threshold:g} min longer; regions without a "
              f"centre: {', '.join(s.regions_without_centre) or 'none'}", highlight=False)

    centres = titled_table("Centres", ["centre", "status"],
                           ["patients", "today", "mean min", "norm"])
    for c in sorted(s.centres, key=lambda c: -(c.patients or 0)):
        norm = "-" if c.meets_norm is None else ("ok" if c.meets_norm else "[red]BELOW[/]")
        centres.add_row(escape(c.name), c.status, _f(c.patients, ",.0f"),
                        _f(c.baseline_patients, ",.0f"), _f(c.mean_minutes), norm)
    out.print(centres)
    if s.closing:
        stops = (f"{escape(c.name)} ({_f(c.baseline_patients, ',.0f')})" for c in s.closing)
        out.print("stops: " + ", ".join(stops), highlight=False)
    if s.linked is not None:
        _print_linked(s)


def _print_linked(s: ScenarioPublic) -> None:
    """A linked plan's figures per care type."""
    assert s.linked is not None
    table = titled_table("Per care type (linked plan)", ["care type"], [
        "weight", "norm", "patients", "patient-min", "mean min", "p90 min", "within T",
        "below norm", "no centre", "CO2 kg/yr"])
    for p in s.linked:
        h = p.headline
        table.add_row(p.care_type, f"{p.weight:g}", _f(p.norm, "g"), _f(h.patients, ",.0f"),
                      _f(p.objective, ",.0f"), _f(h.mean_minutes), _f(h.p90_minutes),
                      _f(h.share_within, ".1%"),
                      "-" if h.centres_below_norm is None else str(h.centres_below_norm),
                      str(h.regions_without_centre), _f(h.co2_kg, ",.0f"))
    out.print(table)
    for p in s.linked:
        for o in p.outcomes:
            out.print(f"{p.care_type}: expected {o.outcome} {_f(o.baseline_events, '.2f')} -> "
                      f"{_f(o.scenario_events, '.2f')} events/yr", highlight=False)


def calibrate(
    care_type: Annotated[str, typer.Argument(metavar="CARE_TYPE",
                                             help="care type with imported flows")],
    feature: Annotated[list[str] | None, typer.Option(
        metavar="FEATURE", help="minutes, log_volume, same_region, network (repeat or separate "
        "by commas; default all four)", show_default=False)] = None,
    kind_constants: Annotated[bool, typer.Option(
        "--kind-constants", help="also a constant per hospital kind")] = False,
    name: Annotated[str | None, typer.Option(show_default=False)] = None,
) -> None:
    """Fit the patient-choice model on a care type's observed flows and store it."""
    from app.repository.choice_models import save_choice_model
    from app.repository.snapshot import read_snapshot
    from app.services.calibrations import CalibrationCreate, run_calibration

    try:
        req = CalibrationCreate.model_validate(
            {"care_type": care_type, "features": split_ids(feature) or None,
             "kind_constants": kind_constants, "name": name})
    except ValidationError as e:
        raise CliError("invalid calibration: " + "; ".join(
            f"{'.'.join(map(str, p['loc'])) or 'request'}: {p['msg']}" for p in e.errors()),
            code=EXIT_INVALID) from e
    with connect() as c:
        snap = read_snapshot(c.driver, c.database)
        model = run_calibration(snap, req)
        save_choice_model(c.driver, c.database, model, dataset=snap.dataset)
    out.print(f"[bold]choice model {model.id}[/]: {escape(model.name)}", highlight=False)
    if model.fit is not None:
        table = titled_table(f"{model.fit.engine}, {model.fit.patients:,.0f} patients, "
                             f"rho2 {_f(model.fit.rho2, '.3f')}", ["feature"],
                             ["coefficient", "std. error"])
        for f, b, se in zip(model.fit.features, model.fit.coefficients, model.fit.std_errors,
                            strict=True):
            table.add_row(f, _f(b, ".5f"), _f(se, ".5f"))
        out.print(table)
    out.print(f"use it with: oncoregio scenario {care_type} --allocation choice "
              f"--choice-model {model.id} ...", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(scenario)
    app.command()(calibrate)

"""``oncoregio sweep``: run a trade-off sweep (k x norms) with a progress bar, store it, print
the table."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
from app.schemas import SweepPublic
from app.vocabulary import Allocation, CandidateSet, Method, Solver

__all__ = ["print_sweep", "register", "sweep"]

# SweepCreate field -> the option that sets it, so a validation error names the option
OPTION_OF = {**PLAN_OPTION_OF, "k_min": "--k-min", "k_max": "--k-max", "k_step": "--k-step",
             "norms": "--norm", "outcome": "--outcome"}


def _norms(values: list[str] | None) -> list[float | None]:
    out_: list[float | None] = []
    for value in values or ["none"]:
        for v in value.split(","):
            v = v.strip().lower()
            if not v:
                continue
            if v in ("none", "null", "-"):
                out_.append(None)
                continue
            try:
                out_.append(float(v))
            except ValueError as e:
                raise CliError(f"--norm: {v!r} is neither a number nor 'none'",
                               code=EXIT_INVALID) from e
    return out_


def sweep(
    care_type: Annotated[list[str], typer.Argument(
        metavar="CARE_TYPE...", help="care type id, e.g. pancreatic-resection; several (or "
        "separated by commas) for a sweep of linked plans: one set of centres for all of "
        "them in every run")],
    k_min: Annotated[int, typer.Option("--k-min", help="fewest centres")],
    k_max: Annotated[int, typer.Option("--k-max", help="most centres")],
    k_step: Annotated[int, typer.Option("--k-step")] = 1,
    weight: Annotated[list[float] | None, typer.Option(
        help="linked plans: weight of each care type's travel, in the order given (repeat)",
        show_default=False)] = None,
    norm: Annotated[list[str] | None, typer.Option(
        metavar="NORM", help="minimum volume per centre, or 'none' (repeat or separate by "
        "commas; default: none)", show_default=False)] = None,
    method: Annotated[Method, typer.Option(help="location model (not set_covering)")
                      ] = Method.P_MEDIAN,
    minutes: Annotated[float, typer.Option(help="travel threshold T")] = 45.0,
    candidates: Annotated[CandidateSet, typer.Option(
        help="which hospitals may become a centre")] = CandidateSet.PROVIDERS,
    solver: Annotated[Solver, typer.Option()] = Solver.AUTO,
    time_limit: Annotated[float, typer.Option(help="seconds per run")] = 30.0,
    name: Annotated[str | None, typer.Option(show_default=False)] = None,
    region: Annotated[list[str] | None, typer.Option(
        metavar="REGION", help="scope: region whose patients count (repeat or separate by "
        "commas; default the whole country)", show_default=False)] = None,
    cross_border: Annotated[bool, typer.Option("--cross-border/--no-cross-border")] = True,
    allocation: Annotated[Allocation, typer.Option()] = Allocation.NEAREST,
    choice_model: Annotated[str | None, typer.Option(metavar="ID", show_default=False)
                            ] = None,
    outcome: Annotated[str | None, typer.Option(
        help="outcome table for expected events (default: the care type's first)",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="compute and print, do not store")] = False,
) -> None:
    """Run a scenario for every k and norm, mark the Pareto-efficient plans, store, print."""
    from app.executors import executor_for
    from app.repository.snapshot import read_snapshot
    from app.repository.sweeps import save_sweep
    from app.schemas import SweepCreate
    from app.services.sweeps import plan_sweep, run_sweep
    from app.settings import get_settings

    regions = split_ids(region)
    types = split_ids(care_type)
    linked = {"care_types": types, "weights": weight or None} if len(types) > 1 else {
        "care_type": types[0] if types else None, "weights": weight or None}
    try:
        req = SweepCreate.model_validate({
            "name": name, **linked, "method": method.value, "k_min": k_min,
            "k_max": k_max, "k_step": k_step, "norms": _norms(norm), "minutes": minutes,
            "candidate_set": candidates.value, "solver": solver.value,
            "time_limit": time_limit, "regions": regions or None,
            "cross_border": cross_border, "allocation": allocation.value,
            "choice_model": choice_model, "outcome": outcome})
    except ValidationError as e:
        raise invalid_request(e, "sweep", OPTION_OF) from e
    settings = get_settings()
    with connect() as c:
        snap = read_snapshot(c.driver, c.database)
        plan = plan_sweep(snap, req, max_combinations=settings.sweep_max_combinations)
        executor = executor_for(dask_scheduler=settings.dask_scheduler,
                                workers=settings.sweep_workers, tasks=len(plan.scenarios),
                                connect_timeout=settings.dask_connect_timeout)
        with Progress(TextColumn("[bold]sweep[/] {task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=out,
                      transient=True) as progress:
            task = progress.add_task(executor.description, total=len(plan.scenarios))
            result = run_sweep(snap, plan, executor, timeout=settings.sweep_time_limit,
                               on_result=lambda _i, _r: progress.advance(task))
        if not dry_run:
            save_sweep(c.driver, c.database, result, dataset=snap.dataset)
    print_sweep(result)


def print_sweep(s: SweepPublic) -> None:
    """The combinations and the loss table on stdout."""
    from app.services.sweeps import below_label, one_band

    out.print(f"[bold]sweep {s.id}[/]: {escape(s.name)}", highlight=False)
    if s.care_types:
        weights = s.parameters.weights or [1.0] * len(s.care_types)
        out.print("linked plans of " + ", ".join(
            f"{escape(t)} (weight {w:g})" for t, w in zip(s.care_types, weights, strict=True))
            + (f"; expected {s.outcome} summed over {', '.join(s.outcome_types or [])}"
               if s.outcome else ""), highlight=False)
    out.print(f"{s.combinations} combinations on {escape(s.executor)} in "
              f"{_f(s.wall_s, '.1f')} s; Pareto front over {', '.join(s.pareto_criteria)}",
              highlight=False)
    b = s.baseline
    out.print(f"today: {b.providers} providers, mean travel {_f(b.mean_minutes)} min"
              + (f", expected {s.outcome} {_f(b.expected_events, '.2f')}/yr"
                 if s.outcome else ""), highlight=False)
    by_type = [t for t, v in (s.norm_references or {}).items() if v is not None]
    linked_below = bool(s.care_types and by_type)
    if linked_below:  # one column, the shared centres and in brackets per type
        out.print(f"centres below {below_label(s)}, every plan: shared centres below any "
                  f"(per type: {', '.join(by_type)})", highlight=False)
    table = titled_table("Combinations (* Pareto-efficient)", figures=[
        "k", "norm", "mean min", "+min", "p90", "within T",
        "below norm" if s.norm_reference is None and not linked_below
        else "below (per type)" if linked_below else f"below {s.norm_reference:g}",
        "regions w/o",
        "CO2 kg", "events", "avoided", ""])
    for r in s.runs:
        norm = "none" if r.norm is None else f"{r.norm:g}"
        if not r.feasible:
            table.add_row(str(r.k), norm, "[red]infeasible[/]", *[""] * 9)
            continue
        # a 0 that only says the table has one rate for every centre is not a result
        avoided = ("0 (one band)" if s.events_note and r.events_avoided == 0
                   and one_band(s.baseline.event_bands, r.event_bands)
                   else _f(r.events_avoided, "+.2f"))
        below = _f(r.centres_below_norm, "d")
        if linked_below and r.centres_below_norm_by_type is not None:
            below += " (" + "/".join(str(r.centres_below_norm_by_type.get(t, "–"))
                                     for t in by_type) + ")"
        table.add_row(str(r.k), norm, _f(r.mean_minutes), _f(r.mean_delta, "+.1f"),
                      _f(r.p90_minutes), _f(r.share_within, ".0%"),
                      below, _f(r.regions_without_centre, "d"),
                      _f(r.co2_kg, ",.0f"), _f(r.expected_events, ".2f"),
                      avoided, "*" if r.pareto else "")
    out.print(table)
    if s.events_note:
        out.print(f"one band: {escape(s.events_note)}", highlight=False)
    losing = [x for x in s.losses if x.loses_in]
    if losing:
        loss = titled_table("Hospitals losing the care type", ["hospital"], ["today"])
        loss.add_column("loses it at")
        for x in losing:
            at = ", ".join(f"k={p.k}" + ("" if p.norm is None else f"/{p.norm:g}")
                           for p in x.loses_in)
            loss.add_row(escape(x.name), _f(x.baseline_patients, ",.0f"), at)
        out.print(loss)
    for note in s.notes:
        if note == s.events_note:
            continue
        out.print(f"note: {escape(note)}", highlight=False, style="dim")


def register(app: typer.Typer) -> None:
    app.command()(sweep)

"""``oncoregio travel``: build a routed travel matrix with GraphHopper, compare it with the model.

Mounted by the main CLI as ``oncoregio travel`` (``app.add_typer(travel_app, name="travel")``).
Every failure is one ``error: ...`` line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from app.localdb import LocalDbError
from app.routing.build import DEFAULT_SNAP_THRESHOLD_M
from app.routing.build import Progress as BuildProgress

__all__ = ["travel_app"]

travel_app = typer.Typer(help="Road travel times from OpenStreetMap with GraphHopper: build a "
                              "routed area x hospital matrix and compare it with the model.",
                         no_args_is_help=True, add_completion=False)
err = Console(stderr=True)


class RichProgress(BuildProgress):
    """Import and matrix progress as rich bars on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.name = ""

    def phase(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total or 1,
                                 total=self.progress.tasks[-1].total or 1)
        self.name = name
        self.task = self.progress.add_task(name, total=total)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def status(self, text: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=f"{self.name}: {text}")


def _driver():
    from app.db import create_driver
    from app.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    return create_driver(settings), settings.neo4j_database


def _fail(message: str, code: int = 2) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr, flush=True)  # unwrapped: one line per problem
    return typer.Exit(code)


@travel_app.command("build")
def build(
    osm: Annotated[Path, typer.Option("--osm", help="OpenStreetMap extract (.osm.pbf or .osm)")],
    profile: Annotated[str, typer.Option(help="routing profile")] = "car",
    snap_threshold: Annotated[float, typer.Option(
        help="metres: places farther than this from a road are reported and left modelled")]
        = DEFAULT_SNAP_THRESHOLD_M,
    resume: Annotated[bool, typer.Option(
        help="continue an interrupted run (keeps the hospitals already routed)")] = False,
    workers: Annotated[int, typer.Option(min=1, max=16,
                                         help="parallel route requests")] = 4,
) -> None:
    """Import the extract (cached), route every area to every hospital, load the matrix."""
    from app.loader import LoadError
    from app.routing.build import build_matrix

    try:
        driver, db = _driver()
    except Exception as e:  # settings or driver construction: one line, no traceback
        raise _fail(f"cannot reach the database: {e}") from None
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        with driver, Progress(*columns, console=err, transient=False) as bar:
            result = build_matrix(driver, db, osm, profile=profile,
                                  snap_threshold_m=snap_threshold, resume=resume,
                                  workers=workers, progress=RichProgress(bar))
    except LoadError as e:
        raise _fail(str(e)) from None
    except LocalDbError as e:
        raise _fail(str(e).splitlines()[0] if not _verbose_log(e) else str(e), 1) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; GraphHopper was stopped and nothing was loaded. Run the same "
                    "command with --resume to continue", 130) from None
    print(result.describe())


def _verbose_log(e: Exception) -> bool:
    """Start failures carry GraphHopper's log tail, which the user needs to see."""
    return "--- last lines of" in str(e)


@travel_app.command("compare")
def compare(
    min_km: Annotated[float, typer.Option(
        help="leave out pairs closer than this great-circle (snapping dominates)")] = 1.0,
) -> None:
    """Compare the loaded routed matrix (TRAVEL with km) with the modelled one."""
    from app.repository.snapshot import read_snapshot
    from app.routing.compare import compare_matrices

    try:
        driver, db = _driver()
        with driver:
            snap = read_snapshot(driver, db)
    except Exception as e:
        raise _fail(f"cannot read the database: {e}") from None
    if not snap.travel_km_pairs:
        raise _fail("no routed matrix with road km is loaded; run `oncoregio travel build` "
                    "first")
    from analysis.travel import matrix_from_pairs

    minutes = matrix_from_pairs(snap.area_ids, snap.hospital_ids, snap.travel_pairs)
    km = matrix_from_pairs(snap.area_ids, snap.hospital_ids, snap.travel_km_pairs)
    minutes[~np.isfinite(km)] = np.nan
    a_lat, a_lon, h_lat, h_lon = snap._coords()
    try:
        result = compare_matrices(a_lat, a_lon, h_lat, h_lon, minutes, km, min_km=min_km)
    except ValueError as e:
        raise _fail(str(e)) from None
    print(result.describe())


if __name__ == "__main__":  # until the main CLI mounts it: python -m app.routing.cli build ...
    travel_app()

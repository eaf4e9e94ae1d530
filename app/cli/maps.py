"""``oncoregio map``: the regions map, or a stored scenario's map or chart, as SVG or PNG."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import CliError, connect, out

if TYPE_CHECKING:  # app.plots imports matplotlib: only when a map is drawn
    from app.plots import Fmt

__all__ = ["app"]

app = typer.Typer(help="Write the regions map or a scenario's map/chart (SVG or PNG).",
                  no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="file name ending in .svg or .png",
                                      show_default=False)]
ScenarioOpt = Annotated[str, typer.Option("--scenario", metavar="ID", help="scenario id",
                                          show_default=False)]


def _format(path: Path) -> Fmt:
    fmt = path.suffix.lower().removeprefix(".")
    if fmt == "svg":
        return "svg"
    if fmt == "png":
        return "png"
    raise CliError(f"--out {path}: the file name must end in .svg or .png")


def _write(path: Path, body: bytes) -> None:
    path.write_bytes(body)
    out.print(f"wrote {path} ({len(body):,} bytes)", highlight=False)


@app.command()
def regions(out_file: OutOpt) -> None:
    """The oncology regions with hospitals and demand areas."""
    from app.repository.snapshot import read_snapshot
    from app.services import pictures

    fmt = _format(out_file)
    with connect() as c:
        body = pictures.regions_picture(read_snapshot(c.driver, c.database), fmt)
    _write(out_file, body)


@app.command()
def scenario(scenario_id: ScenarioOpt, out_file: OutOpt) -> None:
    """A stored scenario's centres and allocation on the map."""
    from app.repository.scenarios import get_scenario
    from app.repository.snapshot import read_snapshot
    from app.services import pictures

    fmt = _format(out_file)
    with connect() as c:
        body = pictures.scenario_map_picture(get_scenario(c.driver, c.database, scenario_id),
                                             read_snapshot(c.driver, c.database), fmt)
    _write(out_file, body)


@app.command()
def chart(scenario_id: ScenarioOpt, out_file: OutOpt) -> None:
    """A stored scenario's chart: travel times today and in the scenario, volume per centre."""
    from app.repository.scenarios import get_scenario
    from app.services import pictures

    fmt = _format(out_file)
    with connect() as c:
        body = pictures.scenario_chart_picture(get_scenario(c.driver, c.database, scenario_id),
                                               fmt)
    _write(out_file, body)

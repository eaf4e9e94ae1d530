"""``oncoregio schema``, ``load`` and ``report``: the graph's schema and data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli.common import Connection, connect, err, out
from app.loader import LoadSummary
from app.vocabulary import LoadMode

__all__ = ["install_schema", "load_data", "print_load_summary", "register"]


def install_schema(c: Connection) -> None:
    """Apply the schema file and say how many statements ran."""
    from app.schema import apply_schema

    n = apply_schema(c.driver, c.database)
    out.print(f"schema: {n} statements applied to {c.uri}", highlight=False)


def schema() -> None:
    """Apply graph/schema.cypher (idempotent)."""
    with connect() as c:
        install_schema(c)


def load_data(c: Connection, directory: Path | None, mode: LoadMode, *,
              quiet: bool, staged_above: int | None = None) -> LoadSummary:
    """Validate and load ``directory`` with a progress bar on stderr (none when ``quiet``)."""
    from app.loader import STAGED_ABOVE, load_directory

    columns = (TextColumn("[bold]load[/]"), BarColumn(), MofNCompleteColumn(),
               TextColumn("batches  {task.description}"), TimeElapsedColumn())
    bar = Progress(*columns, console=err, disable=quiet)
    task = bar.add_task("", total=None, start=False)

    def progress(done: int, total: int, file: str) -> None:
        if not bar.live.is_started:  # shown from the first write: validation comes first
            bar.start()
            bar.start_task(task)
        bar.update(task, completed=done, total=total, description=file)

    try:
        return load_directory(c.driver, c.database, directory, mode=mode, progress=progress,
                              staged_above=STAGED_ABOVE if staged_above is None
                              else staged_above)
    finally:
        bar.stop()


def print_load_summary(summary: LoadSummary) -> None:
    total = sum(summary.rows.values())
    table = Table(title=f"loaded {total:,} rows from {summary.directory} ({summary.mode}) in "
                        f"{summary.seconds:.2f} s", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, n in summary.rows.items():
        table.add_row(name, f"{n:,}")
    out.print(table)
    shares = ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(summary.by_confidence.items()))
    out.print(f"confidence: {shares}", highlight=False)
    if summary.stale_note():
        out.print(summary.stale_note(), highlight=False)


def load(directory: Annotated[Path | None, typer.Argument(
             help="folder with the CSV files (default graph/seed)", show_default=False,
             exists=True, file_okay=False)] = None,
         mode: Annotated[LoadMode, typer.Option(
             help="replace the whole dataset, or merge the given files into it")
         ] = LoadMode.REPLACE,
         quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
         staged_above: Annotated[int | None, typer.Option(
             help="a replace load (or an update of only travel_times.csv) of more rows is "
                  "staged: written in batches, then switched in (default 50,000)", min=0,
             show_default=False)
         ] = None,
         recover: Annotated[bool, typer.Option(
             "--recover", help="load nothing: finish the dataset switch of a load that died "
                               "and remove what it left")] = False,
         break_lock: Annotated[bool, typer.Option(
             "--break-lock", help="remove the load lock of a load that is gone (e.g. killed "
                                  "on another host) first")] = False) -> None:
    """Validate a data folder fully, then load it atomically (default: graph/seed).

    One load at a time: a second one fails at once, naming the load that runs."""
    from app.loader import recover as recover_load
    from app.repository.load_lock import break_lock as break_load_lock

    with connect() as c:
        if break_lock:
            holder = break_load_lock(c.driver, c.database)
            out.print(f"removed the load lock of {holder}" if holder else "no load lock held",
                      highlight=False)
        if recover:
            finished, left = recover_load(c.driver, c.database)
            out.print(("finished the dataset switch of an interrupted load; " if finished
                       else "no interrupted dataset switch; ")
                      + f"removed {left:,} leftover nodes", highlight=False)
            return
        summary = load_data(c, directory, mode, quiet=quiet, staged_above=staged_above)
    print_load_summary(summary)


def report() -> None:
    """Print the data report: regions, care types, providers, norms."""
    from app.report import data_report

    with connect() as c:
        data = data_report(c.driver, c.database)
    regions = Table(title="Regions", title_justify="left")
    for name, justify in (("region", "left"), ("name", "left"), ("hospitals", "right"),
                          ("areas", "right"), ("population", "right"), ("networks", "left")):
        regions.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in data.regions:
        regions.add_row(r["id"], r["name"], str(r["hospitals"]), str(r["areas"]),
                        f"{r['population']:,}", ", ".join(r["networks"]))
    out.print(regions)
    providers = Table(title="Providers per care type in each region", title_justify="left")
    providers.add_column("region")
    providers.add_column("care type providers")
    for r in data.regions:
        providers.add_row(r["id"], ", ".join(r["providers"]))
    out.print(providers)
    care = Table(title="Care types", title_justify="left")
    care.add_column("care type")
    care.add_column("level")
    for name in ("providers", "norm", "cases/yr", "volume", "below norm"):
        care.add_column(name, justify="right")
    for ct in data.care_types:
        care.add_row(ct["id"], ct["level"], str(ct["providers"]),
                     "-" if ct["norm"] is None else str(ct["norm"]), f"{ct['cases']:,}",
                     "-" if ct["volume"] is None else f"{ct['volume']:,.0f}",
                     str(ct["below_norm"]))
    out.print(care)


def revision(bump: Annotated[bool, typer.Option(
        "--bump", help="bump it: after editing the graph by hand (Neo4j Browser), so running "
                       "APIs drop their cached answers")] = False) -> None:
    """Print the dataset revision that cached answers and ETags are keyed on."""
    from app.repository.revision import BUMP_REVISION, read_revision

    with connect() as c:
        if bump:
            c.driver.execute_query(BUMP_REVISION, what="oncoregio revision --bump",
                                   database_=c.database)
        current = read_revision(c.driver, c.database)
    out.print(f"dataset revision {current.number} ({current.tag})"
              + (" - bumped" if bump else ""), highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(schema)
    app.command()(load)
    app.command()(report)
    app.command()(revision)

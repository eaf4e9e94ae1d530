"""``oncoregio db``: provision, start, stop or inspect the local Neo4j server."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from app import localdb
from app.cli.common import out

app = typer.Typer(help="Provision, start, stop or inspect the local Neo4j server.",
                  no_args_is_help=True)

InstanceOpt = Annotated[str, typer.Option("--instance",
                                          help="dev (7687/7474) or test (17687/17474)")]
BoltPortOpt = Annotated[int | None, typer.Option("--bolt-port", min=1, max=65535,
                                                 help="Bolt port (default: per instance)")]
HttpPortOpt = Annotated[int | None, typer.Option("--http-port", min=1, max=65535,
                                                 help="HTTP port (default: per instance)")]


def _instance(name: str, bolt_port: int | None, http_port: int | None) -> localdb.Instance:
    return localdb.instance(name, bolt_port=bolt_port, http_port=http_port)


def print_connect(inst: localdb.Instance) -> None:
    """Where the running server answers and where its password is."""
    out.print(f"Neo4j {localdb.NEO4J_VERSION} '{inst.name}' is up.", highlight=False)
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("Bolt", inst.bolt_uri)
    table.add_row("Browser", f"{inst.browser_url}  (user neo4j, password: NEO4J_PASSWORD in "
                             f"{localdb.PROJECT_ROOT / '.env'})")
    out.print(table)


@app.command("start")
def start_db(instance: InstanceOpt = "dev", bolt_port: BoltPortOpt = None,
             http_port: HttpPortOpt = None,
             timeout: Annotated[float, typer.Option(min=1, help="seconds to wait for "
                                                    "readiness")] = 180.0) -> None:
    """Start the local server (provisioned from Maven Central on first use)."""
    inst = _instance(instance, bolt_port, http_port)
    localdb.start(inst, timeout=timeout)
    print_connect(inst)


@app.command("stop")
def stop_db(instance: InstanceOpt = "dev", bolt_port: BoltPortOpt = None,
            http_port: HttpPortOpt = None) -> None:
    """Stop the local server."""
    inst = _instance(instance, bolt_port, http_port)
    stopped = localdb.stop(inst)
    out.print(f"{inst.name}: {'stopped' if stopped else 'was not running'}", highlight=False)


@app.command("status")
def status_db(instance: InstanceOpt = "dev", bolt_port: BoltPortOpt = None,
              http_port: HttpPortOpt = None) -> None:
    """Print the server's status as JSON; exit code 3 when it is not running."""
    st = localdb.status(_instance(instance, bolt_port, http_port))
    out.print_json(data=st)
    if not st["running"]:
        raise typer.Exit(3)


@app.command("fetch")
def fetch_db() -> None:
    """Resolve the Neo4j jars into the cache (no server started); print their folder."""
    out.print(str(localdb.resolve_jars()), highlight=False)

"""``oncoregio serve`` and ``up``: the HTTP API, alone or after database, schema and seed."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from app.cli.common import out

__all__ = ["register"]

HostOpt = Annotated[str, typer.Option(help="address to listen on")]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")]
WorkersOpt = Annotated[int, typer.Option(
    min=1, max=64, help="worker processes; each has its own database driver and cache, kept "
                        "consistent by the dataset revision (default: 1)")]


def _serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    if workers == 1:
        from app.main import create_app

        uvicorn.run(create_app(), host=host, port=port, log_level="info")
    else:
        # several processes need the app by import path: each worker builds its own
        # a worker imports numpy, scipy and matplotlib before it can answer the supervisor's
        # health check: on a loaded machine that takes longer than uvicorn's 5 s default
        uvicorn.run("app.main:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info", timeout_worker_healthcheck=60)


def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, workers: WorkersOpt = 1) -> None:
    """Run the HTTP API."""
    _serve(host, port, workers)


def up(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, workers: WorkersOpt = 1,
       reload: Annotated[bool, typer.Option("--reload", help="reload the seed data")] = False
       ) -> None:
    """Start everything: local database (unless NEO4J_URI is set), schema, seed, API."""
    from app import localdb
    from app.cli.analysis import store_flows
    from app.cli.common import connect
    from app.cli.data import install_schema, load_data, print_load_summary
    from app.cli.database import print_connect
    from app.loader import recover, seed_loaded
    from app.vocabulary import LoadMode

    if "NEO4J_URI" in os.environ:
        out.print(f"using your own Neo4j at {os.environ['NEO4J_URI']} (NEO4J_URI is set)",
                  highlight=False)
    else:
        inst = localdb.instance("dev")
        localdb.start(inst)
        print_connect(inst)
    from app.cli_token import ensure_local_admin_token

    with connect() as c:
        install_schema(c)
        ensure_local_admin_token(c.driver, c.database)
        finished, left = recover(c.driver, c.database)
        if finished:
            out.print("finished the dataset switch of an interrupted load", highlight=False)
        if left:
            out.print(f"removed {left:,} nodes left by an interrupted load", highlight=False)
        if seed_loaded(c.driver, c.database) and not reload:
            out.print("seed data already loaded (use `oncoregio load` to reload or replace it)",
                      highlight=False)
        else:
            print_load_summary(load_data(c, None, LoadMode.REPLACE, quiet=False))
            store_flows(c)
    out.print(f"API on http://{host}:{port}/docs ; guide: :play http://127.0.0.1:{port}/guide "
              "in Neo4j Browser", highlight=False)
    _serve(host, port, workers)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(up)

"""The ``oncoregio`` command line: local database, schema, data, API, scenarios, pictures."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from app import localdb

__all__ = ["main"]


def _instance(args: argparse.Namespace) -> localdb.Instance:
    return localdb.instance(args.instance, bolt_port=args.bolt_port, http_port=args.http_port)


def cmd_db(args: argparse.Namespace) -> int:
    inst = _instance(args)
    if args.action == "start":
        localdb.start(inst, timeout=args.timeout)
        _print_connect(inst)
    elif args.action == "stop":
        stopped = localdb.stop(inst)
        print(f"{inst.name}: {'stopped' if stopped else 'was not running'}")
    elif args.action == "status":
        st = localdb.status(inst)
        print(json.dumps(st, indent=2))
        return 0 if st["running"] else 3
    elif args.action == "fetch":
        print(localdb.resolve_jars())
    return 0


def _print_connect(inst: localdb.Instance) -> None:
    print(f"Neo4j {localdb.NEO4J_VERSION} '{inst.name}' is up.\n"
          f"  Bolt:    {inst.bolt_uri}\n"
          f"  Browser: {inst.browser_url}  (user neo4j, password: NEO4J_PASSWORD in "
          f"{localdb.PROJECT_ROOT / '.env'})")


def _driver():
    from app.db import create_driver
    from app.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    return create_driver(settings), settings


def cmd_schema(args: argparse.Namespace) -> int:
    from app.schema import apply_schema

    driver, settings = _driver()
    with driver:
        n = apply_schema(driver, settings.neo4j_database)
    print(f"schema: {n} statements applied to {settings.neo4j_uri}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from app.loader import LoadError, load_directory

    driver, settings = _driver()
    with driver:
        try:
            summary = load_directory(driver, settings.neo4j_database, args.directory,
                                     mode=args.mode, progress=not args.quiet)
        except LoadError as e:
            print(str(e), file=sys.stderr)
            return 2
    print(summary.describe())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from app.report import data_report

    driver, settings = _driver()
    with driver:
        print(data_report(driver, settings.neo4j_database))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    """Start everything: local database (unless NEO4J_URI is set), schema, seed, API."""
    if "NEO4J_URI" in os.environ:
        print(f"using your own Neo4j at {os.environ['NEO4J_URI']} (NEO4J_URI is set)")
    else:
        inst = localdb.instance("dev")
        localdb.start(inst)
        _print_connect(inst)
    cmd_schema(args)
    from app.loader import seed_loaded

    driver, settings = _driver()
    with driver:
        loaded = seed_loaded(driver, settings.neo4j_database)
    if loaded and not args.reload:
        print("seed data already loaded (use `oncoregio load` to reload or replace it)")
    else:
        args.directory, args.mode, args.quiet = None, "replace", False
        if cmd_load(args) != 0:
            return 2
    print(f"API on http://{args.host}:{args.port}/docs ; guide: "
          f":play http://127.0.0.1:{args.port}/guide in Neo4j Browser")
    return cmd_serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oncoregio", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str):
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add("db", cmd_db, "provision, start, stop or inspect the local Neo4j server")
    p.add_argument("action", choices=["start", "stop", "status", "fetch"])
    p.add_argument("--instance", default="dev", help="dev (7687/7474) or test (17687/17474)")
    p.add_argument("--bolt-port", type=int)
    p.add_argument("--http-port", type=int)
    p.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for readiness")

    add("schema", cmd_schema, "apply graph/schema.cypher (idempotent)")

    p = add("load", cmd_load, "validate and load a data folder (default: graph/seed)")
    p.add_argument("directory", nargs="?", help="folder with the CSV files (default graph/seed)")
    p.add_argument("--mode", choices=["replace", "update"], default="replace",
                   help="replace the whole dataset, or merge the given files into it")
    p.add_argument("--quiet", action="store_true")

    add("report", cmd_report, "print the data report: regions, care types, providers, norms")

    for name, func, help_ in (("serve", cmd_serve, "run the HTTP API"),
                              ("up", cmd_up, "start database, load seed, run the API")):
        p = add(name, func, help_)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        if name == "up":
            p.add_argument("--reload", action="store_true", help="reload the seed data")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except localdb.LocalDbError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

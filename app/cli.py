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
    from app.cli_token import quiet_driver_logs
    from app.db import create_driver
    from app.settings import get_settings

    quiet_driver_logs()
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
    from neo4j.exceptions import Neo4jError

    from app.db import DatabaseUnavailable
    from app.loader import LoadError, load_directory

    driver, settings = _driver()
    with driver:
        try:
            summary = load_directory(driver, settings.neo4j_database, args.directory,
                                     mode=args.mode, progress=not args.quiet)
        except LoadError as e:
            print(str(e), file=sys.stderr)
            return 2
        except (DatabaseUnavailable, Neo4jError) as e:
            # the load is one transaction: whatever failed, none of it was committed
            reason = e.message if isinstance(e, Neo4jError) and e.message else str(e)
            end_progress = "" if args.quiet else "\n"
            print(f"{end_progress}error: load aborted, nothing was written: {reason} "
                  f"({settings.neo4j_uri})", file=sys.stderr)
            return 1
    print(summary.describe())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from app.report import data_report

    driver, settings = _driver()
    with driver:
        print(data_report(driver, settings.neo4j_database))
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """Run a scenario, store it, print a summary table."""
    from app.errors import InvalidInput
    from app.repository.scenarios import save_scenario
    from app.repository.snapshot import read_snapshot
    from app.services.scenarios import ScenarioCreate, run_scenario

    req = ScenarioCreate(name=args.name, care_type=args.care_type, method=args.method,
                         centres=args.centres, minutes=args.minutes, keep=args.keep,
                         close=args.close, candidate_set=args.candidates,
                         min_volume=args.min_volume, apply_norm=args.norm,
                         capacity=args.capacity, solver=args.solver,
                         time_limit=args.time_limit)
    driver, settings = _driver()
    with driver:
        try:
            data = run_scenario(read_snapshot(driver, settings.neo4j_database), req)
        except InvalidInput as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if not args.dry_run:
            save_scenario(driver, settings.neo4j_database, data)
    print(summary_table(data.model_dump(mode="json")))
    return 0


def summary_table(s: dict) -> str:
    h = s["headline"]

    def f(x, fmt=".1f"):
        return "-" if x is None else format(x, fmt)

    lines = [f"scenario {s['id']}: {s['name']}",
             f"  {s['method']} for {s['care_type']}: {h['centres']} centres, status "
             f"{h['status']} ({h['solver']}, gap {f(h['gap'], '.2%')}, "
             f"{f(h['runtime_s'], '.2f')} s)",
             "",
             f"  {'':<28}{'today':>12}{'scenario':>12}{'change':>12}",
             f"  {'mean travel (min)':<28}{f(h['mean_minutes_baseline']):>12}"
             f"{f(h['mean_minutes']):>12}{f(h['mean_delta'], '+.1f'):>12}",
             f"  {'p90 travel (min)':<28}{f(s['baseline']['p90']):>12}{f(h['p90_minutes']):>12}"
             f"{f(h['p90_delta'], '+.1f'):>12}",
             f"  {'share within T':<28}{f(h['share_within_baseline'], '.1%'):>12}"
             f"{f(h['share_within'], '.1%'):>12}",
             f"  {'travel CO2 (kg/yr)':<28}{f(h['co2_kg_baseline'], ',.0f'):>12}"
             f"{f(h['co2_kg'], ',.0f'):>12}{f(h['co2_kg_delta'], '+,.0f'):>12}",
             f"  patients/yr {f(h['patients'], '.0f')}, of whom {f(h['patients_worse'], '.0f')} "
             f"travel > {s['parameters']['worse_threshold']:g} min longer; regions without a "
             f"centre: {', '.join(s['regions_without_centre']) or 'none'}",
             "",
             f"  {'centre':<40}{'status':<8}{'patients':>10}{'today':>8}{'mean min':>10}"
             f"{'norm':>6}"]
    for c in sorted(s["centres"], key=lambda c: -(c["patients"] or 0)):
        norm = "-" if c["meets_norm"] is None else ("ok" if c["meets_norm"] else "BELOW")
        lines.append(f"  {c['name'][:39]:<40}{c['status']:<8}{f(c['patients'], '.0f'):>10}"
                     f"{f(c['baseline_patients'], '.0f'):>8}{f(c['mean_minutes']):>10}"
                     f"{norm:>6}")
    if s["closing"]:
        lines.append("  stops: " + ", ".join(f"{c['name']} ({f(c['baseline_patients'], '.0f')})"
                                            for c in s["closing"]))
    return "\n".join(lines)


def cmd_map(args: argparse.Namespace) -> int:
    """Write the regions map, or a stored scenario's map or chart, to a file."""
    from app.errors import NotFound
    from app.repository.scenarios import get_scenario
    from app.repository.snapshot import read_snapshot
    from app.services import pictures

    fmt = args.out.rsplit(".", 1)[-1].lower()
    if fmt not in ("svg", "png"):
        print("error: --out must end in .svg or .png", file=sys.stderr)
        return 2
    if args.what != "regions" and not args.scenario:
        print("error: --scenario ID is needed", file=sys.stderr)
        return 2
    driver, settings = _driver()
    db = settings.neo4j_database
    with driver:
        try:
            if args.what == "regions":
                body = pictures.regions_picture(read_snapshot(driver, db), fmt)
            elif args.what == "scenario":
                body = pictures.scenario_map_picture(
                    get_scenario(driver, db, args.scenario),
                    read_snapshot(driver, db), fmt)
            else:
                body = pictures.scenario_chart_picture(
                    get_scenario(driver, db, args.scenario), fmt)
        except NotFound as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    with open(args.out, "wb") as f:
        f.write(body)
    print(f"wrote {args.out} ({len(body):,} bytes)")
    return 0


def cmd_analysis(args: argparse.Namespace) -> int:
    """Network structure as readable tables."""
    from app.errors import NotFound
    from app.repository.flows import replace_modelled_flows
    from app.repository.scenarios import get_scenario
    from app.repository.snapshot import read_snapshot
    from app.services import network as svc

    driver, settings = _driver()
    db = settings.neo4j_database
    with driver:
        try:
            scenario = get_scenario(driver, db, args.scenario) if args.scenario else None
        except NotFound as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        snap = read_snapshot(driver, db)
        if args.what == "flows":
            graph = svc.flow_graph(snap)
            n = replace_modelled_flows(driver, db, svc.flow_rows(graph))
            print(f"stored {n} modelled REFERS relationships "
                  f"({graph.graph['routed_patients']:,.0f} patients/yr routed)")
        elif args.what == "communities":
            r = svc.analyse_communities(snap, scenario, seed=args.seed, resolution=1.0)
            print(f"modularity: defined regions {r['modularity_defined']:.3f}, found "
                  f"communities {r['modularity_found']:.3f}; "
                  f"adjusted Rand {r['adjusted_rand']:.3f}")
            for c in r["communities"]:
                print(f"  community {c['community']:>2} ~ {c['region']:<13} "
                      f"{len(c['hospitals']):>3} hospitals")
            print(f"hospitals whose community differs from their region ({len(r['differing'])}):")
            for d in r["differing"]:
                print(f"  {d['hospital']:<40} region {d['region']:<13} -> {d['community_region']}")
        elif args.what == "centrality":
            r = svc.analyse_centrality(snap, scenario, limit=args.limit)
            for name, rows in r.items():
                print(name.replace("_", " "))
                print(f"  {'id':<40}{'degree':>12}{'betweenness':>13}{'eigenvector':>13}")
                for x in rows:
                    print(f"  {x['id'][:39]:<40}{x['weighted_degree']:>12.1f}"
                          f"{x['betweenness']:>13.3f}{x['eigenvector']:>13.3f}")
        else:
            r = svc.analyse_resilience(snap, scenario, limit=args.limit)
            print(f"{r['count']} region x care type pairs hang on a single hospital")
            print(f"  {'hospital':<40}{'pairs':>6}  examples")
            for x in r["ranking"]:
                ex = ", ".join(f"{d['region']}/{d['care_type']}" for d in x["depends"][:3])
                print(f"  {x['hospital'][:39]:<40}{x['pairs']:>6}  {ex}")
            ap = r["articulation_points"]
            print(f"articulation points of the hospital-network graph: "
                  f"{', '.join(ap['hospitals'] + ap['networks']) or 'none'}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from app.cli_token import run_token_command

    return run_token_command(args.rest)


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
    from app.cli_token import ensure_local_admin_token
    from app.loader import seed_loaded

    driver, settings = _driver()
    with driver:
        loaded = seed_loaded(driver, settings.neo4j_database)
        ensure_local_admin_token(driver, settings.neo4j_database)
    if loaded and not args.reload:
        print("seed data already loaded (use `oncoregio load` to reload or replace it)")
    else:
        args.directory, args.mode, args.quiet = None, "replace", False
        if cmd_load(args) != 0:
            return 2
        args.what, args.scenario, args.seed, args.limit = "flows", None, 42, 15
        cmd_analysis(args)
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

    p = add("scenario", cmd_scenario, "run a concentration scenario, store it, print a summary")
    p.add_argument("care_type")
    p.add_argument("--method", default="p_median",
                   choices=["p_median", "max_covering", "set_covering", "p_centre"])
    p.add_argument("-k", "--centres", type=int)
    p.add_argument("--minutes", type=float, default=45.0, help="travel threshold T")
    p.add_argument("--keep", nargs="*", default=[], metavar="HOSPITAL")
    p.add_argument("--close", nargs="*", default=[], metavar="HOSPITAL")
    p.add_argument("--candidates", default="providers",
                   choices=["providers", "umc_topclinical", "all"])
    p.add_argument("--min-volume", type=float)
    p.add_argument("--norm", action="store_true", help="apply the care type's volume norm")
    p.add_argument("--capacity", type=float)
    p.add_argument("--solver", default="auto", choices=["auto", "exact", "heuristic"])
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--name")
    p.add_argument("--dry-run", action="store_true", help="compute and print, do not store")

    p = add("analysis", cmd_analysis, "network structure: communities, centrality, "
            "resilience; `flows` stores modelled REFERS relationships")
    p.add_argument("what", choices=["communities", "centrality", "resilience", "flows"])
    p.add_argument("--scenario", help="analyse a stored scenario instead of today")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--limit", type=int, default=15)

    p = add("map", cmd_map, "write the regions map or a scenario's map/chart (SVG or PNG)")
    p.add_argument("what", choices=["regions", "scenario", "chart"])
    p.add_argument("--scenario", help="scenario id (for scenario and chart)")
    p.add_argument("--out", required=True, help="file name ending in .svg or .png")

    # until the CLI is typer: `oncoregio token ...` runs app.cli_token's typer commands
    p = add("token", cmd_token, "API bearer tokens: create (shown once), list, revoke")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="create --name N --role R | list | "
                   "revoke NAME")

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

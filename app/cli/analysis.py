"""``oncoregio analysis``: network structure as tables; ``flows`` stores modelled REFERS."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.common import Connection, connect, out
from app.repository.snapshot import Snapshot
from app.schemas import ScenarioPublic

__all__ = ["app", "store_flows"]

app = typer.Typer(help="Network structure: communities, centrality, resilience; `flows` "
                       "stores modelled REFERS relationships.", no_args_is_help=True)

ScenarioOpt = Annotated[str | None, typer.Option(
    "--scenario", metavar="ID", help="analyse a stored scenario instead of today",
    show_default=False)]
LimitOpt = Annotated[int, typer.Option(min=1, help="rows per table")]


def _inputs(c: Connection, scenario_id: str | None) -> tuple[Snapshot, ScenarioPublic | None]:
    from app.repository.scenarios import get_scenario
    from app.repository.snapshot import read_snapshot

    scenario = get_scenario(c.driver, c.database, scenario_id) if scenario_id else None
    return read_snapshot(c.driver, c.database), scenario


def store_flows(c: Connection) -> None:
    """Model today's referral flows and store them as REFERS relationships."""
    from app.repository.flows import replace_modelled_flows
    from app.repository.snapshot import read_snapshot
    from app.services import network as svc

    graph = svc.flow_graph(read_snapshot(c.driver, c.database))
    n = replace_modelled_flows(c.driver, c.database, svc.flow_rows(graph))
    out.print(f"stored {n:,} modelled REFERS relationships "
              f"({graph.graph['routed_patients']:,.0f} patients/yr routed)", highlight=False)


@app.command()
def flows() -> None:
    """Store modelled REFERS relationships (diagnosis hospital -> treatment hospital)."""
    with connect() as c:
        store_flows(c)


@app.command()
def communities(scenario: ScenarioOpt = None,
                seed: Annotated[int, typer.Option(help="seed of the community search")] = 42
                ) -> None:
    """Communities of the modelled flows against the defined regions."""
    from app.services import network as svc

    with connect() as c:
        snap, stored = _inputs(c, scenario)
    r = svc.analyse_communities(snap, stored, seed=seed, resolution=1.0)
    out.print(f"modularity: defined regions {r['modularity_defined']:.3f}, found communities "
              f"{r['modularity_found']:.3f}; adjusted Rand {r['adjusted_rand']:.3f}",
              highlight=False)
    found = Table(title="Communities", title_justify="left")
    found.add_column("community", justify="right")
    found.add_column("~ region")
    found.add_column("hospitals", justify="right")
    for x in r["communities"]:
        found.add_row(str(x["community"]), x["region"], str(len(x["hospitals"])))
    out.print(found)
    differing = Table(title=f"Hospitals whose community differs from their region "
                            f"({len(r['differing'])})", title_justify="left")
    for column in ("hospital", "region", "community region"):
        differing.add_column(column)
    for d in r["differing"]:
        differing.add_row(d["hospital"], d["region"], d["community_region"])
    out.print(differing)


@app.command()
def centrality(scenario: ScenarioOpt = None, limit: LimitOpt = 15) -> None:
    """Weighted degree, betweenness and eigenvector centrality of hospitals and networks."""
    from app.services import network as svc

    with connect() as c:
        snap, stored = _inputs(c, scenario)
    for graph, rows in svc.analyse_centrality(snap, stored, limit=limit).items():
        table = Table(title=graph.replace("_", " "), title_justify="left")
        table.add_column("id")
        for column in ("degree", "betweenness", "eigenvector"):
            table.add_column(column, justify="right")
        for x in rows:
            table.add_row(x["id"], f"{x['weighted_degree']:.1f}", f"{x['betweenness']:.3f}",
                          f"{x['eigenvector']:.3f}")
        out.print(table)


@app.command()
def resilience(scenario: ScenarioOpt = None, limit: LimitOpt = 15) -> None:
    """Region x care type pairs that hang on a single hospital; articulation points."""
    from app.services import network as svc

    with connect() as c:
        snap, stored = _inputs(c, scenario)
    r = svc.analyse_resilience(snap, stored, limit=limit)
    table = Table(title=f"{r['count']} region x care type pairs hang on a single hospital",
                  title_justify="left")
    table.add_column("hospital")
    table.add_column("pairs", justify="right")
    table.add_column("examples")
    for x in r["ranking"]:
        examples = ", ".join(f"{d['region']}/{d['care_type']}" for d in x["depends"][:3])
        table.add_row(escape(x["hospital"]), str(x["pairs"]), examples)
    out.print(table)
    ap = r["articulation_points"]
    out.print("articulation points of the hospital-network graph: "
              f"{', '.join(ap['hospitals'] + ap['networks']) or 'none'}", highlight=False)

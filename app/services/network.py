"""Network structure of the stored graph: modelled flows, communities, centrality, resilience."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import networkx as nx

from analysis.network import (
    articulation_points,
    centrality,
    communities,
    compare_partitions,
    exchange_graph,
    membership_graph,
    model_flows,
    resilience_ranking,
    single_points_of_failure,
)
from app.repository.snapshot import Snapshot
from app.schemas import ScenarioPublic
from app.services.numbers import figure
from app.vocabulary import CareLevel

__all__ = ["analyse_centrality", "analyse_communities", "analyse_resilience", "flow_graph",
           "flow_rows"]


def _scenario_providers(snap: Snapshot, scenario: ScenarioPublic | None) -> dict[str, set[str]]:
    providers = {c: set(v) for c, v in snap.providers.items()}
    if scenario is not None:
        providers[scenario.care_type] = {c.hospital for c in scenario.centres
                                         if c.hospital in snap.hospital_index}
    return providers


def flow_graph(snap: Snapshot, scenario: ScenarioPublic | None = None) -> nx.DiGraph:
    """Modelled referral flows for every network and expert care type.

    A patient is diagnosed at the nearest hospital offering basic care and treated at the
    nearest provider of each network/expert care type (baseline), or, for the care type of
    ``scenario``, at the centre the scenario allocates the area to.
    """
    total = float(snap.population.sum()) or 1.0
    care = [c for c, v in sorted(snap.care_types.items())
            if v["level"] in (CareLevel.NETWORK, CareLevel.EXPERT)]
    basic = set().union(*(snap.providers.get(c, set()) for c, v in snap.care_types.items()
                          if v["level"] == CareLevel.BASIC))
    demand = {c: snap.population * (snap.care_types[c]["annual_cases"] / total) for c in care}
    allocation = None
    if scenario is not None and scenario.care_type in demand:
        alloc = scenario.allocation
        hospitals = snap.hospital_index
        allocation = {scenario.care_type: [alloc.get(a) if alloc.get(a) in hospitals else None
                                              for a in snap.area_ids]}
    providers = {c: snap.providers.get(c, set()) for c in care}
    return model_flows(snap.minutes, demand, snap.hospital_ids, basic, providers=providers,
                       allocation=allocation, self_loops=True)


def flow_rows(graph: nx.DiGraph) -> list[dict[str, Any]]:
    """REFERS rows (diagnosis hospital -> treatment hospital, per care type), no self-loops."""
    out = []
    for d, t, data in graph.edges(data=True):
        if d == t:
            continue
        for care_type, patients in data["by_care_type"].items():
            if patients > 0:
                out.append({"source": d, "target": t, "care_type": care_type,
                            "patients": round(float(patients), 4)})
    return out


def analyse_communities(snap: Snapshot, scenario: ScenarioPublic | None, *, seed: int,
                        resolution: float) -> dict[str, Any]:
    flows = flow_graph(snap, scenario)
    ex = exchange_graph(flows)
    found = communities(flows, seed=seed, resolution=resolution)
    cmp = compare_partitions(ex, snap.hospital_region, found)
    return {
        "seed": seed, "resolution": resolution,
        "modularity_defined": figure(cmp.modularity_defined, 6),
        "modularity_found": figure(cmp.modularity_found, 6),
        "adjusted_rand": figure(cmp.adjusted_rand, 6),
        "communities": [{"community": i, "region": cmp.community_region[i],
                         "hospitals": sorted(map(str, members))}
                        for i, members in enumerate(found)],
        "differing": [{"hospital": h, "region": own, "community_region": other}
                      for h, own, other in cmp.differing],
        "flows": {"patients": figure(flows.graph["total_patients"], 6),
                  "routed": figure(flows.graph["routed_patients"], 6),
                  "edges": flows.number_of_edges()},
    }


def analyse_centrality(snap: Snapshot, scenario: ScenarioPublic | None, *,
                       limit: int) -> dict[str, Any]:
    flows = centrality(exchange_graph(flow_graph(snap, scenario)))
    membership = centrality(membership_graph(snap.hospital_networks), weight=None)
    names = {h["id"]: h["name"] for h in snap.hospitals}

    def rows(scores: dict[Hashable, Any], only: set[str] | None) -> list[dict[str, Any]]:
        items = [(str(k), v) for k, v in scores.items() if only is None or k in only]
        items.sort(key=lambda kv: (-kv[1].betweenness, -kv[1].weighted_degree, kv[0]))
        return [{"id": k, "name": names.get(k, snap.networks.get(k, {}).get("name", k)),
                 "weighted_degree": figure(v.weighted_degree, 6),
                 "betweenness": figure(v.betweenness, 6),
                 "eigenvector": figure(v.eigenvector, 6)} for k, v in items[:limit]]

    return {"flow_graph": rows(flows, None),
            "hospital_network_graph": rows(membership, None)}


def analyse_resilience(snap: Snapshot, scenario: ScenarioPublic | None, *,
                       limit: int) -> dict[str, Any]:
    providers = _scenario_providers(snap, scenario)
    spof = single_points_of_failure(hospital_region=snap.hospital_region,
                                    network_regions=snap.network_regions,
                                    hospital_networks=snap.hospital_networks,
                                    providers=providers, regions=sorted(snap.regions),
                                    care_types=sorted(snap.care_types),
                                    network_care_types=snap.network_care_types)
    ranking = resilience_ranking(spof)
    ap = articulation_points(snap.hospital_networks)
    pairs = [{"region": g, "care_type": c, "hospitals": sorted(map(str, hs))}
             for (g, c), hs in sorted(spof.items(), key=lambda kv: (str(kv[0][0]),
                                                                     str(kv[0][1]))) if hs]
    names = {h["id"]: h["name"] for h in snap.hospitals}
    return {
        "single_points_of_failure": pairs, "count": len(pairs),
        "ranking": [{"hospital": d.hospital, "name": names.get(d.hospital, d.hospital),
                     "pairs": d.count,
                     "depends": [{"region": g, "care_type": c} for g, c in d.pairs]}
                    for d in ranking[:limit]],
        "articulation_points": {"hospitals": sorted(map(str, ap.hospitals)),
                                "networks": sorted(map(str, ap.networks))},
        "scenario": None if scenario is None else scenario.id,
    }


"""Hospital-network membership and single points of failure (resilience)."""

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.coverage import reachable_providers
from analysis.network.keys import sort_key

__all__ = [
    "ArticulationPoints",
    "HospitalDependence",
    "articulation_points",
    "membership_graph",
    "resilience_ranking",
    "single_points_of_failure",
]


def membership_graph(hospital_networks: Mapping[Any, Collection[Hashable]]) -> nx.Graph:
    """Bipartite hospital-network membership graph.

    Parameters
    ----------
    hospital_networks : mapping hospital -> collection of networks
        ``(Hospital)-[:MEMBER_OF]->(Network)``; hospitals with no network become isolated
        nodes.

    Returns
    -------
    networkx.Graph
        Nodes carry ``kind`` (``"hospital"`` or ``"network"``) and ``bipartite`` (0 or 1).

    Raises
    ------
    ValueError
        If an id is used both as a hospital and as a network.

    Examples
    --------
    >>> sorted(membership_graph({"h1": ["n1"], "h2": []}).nodes(data="kind"))
    [('h1', 'hospital'), ('h2', 'hospital'), ('n1', 'network')]

    Notes
    -----
    Hospitals and networks share one node namespace, hence the collision check.

    References
    ----------
    .. [1] A. S. Asratian, T. M. J. Denley and R. Häggkvist, *Bipartite Graphs and their
       Applications*, Cambridge University Press, 1998.
    """
    networks = {n for ns in hospital_networks.values() for n in ns}
    clash = sorted(networks & set(hospital_networks), key=sort_key)
    if clash:
        raise ValueError(f"id(s) used both as hospital and network: {clash[:5]}")
    g = nx.Graph()
    g.add_nodes_from(hospital_networks, kind="hospital", bipartite=0)
    g.add_nodes_from(networks, kind="network", bipartite=1)
    g.add_edges_from((h, n) for h, ns in hospital_networks.items() for n in ns)
    return g


def single_points_of_failure(
    *,
    hospital_region: Mapping[Any, Hashable],
    network_regions: Mapping[Any, Collection[Hashable]],
    hospital_networks: Mapping[Any, Collection[Hashable]],
    providers: Mapping[Any, Collection[Hashable]],
    regions: Collection[Hashable] | None = None,
    care_types: Collection[Hashable] | None = None,
    network_care_types: Mapping[Any, Collection[Hashable]] | None = None,
) -> dict[tuple[Hashable, Hashable], frozenset[Hashable]]:
    """Hospitals whose loss leaves a region without a reachable provider of a care type.

    Parameters
    ----------
    hospital_region, network_regions, hospital_networks, providers, network_care_types
        Plain-data graph, as in :func:`analysis.coverage.reachable_providers`.
    regions : collection, optional
        Default: every region named by a hospital or a network.
    care_types : collection, optional
        Default: the keys of ``providers``.

    Returns
    -------
    dict mapping (region, care_type) -> frozenset of hospitals
        One entry for every pair; the set is empty when no single loss uncovers the pair,
        including pairs that are already a gap.

    Raises
    ------
    ValueError
        Not raised for unknown ids; they simply have no providers.

    Examples
    --------
    >>> single_points_of_failure(hospital_region={"a": "N"}, network_regions={},
    ...     hospital_networks={}, providers={"lung": ["a"]})
    {('N', 'lung'): frozenset({'a'})}

    Notes
    -----
    Losing hospital ``h`` removes it as a provider, from its region and from all its
    networks. The reachable set of a pair is
    ``R = in_region | via_network`` (:func:`~analysis.coverage.reachable_providers`);
    no other hospital's region or memberships change, so the loss of ``h`` shrinks ``R``
    to ``R - {h}``. Hence ``h`` is a single point of failure exactly when ``R == {h}``.

    References
    ----------
    .. [1] See :func:`analysis.coverage.reachable_providers`.
    """
    if regions is None:
        found = set(hospital_region.values())
        for rs in network_regions.values():
            found.update(rs)
        regions = sorted(found, key=sort_key)
    if care_types is None:
        care_types = list(providers)
    out: dict[tuple[Hashable, Hashable], frozenset[Hashable]] = {}
    for r in regions:
        for ct in care_types:
            in_r, via = reachable_providers(
                r,
                ct,
                hospital_region=hospital_region,
                network_regions=network_regions,
                hospital_networks=hospital_networks,
                providers=providers,
                network_care_types=network_care_types,
            )
            reach = in_r | via
            out[r, ct] = reach if len(reach) == 1 else frozenset()
    return out


@dataclass(frozen=True)
class HospitalDependence:
    """How many region x care type pairs depend on one hospital alone.

    Attributes
    ----------
    hospital : hashable
        Hospital id.
    count : int
        Number of pairs for which it is a single point of failure.
    pairs : tuple of (region, care_type)
        Those pairs, sorted.
    """

    hospital: Hashable
    count: int
    pairs: tuple[tuple[Hashable, Hashable], ...]


def resilience_ranking(
    spof: Mapping[tuple[Hashable, Hashable], Collection[Hashable]],
) -> list[HospitalDependence]:
    """Rank hospitals by the number of region x care type pairs that depend on them alone.

    Parameters
    ----------
    spof : mapping (region, care_type) -> collection of hospitals
        Output of :func:`single_points_of_failure`.

    Returns
    -------
    list of HospitalDependence
        Hospitals that are a single point of failure at least once, by ``count``
        descending, then hospital id.

    Raises
    ------
    ValueError
        Never.

    Examples
    --------
    >>> [d.hospital for d in resilience_ranking({("N", "x"): {"a"}, ("O", "x"): {"a"},
    ...                                          ("N", "y"): {"b"}})]
    ['a', 'b']

    Notes
    -----
    The most critical hospitals come first: closing or losing them uncovers the most
    pairs.

    References
    ----------
    .. [1] See :func:`single_points_of_failure`.
    """
    deps: dict[Hashable, list[tuple[Hashable, Hashable]]] = {}
    for pair, hospitals in spof.items():
        for h in hospitals:
            deps.setdefault(h, []).append(pair)
    ranking = [
        HospitalDependence(
            hospital=h,
            count=len(pairs),
            pairs=tuple(sorted(pairs, key=lambda p: (sort_key(p[0]), sort_key(p[1])))),
        )
        for h, pairs in deps.items()
    ]
    ranking.sort(key=lambda d: (-d.count, sort_key(d.hospital)))
    return ranking


@dataclass(frozen=True)
class ArticulationPoints:
    """Cut vertices of the hospital-network membership graph.

    Attributes
    ----------
    hospitals : tuple
        Hospitals whose removal splits a connected part of the graph (they bridge
        networks), sorted by id.
    networks : tuple
        Networks whose removal splits a connected part, sorted by id.
    """

    hospitals: tuple[Hashable, ...]
    networks: tuple[Hashable, ...]


def articulation_points(
    hospital_networks: Mapping[Any, Collection[Hashable]],
) -> ArticulationPoints:
    """Articulation points of the (undirected) hospital-network membership graph.

    Parameters
    ----------
    hospital_networks : mapping hospital -> collection of networks
        See :func:`membership_graph`.

    Returns
    -------
    ArticulationPoints

    Raises
    ------
    ValueError
        As :func:`membership_graph`.

    Examples
    --------
    >>> articulation_points({"a": ["n1"], "b": ["n1", "n2"], "c": ["n2"]})
    ArticulationPoints(hospitals=('b',), networks=('n1', 'n2'))

    Notes
    -----
    A node is an articulation point when removing it increases the number of connected
    components. A hospital that is one is the only link between groups of networks (e.g.
    a hospital in two regional networks); a network that is one is the only link of some
    of its member hospitals to the rest. Computed with ``networkx.articulation_points``
    (Hopcroft-Tarjan, linear time).

    References
    ----------
    .. [1] J. Hopcroft and R. Tarjan, "Algorithm 447: efficient algorithms for graph
       manipulation", Communications of the ACM 16(6), 372-378, 1973.
    """
    g = membership_graph(hospital_networks)
    cut = set(nx.articulation_points(g))
    return ArticulationPoints(
        hospitals=tuple(sorted((x for x in cut if g.nodes[x]["kind"] == "hospital"), key=sort_key)),
        networks=tuple(sorted((x for x in cut if g.nodes[x]["kind"] == "network"), key=sort_key)),
    )

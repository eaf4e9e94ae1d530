"""Communities of the exchange graph and how they compare with the defined regions."""

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from analysis.network.flows import exchange_graph
from analysis.network.keys import sort_key

__all__ = [
    "PartitionComparison",
    "adjusted_rand_index",
    "communities",
    "compare_partitions",
]


def communities(
    flow_graph: nx.Graph,
    *,
    seed: int,
    resolution: float = 1.0,
    weight: str | None = "patients",
) -> list[frozenset[Hashable]]:
    """Communities of hospitals in the referral flows (Louvain, seeded).

    Parameters
    ----------
    flow_graph : networkx.Graph or networkx.DiGraph
        Referral flows, e.g. from :func:`model_flows`.
    seed : int
        Random seed for Louvain's node order; the same seed gives the same result.
    resolution : float, default 1.0
        Modularity resolution; above 1 favours smaller communities.
    weight : str or None, default "patients"
        Edge attribute with the flow.

    Returns
    -------
    list of frozenset
        A partition of all nodes, largest community first (ties by smallest member id).

    Raises
    ------
    ValueError
        On invalid weights (see :func:`exchange_graph`).

    Examples
    --------
    >>> g = nx.Graph([(0, 1, {"patients": 9}), (2, 3, {"patients": 9}),
    ...               (1, 2, {"patients": 1})])
    >>> communities(g, seed=1)
    [frozenset({0, 1}), frozenset({2, 3})]

    Notes
    -----
    Runs ``networkx.community.louvain_communities`` on :func:`exchange_graph`, i.e. on
    the undirected flows between different hospitals. Hospitals that exchange no patients
    form singleton communities.

    References
    ----------
    .. [1] V. D. Blondel, J.-L. Guillaume, R. Lambiotte and E. Lefebvre, "Fast unfolding
       of communities in large networks", J. Stat. Mech. P10008, 2008.
    """
    h = exchange_graph(flow_graph, weight=weight)
    attr = weight if weight is not None else "weight"
    found = nx.community.louvain_communities(h, weight=attr, resolution=resolution, seed=seed)
    parts = [frozenset(p) for p in found]
    parts.sort(key=lambda p: (-len(p), min(sort_key(x) for x in p)))
    return parts


def _codes(labels: Sequence[Hashable]) -> np.ndarray:
    codes: dict[Hashable, int] = {}
    return np.asarray([codes.setdefault(x, len(codes)) for x in labels], dtype=np.int64)


def adjusted_rand_index(labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]) -> float:
    """Adjusted Rand index between two labelings of the same items.

    Parameters
    ----------
    labels_a, labels_b : sequence of hashable, equal length
        Cluster label of item ``k`` in each partition.

    Returns
    -------
    float
        1 for identical partitions, about 0 for chance agreement, negative when worse than
        chance.

    Raises
    ------
    ValueError
        If the lengths differ.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], ["x", "x", "y", "y"])
    1.0

    Notes
    -----
    With contingency table ``n_ij``, row sums ``a_i``, column sums ``b_j`` and ``n``
    items,

    .. math:: ARI = \\frac{\\sum_{ij}\\binom{n_{ij}}{2} - E}
              {\\tfrac12\\left[\\sum_i\\binom{a_i}{2} + \\sum_j\\binom{b_j}{2}\\right] - E},
              \\quad E = \\frac{\\sum_i\\binom{a_i}{2}\\sum_j\\binom{b_j}{2}}{\\binom{n}{2}}.

    The denominator is 0 only when both partitions are the same trivial one (all items
    together, or all apart, or fewer than two items); 1.0 is returned then.

    References
    ----------
    .. [1] L. Hubert and P. Arabie, "Comparing partitions", Journal of Classification 2,
       193-218, 1985.
    """
    if len(labels_a) != len(labels_b):
        raise ValueError(f"labelings differ in length: {len(labels_a)} and {len(labels_b)}")
    n = len(labels_a)
    ia = _codes(labels_a)
    ib = _codes(labels_b)
    table = np.zeros((ia.max(initial=-1) + 1, ib.max(initial=-1) + 1), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)

    def pairs(x: np.ndarray) -> float:
        x = x.astype(np.float64)
        return float(np.sum(x * (x - 1.0) / 2.0))

    sum_ij = pairs(table)
    sum_a = pairs(table.sum(axis=1))
    sum_b = pairs(table.sum(axis=0))
    total = n * (n - 1) / 2.0
    expected = sum_a * sum_b / total if total > 0 else 0.0
    denom = 0.5 * (sum_a + sum_b) - expected
    if denom == 0:
        return 1.0
    return float((sum_ij - expected) / denom)


@dataclass(frozen=True)
class PartitionComparison:
    """Defined regions versus communities found in the flows.

    Attributes
    ----------
    modularity_defined : float or None
        Modularity of the defined partition on the exchange graph; None without edges.
    modularity_found : float or None
        Modularity of the found partition on the same graph.
    adjusted_rand : float
        :func:`adjusted_rand_index` between the two labelings.
    community_region : tuple
        For each found community (in the order given) the defined label with the largest
        overlap (ties: smallest label by ``str``).
    differing : tuple of (node, defined_label, community_label)
        Nodes whose community maps to a different label than their own, sorted by node.
    """

    modularity_defined: float | None
    modularity_found: float | None
    adjusted_rand: float
    community_region: tuple[Hashable, ...]
    differing: tuple[tuple[Hashable, Hashable, Hashable], ...]


def compare_partitions(
    graph: nx.Graph,
    defined: Mapping[Any, Hashable],
    found: Sequence[Collection[Hashable]],
    *,
    weight: str | None = "patients",
) -> PartitionComparison:
    """Compare the defined regions with communities found in the flows.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph
        Referral flows.
    defined : mapping node -> label
        The defined region of every node of ``graph``.
    found : sequence of collections of nodes
        A partition of the nodes of ``graph``, e.g. from :func:`communities`.
    weight : str or None, default "patients"
        Edge attribute with the flow.

    Returns
    -------
    PartitionComparison

    Raises
    ------
    ValueError
        If ``defined`` misses a node, or ``found`` is not a partition of the graph's nodes
        (a node missing, repeated or unknown).

    Examples
    --------
    >>> g = nx.Graph([(0, 1, {"patients": 9}), (2, 3, {"patients": 9}),
    ...               (1, 2, {"patients": 1})])
    >>> r = compare_partitions(g, {0: "A", 1: "A", 2: "A", 3: "B"}, [{0, 1}, {2, 3}])
    >>> r.community_region, r.differing
    (('A', 'A'), ((3, 'B', 'A'),))

    Notes
    -----
    Modularity is computed on :func:`exchange_graph` (undirected, without self-loops), the
    graph Louvain optimises in :func:`communities`. Each found community is mapped to the
    label most of its members carry; a node "differs" when that label is not its own.

    References
    ----------
    .. [1] M. E. J. Newman, "Modularity and community structure in networks", PNAS
       103(23), 8577-8582, 2006.
    .. [2] See :func:`adjusted_rand_index`.
    """
    nodes = list(graph.nodes)
    missing = [x for x in nodes if x not in defined]
    if missing:
        raise ValueError(f"defined has no label for node(s) {sorted(missing, key=sort_key)[:5]}")
    community_of: dict[Hashable, int] = {}
    for k, part in enumerate(found):
        for x in part:
            if x in community_of:
                raise ValueError(f"node {x!r} is in more than one found community")
            community_of[x] = k
    unknown = [x for x in community_of if x not in graph]
    absent = [x for x in nodes if x not in community_of]
    if unknown or absent:
        raise ValueError(
            "found is not a partition of the graph's nodes: "
            f"unknown {sorted(unknown, key=sort_key)[:5]}, "
            f"missing {sorted(absent, key=sort_key)[:5]}"
        )
    h = exchange_graph(graph, weight=weight)
    attr = weight if weight is not None else "weight"
    by_label: dict[Hashable, set[Hashable]] = {}
    for x in nodes:
        by_label.setdefault(defined[x], set()).add(x)
    if h.number_of_edges() and h.size(weight=attr) > 0:
        q_def: float | None = nx.community.modularity(h, list(by_label.values()), weight=attr)
        q_found: float | None = nx.community.modularity(h, [set(p) for p in found], weight=attr)
    else:
        q_def = q_found = None
    ari = adjusted_rand_index([defined[x] for x in nodes], [community_of[x] for x in nodes])
    mapped: list[Hashable] = []
    for part in found:
        counts: dict[Hashable, int] = {}
        for x in part:
            counts[defined[x]] = counts.get(defined[x], 0) + 1
        mapped.append(
            min(counts, key=lambda lab: (-counts[lab], sort_key(lab))) if counts else None)
    differing = sorted(
        (
            (x, defined[x], mapped[community_of[x]])
            for x in nodes
            if mapped[community_of[x]] != defined[x]
        ),
        key=lambda t: sort_key(t[0]),
    )
    return PartitionComparison(
        modularity_defined=None if q_def is None else float(q_def),
        modularity_found=None if q_found is None else float(q_found),
        adjusted_rand=ari,
        community_region=tuple(mapped),
        differing=tuple(differing),
    )

"""Network structure: referral flows, communities, centrality and single points of failure.

Graphs are plain networkx graphs; organisational data (regions, networks, providers) are
plain mappings, as in :mod:`analysis.coverage`. Nothing here reads a database.
"""

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse.linalg
from numpy.typing import ArrayLike

from analysis.coverage import nearest_index, reachable_providers

__all__ = [
    "ArticulationPoints",
    "HospitalDependence",
    "NodeCentrality",
    "PartitionComparison",
    "adjusted_rand_index",
    "articulation_points",
    "centrality",
    "communities",
    "compare_partitions",
    "exchange_graph",
    "membership_graph",
    "model_flows",
    "resilience_ranking",
    "single_points_of_failure",
]

# Components up to this size get a dense symmetric eigensolver (exact, robust); larger
# ones use ARPACK (scipy.sparse.linalg.eigsh), which needs k < n.
_DENSE_EIGEN_MAX = 500


def _key(x: Hashable) -> str:
    return str(x)


# ---------------------------------------------------------------------------------------
# Referral flows
# ---------------------------------------------------------------------------------------


def model_flows(
    cost: ArrayLike,
    demand: Mapping[Any, ArrayLike],
    hospital_ids: Sequence[Hashable],
    basic_providers: Collection[Hashable],
    *,
    providers: Mapping[Any, Collection[Hashable]] | None = None,
    allocation: Mapping[Any, Sequence[Hashable | None]] | None = None,
    self_loops: bool = True,
) -> nx.DiGraph:
    """Model referral flows diagnosis hospital -> treatment hospital as a weighted DiGraph.

    Parameters
    ----------
    cost : array_like, shape (n, m)
        Minutes, area x hospital (``inf`` = no route).
    demand : mapping care type -> array_like, shape (n,)
        Patients per area and care type per year (e.g. population x national rate).
    hospital_ids : sequence, length m
        Hospital id of each column of ``cost``; these become the graph's nodes.
    basic_providers : collection of hospital ids
        Hospitals offering basic (diagnostic) care.
    providers : mapping care type -> collection of hospital ids, optional
        Providers per care type; used for the baseline allocation (nearest provider) of
        every care type that ``allocation`` does not cover.
    allocation : mapping care type -> sequence of hospital id or None, optional
        The centre treating the patients of each area (length n), e.g. a scenario
        result; None means the area is not allocated.
    self_loops : bool, default True
        Keep edges ``h -> h`` for patients diagnosed and treated at the same hospital.

    Returns
    -------
    networkx.DiGraph
        Nodes: every hospital, with ``diagnosed``, ``treated`` and ``internal`` patients.
        Edges ``d -> t``: ``patients`` (total) and ``by_care_type`` (dict care type ->
        patients). Graph attributes: ``total_patients`` (all demand), ``routed_patients``,
        ``unrouted_patients`` (dict care type -> patients that could not be routed) and
        ``self_loops``.

    Raises
    ------
    ValueError
        On shape mismatches, invalid demand, unknown hospital ids, duplicate hospital ids,
        or a care type in ``demand`` that neither ``allocation`` nor ``providers`` covers.

    Examples
    --------
    >>> g = model_flows([[5.0, 20.0]], {"lung": [10.0]}, ["a", "b"], ["a"],
    ...                 providers={"lung": ["b"]})
    >>> g["a"]["b"]["patients"], g.nodes["b"]["treated"]
    (10.0, 10.0)

    Notes
    -----
    Patients of area ``i`` and care type ``c`` (``demand[c][i]``) are diagnosed at
    ``d(i)``, the nearest basic provider by ``cost`` (ties to the lowest column), and
    treated at ``t(i, c)`` = ``allocation[c][i]`` or, for the baseline, the nearest
    provider of ``c``. The edge weight is

    .. math:: w(d, t) = \\sum_{c} \\sum_{i: d(i) = d,\\ t(i, c) = t} demand_c(i).

    Patients whose area reaches no basic provider, or who have no treatment centre, are
    not routed and are reported in ``unrouted_patients``, never dropped silently.
    Conservation: the routed patients leaving diagnosis hospitals equal those arriving at
    treatment hospitals; with ``self_loops=True`` ``diagnosed`` equals each node's
    weighted out-degree and ``treated`` its weighted in-degree. With ``self_loops=False``
    the same-hospital patients are only in the node attribute ``internal``, and
    ``diagnosed = out-degree + internal``, ``treated = in-degree + internal``.

    References
    ----------
    .. [1] DESIGN.md, ``(Hospital)-[:REFERS {care_type, patients}]->(Hospital)``
       (modelled unless imported).
    """
    c = np.asarray(cost, dtype=float)
    if c.ndim != 2 or c.shape[1] != len(hospital_ids):
        raise ValueError(f"cost has shape {c.shape}; expected (n, {len(hospital_ids)})")
    n, m = c.shape
    col: dict[Hashable, int] = {}
    for j, h in enumerate(hospital_ids):
        if h in col:
            raise ValueError(f"duplicate hospital id {h!r}")
        col[h] = j

    def mask_of(ids: Iterable[Hashable], what: str) -> np.ndarray:
        ids = list(ids)
        unknown = sorted({h for h in ids if h not in col}, key=_key)
        if unknown:
            raise ValueError(f"{what}: unknown hospital id(s) {unknown[:5]}")
        mask = np.zeros(m, dtype=bool)
        mask[[col[h] for h in ids]] = True
        return mask

    diag = nearest_index(c, mask_of(basic_providers, "basic_providers"))
    allocation = allocation or {}
    providers = providers or {}

    pair_chunks: list[np.ndarray] = []
    weight_chunks: list[np.ndarray] = []
    care_chunks: list[np.ndarray] = []
    care_types = list(demand)
    unrouted: dict[Hashable, float] = {}
    total = 0.0
    for k, ct in enumerate(care_types):
        d = np.asarray(demand[ct], dtype=float)
        if d.shape != (n,):
            raise ValueError(f"demand[{ct!r}] has shape {d.shape}; expected ({n},)")
        if not np.all(np.isfinite(d)) or np.any(d < 0):
            raise ValueError(f"demand[{ct!r}] must be finite and non-negative")
        if ct in allocation:
            alloc = list(allocation[ct])
            if len(alloc) != n:
                raise ValueError(f"allocation[{ct!r}] has {len(alloc)} entries; expected {n}")
            unknown = sorted({h for h in alloc if h is not None and h not in col}, key=_key)
            if unknown:
                raise ValueError(f"allocation[{ct!r}]: unknown hospital id(s) {unknown[:5]}")
            treat = np.asarray([-1 if h is None else col[h] for h in alloc], dtype=np.int64)
        elif ct in providers:
            treat = nearest_index(c, mask_of(providers[ct], f"providers[{ct!r}]"))
        else:
            raise ValueError(f"care type {ct!r} has neither an allocation nor providers")
        ok = (diag >= 0) & (treat >= 0) & (d > 0)
        total += float(d.sum())
        unrouted[ct] = float(d[~ok].sum())
        pair_chunks.append(diag[ok] * m + treat[ok])
        weight_chunks.append(d[ok])
        care_chunks.append(np.full(int(ok.sum()), k, dtype=np.int64))

    g = nx.DiGraph()
    for h in hospital_ids:
        g.add_node(h, diagnosed=0.0, treated=0.0, internal=0.0)
    pairs = np.concatenate(pair_chunks) if pair_chunks else np.zeros(0, dtype=np.int64)
    weights = np.concatenate(weight_chunks) if weight_chunks else np.zeros(0)
    cares = np.concatenate(care_chunks) if care_chunks else np.zeros(0, dtype=np.int64)
    # aggregate per (pair, care type) with one sort instead of a Python loop over areas
    keys = pairs * max(len(care_types), 1) + cares
    uniq, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=weights, minlength=uniq.size)
    n_ct = max(len(care_types), 1)
    for key, patients in zip(uniq.tolist(), sums.tolist(), strict=True):
        pair, k = divmod(key, n_ct)
        u, v = hospital_ids[pair // m], hospital_ids[pair % m]
        g.nodes[u]["diagnosed"] += patients
        g.nodes[v]["treated"] += patients
        if u == v:
            g.nodes[u]["internal"] += patients
            if not self_loops:
                continue
        if not g.has_edge(u, v):
            g.add_edge(u, v, patients=0.0, by_care_type={})
        e = g[u][v]
        e["patients"] += patients
        e["by_care_type"][care_types[k]] = e["by_care_type"].get(care_types[k], 0.0) + patients
    g.graph.update(
        total_patients=total,
        routed_patients=float(weights.sum()),
        unrouted_patients=unrouted,
        self_loops=self_loops,
    )
    return g


def exchange_graph(graph: nx.Graph, *, weight: str | None = "patients") -> nx.Graph:
    """Undirected graph of patients exchanged between different hospitals.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph
        E.g. the result of :func:`model_flows`.
    weight : str or None, default "patients"
        Edge attribute with the flow; None treats every edge as weight 1.

    Returns
    -------
    networkx.Graph
        Same nodes; an edge ``{u, v}`` with attribute ``weight`` (under the same name,
        or ``"weight"`` when ``weight`` is None) equal to ``w(u, v) + w(v, u)``.
        Self-loops and edges of total weight 0 are left out.

    Raises
    ------
    ValueError
        If a weight is negative or not finite.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b", {"patients": 3}), ("b", "a", {"patients": 2})])
    >>> exchange_graph(g)["a"]["b"]["patients"]
    5.0

    Notes
    -----
    Communities and centrality are about hospitals working together, so the direction of
    a referral and patients staying in their own hospital (self-loops) are left out.

    References
    ----------
    .. [1] M. E. J. Newman, *Networks*, 2nd ed., Oxford University Press, 2018, ch. 6.
    """
    attr = weight if weight is not None else "weight"
    h = nx.Graph()
    h.add_nodes_from(graph.nodes)
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        w = 1.0 if weight is None else float(data.get(weight, 1.0))
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"edge ({u!r}, {v!r}) has invalid weight {w}")
        if h.has_edge(u, v):
            h[u][v][attr] += w
        else:
            h.add_edge(u, v, **{attr: w})
    h.remove_edges_from([(u, v) for u, v, w in h.edges(data=attr) if w == 0])
    return h


# ---------------------------------------------------------------------------------------
# Communities
# ---------------------------------------------------------------------------------------


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
    parts.sort(key=lambda p: (-len(p), min(_key(x) for x in p)))
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
        raise ValueError(f"defined has no label for node(s) {sorted(missing, key=_key)[:5]}")
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
            f"unknown {sorted(unknown, key=_key)[:5]}, missing {sorted(absent, key=_key)[:5]}"
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
        mapped.append(min(counts, key=lambda lab: (-counts[lab], _key(lab))) if counts else None)
    differing = sorted(
        (
            (x, defined[x], mapped[community_of[x]])
            for x in nodes
            if mapped[community_of[x]] != defined[x]
        ),
        key=lambda t: _key(t[0]),
    )
    return PartitionComparison(
        modularity_defined=None if q_def is None else float(q_def),
        modularity_found=None if q_found is None else float(q_found),
        adjusted_rand=ari,
        community_region=tuple(mapped),
        differing=tuple(differing),
    )


# ---------------------------------------------------------------------------------------
# Centrality
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeCentrality:
    """Centrality of one node.

    Attributes
    ----------
    weighted_degree : float
        Sum of the exchange weights of its edges (patients sent plus received from other
        hospitals; the number of links when unweighted).
    betweenness : float
        Normalised shortest-path betweenness with edge length ``1 / weight``.
    eigenvector : float
        Eigenvector centrality within its connected component, scaled so that the
        component's most central node has 1; 0 for isolated nodes.
    """

    weighted_degree: float
    betweenness: float
    eigenvector: float


def _eigenvector_by_component(h: nx.Graph, attr: str) -> dict[Hashable, float]:
    out: dict[Hashable, float] = {}
    for comp in nx.connected_components(h):
        nodes = list(comp)
        if len(nodes) == 1:
            out[nodes[0]] = 0.0
            continue
        a = nx.to_scipy_sparse_array(h, nodelist=nodes, weight=attr, dtype=float, format="csr")
        if len(nodes) <= _DENSE_EIGEN_MAX:
            _, vecs = np.linalg.eigh(a.toarray())
            v = vecs[:, -1]
        else:
            _, vecs = scipy.sparse.linalg.eigsh(a, k=1, which="LA")
            v = vecs[:, 0]
        v = np.abs(v)
        v = v / v.max()
        out.update(zip(nodes, v.tolist(), strict=True))
    return out


def centrality(
    graph: nx.Graph, *, weight: str | None = "patients"
) -> dict[Hashable, NodeCentrality]:
    """Weighted degree, betweenness and eigenvector centrality of every node.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph
        Referral flows (:func:`model_flows`) or the membership graph
        (:func:`membership_graph`, use ``weight=None``).
    weight : str or None, default "patients"
        Edge attribute with the strength of a link; None for an unweighted graph.

    Returns
    -------
    dict mapping node -> NodeCentrality

    Raises
    ------
    ValueError
        On invalid weights (see :func:`exchange_graph`).

    Examples
    --------
    >>> c = centrality(nx.star_graph(3), weight=None)
    >>> c[0].betweenness, c[1].betweenness
    (1.0, 0.0)

    Notes
    -----
    All three measures are computed on :func:`exchange_graph`: undirected, flows in both
    directions summed, self-loops left out. Betweenness treats a strong link as short:
    edge length ``1 / weight`` (Newman 2001), normalised by ``(n - 1)(n - 2) / 2``.
    Eigenvector centrality is the Perron vector of the weighted adjacency matrix of each
    connected component separately (a disconnected graph has no single meaningful
    vector), from a symmetric eigensolver rather than power iteration, so it cannot fail
    to converge; it is comparable within a component only.

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", J. Math. Sociol.
       25(2), 163-177, 2001.
    .. [2] M. E. J. Newman, "Scientific collaboration networks. II.", Phys. Rev. E 64,
       016132, 2001.
    .. [3] P. Bonacich, "Factoring and weighting approaches to status scores and clique
       identification", J. Math. Sociol. 2(1), 113-120, 1972.
    """
    h = exchange_graph(graph, weight=weight)
    attr = weight if weight is not None else "weight"
    for _, _, data in h.edges(data=True):
        data["_length"] = 1.0 / data[attr]
    between = nx.betweenness_centrality(h, weight="_length", normalized=True)
    degree = dict(h.degree(weight=attr))
    eigen = _eigenvector_by_component(h, attr)
    return {
        x: NodeCentrality(
            weighted_degree=float(degree[x]),
            betweenness=float(between[x]),
            eigenvector=float(eigen[x]),
        )
        for x in h.nodes
    }


# ---------------------------------------------------------------------------------------
# Hospital-network membership, single points of failure
# ---------------------------------------------------------------------------------------


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
    clash = sorted(networks & set(hospital_networks), key=_key)
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
        regions = sorted(found, key=_key)
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
            pairs=tuple(sorted(pairs, key=lambda p: (_key(p[0]), _key(p[1])))),
        )
        for h, pairs in deps.items()
    ]
    ranking.sort(key=lambda d: (-d.count, _key(d.hospital)))
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
        hospitals=tuple(sorted((x for x in cut if g.nodes[x]["kind"] == "hospital"), key=_key)),
        networks=tuple(sorted((x for x in cut if g.nodes[x]["kind"] == "network"), key=_key)),
    )

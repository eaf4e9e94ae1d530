"""Referral flows: modelled patient flows between hospitals and the exchange graph."""

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from analysis.coverage import nearest_index
from analysis.network.keys import sort_key

__all__ = [
    "exchange_graph",
    "model_flows",
]


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
        unknown = sorted({h for h in ids if h not in col}, key=sort_key)
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
            unknown = sorted({h for h in alloc if h is not None and h not in col}, key=sort_key)
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

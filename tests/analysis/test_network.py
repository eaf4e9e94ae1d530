"""Tests for analysis.network: flows, communities, ARI, centrality, single points of failure."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.coverage import reachable_providers
from analysis.network import (
    ArticulationPoints,
    adjusted_rand_index,
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

INF = math.inf

# ---------------------------------------------------------------- model_flows

# h0 and h1 offer basic care; h2 only expert care.
FLOW_COST = np.array(
    [
        [5.0, 20.0, 30.0],  # a0: diagnosed at h0, nearest surgery h1
        [25.0, 10.0, 40.0],  # a1: diagnosed at h1, nearest surgery h1
        [8.0, 9.0, 50.0],  # a2: diagnosed at h0, nearest surgery h1
    ]
)
HOSPS = ["h0", "h1", "h2"]
DEMAND = {"surg": [10.0, 20.0, 30.0], "proton": [1.0, 2.0, 3.0]}
PROVIDERS = {"surg": {"h1", "h2"}}
ALLOC = {"proton": ["h2", "h2", None]}  # a2's proton patients are not allocated


def _flows(**kw):
    return model_flows(
        FLOW_COST, DEMAND, HOSPS, {"h0", "h1"}, providers=PROVIDERS, allocation=ALLOC, **kw
    )


def test_model_flows_hand_computed_edges():
    g = _flows()
    edges = {(u, v): (d["patients"], d["by_care_type"]) for u, v, d in g.edges(data=True)}
    assert edges == {
        ("h0", "h1"): (40.0, {"surg": 40.0}),
        ("h1", "h1"): (20.0, {"surg": 20.0}),
        ("h0", "h2"): (1.0, {"proton": 1.0}),
        ("h1", "h2"): (2.0, {"proton": 2.0}),
    }
    assert g.nodes["h0"] == {"diagnosed": 41.0, "treated": 0.0, "internal": 0.0}
    assert g.nodes["h1"] == {"diagnosed": 22.0, "treated": 60.0, "internal": 20.0}
    assert g.nodes["h2"] == {"diagnosed": 0.0, "treated": 3.0, "internal": 0.0}
    assert g.graph["total_patients"] == 66.0
    assert g.graph["routed_patients"] == 63.0
    assert g.graph["unrouted_patients"] == {"surg": 0.0, "proton": 3.0}


def test_model_flows_conserves_patients():
    g = _flows()
    out_total = sum(w for _, w in g.out_degree(weight="patients"))
    in_total = sum(w for _, w in g.in_degree(weight="patients"))
    assert out_total == in_total == g.graph["routed_patients"]
    for h in g:
        assert g.nodes[h]["diagnosed"] == g.out_degree(h, weight="patients")
        assert g.nodes[h]["treated"] == g.in_degree(h, weight="patients")


def test_model_flows_can_drop_self_loops_but_keeps_internal_count():
    g = _flows(self_loops=False)
    assert not g.has_edge("h1", "h1")
    assert g.nodes["h1"]["internal"] == 20.0
    assert g.nodes["h1"]["treated"] == g.in_degree("h1", weight="patients") + 20.0


def test_model_flows_reports_areas_without_basic_care():
    cost = np.array([[5.0, 9.0], [INF, 3.0]])
    g = model_flows(cost, {"x": [4.0, 6.0]}, ["b", "e"], {"b"}, providers={"x": {"e"}})
    assert g.graph["unrouted_patients"] == {"x": 6.0}
    assert g["b"]["e"]["patients"] == 4.0


def test_model_flows_rejects_unknown_ids_and_uncovered_care_types():
    with pytest.raises(ValueError, match="unknown hospital"):
        model_flows(FLOW_COST, DEMAND, HOSPS, {"h9"}, providers=PROVIDERS, allocation=ALLOC)
    with pytest.raises(ValueError, match="neither an allocation nor providers"):
        model_flows(FLOW_COST, DEMAND, HOSPS, {"h0"}, providers=PROVIDERS)
    with pytest.raises(ValueError, match="unknown hospital"):
        model_flows(
            FLOW_COST, DEMAND, HOSPS, {"h0"}, providers=PROVIDERS,
            allocation={"proton": ["h2", "hx", None]},
        )  # fmt: skip


@st.composite
def flow_instances(draw):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 5))
    cost = draw(
        st.lists(
            st.lists(st.one_of(st.floats(0, 100), st.just(INF)), min_size=m, max_size=m),
            min_size=n,
            max_size=n,
        )
    )
    basic = draw(st.sets(st.integers(0, m - 1)))
    n_ct = draw(st.integers(1, 3))
    demand = {
        f"c{k}": draw(st.lists(st.floats(0, 1e3), min_size=n, max_size=n)) for k in range(n_ct)
    }
    providers = {f"c{k}": draw(st.sets(st.integers(0, m - 1))) for k in range(n_ct)}
    return np.array(cost, dtype=float), demand, basic, providers


def _nearest_by_loop(row, cols):
    best, best_j = INF, None
    for j in sorted(cols):
        if row[j] < best:
            best, best_j = row[j], j
    return best_j


@settings(max_examples=60, deadline=None)
@given(flow_instances(), st.booleans())
def test_model_flows_matches_brute_force_and_conserves(instance, self_loops):
    cost, demand, basic, providers = instance
    n, m = cost.shape
    g = model_flows(cost, demand, list(range(m)), basic, providers=providers, self_loops=self_loops)
    expected: dict[tuple[int, int], float] = {}
    unrouted = 0.0
    for ct, d in demand.items():
        for i in range(n):
            di = _nearest_by_loop(cost[i], basic)
            ti = _nearest_by_loop(cost[i], providers[ct])
            if di is None or ti is None or d[i] == 0:
                unrouted += d[i]
                continue
            expected[di, ti] = expected.get((di, ti), 0.0) + d[i]
    expected = {k: v for k, v in expected.items() if self_loops or k[0] != k[1]}
    got = {(u, v): w for u, v, w in g.edges(data="patients")}
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k] == pytest.approx(v)
    total = sum(sum(d) for d in demand.values())
    assert g.graph["total_patients"] == pytest.approx(total)
    routed = g.graph["routed_patients"]
    assert routed + sum(g.graph["unrouted_patients"].values()) == pytest.approx(total)
    tol = 1e-9 * max(1.0, total)  # sums of floats in a different order differ by rounding
    assert routed == pytest.approx(total - unrouted, abs=tol)
    # conservation: out of diagnosis == into treatment, node by node and in total
    diagnosed = sum(g.nodes[h]["diagnosed"] for h in g)
    treated = sum(g.nodes[h]["treated"] for h in g)
    assert diagnosed == pytest.approx(routed, abs=tol)
    assert treated == pytest.approx(routed, abs=tol)
    for h in g:
        internal = 0.0 if self_loops else g.nodes[h]["internal"]
        assert g.nodes[h]["diagnosed"] == pytest.approx(
            g.out_degree(h, weight="patients") + internal, abs=tol
        )
        assert g.nodes[h]["treated"] == pytest.approx(
            g.in_degree(h, weight="patients") + internal, abs=tol
        )


# ---------------------------------------------------------------- exchange graph, communities


def test_exchange_graph_sums_directions_and_drops_self_loops():
    g = nx.DiGraph()
    g.add_edge("a", "b", patients=3)
    g.add_edge("b", "a", patients=2)
    g.add_edge("a", "a", patients=100)
    g.add_edge("b", "c", patients=0)
    h = exchange_graph(g)
    assert not h.is_directed()
    assert sorted(h.nodes) == ["a", "b", "c"]
    assert list(h.edges(data="patients")) == [("a", "b", 5.0)]


def _two_triangles(inside=10.0, bridge=1.0):
    g = nx.DiGraph()
    for tri in (("a", "b", "c"), ("d", "e", "f")):
        for u in tri:
            for v in tri:
                if u != v:
                    g.add_edge(u, v, patients=inside / 2)
    g.add_edge("c", "d", patients=bridge)
    return g


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_communities_find_two_obvious_groups(seed):
    found = communities(_two_triangles(), seed=seed)
    assert found == [frozenset("abc"), frozenset("def")]


def test_communities_are_reproducible_with_seed():
    g = nx.les_miserables_graph()
    assert communities(g, seed=7, weight="weight") == communities(g, seed=7, weight="weight")


# ---------------------------------------------------------------- ARI and partition comparison


def test_adjusted_rand_index_hand_computed():
    # contingency [[2,1,0],[0,1,2]]: sum C(nij,2) = 2, rows 6, cols 3, C(6,2) = 15
    # E = 6*3/15 = 1.2; ARI = (2 - 1.2) / (4.5 - 1.2) = 8/33
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(8 / 33)
    # all-ones contingency: (0 - 2/3) / (2 - 2/3) = -1/2
    assert adjusted_rand_index(["p", "p", "q", "q"], [1, 2, 1, 2]) == pytest.approx(-0.5)


def test_adjusted_rand_index_identical_and_trivial_partitions():
    assert adjusted_rand_index([1, 1, 2], ["x", "x", "y"]) == 1.0
    assert adjusted_rand_index([1, 1, 1], [2, 2, 2]) == 1.0
    assert adjusted_rand_index([1, 2, 3], [4, 5, 6]) == 1.0
    assert adjusted_rand_index([], []) == 1.0
    with pytest.raises(ValueError):
        adjusted_rand_index([1], [1, 2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=15))
def test_adjusted_rand_index_symmetric_bounded_and_label_free(pairs):
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    ari = adjusted_rand_index(a, b)
    assert ari == pytest.approx(adjusted_rand_index(b, a))
    assert ari <= 1 + 1e-12
    renamed = [f"L{x * 7}" for x in a]
    assert adjusted_rand_index(renamed, b) == pytest.approx(ari)
    assert adjusted_rand_index(a, renamed) == pytest.approx(1.0)


def _triangles_unweighted():
    g = nx.Graph()
    g.add_edges_from([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)], patients=1.0)
    return g


def test_compare_partitions_hand_computed():
    g = _triangles_unweighted()
    defined = {0: "X", 1: "X", 2: "X", 3: "Y", 4: "Y", 5: "X"}
    found = [{0, 1, 2}, {3, 4, 5}]
    r = compare_partitions(g, defined, found)
    # m = 7. Found: 2 * (3/7 - (7/14)^2) = 5/14.
    assert r.modularity_found == pytest.approx(5 / 14)
    # Defined {0,1,2,5} (3 edges, degree 9) and {3,4} (1 edge, degree 5):
    # 3/7 - (9/14)^2 + 1/7 - (5/14)^2 = 6/196
    assert r.modularity_defined == pytest.approx(6 / 196)
    # contingency X: (3, 1), Y: (0, 2): (4 - 2.8) / (6.5 - 2.8) = 12/37
    assert r.adjusted_rand == pytest.approx(12 / 37)
    assert r.community_region == ("X", "Y")
    assert r.differing == ((5, "X", "Y"),)


def test_compare_partitions_modularity_agrees_with_networkx():
    g = _two_triangles(inside=8.0, bridge=3.0)
    defined = {x: ("R1" if x in "abcd" else "R2") for x in g}
    found = communities(g, seed=3)
    r = compare_partitions(g, defined, found)
    und = nx.Graph()
    for u, v, w in g.edges(data="patients"):
        prev = und.get_edge_data(u, v, {"w": 0.0})["w"]
        und.add_edge(u, v, w=prev + w)
    expected = nx.community.modularity(und, [set("abcd"), set("ef")], weight="w")
    assert r.modularity_defined == pytest.approx(expected)
    assert r.differing == (("d", "R1", "R2"),)


def test_compare_partitions_rejects_non_partitions():
    g = _triangles_unweighted()
    defined = dict.fromkeys(g, "X")
    with pytest.raises(ValueError, match="missing"):
        compare_partitions(g, defined, [{0, 1, 2}, {3, 4}])
    with pytest.raises(ValueError, match="more than one"):
        compare_partitions(g, defined, [{0, 1, 2, 3}, {3, 4, 5}])
    with pytest.raises(ValueError, match="no label"):
        compare_partitions(g, {0: "X"}, [set(g)])


def test_compare_partitions_without_edges_has_no_modularity():
    g = nx.Graph()
    g.add_nodes_from([1, 2])
    r = compare_partitions(g, {1: "A", 2: "B"}, [{1}, {2}])
    assert r.modularity_defined is None and r.adjusted_rand == 1.0 and r.differing == ()


# ---------------------------------------------------------------- centrality


def test_centrality_path_graph_exact_betweenness():
    c = centrality(nx.path_graph(4), weight=None)
    # inner nodes each lie on 2 of the 3 pairs of other nodes
    assert [c[k].betweenness for k in range(4)] == pytest.approx([0, 2 / 3, 2 / 3, 0])
    assert [c[k].weighted_degree for k in range(4)] == [1, 2, 2, 1]


def test_centrality_star_exact_values():
    c = centrality(nx.star_graph(3), weight=None)
    assert c[0].betweenness == pytest.approx(1.0)
    assert c[1].betweenness == 0.0
    # Perron vector of K_{1,3}: centre sqrt(3) times each leaf; scaled to max 1
    assert c[0].eigenvector == pytest.approx(1.0)
    assert c[1].eigenvector == pytest.approx(1 / math.sqrt(3))


def test_centrality_strong_links_are_short():
    g = nx.Graph()
    g.add_edge("a", "b", patients=10)
    g.add_edge("b", "c", patients=10)
    g.add_edge("a", "c", patients=1)
    c = centrality(g)
    # a-b-c has length 0.2 < 1 (a-c), so b lies on the only pair's shortest path
    assert c["b"].betweenness == pytest.approx(1.0)
    assert c["a"].weighted_degree == 11


def test_centrality_directed_flows_ignore_self_loops():
    g = nx.DiGraph()
    g.add_edge("a", "b", patients=3)
    g.add_edge("b", "a", patients=2)
    g.add_edge("a", "a", patients=100)
    c = centrality(g)
    assert c["a"].weighted_degree == 5
    assert c["a"].eigenvector == pytest.approx(1.0) and c["b"].eigenvector == pytest.approx(1.0)


def test_centrality_eigenvector_matches_networkx_on_connected_graph():
    g = nx.les_miserables_graph()
    c = centrality(g, weight="weight")
    ref = nx.eigenvector_centrality(g, weight="weight", max_iter=2000, tol=1e-12)
    top = max(ref.values())
    for x in g:
        assert c[x].eigenvector == pytest.approx(ref[x] / top, abs=1e-6)


def test_centrality_handles_disconnected_graphs_per_component():
    g = nx.star_graph(3)
    g.add_edge("p", "q", patients=1)
    g.add_node("iso")
    c = centrality(g, weight=None)
    assert c["p"].eigenvector == pytest.approx(1.0) and c["q"].eigenvector == pytest.approx(1.0)
    assert c["iso"] == type(c["iso"])(0.0, 0.0, 0.0)
    assert c[0].eigenvector == pytest.approx(1.0)


def test_centrality_of_membership_graph():
    g = membership_graph({"h1": ["n1"], "h2": ["n1", "n2"], "h3": ["n2"]})
    c = centrality(g, weight=None)
    # path h1 - n1 - h2 - n2 - h3; normaliser C(4, 2) = 6
    assert c["h2"].betweenness == pytest.approx(4 / 6)
    assert c["n1"].betweenness == pytest.approx(3 / 6)
    assert c["h1"].betweenness == 0.0


# ---------------------------------------------------------------- SPOF and articulation points

# Regions N and S. a, b in N; c, d in S.
# netN covers N (a, b); netS covers S (c, d); netX covers N and S (d).
SPOF_ORG = {
    "hospital_region": {"a": "N", "b": "N", "c": "S", "d": "S"},
    "network_regions": {"netN": {"N"}, "netS": {"S"}, "netX": {"N", "S"}},
    "hospital_networks": {"a": {"netN"}, "b": {"netN"}, "c": {"netS"}, "d": {"netS", "netX"}},
    "providers": {"surg": {"a", "d"}, "rt": {"c"}, "uro": {"d"}, "paed": set()},
}


def _without(org, hospital):
    """The organisation after losing one hospital, rebuilt by hand."""
    return {
        "hospital_region": {h: r for h, r in org["hospital_region"].items() if h != hospital},
        "network_regions": org["network_regions"],
        "hospital_networks": {h: ns for h, ns in org["hospital_networks"].items() if h != hospital},
        "providers": {ct: set(hs) - {hospital} for ct, hs in org["providers"].items()},
    }


def _covered(org, region, care_type):
    in_r, via = reachable_providers(region, care_type, **org)
    return bool(in_r or via)


def test_single_points_of_failure_toy_network():
    spof = single_points_of_failure(**SPOF_ORG)
    assert spof == {
        ("N", "surg"): frozenset(),  # a in region, d via netX
        ("S", "surg"): frozenset({"d"}),
        ("N", "rt"): frozenset(),  # already a gap: netS does not cover N
        ("S", "rt"): frozenset({"c"}),
        ("N", "uro"): frozenset({"d"}),  # only via netX
        ("S", "uro"): frozenset({"d"}),
        ("N", "paed"): frozenset(),
        ("S", "paed"): frozenset(),
    }


def test_single_points_of_failure_verified_by_recomputation():
    spof = single_points_of_failure(**SPOF_ORG)
    for (region, ct), critical in spof.items():
        for h in SPOF_ORG["hospital_region"]:
            uncovered = _covered(SPOF_ORG, region, ct) and not _covered(
                _without(SPOF_ORG, h), region, ct
            )
            assert uncovered == (h in critical), (region, ct, h)


@st.composite
def organisations(draw):
    hospitals = [f"h{k}" for k in range(draw(st.integers(1, 6)))]
    regions = ["r0", "r1", "r2"]
    networks = ["n0", "n1", "n2"]
    return {
        "hospital_region": {h: draw(st.sampled_from(regions)) for h in hospitals},
        "network_regions": {n: draw(st.sets(st.sampled_from(regions))) for n in networks},
        "hospital_networks": {h: draw(st.sets(st.sampled_from(networks))) for h in hospitals},
        "providers": {ct: draw(st.sets(st.sampled_from(hospitals))) for ct in ("x", "y")},
    }


@settings(max_examples=60, deadline=None)
@given(organisations())
def test_single_points_of_failure_match_brute_force_removal(org):
    spof = single_points_of_failure(**org, regions=["r0", "r1", "r2"])
    for (region, ct), critical in spof.items():
        brute = {
            h
            for h in org["hospital_region"]
            if _covered(org, region, ct) and not _covered(_without(org, h), region, ct)
        }
        assert set(critical) == brute


def test_resilience_ranking_counts_dependent_pairs():
    ranking = resilience_ranking(single_points_of_failure(**SPOF_ORG))
    assert [(d.hospital, d.count) for d in ranking] == [("d", 3), ("c", 1)]
    assert ranking[0].pairs == (("N", "uro"), ("S", "surg"), ("S", "uro"))


def test_articulation_points_of_membership_graph():
    # a - netN - b   and   c - netS - d - netX
    got = articulation_points(SPOF_ORG["hospital_networks"])
    assert got == ArticulationPoints(hospitals=("d",), networks=("netN", "netS"))


def test_articulation_points_path_and_star():
    # path h1 - n1 - h2 - n2 - h3: every inner node is a cut vertex
    got = articulation_points({"h1": ["n1"], "h2": ["n1", "n2"], "h3": ["n2"]})
    assert got == ArticulationPoints(hospitals=("h2",), networks=("n1", "n2"))
    # a star (one network, three members) has only its centre
    got = articulation_points({"h1": ["n"], "h2": ["n"], "h3": ["n"]})
    assert got == ArticulationPoints(hospitals=(), networks=("n",))


def test_membership_graph_rejects_shared_ids():
    with pytest.raises(ValueError, match="both as hospital and network"):
        membership_graph({"x": ["y"], "y": []})

"""The Benders engine of the exact p-median against brute force, the restricted-list engine
and its own cut validity; keep/close/candidates and the time limit."""

import dataclasses
import time

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import shortest_path

from analysis.locate import InfeasibleScenario, dispatch, p_median
from analysis.locate.benders import _Areas, pmedian_benders
from analysis.locate.candidates import Work
from analysis.locate.lagrangian import LagrangianBound
from analysis.locate.problem import prepare
from tests.analysis.locate.conftest import ZCUTS_FORCED
from tests.analysis.locate.oracles import brute_pmedian, close, instance


def graph_costs(n: int, seed: int, max_len: int = 5) -> np.ndarray:
    """Shortest-path distances on a random connected graph with short integer edges (many
    ties), every vertex a client and a candidate."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    u, v = perm[1:], perm[(rng.random(n - 1) * np.arange(1, n)).astype(int)]
    a, b = rng.integers(0, n, n), rng.integers(0, n, n)
    U, V = np.concatenate([u, a]), np.concatenate([v, b])
    ok = U != V
    L = rng.integers(1, max_len + 1, int(ok.sum())).astype(float)
    return shortest_path(sparse.coo_array((L, (U[ok], V[ok])), shape=(n, n)).tocsr(),
                         directed=False)


@pytest.fixture
def no_lagrangian(monkeypatch):
    """Switch the Lagrangian shortcut off, so that the Benders engine must prove it."""
    monkeypatch.setattr(dispatch, "pmedian_lagrangian",
                        lambda *a, **kw: LagrangianBound(-np.inf, None))


@pytest.fixture
def benders_only(monkeypatch):
    monkeypatch.setattr(dispatch, "exact_engine", lambda n, m: "benders")


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_benders_matches_brute_force_on_graph_instances_with_ties(
        seed, k, no_lagrangian, benders_only):
    C = graph_costs(13, seed)
    w = np.random.default_rng(seed).integers(1, 6, 13).astype(float)
    r = p_median(C, w, k=k, solver="exact")
    assert close(r.objective, brute_pmedian(C, w, k)) and r.status == "optimal"
    assert r.bound <= r.objective * (1 + 1e-9) and r.gap <= 1e-6
    assert len(r.open) == k


@pytest.mark.parametrize("seed", range(8))
def test_benders_matches_brute_force_on_random_instances(seed, no_lagrangian, benders_only):
    C, w = instance(seed + 700, n=25, m=9, inf_share=0.15 if seed % 2 else 0.0)
    k = 1 + seed % 4
    best = brute_pmedian(C, w, k)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleScenario):
            p_median(C, w, k=k, solver="exact")
        return
    r = p_median(C, w, k=k, solver="exact")
    assert close(r.objective, best) and r.status == "optimal"


@pytest.mark.parametrize("seed", range(6))
def test_benders_respects_keep_close_and_candidates(seed, no_lagrangian, benders_only):
    C = graph_costs(12, seed + 40)
    w = np.ones(12)
    k = 2 + seed % 3
    keep, closed = [seed % 12], [(seed + 5) % 12, (seed + 7) % 12]
    cand = [j for j in range(12) if j != (seed + 3) % 12]
    allowed = [j for j in cand if j not in closed]
    r = p_median(C, w, k=k, keep=keep, close=closed, candidates=cand, solver="exact")
    assert set(keep) <= set(r.open) and set(r.open) <= set(allowed)
    assert close(r.objective, brute_pmedian(C, w, k, keep=tuple(keep), allowed=allowed))
    assert r.status == "optimal"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [3, 8, 20])
def test_benders_objective_equals_list_engine_on_medium_instances(seed, k, monkeypatch):
    C = graph_costs(120, seed + 90, max_len=20)
    w = np.random.default_rng(seed).integers(1, 10, 120).astype(float)
    monkeypatch.setattr(dispatch, "exact_engine", lambda n, m: "lists")
    ref = p_median(C, w, k=k, solver="exact")
    monkeypatch.setattr(dispatch, "exact_engine", lambda n, m: "benders")
    r = p_median(C, w, k=k, solver="exact")
    assert ref.status == r.status == "optimal"
    assert close(r.objective, ref.objective)


def test_benders_time_limit_returns_a_valid_solution_with_a_gap():
    # uniform random costs: no structure, a hard p-median; a short limit stops the search
    C = np.random.default_rng(3).random((250, 40))
    w = np.ones(250)
    r = p_median(C, w, k=4, solver="exact", time_limit=0.5)
    assert r.status in ("time_limit", "optimal") and len(r.open) == 4
    assert r.gap >= 0 and r.bound <= r.objective * (1 + 1e-12)
    assert np.isclose(r.objective, C[:, list(r.open)].min(axis=1).sum())
    assert r.runtime < 30  # stopped by its limit, not by solving (a sanity bound only)


def test_benders_with_no_time_left_returns_the_incumbent():
    C = graph_costs(30, 5)
    work = Work(prepare(C, np.ones(30), k=3))
    start = np.array([0, 1, 2])
    sol = pmedian_benders(work, 3, start, deadline=time.perf_counter() - 1.0)
    assert sol.status == "time_limit" and sol.open_pos.tolist() == [0, 1, 2]
    assert sol.bound <= work.cost(start)


@pytest.mark.parametrize("seed", range(5))
def test_radius_cuts_never_cut_off_a_true_solution(seed):
    # every cut theta_i + sum_j max(0, D - c_ij) y_j >= D holds at theta = true distance,
    # for any level D and any open set
    rng = np.random.default_rng(seed)
    C = graph_costs(20, seed, max_len=9)
    areas = _Areas(C, np.ones(20), big=1e12)
    for _ in range(20):
        y = np.zeros(20)
        y[rng.choice(20, size=rng.integers(1, 6), replace=False)] = 1.0
        true = C[:, y > 0].min(axis=1)
        uniq = np.unique(C, axis=0)  # the rows _Areas works on, in its order
        d = uniq[:, y > 0].min(axis=1)
        D = areas.srt[np.arange(areas.g), rng.integers(0, areas.m, areas.g)]
        assert (areas.value(np.arange(areas.g), D, y) <= d + 1e-9).all()
        # the level separated at an integral point gives the true distance exactly
        tight = areas.levels(y)
        assert np.allclose(areas.value(np.arange(areas.g), tight, y), d)
        assert np.isclose(true.sum(), d @ areas.weights)


def test_auto_is_exact_at_postcode_scale_and_heuristic_at_100x():
    prob = prepare(np.ones((4, 3)), np.ones(4), k=1)
    postcode = dataclasses.replace(prob, active=np.arange(4000), allowed=np.arange(114))
    big = dataclasses.replace(prob, active=np.arange(150_000), allowed=np.arange(1000))
    assert dispatch.pick_solver(postcode, "auto") == "exact"
    assert dispatch.pick_solver(big, "auto") == "heuristic"


def test_constrained_exact_says_which_engine_ran():
    from analysis.locate.pmedian import CONSTRAINED_EXACT_NOTE

    C, w = instance(11, n=12, m=5, zeros=False)
    r = p_median(C, w, k=2, min_volume=5.0, solver="exact")
    assert CONSTRAINED_EXACT_NOTE in r.warnings
    assert close(r.objective, brute_pmedian(C, w, 2, minv=5.0))
    plain = p_median(C, w, k=2, solver="exact")
    assert CONSTRAINED_EXACT_NOTE not in plain.warnings


def _worst_start(C, w, k):
    """A feasible but poor incumbent: the k candidates with the largest total cost."""
    return np.sort(np.argsort(-(w @ np.where(np.isfinite(C), C, 0.0)))[:k])


@pytest.mark.parametrize("scale", [1.0, 0.1])
@pytest.mark.parametrize("seed", range(10))
def test_benders_from_a_poor_incumbent_reaches_the_brute_force_optimum(seed, scale):
    # the root cut purge, the objective cutoff and (for integer data, scale 1) the
    # prune-above-ub-1 rule must never cut the optimum away; weights scaled by 0.1 make
    # costs that differ by less than 1, where the integer rule must stay off
    C = graph_costs(14, seed + 300, max_len=7)
    w = np.random.default_rng(seed).integers(1, 6, 14) * scale
    k = 2 + seed % 3
    work = Work(prepare(C, w, k=k))
    start = _worst_start(C, w, k)
    sol = pmedian_benders(work, k, start, deadline=time.perf_counter() + 30)
    best = brute_pmedian(C, w, k)
    assert sol.status == "optimal"
    assert close(work.cost(sol.open_pos), best)
    assert sol.bound <= best * (1 + 1e-9) and close(sol.bound, best)


def test_benders_branches_on_some_poor_incumbent_instances():
    # the test above is only worth something if the branch and bound runs on it
    nodes = []
    for seed in range(10):
        C = graph_costs(14, seed + 300, max_len=7)
        w = np.random.default_rng(seed).integers(1, 6, 14).astype(float)
        k = 2 + seed % 3
        sol = pmedian_benders(Work(prepare(C, w, k=k)), k, _worst_start(C, w, k),
                              deadline=time.perf_counter() + 30)
        nodes.append(sol.nodes)
    assert max(nodes) > 0


def test_benders_improves_an_incumbent_by_less_than_one():
    # integer costs, weights 1 and 1.001: start from a solution less than 1 above the
    # optimum (found by enumeration); the integer-data pruning must stay off here, or the
    # incumbent would be returned as proven
    from itertools import combinations

    tried = 0
    for seed in range(10):
        C = graph_costs(12, seed + 500, max_len=4)
        w = 1.0 + 0.001 * np.random.default_rng(seed).integers(0, 2, 12)
        k = 3
        cost = {S: float(w @ C[:, list(S)].min(axis=1)) for S in combinations(range(12), k)}
        best = min(cost.values())
        near = [S for S, c in cost.items() if best + 1e-6 < c < best + 1.0]
        if not near:
            continue
        tried += 1
        work = Work(prepare(C, w, k=k))
        sol = pmedian_benders(work, k, np.array(near[0]), deadline=time.perf_counter() + 30)
        assert sol.status == "optimal" and close(work.cost(sol.open_pos), best), seed
    assert tried >= 3  # enough instances had such a solution for the test to say something


def test_integral_check():
    from analysis.locate.benders import _integral

    assert _integral(np.array([0.0, 3.0, 1e6])) and _integral(np.array([]))
    assert not _integral(np.array([1.0, 2.0001]))
    assert not _integral(np.array([2.0**50]))  # too large to trust float64 sums



def test_node_fixing_at_ub_minus_one_keeps_an_optimum_just_below_the_incumbent():
    # integer data: start from a solution 1-2 above the optimum (found by enumeration over
    # all k-subsets, the oracle). The reduced-cost fixing fixes a flag once its other value
    # lifts the node bound above ub - 1; that must never fix the optimum (cost <= ub - 1)
    # away. Graphs with ties (short integer edges); on some of them the root LP is
    # fractional and the tree fixes flags (a rule fixing at ub - 2.5 fails here).
    from itertools import combinations

    tried, branched = 0, 0
    for seed in range(40):
        n, k = 15, 2 + seed % 3
        C = graph_costs(n, seed + 1200, max_len=9)
        w = np.random.default_rng(seed).integers(1, 4, n).astype(float)
        cost = {S: float(w @ C[:, list(S)].min(axis=1)) for S in combinations(range(n), k)}
        best = min(cost.values())
        near = sorted((c, S) for S, c in cost.items() if best + 1 <= c <= best + 2)
        if not near:
            continue
        tried += 1
        work = Work(prepare(C, w, k=k))
        sol = pmedian_benders(work, k, np.array(near[0][1]), deadline=time.perf_counter() + 30)
        assert sol.status == "optimal" and close(work.cost(sol.open_pos), best), seed
        assert close(sol.bound, best)
        branched += sol.nodes > 0 and sol.fixed > 0
    # the rule ran on some of them (with the z cuts forced on, most roots close: no tree)
    assert tried >= 10 and (branched >= 3 or ZCUTS_FORCED)


def _dense_levels(areas, y):
    """The level search over every candidate (the definition, no support shortcut)."""
    cum = np.cumsum(y[areas.order], axis=1)
    pos = np.argmax(cum >= 1.0 - 1e-9, axis=1)
    pos[cum[:, -1] < 1.0 - 1e-9] = areas.m - 1
    pos = np.minimum(pos, np.maximum(areas.nfin - 1, 0))
    return areas.srt[np.arange(areas.g), pos]


@pytest.mark.parametrize("seed", range(10))
def test_separation_over_the_support_equals_the_dense_definition(seed):
    # levels and cut values computed over the nonzero flags only must equal the dense
    # formulas over all candidates (cumulative flags in cost order; D - sum max(0, D - c) y)
    rng = np.random.default_rng(seed)
    C = graph_costs(25, seed + 60, max_len=6)
    if seed % 2:
        C[rng.random(C.shape) < 0.1] = 1e12  # unreachable pairs (the working 'big' cost)
        np.fill_diagonal(C, 0.0)
    areas = _Areas(C, np.ones(25), big=1e12)
    for _ in range(10):
        y = np.zeros(25)
        S = rng.choice(25, size=rng.integers(1, 25), replace=False)  # both code paths
        y[S] = rng.random(S.size)
        y *= rng.integers(1, 5) / y.sum()
        D = areas.levels(y)
        assert np.array_equal(D, _dense_levels(areas, y))
        rows = np.sort(rng.choice(areas.g, size=7, replace=False))
        for r, lev in ((np.arange(areas.g), D), (rows, D[rows])):
            uniq = np.unique(C, axis=0)[r]
            dense = lev - (np.maximum(lev[:, None] - uniq, 0.0) * y).sum(axis=1)
            assert np.allclose(areas.value(r, lev, y), dense)


def _branching_mode(monkeypatch, mode: str, seed: int) -> None:
    """Set the branching constants of a tree variant (see the tests below)."""
    import analysis.locate.benders as benders

    if mode == "strong_everywhere":
        monkeypatch.setattr(benders, "SB_NODES", 10**6)
        monkeypatch.setattr(benders, "SB_ITERATIONS", 3 + seed % 5)
    elif mode == "early_branching":
        monkeypatch.setattr(benders, "EARLY_RISE", 1e9)
    elif mode == "no_shrink":
        monkeypatch.setattr(benders, "WARM_SHRINK", False)
    elif mode == "no_presep":
        monkeypatch.setattr(benders, "PRESEP", False)
    elif mode == "no_strong_no_purge":
        monkeypatch.setattr(benders, "SB_NODES", -1)
        monkeypatch.setattr(benders, "NODE_PURGE", False)
    elif mode == "reliability_capped":
        # reliability branching from the first node, few probes, capped scores
        monkeypatch.setattr(benders, "SB_NODES", 0)
        monkeypatch.setattr(benders, "RB_RELIABLE", 2 + seed % 3)
        monkeypatch.setattr(benders, "RB_MAX_PROBES", 1 + seed % 3)
        monkeypatch.setattr(benders, "RB_LOOKAHEAD", 1 + seed % 2)
        monkeypatch.setattr(benders, "SCORE_CAP", True)
        monkeypatch.setattr(benders, "SB_ITERATIONS", 5 + 20 * (seed % 4))
    elif mode in ("strong_probe_fixing", "strong_no_probe_fixing"):
        # full-length probes at every node (they meet empty children), the flags whose
        # probe is empty on one side fixed to the other or not
        monkeypatch.setattr(benders, "SB_NODES", 10**6)
        monkeypatch.setattr(benders, "PROBE_FIXING", mode == "strong_probe_fixing")
    else:
        raise ValueError(mode)


TREE_MODES = ["strong_everywhere", "no_strong_no_purge", "reliability_capped",
              "strong_probe_fixing", "strong_no_probe_fixing"]
#: node-LP variants (early branching: every fractional node LP stopped after its second
#: cut round; heap nodes started with their parent's basic cuts kept; children without
#: the prepared first round)
LP_MODES = ["early_branching", "no_shrink", "no_presep"]


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("mode", TREE_MODES + LP_MODES)
def test_benders_tree_variants_match_brute_force_on_tie_heavy_graphs(seed, mode, monkeypatch):
    # the node purge with the cut pool, the dives and the branching rules (strong
    # branching at every node with or without the probe fixing, switched off together
    # with the purge, reliability branching with capped scores), early branching and heap
    # nodes started with their parent's basic cuts kept must all reach the brute-force
    # optimum from a poor incumbent; 24 instances a mode
    _branching_mode(monkeypatch, mode, seed)
    n = 14 + seed % 3
    C = graph_costs(n, seed + 2000, max_len=3 + seed % 5)
    w = np.random.default_rng(seed).integers(1, 4, n).astype(float)
    k = 2 + seed % 3
    work = Work(prepare(C, w, k=k))
    sol = pmedian_benders(work, k, _worst_start(C, w, k), deadline=time.perf_counter() + 30)
    best = brute_pmedian(C, w, k)
    assert sol.status == "optimal" and close(work.cost(sol.open_pos), best)
    assert close(sol.bound, best)


def _tie_matrix(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """30 areas x 18 candidates, integer costs 0-4 (non-metric, many ties: the root LP is
    fractional on most of them) and integer weights 1-3."""
    rng = np.random.default_rng(seed + 4000)
    C = rng.integers(0, 5, (30, 18)).astype(float)
    return C, rng.integers(1, 4, 30).astype(float), 2 + seed % 3


@pytest.mark.parametrize("mode", TREE_MODES)
def test_branching_rules_match_brute_force_on_tie_heavy_matrices(mode, monkeypatch):
    # every k-subset is the oracle; from a poor incumbent the tree branches on these
    # (the graph instances above mostly close at the root), and the probes meet children
    # that are empty (cut off or infeasible), which the probe fixing acts on
    import analysis.locate.benders as benders

    empty_probes = []
    probe = benders._Master.probe

    def counting(self, *a):
        value = probe(self, *a)
        empty_probes.append(np.isinf(value))
        return value

    monkeypatch.setattr(benders._Master, "probe", counting)
    nodes = 0
    for seed in range(12):
        _branching_mode(monkeypatch, mode, seed)
        C, w, k = _tie_matrix(seed)
        work = Work(prepare(C, w, k=k))
        sol = pmedian_benders(work, k, _worst_start(C, w, k), deadline=time.perf_counter() + 30)
        best = brute_pmedian(C, w, k)
        assert sol.status == "optimal" and close(work.cost(sol.open_pos), best), seed
        assert close(sol.bound, best), seed
        nodes += sol.nodes
    assert nodes >= 20  # the tree really branched
    if mode in ("strong_probe_fixing", "strong_no_probe_fixing"):
        assert sum(empty_probes) >= 3  # and some probes found an empty child


def test_a_saved_basis_comes_back_after_its_cuts_were_purged():
    # save the root basis, purge the cuts basic there, move to another node and purge the
    # cuts basic there (some were tight at the root), then warm-start the root again: the
    # purged tight cuts come back from the pool and HiGHS confirms the restored basis
    # optimal with no iteration, at the root's value
    from analysis.locate.benders import _Master

    C = graph_costs(40, 7, max_len=9)
    areas = _Areas(C, np.ones(40), big=1e12)
    master = _Master(areas, np.zeros(areas.m), np.ones(areas.m), 3)
    y = np.full(areas.m, 3 / areas.m)
    for _ in range(60):  # plain cut generation to the root optimum
        master.add_cuts(np.arange(areas.g), areas.levels(y))
        st, x, obj = master.solve(10.0)
        assert st == "optimal"
        y, theta = x[:areas.m], x[areas.m:]
        viol = np.flatnonzero(areas.value(np.arange(areas.g), areas.levels(y), y) > theta + 1e-7)
        if not viol.size:
            break
        master.add_cuts(viol, areas.levels(y)[viol])
    st, x, root = master.solve(10.0)
    saved = master.basis()
    rows_before = master.h.getNumRow()
    assert master.purge_basic() > 0 and master.h.getNumRow() < rows_before
    j = int(np.argmax(x[:areas.m]))
    lo, hi = np.zeros(areas.m), np.ones(areas.m)
    hi[j] = 0.0
    master.bounds(lo, hi)
    st, x2, other = master.solve(10.0)
    assert st == "optimal" and master.purge_basic() > 0
    rows_there = master.h.getNumRow()
    master.bounds(np.zeros(areas.m), np.ones(areas.m))
    master.warm(saved)
    assert master.h.getNumRow() > rows_there  # tight root cuts came back from the pool
    st, x3, again = master.solve(10.0)
    assert st == "optimal" and master.h.getInfo().simplex_iteration_count == 0
    assert np.isclose(again, root)


def _brute_small_k(C, w, k):
    """Brute force over every k-subset of the columns, vectorised in chunks (finite C)."""
    from itertools import combinations

    best, combos = np.inf, np.array(list(combinations(range(C.shape[1]), k)))
    for part in np.array_split(combos, max(1, len(combos) // 20_000)):
        best = min(best, float((w @ C[:, part].min(axis=2)).min()))
    return best


def test_early_branching_stops_fractional_node_lps_and_keeps_the_optimum(monkeypatch):
    # with EARLY_RISE huge every fractional node LP that is not pruned stops after its
    # second cut round (a node LP runs between two bounds() calls; the root's is the
    # first): a third LP round only follows an integral y. Each instance must still reach
    # the brute-force optimum, and on some a node must have been left with violated cuts
    # and a bound more than 1 below the optimum (so not pruned: branched before its cut
    # loop converged, which EARLY_RISE = 0 never does)
    import analysis.locate.benders as benders

    monkeypatch.setattr(benders, "EARLY_RISE", 1e9)
    monkeypatch.setattr(benders, "SB_NODES", -1)  # no probes: every bounds() starts a node
    segments: list[list[tuple[np.ndarray, float]]] = []
    solve, bounds = benders._Master.solve, benders._Master.bounds

    def counting_bounds(self, lo, hi):
        segments.append([])
        return bounds(self, lo, hi)

    def counting_solve(self, time_limit):
        st, x, obj = solve(self, time_limit)
        if st == "optimal" and segments:
            segments[-1].append((x.copy(), obj))
        return st, x, obj

    monkeypatch.setattr(benders._Master, "bounds", counting_bounds)
    monkeypatch.setattr(benders._Master, "solve", counting_solve)
    stopped = 0
    for seed in (1, 9, 12, 13, 24, 25):  # graphs whose root LP is fractional (1-3 nodes)
        n, k = 45 + seed % 10, 3 + seed % 3
        C = graph_costs(n, seed + 4000, max_len=9)
        w = np.random.default_rng(seed).integers(1, 10, n).astype(float)
        work = Work(prepare(C, w, k=k))
        areas = _Areas(np.asarray(work.M, dtype=float), work.w, work.big)
        segments.clear()
        sol = pmedian_benders(work, k, _worst_start(C, w, k),
                              deadline=time.perf_counter() + 30)
        best = _brute_small_k(C, w, k)
        assert sol.status == "optimal" and close(work.cost(sol.open_pos), best)
        for seg in segments[1:]:
            frac = [bool(((x[:m] > 1e-6) & (x[:m] < 1 - 1e-6)).any())
                    for x, _ in seg for m in [areas.m]]
            assert not any(frac[1:-1]), "a third round after a fractional second one"
            if len(seg) == 2 and frac[1] and seg[1][1] < best - 1:
                y, theta = seg[1][0][:areas.m], seg[1][0][areas.m:areas.m + areas.g]
                val = areas.value(np.arange(areas.g), areas.levels(y), y)
                stopped += bool((val > theta + 1e-6 * np.maximum(1.0, np.abs(val))).any())
    assert stopped > 0 or ZCUTS_FORCED  # with the z cuts forced on the roots close

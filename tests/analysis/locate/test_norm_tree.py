"""norm_tree (the Lagrangian branch and bound on the centres) against brute force over
every k-subset (the LP assignment with norm/capacity per subset): finished trees return
the optimum as their incumbent and bound, cut trees a bound no higher than the optimum;
norms that bind and that do not, norms some subsets cannot meet, capacities, kept
centres, two care types sharing the centres; and the exact p-median / linked paths with
the tree in place of the MILP, against the same brute force."""

import math
import time

import numpy as np
import pytest

from analysis.locate import dispatch
from analysis.locate import norm_tree as norm_tree_mod
from analysis.locate.linked import linked_p_median
from analysis.locate.norm_tree import norm_tree
from analysis.locate.pmedian import p_median
from tests.analysis.locate.oracles import REL, brute_pmedian, instance, lp_assign, subsets
from tests.analysis.locate.test_norm_bound import block_of, tie_instance


@pytest.fixture(autouse=True)
def short_root(request, monkeypatch):
    """The tree's oracles run with the short root ascent of before issue 17's speed-up
    (stall limit 20, 1,500 iterations), so that the root leaves these small instances
    unproven and the branching is what the brute force checks; tests marked
    ``long_root`` keep the defaults."""
    if "long_root" not in request.keywords:
        monkeypatch.setattr(norm_tree_mod, "ROOT_STALL_LIMIT", 20)
        monkeypatch.setattr(norm_tree_mod, "ROOT_ITERATIONS", 1500)


def pricer(values):
    """price() over the subsets' brute-force values, recording every set asked for."""
    asked = []

    def price(pos):
        asked.append(tuple(int(j) for j in pos))
        return values[tuple(int(j) for j in pos)]

    return price, asked


def case(seed, k, kind):
    C, w = (tie_instance(seed, n=10, m=7, inf_share=0.3) if kind == "unreachable"
            else instance(seed, n=10, m=7))
    total = w.sum()
    minv = {"loose": 1.0, "binding": float(np.floor(total / (k + 1))),
            "tight": float(np.floor(0.95 * total / k)), "unreachable":
            float(np.floor(total / (k + 1))), "capacity": 0.0}[kind]
    cap = (np.full(C.shape[1], math.ceil(total / k) + 1.0) if kind == "capacity" else None)
    return C, w, minv, cap


KINDS = ("loose", "binding", "tight", "unreachable", "capacity")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("seed", range(5))
def test_finished_tree_proves_the_brute_force_optimum(seed, k, kind):
    C, w, minv, cap = case(seed, k, kind)
    m = C.shape[1]
    values = {S: lp_assign(C, w, S, C, minv, cap) for S in subsets(m, k)}
    opt = min(values.values())
    price, asked = pricer(values)
    # from no incumbent, and from the worst feasible plan as incumbent
    feasible = [v for v in values.values() if np.isfinite(v)]
    for upper in (math.inf, max(feasible, default=math.inf)):
        out = norm_tree([block_of(C, w, minv, cap)], m, k=k, keep=np.array([], int),
                        upper=upper, price=price, deadline=math.inf)
        assert out.finished
        if np.isfinite(opt):
            assert out.upper == pytest.approx(opt, rel=REL)
            assert opt * (1 - 1e-4) - 1e-9 <= out.bound <= opt + 1e-9
        else:  # no subset meets the norm: nothing priced is finite
            assert not np.isfinite(out.upper)
    assert asked  # the tree priced sets (its incumbents come from them)


def test_tree_branches_on_these_instances():
    """The oracle above is not vacuous: the root bound alone does not prove these, the
    tree evaluates more than one node on most of them."""
    branched = 0
    for seed in range(5):
        C, w, minv, cap = case(seed, 3, "tight")
        values = {S: lp_assign(C, w, S, C, minv, cap) for S in subsets(C.shape[1], 3)}
        price, _ = pricer(values)
        out = norm_tree([block_of(C, w, minv, cap)], C.shape[1], k=3,
                        keep=np.array([], int), upper=math.inf, price=price,
                        deadline=math.inf)
        branched += out.nodes > 1
    assert branched >= 3


@pytest.mark.parametrize("seed", range(4))
def test_tree_with_kept_and_closed_centres_matches_brute_force(seed):
    C, w, minv, _ = case(seed, 3, "binding")
    m = C.shape[1]
    keep, shut = (1,), (4,)
    values = {S: lp_assign(C, w, S, C, minv) for S in subsets(m, 3, keep)}
    opt = min(v for S, v in values.items() if 4 not in S)
    price, asked = pricer(values)
    out = norm_tree([block_of(C, w, minv)], m, k=3, keep=np.array(keep),
                    closed=np.array(shut), upper=math.inf, price=price, deadline=math.inf)
    assert out.finished and out.upper == pytest.approx(opt, rel=REL)
    assert all(1 in S and 4 not in S for S in asked)


@pytest.mark.parametrize("seed", range(4))
def test_tree_cut_by_its_node_limit_keeps_a_valid_bound(seed):
    C, w, minv, _ = case(seed, 3, "tight")
    values = {S: lp_assign(C, w, S, C, minv) for S in subsets(C.shape[1], 3)}
    opt = min(values.values())
    price, _ = pricer(values)
    out = norm_tree([block_of(C, w, minv)], C.shape[1], k=3, keep=np.array([], int),
                    upper=math.inf, price=price, deadline=math.inf, max_nodes=1)
    assert out.bound <= opt * (1 + 1e-9) + 1e-9
    assert out.upper >= opt * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_tree_of_two_types_sharing_centres_matches_brute_force(seed):
    C, _ = tie_instance(seed, n=9, m=6)
    rng = np.random.default_rng(seed + 7)
    D = rng.integers(0, 7, (2, 9)).astype(float)
    D[:, 0] = np.maximum(D[:, 0], 1.0)
    norms = [float(np.floor(D[0].sum() / 3)), float(np.floor(D[1].sum() / 3))]
    values = {S: sum(lp_assign(C, D[t], S, C, norms[t]) for t in range(2))
              for S in subsets(6, 3)}
    price, _ = pricer(values)
    out = norm_tree([block_of(C, D[t], norms[t]) for t in range(2)], 6, k=3,
                    keep=np.array([], int), upper=math.inf, price=price, deadline=math.inf)
    assert out.finished and out.upper == pytest.approx(min(values.values()), rel=REL)


@pytest.fixture
def tree_always(monkeypatch):
    """The exact path takes the tree whatever the model's size."""
    monkeypatch.setattr(dispatch, "NORM_TREE_MIN_PAIRS", -1)
    calls = []
    real = dispatch.norm_tree

    def spy(*a, **kw):
        out = real(*a, **kw)
        calls.append(out)
        return out

    monkeypatch.setattr(dispatch, "norm_tree", spy)
    return calls


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3])
def test_exact_kmedian_through_the_tree_matches_brute_force(seed, k, tree_always):
    C, w = tie_instance(seed, n=10, m=7)
    minv = float(np.floor(0.9 * w.sum() / k))
    opt = brute_pmedian(C, w, k, minv=minv)
    r = p_median(C, w, k=k, min_volume=minv, solver="exact", seed=seed)
    assert r.objective == pytest.approx(opt, rel=REL)
    assert r.status == "optimal" and r.bound <= r.objective + 1e-9
    if tree_always:  # the path may end before the tree (relaxation or Lagrangian)
        assert any("branch and bound" in note for note in r.warnings)


def test_the_tree_is_reached_on_these_instances(tree_always):
    """The path test above is not vacuous: the tree runs on some of its instances."""
    for seed in range(6):
        C, w = tie_instance(seed, n=10, m=7)
        p_median(C, w, k=3, min_volume=float(np.floor(0.9 * w.sum() / 3)), solver="exact",
                 seed=seed)
    assert len(tree_always) >= 2


@pytest.mark.parametrize("seed", range(4))
def test_linked_through_the_tree_matches_brute_force(seed, tree_always):
    C, _ = tie_instance(seed, n=9, m=6)
    rng = np.random.default_rng(seed + 7)
    D = rng.integers(0, 7, (2, 9)).astype(float)
    D[:, 0] = np.maximum(D[:, 0], 1.0)
    norms = [float(np.floor(D[0].sum() / 2.2)), float(np.floor(D[1].sum() / 2.5))]
    best = min(sum(lp_assign(C, D[t], S, C, norms[t]) for t in range(2))
               for S in subsets(6, 2))
    r = linked_p_median(C, D, k=2, min_volume=norms, solver="exact")
    assert r.objective == pytest.approx(best, rel=REL)
    assert r.status == "optimal" and r.bound <= r.objective + 1e-9


@pytest.mark.parametrize("seed", range(5))
def test_lagrangian_heuristic_prices_k_sets_and_keeps_a_valid_bound(seed):
    """norm_lagrangian with a price callback: every set it prices has k centres, the
    plans it finds are the subsets' true values, and its bound (at a target lowered by
    those plans, and warm-started again from its multipliers) stays below the optimum."""
    from analysis.locate.norm_bound import norm_lagrangian

    C, w, minv, _ = case(seed, 3, "tight")
    values = {S: lp_assign(C, w, S, C, minv) for S in subsets(C.shape[1], 3)}
    opt = min(values.values())
    price, asked = pricer(values)
    blk = [block_of(C, w, minv)]
    lag = norm_lagrangian(blk, C.shape[1], k=3, keep=np.array([], int), upper=math.inf,
                          deadline=math.inf, max_iter=400, price=price, price_every=5)
    assert asked and all(len(S) == 3 for S in asked)
    assert lag.value <= opt * (1 + 1e-9) + 1e-9
    again = norm_lagrangian(blk, C.shape[1], k=3, keep=np.array([], int), upper=opt,
                            deadline=math.inf, max_iter=50, u0=lag.us, mu0=lag.mus,
                            lam0=lag.lams, theta0=0.5)
    assert lag.value - 1e-9 <= again.value <= opt * (1 + 1e-9) + 1e-9


@pytest.mark.long_root
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(5))
def test_finished_tree_with_the_default_root_proves_the_brute_force_optimum(seed, kind):
    C, w, minv, cap = case(seed, 3, kind)
    values = {S: lp_assign(C, w, S, C, minv, cap) for S in subsets(C.shape[1], 3)}
    opt = min(values.values())
    price, _ = pricer(values)
    out = norm_tree([block_of(C, w, minv, cap)], C.shape[1], k=3, keep=np.array([], int),
                    upper=math.inf, price=price, deadline=math.inf)
    assert norm_tree_mod.ROOT_STALL_LIMIT == 300
    assert out.finished
    if np.isfinite(opt):
        assert out.upper == pytest.approx(opt, rel=REL)
        assert out.bound <= opt * (1 + 1e-9) + 1e-9
    else:
        assert not np.isfinite(out.upper)


def _recording_lagrangian(monkeypatch):
    """norm_tree's norm_lagrangian, recording the time of each call and its keywords."""
    calls = []
    inner = norm_tree_mod.norm_lagrangian

    def lag(*a, **kw):
        calls.append((time.perf_counter(), kw))
        return inner(*a, **kw)

    monkeypatch.setattr(norm_tree_mod, "norm_lagrangian", lag)
    return calls


@pytest.mark.parametrize("share", [0.4, 0.05])
def test_root_ascent_ends_at_its_share_of_the_tree_time(monkeypatch, share):
    """The root's ascent is given at most ROOT_TIME_SHARE of the time from the tree's
    start to its deadline (its length in iterations costs more wall time on a loaded
    machine); every other node's ascent gets the tree's deadline."""
    monkeypatch.setattr(norm_tree_mod, "ROOT_TIME_SHARE", share)
    calls = _recording_lagrangian(monkeypatch)
    C, w, minv, _ = case(1, 3, "tight")
    values = {S: lp_assign(C, w, S, C, minv) for S in subsets(C.shape[1], 3)}
    price, _ = pricer(values)
    t0 = time.perf_counter()
    deadline = t0 + 1000.0
    out = norm_tree([block_of(C, w, minv)], C.shape[1], k=3, keep=np.array([], int),
                    upper=math.inf, price=price, deadline=deadline)
    assert out.finished and len(calls) > 1  # nodes whose fixes decide the set: no ascent
    (called, root), rest = calls[0], calls[1:]
    # the share of (deadline - start), the start between t0 and the root's call
    assert t0 + share * (deadline - called) <= root["deadline"]
    assert root["deadline"] <= called + share * (deadline - t0)
    assert all(kw["deadline"] == deadline for _, kw in rest)


@pytest.mark.parametrize("seed", range(4))
def test_tree_whose_root_share_is_nil_still_matches_brute_force(monkeypatch, seed):
    """ROOT_TIME_SHARE = 0: the root's ascent runs no iteration, the tree goes on with the
    nodes' ascents (it does not stop at the root's share) and proves the optimum."""
    monkeypatch.setattr(norm_tree_mod, "ROOT_TIME_SHARE", 0.0)
    C, w, minv, _ = case(seed, 3, "tight")
    values = {S: lp_assign(C, w, S, C, minv) for S in subsets(C.shape[1], 3)}
    opt = min(values.values())
    price, _ = pricer(values)
    out = norm_tree([block_of(C, w, minv)], C.shape[1], k=3, keep=np.array([], int),
                    upper=math.inf, price=price, deadline=time.perf_counter() + 1000.0)
    assert out.finished
    assert out.upper == pytest.approx(opt, rel=REL)
    assert opt * (1 - 1e-4) - 1e-9 <= out.bound <= opt + 1e-9

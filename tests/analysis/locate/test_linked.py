"""linked_p_median: brute force over every k-subset (with and without norms, keep/close,
per-type candidates), the no-norm reduction against the linked MILP, hypothesis
properties, and the bad-input messages."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.locate import InfeasibleScenario
from analysis.locate.linked import common_candidates, linked_p_median
from tests.analysis.locate.oracles import REL, instance, lp_assign, subsets


def linked_instance(seed: int, n: int = 9, m: int = 6, T: int = 2, inf_share: float = 0.0):
    C, _ = instance(seed, n, m, inf_share=inf_share)
    rng = np.random.default_rng(seed + 1000)
    D = rng.integers(0, 7, (T, n)).astype(float)
    D[:, 0] = np.maximum(D[:, 0], 1.0)  # every type has demand
    return C, D


def brute_linked(C, D, k, weights, norms, keep=(), allowed=None):
    """Least weighted travel over every k-subset; per type the LP assignment (with its
    norm) or the nearest open centre."""
    best, best_S = math.inf, None
    for S in subsets(C.shape[1], k, keep, allowed):
        total = 0.0
        for t in range(D.shape[0]):
            w = D[t]
            if norms[t] > 0:
                val = lp_assign(C, w, S, C, norms[t])
            else:
                d = C[:, S].min(axis=1)
                pos = w > 0
                val = math.inf if np.isinf(d[pos]).any() else float(w[pos] @ d[pos])
            total += weights[t] * val
        if total < best:
            best, best_S = total, S
    return best, best_S


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_linked_no_norm_matches_brute_force(seed, k):
    C, D = linked_instance(seed)
    weights = [1.0, 2.5]
    r = linked_p_median(C, D, k=k, weights=weights, solver="exact")
    best, _ = brute_linked(C, D, k, weights, [0.0, 0.0])
    assert r.objective == pytest.approx(best, rel=REL)
    assert r.formulation == "reduction" and r.status == "optimal"
    # the summed objective is the weighted sum of the types' own patient-minutes
    assert r.objective == pytest.approx(sum(w * p.objective for w, p in zip(weights,
                                                                           r.parts,
                                                                           strict=True)))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3])
def test_linked_norms_match_brute_force(seed, k):
    C, D = linked_instance(seed, n=8, m=5)
    norms = [float(np.floor(D[0].sum() / (k + 1))), 0.0]
    r = linked_p_median(C, D, k=k, min_volume=norms, solver="exact")
    best, _ = brute_linked(C, D, k, [1.0, 1.0], norms)
    assert r.objective == pytest.approx(best, rel=REL)
    assert r.status == "optimal" and r.formulation == "milp"
    # every open centre meets the norm of the type that has one
    assert all(r.parts[0].volume[j] >= norms[0] - 1e-6 for j in r.open)


@pytest.mark.parametrize("seed", range(4))
def test_linked_norms_both_types_keep_close_match_brute_force(seed):
    C, D = linked_instance(seed, n=9, m=6, T=3)
    k, keep, close = 3, [1], [4]
    norms = [2.0, 3.0, None]
    weights = [1.0, 0.5, 2.0]
    r = linked_p_median(C, D, k=k, weights=weights, min_volume=norms, keep=keep, close=close,
                        solver="exact")
    allowed = [j for j in range(6) if j not in close]
    best, _ = brute_linked(C, D, k, weights, [2.0, 3.0, 0.0], keep=keep, allowed=allowed)
    assert r.objective == pytest.approx(best, rel=REL)
    assert 1 in r.open and 4 not in r.open


@pytest.mark.parametrize("seed", range(4))
def test_linked_heuristic_with_norms_is_feasible_and_bounded(seed):
    C, D = linked_instance(seed, n=8, m=5)
    norms = [2.0, 2.0]
    r = linked_p_median(C, D, k=2, min_volume=norms, solver="heuristic")
    best, _ = brute_linked(C, D, 2, [1.0, 1.0], norms)
    assert r.objective >= best * (1 - REL)
    assert r.bound <= best * (1 + REL)
    for p, v in zip(r.parts, norms, strict=True):
        assert all(p.volume[j] >= v - 1e-6 for j in r.open)


@pytest.mark.parametrize("seed", range(5))
def test_linked_reduction_equals_linked_milp(seed):
    # a norm of 0 on one type and a tiny norm (met by any plan) on the other: the MILP
    # then answers the norm-free problem, which must equal the reduction's optimum
    C, D = linked_instance(seed, n=10, m=6)
    free = linked_p_median(C, D, k=3, weights=[1.0, 3.0], solver="exact")
    milp = linked_p_median(C, D, k=3, weights=[1.0, 3.0], min_volume=[1e-9, 0.0],
                           solver="exact")
    assert milp.formulation == "milp"
    assert milp.objective == pytest.approx(free.objective, rel=REL)


def test_linked_per_type_candidates_use_the_intersection():
    C, D = linked_instance(3, n=9, m=6)
    r = linked_p_median(C, D, k=2, candidates=[[0, 1, 2, 3], [1, 2, 3, 5]], solver="exact")
    assert set(r.open) <= {1, 2, 3}
    assert r.candidates == (1, 2, 3)
    best, _ = brute_linked(C, D, 2, [1.0, 1.0], [0.0, 0.0], allowed=[1, 2, 3])
    assert r.objective == pytest.approx(best, rel=REL)


def test_linked_no_common_candidate_quotes_the_sizes():
    C, D = linked_instance(0)
    with pytest.raises(InfeasibleScenario, match=r"in common: 0") as e:
        linked_p_median(C, D, k=1, candidates=[[0, 1], [2, 3, 4]])
    assert "2, 3" in str(e.value)
    assert common_candidates([[0, 1], None], 4).tolist() == [0, 1]


def test_linked_k_above_common_candidates_is_infeasible():
    C, D = linked_instance(0)
    with pytest.raises(InfeasibleScenario, match=r"k=3 centres but only 2"):
        linked_p_median(C, D, k=3, candidates=[[0, 1, 2], [1, 2, 4]])


def test_linked_norm_too_high_names_the_type():
    C, D = linked_instance(0)
    with pytest.raises(InfeasibleScenario, match=r"^care type 1: k=2 centres x min_volume"):
        linked_p_median(C, D, k=2, min_volume=[None, 1e6])


def test_linked_rejects_capacity_and_bad_weights():
    C, D = linked_instance(0)
    with pytest.raises(ValueError, match="capacity is not supported"):
        linked_p_median(C, D, k=1, capacity=10.0)
    with pytest.raises(ValueError, match="weights must be 2 positive"):
        linked_p_median(C, D, k=1, weights=[1.0, 0.0])


def test_linked_unreachable_area_is_unserved_for_its_type():
    C, D = linked_instance(1, n=6, m=4)
    C[2, :] = np.inf
    D[:, 2] = [3.0, 0.0]
    r = linked_p_median(C, D, k=2, solver="exact")
    assert 2 in r.parts[0].unserved and 2 not in r.parts[1].unserved
    assert r.parts[0].unserved_demand == pytest.approx(3.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4),
       norm=st.sampled_from([0.0, 1.0, 2.0]))
def test_linked_properties(seed, k, norm):
    """Patients only go to open centres; each type's volumes sum to its served demand;
    sharing the centres never beats the sum of the types' separate optima."""
    C, D = linked_instance(seed, n=8, m=5)
    try:
        r = linked_p_median(C, D, k=k, min_volume=[norm, 0.0], solver="exact",
                            time_limit=20)
    except InfeasibleScenario:
        return
    closed = np.setdiff1d(np.arange(C.shape[1]), r.open)
    for t, p in enumerate(r.parts):
        assert np.all(p.volume[closed] == 0)
        assert p.volume.sum() == pytest.approx(D[t].sum() - p.unserved_demand)
    # lower bound: the sum of the types' separate optima (each may pick its own k centres)
    sep = sum(brute_linked(C, D[t:t + 1], k, [1.0], [[norm, 0.0][t]])[0] for t in range(2))
    assert r.objective >= sep * (1 - REL) - 1e-9

"""p_median: hand cases and brute-force oracles (plain, unreachable pairs, norm and
capacity, short candidate lists)."""

from itertools import combinations

import numpy as np
import pytest

from analysis.locate import InfeasibleScenario, p_median
from tests.analysis.locate.oracles import brute_pmedian, close, instance, list_instance


def test_pmedian_hand_case_nearest_and_objective():
    C = np.array([[0.0, 10.0, 7.0], [10.0, 0.0, 7.0], [6.0, 6.0, 0.0]])
    w = np.array([1.0, 1.0, 5.0])
    r = p_median(C, w, k=1, solver="exact")
    assert r.open == (2,)
    assert r.objective == pytest.approx(14.0)
    assert r.status == "optimal" and r.gap == 0
    np.testing.assert_array_equal(r.centre, [2, 2, 2])
    np.testing.assert_allclose(r.volume, [0, 0, 7])


def test_pmedian_keep_forces_centre():
    C = np.array([[0.0, 10.0, 7.0], [10.0, 0.0, 7.0], [6.0, 6.0, 0.0]])
    r = p_median(C, [1.0, 1.0, 5.0], k=1, keep=[0], solver="exact")
    assert r.open == (0,)
    assert r.objective == pytest.approx(0 + 10 + 30)


def test_pmedian_min_volume_splits_area():
    # two areas next to hospital 0, one small area next to hospital 1, norm 2
    C = np.array([[1.0, 20.0], [1.0, 20.0], [20.0, 1.0]])
    w = np.array([2.0, 2.0, 1.0])
    r = p_median(C, w, k=2, min_volume=2.0, solver="exact")
    assert r.open == (0, 1)
    np.testing.assert_allclose(r.volume, [3.0, 2.0])
    # 1 patient moves 0 -> 1 (cost 20 instead of 1), area 2 stays: 3*1 + 1*20 + 1*1
    assert r.objective == pytest.approx(24.0)
    rows = np.asarray(r.assignment.sum(axis=1)).ravel()
    np.testing.assert_allclose(rows, 1.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_pmedian_matches_brute_force(seed, solver):
    C, w = instance(seed)
    k = 2 + seed % 3
    keep = (seed % 7,) if seed % 2 else ()
    closed = ((seed + 3) % 7,) if seed % 3 == 0 else ()
    allowed = [j for j in range(7) if j not in closed]
    opt = brute_pmedian(C, w, k, keep, allowed)
    r = p_median(C, w, k=k, keep=list(keep), close=list(closed), solver=solver, seed=seed)
    assert r.objective >= opt - 1e-6 * opt
    if solver == "exact":
        assert close(r.objective, opt) and r.status == "optimal"
    assert r.bound <= opt + 1e-6 * opt  # the bound is valid
    assert r.objective <= r.bound * (1 + r.gap) + 1e-6  # and the gap honest
    assert set(keep) <= set(r.open) and not set(closed) & set(r.open)


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_with_unreachable_pairs_matches_brute_force(seed):
    C, w = instance(seed + 20, inf_share=0.3)
    opt = brute_pmedian(C, w, 3)
    if not np.isfinite(opt):
        with pytest.raises(InfeasibleScenario):
            p_median(C, w, k=3, solver="exact")
        return
    r = p_median(C, w, k=3, solver="exact")
    assert close(r.objective, opt)
    h = p_median(C, w, k=3, solver="heuristic")
    assert h.objective >= opt - 1e-6
    assert np.isfinite(np.asarray(r.assignment.multiply(C).sum()))  # never on an inf pair


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_pmedian_min_volume_and_capacity_match_brute_force(seed, solver):
    C, w = instance(seed + 40, n=9, m=6, zeros=False)
    total = w.sum()
    k = 3
    minv = round(total / 5, 1)
    cap = np.full(6, round(total / 2.2, 1))
    opt = brute_pmedian(C, w, k, minv=minv, cap=cap)
    r = p_median(C, w, k=k, min_volume=minv, capacity=cap, solver=solver, seed=seed)
    if solver == "exact":
        assert close(r.objective, opt)
    else:
        assert r.objective >= opt - 1e-6 * opt
        assert r.bound <= opt + 1e-6 * opt
    vols = r.volume[list(r.open)]
    assert (vols >= minv - 1e-6).all() and (vols <= cap[list(r.open)] + 1e-6).all()


@pytest.mark.parametrize("seed", range(6))
def test_pmedian_with_short_lists_matches_brute_force(seed, short_lists):
    C, w = list_instance(seed + 50, n=30, m=10, inf_share=0.1 if seed % 2 else 0.0)
    k = 2 + seed % 3
    keep = (seed,) if seed >= 3 else ()
    W = np.where(np.isinf(C), 1e18, C)
    opt = min(float(w @ W[:, list(S)].min(axis=1))
              for S in combinations(range(10), k) if set(keep) <= set(S))
    h = p_median(C, w, k=k, keep=list(keep), solver="heuristic", seed=seed)
    assert h.objective >= opt * (1 - 1e-9)
    assert h.bound <= opt * (1 + 1e-9)  # the list-restricted Lagrangian stays valid
    e = p_median(C, w, k=k, keep=list(keep), solver="exact")
    assert e.objective == pytest.approx(opt, rel=1e-9) and e.status == "optimal"
    assert e.bound <= opt * (1 + 1e-9)

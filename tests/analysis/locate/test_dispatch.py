"""Solver choice and the k-median engine, against brute force."""

import numpy as np
import pytest

from analysis.locate.dispatch import AUTO_EXACT_MAX_PAIRS, kmedian, pick_solver
from analysis.locate.problem import prepare
from tests.analysis.locate.oracles import brute_mclp, brute_pmedian, close, instance


def problem(C, w, k, **options):
    base = {"radius": None, "keep": None, "close": None, "candidates": None,
            "min_volume": None, "capacity": None}
    return prepare(C, w, k=k, **(base | options), time_limit=30.0, seed=0, need_radius=False)


def test_pick_solver_auto_by_pairs_and_refuses_unknown():
    small = problem(np.ones((2, 3)), [1.0, 1.0], 1)
    assert pick_solver(small, "auto") == "exact"
    assert pick_solver(small, "heuristic") == "heuristic"
    n = AUTO_EXACT_MAX_PAIRS // 2 + 1  # n x 2 pairs: just above the threshold
    large = problem(np.ones((n, 2)), np.ones(n), 1)
    assert pick_solver(large, "auto") == "heuristic"
    with pytest.raises(ValueError, match="solver must be one of"):
        pick_solver(small, "cbc")


@pytest.mark.parametrize("solver", ["exact", "heuristic"])
@pytest.mark.parametrize("seed", range(3))
def test_kmedian_on_minutes_and_on_a_coverage_cost_match_brute_force(seed, solver):
    C, w = instance(seed + 600, n=12, m=7)
    prob = problem(C, w, 3)
    sol = kmedian(prob, 3, solver)
    opt = brute_pmedian(C, w, 3)
    assert sol.objective >= opt * (1 - 1e-9) and sol.bound <= opt * (1 + 1e-9)
    if solver == "exact":
        assert close(sol.objective, opt) and sol.status == "optimal"
    # 0/1 cost (1 = beyond 30 min): the uncovered demand of the best 3 centres
    cover = kmedian(prob, 3, solver, cost=(C > 30.0).astype(float))
    uncovered = w.sum() - brute_mclp(C, w, 3, 30.0)
    assert cover.objective >= uncovered - 1e-9 and cover.bound <= uncovered + 1e-9
    if solver == "exact":
        assert close(cover.objective, uncovered)


@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_kmedian_with_capacity_returns_shares_of_the_pairs(solver):
    C, w = instance(640, n=9, m=6, zeros=False)
    cap = np.full(6, round(w.sum() / 2.2, 1))
    sol = kmedian(problem(C, w, 3, capacity=cap), 3, solver)
    assert sol.shares is not None
    rows = np.bincount(sol.shares.rows, weights=sol.shares.share, minlength=9)
    np.testing.assert_allclose(rows, 1.0, atol=1e-7)  # every area fully allocated
    opt = brute_pmedian(C, w, 3, cap=cap)
    assert sol.objective >= opt * (1 - 1e-9)
    if solver == "exact":
        assert close(sol.objective, opt)

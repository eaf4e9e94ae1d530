"""The shared MILP row builder and the fractional assignment model."""

import numpy as np
import pytest
from scipy.optimize import Bounds

from analysis.locate.milp import Rows, assignment_milp, finite_pairs, run_milp, y_bounds
from analysis.locate.problem import prepare
from tests.analysis.locate.oracles import brute_pmedian, close, instance, lp_assign, subsets


def test_rows_assemble_the_blocks_in_order_hand_case():
    # variables: y0, y1 (open flags), x2, x3 (pairs: area 0 -> centre 0, area 0 -> centre 1)
    rows = Rows(4)
    rows.assignment(np.array([0, 0]), np.array([2, 3]), 1)
    rows.linking(np.array([2, 3]), np.array([0, 1]))
    rows.count(np.array([0, 1]), 1, 1)
    A, lo, hi = rows.matrix()
    np.testing.assert_array_equal(A.toarray(), [[0, 0, 1, 1],      # x2 + x3 = 1
                                      [-1, 0, 1, 0],     # x2 - y0 <= 0
                                      [0, -1, 0, 1],     # x3 - y1 <= 0
                                      [1, 1, 0, 0]])     # y0 + y1 = 1
    np.testing.assert_array_equal(lo, [1, -np.inf, -np.inf, 1])
    np.testing.assert_array_equal(hi, [1, 0, 0, 1])
    out = rows.solve(np.array([0, 0, 5.0, 3.0]), np.array([1, 1, 0, 0]), Bounds(0, 1), 5.0)
    assert out.status == "optimal" and out.objective == pytest.approx(3.0)
    np.testing.assert_allclose(out.x, [0, 1, 0, 1], atol=1e-9)


def test_rows_count_row_bounds_the_number_of_open_flags():
    rows = Rows(3)
    rows.count(np.arange(3), 2, 2)
    out = rows.solve(np.array([3.0, 1.0, 2.0]), np.ones(3), Bounds(0, 1), 5.0)
    assert out.objective == pytest.approx(3.0)  # the two cheapest flags
    np.testing.assert_allclose(out.x, [0, 1, 1], atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_assignment_milp_matches_brute_force_with_norm_and_capacity(seed):
    C, w = instance(seed + 400, n=8, m=5, zeros=False)
    k, minv = 2, round(w.sum() / 4, 1)
    cap = np.full(5, round(w.sum() / 1.6, 1))
    prob = prepare(C, w, k=k, radius=None, keep=None, close=None, candidates=None,
                   min_volume=minv, capacity=cap, time_limit=30.0, seed=0, need_radius=False)
    pairs = finite_pairs(prob)
    ylb, yub = y_bounds(prob)
    weights = prob.w[prob.active]
    out = assignment_milp(prob.active.size, 5, pairs.rows, pairs.cols,
                          weights[pairs.rows] * pairs.cost, weights, k=k, count_cost=0.0,
                          minv=minv, cap=cap, y_lb=ylb, y_ub=yub, integral=True,
                          time_limit=30.0)
    assert close(out.objective, brute_pmedian(C, w, k, minv=minv, cap=cap))


@pytest.mark.parametrize("seed", range(3))
def test_assignment_milp_with_fixed_flags_is_the_transport_lp(seed):
    C, w = instance(seed + 420, n=7, m=4, zeros=False)
    cap = np.full(4, round(w.sum() / 1.8, 1))
    prob = prepare(C, w, k=2, radius=None, keep=None, close=None, candidates=None,
                   min_volume=None, capacity=cap, time_limit=30.0, seed=0, need_radius=False)
    pairs = finite_pairs(prob)
    weights = prob.w[prob.active]
    for S in subsets(4, 2):
        y = np.zeros(4)
        y[list(S)] = 1.0
        out = assignment_milp(prob.active.size, 4, pairs.rows, pairs.cols,
                              weights[pairs.rows] * pairs.cost, weights, k=None,
                              count_cost=0.0, minv=0.0, cap=cap, y_lb=y, y_ub=y,
                              integral=False, time_limit=30.0)
        expected = lp_assign(C, w, S, C, 0.0, cap)
        if np.isfinite(expected):
            assert close(out.objective, expected)
        else:
            assert out.status == "infeasible"


def _norm_model(seed: int, n: int = 12, m: int = 7, k: int = 3, share: float = 0.2):
    """The p-median with a norm as rows (y first, then one x per finite pair), its brute-force
    optimum, and the parts run_milp takes."""
    C, w = instance(seed, n=n, m=m, zeros=False)
    minv = round(w.sum() * share, 1)
    prob = prepare(C, w, k=k, min_volume=minv, time_limit=30.0)
    pairs = finite_pairs(prob)
    P = pairs.rows.size
    xi = m + np.arange(P)
    weights = prob.w[prob.active]
    rows = Rows(m + P)
    rows.assignment(pairs.rows, xi, prob.active.size)
    rows.linking(xi, pairs.cols)
    rows.volume(pairs.cols, xi, weights[pairs.rows], m, np.arange(m), np.full(m, -minv), 0.0,
                np.inf)
    rows.count(np.arange(m), k, k)
    A, lo, hi = rows.matrix()
    c = np.concatenate([np.zeros(m), weights[pairs.rows] * pairs.cost])
    integ = np.concatenate([np.ones(m), np.zeros(P)])
    return brute_pmedian(C, w, k, minv=minv), (c, A, lo, hi, integ, Bounds(0, 1))


@pytest.mark.parametrize("seed", range(4))
def test_run_milp_from_a_start_matches_brute_force(seed):
    best, (c, A, lo, hi, integ, bounds) = _norm_model(seed + 440)
    assert np.isfinite(best)
    # a feasible start that need not be optimal: the optimum of another objective (scipy)
    other = run_milp(-c, A, lo, hi, integ, bounds, 30.0)
    assert other.x is not None and float(c @ other.x) > best
    out = run_milp(c, A, lo, hi, integ, bounds, 30.0, start=other.x)
    assert out.status == "optimal" and close(out.objective, best)
    assert close(out.bound, best)


def test_run_milp_hands_the_start_to_highs():
    # with no branch-and-bound node allowed HiGHS has no solution of its own on this model,
    # so whatever it returns is the start it was given
    _, (c, A, lo, hi, integ, bounds) = _norm_model(441)
    none = run_milp(c, A, lo, hi, integ, bounds, 30.0, node_limit=0)
    assert none.x is None
    start = run_milp(-c, A, lo, hi, integ, bounds, 30.0).x  # feasible, the worst there is
    assert start is not None
    out = run_milp(c, A, lo, hi, integ, bounds, 30.0, start=start, node_limit=0)
    assert out.x is not None and out.status == "time_limit"
    assert close(out.objective, float(c @ start))


def test_run_milp_ignores_an_infeasible_start():
    best, (c, A, lo, hi, integ, bounds) = _norm_model(442)
    out = run_milp(c, A, lo, hi, integ, bounds, 30.0, start=np.zeros(c.size))
    assert out.status == "optimal" and close(out.objective, best)

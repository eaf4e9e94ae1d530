"""The Lagrangian bound is valid and its column values exact on short lists."""

import time
from itertools import combinations

import numpy as np
import pytest

from analysis.locate.lagrangian import pmedian_lagrangian
from tests.analysis.locate.oracles import brute_cost, list_instance, work


@pytest.mark.parametrize("margin", [None, 0, 4])
@pytest.mark.parametrize("seed", range(3))
def test_lagrangian_is_a_valid_bound_and_rho_exact(seed, margin, short_lists):
    C, w = list_instance(seed + 70, n=30, m=9)
    k = 3
    W = work(C, w, k)
    opt = min(brute_cost(W, S) for S in combinations(range(9), k))
    sol = np.array([0, 1, 2])
    bound = pmedian_lagrangian(W, k, opt, sol, time.perf_counter() + 60, max_iter=50,
                               margin=margin)
    lag, rho = bound.value, bound.rho
    assert lag <= opt * (1 + 1e-12)
    assert rho is not None and rho.shape == (9,) and (rho <= 0).all()


def _lp_bound(W, k, keep=()):
    """The LP relaxation of the p-median (scipy HiGHS): no Lagrangian value can exceed it."""
    from scipy.optimize import linprog
    from scipy.sparse import lil_matrix

    n, m = W.n, W.m
    nv = m + n * m  # y_j, then x_ij row-major
    c = np.concatenate([np.zeros(m), (W.w[:, None] * np.asarray(W.M, float)).ravel()])
    A_eq = lil_matrix((n + 1, nv))
    for i in range(n):
        A_eq[i, m + i * m:m + (i + 1) * m] = 1.0
    A_eq[n, :m] = 1.0
    A_ub = lil_matrix((n * m, nv))
    for i in range(n):
        for j in range(m):
            A_ub[i * m + j, m + i * m + j] = 1.0
            A_ub[i * m + j, j] = -1.0
    bounds = [(1.0 if j in keep else 0.0, 1.0) for j in range(m)] + [(0.0, 1.0)] * (n * m)
    res = linprog(c, A_ub=A_ub.tocsr(), b_ub=np.zeros(n * m), A_eq=A_eq.tocsr(),
                  b_eq=np.concatenate([np.ones(n), [k]]), bounds=bounds, method="highs")
    assert res.status == 0
    return res.fun


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_deflected_scaled_bound_stays_below_the_lp_and_the_optimum(seed, dtype, short_lists):
    """Many iterations of the deflected, weight-scaled step (heavy and light areas, a kept
    centre, float32 working precision, short lists): the value never passes the LP
    relaxation (the Lagrangian dual's maximum) nor the brute-force optimum, and it
    improves on the trivial bound (each area at its nearest candidate)."""
    C, w = list_instance(seed + 90, n=24, m=8)
    w = w * np.random.default_rng(seed).lognormal(0, 1.5, w.size)  # weights vary 100-fold
    k, keep = 3, (5,)
    W = work(C.astype(dtype), w, k, keep=keep)
    opt = min(brute_cost(W, S) for S in combinations(range(8), k) if 5 in S)
    lp = _lp_bound(W, k, keep)
    sol = np.array([0, 1, 5])
    trivial = float(W.w @ np.asarray(W.M, float).min(axis=1))
    for rule in ("deflected", "plain"):
        for margin in (None, 0, 4):
            lag = pmedian_lagrangian(W, k, brute_cost(W, sol), sol, time.perf_counter() + 60,
                                     max_iter=300, margin=margin, rule=rule).value
            assert lag <= lp * (1 + 1e-6) + 1e-6
            assert lag <= opt * (1 + 1e-9)
        assert lag > trivial


def test_unknown_rule_is_rejected():
    C, w = list_instance(1, n=10, m=4)
    W = work(C, w, 2)
    with pytest.raises(ValueError, match="rule must be"):
        pmedian_lagrangian(W, 2, 1.0, np.array([0, 1]), time.perf_counter() + 5, rule="x")


def test_entry_budget_caps_the_iterations(caplog):
    """entry_budget / (list entries) iterations, never fewer than min_iter (sizes only)."""
    C, w = list_instance(5, n=40, m=12)
    W = work(C, w, 3)
    sol = np.array([0, 1, 2])
    ub = brute_cost(W, sol) * 10  # far above: the search never stops early on the gap
    entries = W.n * W.lists(3).K  # margin None: every list entry
    caplog.set_level("DEBUG", logger="analysis.locate")
    for budget, floor, expect in [(entries * 7, 1, 7), (entries * 2, 5, 5)]:
        caplog.clear()
        pmedian_lagrangian(W, 3, ub, sol, time.perf_counter() + 60, max_iter=50,
                           entry_budget=budget, min_iter=floor)
        its = [r.locate_bound["iterations"] for r in caplog.records
               if hasattr(r, "locate_bound")]
        assert its == [expect]


@pytest.mark.parametrize("rule", ["deflected", "plain"])
def test_a_low_ub_stops_the_search_with_a_valid_bound(rule):
    """ub below the optimum (e.g. a wrong incumbent): the search stops as soon as its
    value reaches ub, and what it returns is still a valid bound of the optimum."""
    C, w = list_instance(11, n=30, m=9)
    k = 3
    W = work(C, w, k)
    opt = min(brute_cost(W, S) for S in combinations(range(9), k))
    lag = pmedian_lagrangian(W, k, 0.5 * opt, np.array([0, 1, 2]), time.perf_counter() + 60,
                             max_iter=300, rule=rule).value
    assert lag <= opt * (1 + 1e-12)

"""The Lagrangian bound is valid and its column values exact on short lists."""

import time
from itertools import combinations

import numpy as np
import pytest

from analysis.locate.lagrangian import aggregated_lagrangian, lagrangian_value, pmedian_lagrangian
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


def _dense_value(W, k, u):
    """L(u) from the whole working matrix (no lists): the hand formula."""
    rho = np.minimum(W.w[:, None] * np.asarray(W.M, float) - u[:, None], 0.0).sum(axis=0)
    keep = np.flatnonzero(W.keep_mask)
    free = np.flatnonzero(~W.keep_mask)
    chosen = np.concatenate([keep, free[np.argsort(rho[free])][:k - keep.size]])
    return float(u.sum() + rho[chosen].sum())


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_value_is_the_dense_formula_and_a_valid_bound(seed, short_lists):
    """Any multipliers (negative, far beyond the lists): the value is L at the returned
    multipliers, which are the given ones lowered to w_i rad_i at most, computed from the
    whole matrix by hand; it never exceeds the brute-force optimum."""
    C, w = list_instance(seed + 120, n=30, m=9, inf_share=0.1 if seed % 2 else 0.0)
    k, keep = 3, ((4,) if seed >= 2 else ())
    W = work(C, w, k, keep=keep)
    opt = min(brute_cost(W, S) for S in combinations(range(9), k) if set(keep) <= set(S))
    rng = np.random.default_rng(seed)
    M = np.asarray(W.M, float)
    for scale in (0.5, 1.0, 3.0):
        u = W.w * M.min(axis=1) * scale + rng.normal(0, 5, W.n)
        lag = lagrangian_value(W, k, u)
        rad = W.lists(k).rad
        assert lag.u is not None and np.all(lag.u <= u) and np.all(lag.u <= W.w * rad)
        np.testing.assert_array_equal(lag.u, np.minimum(u, W.w * rad))
        assert lag.value == pytest.approx(_dense_value(W, k, lag.u), rel=1e-12, abs=1e-9)
        assert lag.value <= opt * (1 + 1e-12)


def _lp_duals(W, k):
    """LP relaxation value and the duals of its assignment rows (scipy HiGHS)."""
    from scipy.optimize import linprog
    from scipy.sparse import lil_matrix

    n, m = W.n, W.m
    nv = m + n * m
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
    res = linprog(c, A_ub=A_ub.tocsr(), b_ub=np.zeros(n * m), A_eq=A_eq.tocsr(),
                  b_eq=np.concatenate([np.ones(n), [k]]), bounds=(0, 1), method="highs")
    assert res.status == 0
    return res.fun, res.eqlin.marginals[:n]


@pytest.mark.parametrize("seed", range(5))
def test_lagrangian_value_at_the_lp_duals_is_the_lp_value(seed):
    """At the LP's assignment duals L(u) is the LP relaxation's value (the subproblem has
    integral LPs), hence the brute-force optimum wherever the LP is tight."""
    C, w = list_instance(seed + 140, n=20, m=7)
    k = 2 + seed % 2
    W = work(C, w, k)
    lp, u = _lp_duals(W, k)
    opt = min(brute_cost(W, S) for S in combinations(range(7), k))
    value = lagrangian_value(W, k, u).value
    assert value == pytest.approx(lp, rel=1e-7)
    assert value <= opt * (1 + 1e-9)
    if lp == pytest.approx(opt, rel=1e-9):
        assert value == pytest.approx(opt, rel=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_aggregated_bound_is_valid_for_the_full_instance(seed, short_lists):
    """Multipliers fitted on the aggregate and evaluated on the full instance: never
    above the brute-force optimum (short lists, infinities, a kept centre), and above
    the trivial bound."""
    C, w = list_instance(seed + 160, n=60, m=9, inf_share=0.1 if seed % 2 else 0.0)
    k, keep = 3, ((2,) if seed >= 3 else ())
    W = work(C, w, k, keep=keep)
    subsets_ = [S for S in combinations(range(9), k) if set(keep) <= set(S)]
    opt_set = min(subsets_, key=lambda S: brute_cost(W, S))
    opt = brute_cost(W, opt_set)
    lag = aggregated_lagrangian(W, k, np.array(opt_set), time.perf_counter() + 60, 100)
    assert lag.value <= opt * (1 + 1e-12)
    assert lag.value > float(W.w @ np.asarray(W.M, float).min(axis=1))


@pytest.mark.parametrize("seed", range(6))
def test_split_rounds_keep_a_valid_bound_at_least_the_unsplit_one(seed, short_lists,
                                                                 monkeypatch):
    """The split rounds (forced: gap target 0) give a bound never above the brute-force
    optimum (float32 and float64, infinities, a kept centre) and above the bound
    without them (on each of these instances)."""
    from analysis.locate import lagrangian

    C, w = list_instance(seed + 170, n=70, m=9, inf_share=0.1 if seed % 2 else 0.0)
    k, keep = 3, ((2,) if seed >= 3 else ())
    W = work(C.astype(np.float32) if seed % 3 == 0 else C, w, k, keep=keep)
    subsets_ = [S for S in combinations(range(9), k) if set(keep) <= set(S)]
    start = np.array(subsets_[seed * 7 % len(subsets_)])  # not the optimum: a gap
    opt = min(brute_cost(W, S) for S in subsets_)
    values = []
    for rounds in (0, 2):
        monkeypatch.setattr(lagrangian, "SPLIT_GAP", 0.0)
        monkeypatch.setattr(lagrangian, "SPLIT_ROUNDS", rounds)
        values.append(aggregated_lagrangian(W, k, start, time.perf_counter() + 60, 40).value)
    assert values[1] > values[0]
    assert values[1] <= opt * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_pattern_ids_are_equal_exactly_for_equal_sets_of_cheaper_columns(seed):
    """_pattern against the sets by hand: two rows share an id exactly when the same
    chosen columns are cheaper than their thresholds (also past 62 columns a word, and
    on float32 with thresholds equal to entries or just above them in float64)."""
    from analysis.locate.lagrangian import _pattern

    rng = np.random.default_rng(seed)
    m = 70 if seed >= 2 else 8
    C = rng.integers(0, 4, (200, m)).astype(np.float32 if seed == 3 else float)
    if seed == 3:
        C = C * np.float32(0.1)  # not exact in binary: float32 and float64 differ
    W = work(C, np.ones(200), 2)
    cols = np.arange(m) if seed >= 2 else np.array([6, 1, 3])
    t = rng.integers(0, 4, 200) + 0.5
    if seed == 3:  # ties: t at an entry, or the float64 value just above it
        t = W.M[:, 5].astype(np.float64) + np.where(rng.random(200) < 0.5, 0.0, 1e-12)
    ids = _pattern(W, cols, t)
    sets = [frozenset(np.flatnonzero(W.M[i, np.sort(cols)] < t[i]).tolist())
            for i in range(200)]
    for i in range(200):
        for j in range(i):
            assert (ids[i] == ids[j]) == (sets[i] == sets[j])


@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_dense_lagrangian_value_is_the_dense_formula_and_a_valid_bound(seed, threads,
                                                                      monkeypatch):
    """dense_lagrangian_value, by row blocks, serially or by two threads, at any
    multipliers (negative, far above every cost): the hand formula at the given u (not
    lowered), never above the brute-force optimum; at the LP duals the LP value."""
    from analysis.locate import candidates
    from analysis.locate.lagrangian import dense_lagrangian_value

    monkeypatch.setattr(candidates, "BLOCK_ELEMENTS", 4 * 9)
    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if threads else 10**18)
    C, w = list_instance(seed + 120, n=30, m=9, inf_share=0.1 if seed % 2 else 0.0)
    k, keep = 3, ((4,) if seed >= 2 else ())
    W = work(C, w, k, keep=keep)
    opt = min(brute_cost(W, S) for S in combinations(range(9), k) if set(keep) <= set(S))
    rng = np.random.default_rng(seed)
    M = np.asarray(W.M, float)
    for scale in (0.5, 1.0, 3.0):
        u = W.w * M.min(axis=1) * scale + rng.normal(0, 5, W.n)
        lag = dense_lagrangian_value(W, k, u)
        np.testing.assert_array_equal(lag.u, u)
        assert lag.value == pytest.approx(_dense_value(W, k, u), rel=1e-12, abs=1e-9)
        assert lag.value <= opt * (1 + 1e-12)
    if not keep:
        lp, u = _lp_duals(W, k)
        assert dense_lagrangian_value(W, k, u).value == pytest.approx(lp, rel=1e-7)


@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_dense_lagrangian_value_on_float32_is_a_lower_bound_of_the_exact_value(
        seed, threads, monkeypatch):
    """On a float32 working matrix (float32 passes, rounding covered): every column
    value at most the exact one computed by hand in float64 from the same entries, and
    within a relative 3e-5 of it; so the value is at most the exact L(u) (and the
    brute-force optimum) and within 3e-5 of the exact rho sum below it. Fractional
    weights and multipliers (not float32 numbers), negative ones, and some far above
    every cost."""
    from analysis.locate import candidates
    from analysis.locate.lagrangian import dense_lagrangian_value

    monkeypatch.setattr(candidates, "BLOCK_ELEMENTS", 9 * 5)
    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if threads else 10**18)
    C, w = list_instance(seed + 130, n=60, m=9, inf_share=0.1 if seed % 2 else 0.0)
    rng = np.random.default_rng(seed)
    w = w * rng.uniform(0.3, 3.0, w.size) / 7.0
    k, keep = 3, ((4,) if seed >= 2 else ())
    W = work((C * 1.0001).astype(np.float32), w, k, keep=keep)
    assert W.dt is np.float32
    opt = min(brute_cost(W, S) for S in combinations(range(9), k) if set(keep) <= set(S))
    M = np.asarray(W.M, float)
    for scale in (0.5, 1.0, 1.7, 40.0):
        u = W.w * M.min(axis=1) * scale + rng.normal(0, 3, W.n)
        lag = dense_lagrangian_value(W, k, u)
        exact = np.minimum(W.w[:, None] * M - u[:, None], 0.0).sum(axis=0)
        assert np.all(lag.rho <= exact)
        assert np.all(exact - lag.rho <= 3e-5 * np.abs(exact) + 1e-35)  # + underflow slack
        value = _dense_value(W, k, u)
        assert lag.value <= value
        assert value - lag.value <= 3e-5 * np.abs(np.sort(exact)[:k]).sum() + 1e-9
        assert lag.value <= opt * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_lagrangian_blocks_in_threads_give_the_serial_bound(seed, monkeypatch):
    """The deflected subgradient with its blocks evaluated by two threads: the serial
    bound (up to the order of the float additions), below the brute-force optimum."""
    from analysis.locate import lagrangian

    C, w = list_instance(seed + 180, n=40, m=8)
    k = 3
    W = work(C, w, k)
    opt_set = min(combinations(range(8), k), key=lambda S: brute_cost(W, S))
    opt = brute_cost(W, opt_set)
    out = []
    for threshold in (10**18, 0):
        monkeypatch.setattr(lagrangian, "LAG_THREADS_MIN", threshold)
        out.append(pmedian_lagrangian(W, k, opt, np.array(opt_set), time.perf_counter() + 60,
                                      60, margin=2, min_iter=60, target_gap=0.0))
    assert out[1].value == pytest.approx(out[0].value, rel=1e-9)
    assert out[1].value <= opt * (1 + 1e-12)

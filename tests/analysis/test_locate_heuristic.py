"""The p-median heuristic's machinery on small instances, checked against brute force.

Candidate lists are forced short (a few entries per area) so that the nearest or
second-nearest open centre of many areas lies outside their list: the full-row fallback
must keep the swap tables, the local optimum and the Lagrangian bound exact.
"""

from itertools import combinations

import numpy as np
import pytest

import analysis.locate as loc
from analysis.locate import p_median


def instance(seed: int, n: int = 40, m: int = 12, inf_share: float = 0.0, ties: bool = False):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 100, (n, 2))
    h = rng.uniform(0, 100, (m, 2))
    C = np.round(np.hypot(*(a[:, None, :] - h[None, :, :]).transpose(2, 0, 1)), 1)
    if ties:
        C = np.round(C / 20.0) * 20.0  # many equal costs within a row
    if inf_share:
        C[rng.random((n, m)) < inf_share] = np.inf
    w = rng.integers(1, 9, n).astype(float)
    return C, w


def work(C, w, k, keep=()):
    prob = loc._prepare(C, w, k=k, radius=None, keep=list(keep), close=None, candidates=None,
                        min_volume=None, capacity=None, time_limit=60.0, seed=0,
                        need_radius=False)
    return loc._Work(prob)


@pytest.fixture
def short_lists(monkeypatch):
    """Candidate lists of 3 entries per area, whatever m and k."""
    monkeypatch.setattr(loc, "_KNN_FULL", 0)
    monkeypatch.setattr(loc, "_KNN_MIN", 3)
    monkeypatch.setattr(loc, "_KNN_PER_CENTRE", 0.0)


def brute_cost(W, cols):
    return float(W.w @ np.asarray(W.M[:, list(cols)], dtype=np.float64).min(axis=1))


def brute_profit(W, open_pos):
    """profit[s, j] = cost(open) - cost(open with slot s replaced by j), -inf when barred."""
    base = brute_cost(W, open_pos)
    P = np.full((open_pos.size, W.m), -np.inf)
    for s in range(open_pos.size):
        if W.keep_mask[open_pos[s]]:
            continue
        for j in np.flatnonzero(~np.isin(np.arange(W.m), open_pos)):
            cols = open_pos.copy()
            cols[s] = j
            P[s, j] = base - brute_cost(W, cols)
    return P


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_lists_hold_each_rows_cheapest_entries_sorted(seed, ties, short_lists):
    C, w = instance(seed, n=30, m=9, inf_share=0.2 if seed else 0.0, ties=ties)
    W = work(C, w, k=3)
    L = W.lists(3)
    assert L.K == 3 and not L.full
    M = np.asarray(W.M, dtype=np.float64)
    for i in range(W.n):
        cols = L.idx[i].astype(int)
        assert len(set(cols.tolist())) == L.K
        np.testing.assert_array_equal(L.cost[i], M[i, cols])
        assert (np.diff(L.cost[i]) >= 0).all()
        outside = np.setdiff1d(np.arange(W.m), cols)
        assert (M[i, outside] >= L.rad[i]).all()  # what makes the fallback exact


@pytest.mark.parametrize("seed", range(4))
def test_swap_tables_stay_exact_through_incremental_updates(seed, short_lists):
    C, w = instance(seed + 10, n=50, m=10, inf_share=0.15 if seed % 2 else 0.0,
                    ties=seed == 2)
    keep = (seed,) if seed >= 2 else ()
    k = 3 + seed % 2
    W = work(C, w, k, keep)
    rng = np.random.default_rng(seed)
    free = np.flatnonzero(~W.keep_mask)
    start = np.sort(np.concatenate([np.flatnonzero(W.keep_mask),
                                    rng.choice(free, k - len(keep), replace=False)]))
    S = loc._Swap(W, W.lists(k), start)
    for _ in range(6):
        P = S.profit()
        np.testing.assert_allclose(P, brute_profit(W, S.open), rtol=1e-9, atol=1e-6)
        assert S.cost == pytest.approx(brute_cost(W, S.open), rel=1e-12)
        allowed = np.argwhere(np.isfinite(P))
        s, j = allowed[rng.integers(len(allowed))]
        S.apply(int(s), int(j))  # any swap, improving or not


@pytest.mark.parametrize("seed", range(5))
def test_local_search_ends_in_a_true_local_optimum(seed, short_lists):
    C, w = instance(seed + 30, inf_share=0.1 if seed % 2 else 0.0)
    k = 2 + seed % 3
    W = work(C, w, k)
    L = W.lists(k)
    start = loc._greedy(W, L, k, np.zeros(0, np.int64))
    sol, finished = loc._local_search(W, L, start, deadline=loc.time.perf_counter() + 60)
    assert finished and sol.size == k
    best = brute_profit(W, sol).max()
    assert best <= 1e-9 * brute_cost(W, sol)


@pytest.mark.parametrize("seed", range(6))
def test_pmedian_with_short_lists_matches_brute_force(seed, short_lists):
    C, w = instance(seed + 50, n=30, m=10, inf_share=0.1 if seed % 2 else 0.0)
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


@pytest.mark.parametrize("margin", [None, 0, 4])
@pytest.mark.parametrize("seed", range(3))
def test_lagrangian_is_a_valid_bound_and_rho_exact(seed, margin, short_lists):
    C, w = instance(seed + 70, n=30, m=9)
    k = 3
    W = work(C, w, k)
    opt = min(brute_cost(W, S) for S in combinations(range(9), k))
    sol = np.array([0, 1, 2])
    lag, rho = loc._pmedian_lagrangian(W, k, opt, sol, loc.time.perf_counter() + 60,
                                       max_iter=50, with_rho=True, margin=margin)
    assert lag <= opt * (1 + 1e-12)
    assert rho is not None and rho.shape == (9,) and (rho <= 0).all()


def test_restarts_shrink_with_instance_size():
    C, w = instance(1, n=20, m=6)
    W = work(C, w, 2)
    assert loc._n_starts(W, W.lists(2)) == 4
    W.n = 10**7  # only the size matters (n x K list entries)
    assert loc._n_starts(W, W.lists(2)) == 1

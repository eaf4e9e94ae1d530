"""The swap heuristic's machinery against brute force, with short candidate lists."""

import time

import numpy as np
import pytest

from analysis.locate import p_median
from analysis.locate.heuristic import Swap, greedy, local_search, n_starts
from tests.analysis.locate.oracles import (
    brute_cost,
    brute_profit,
    instance,
    list_instance,
    work,
)


def test_heuristic_seeded_is_reproducible():
    C, w = instance(9, n=40, m=15)
    a = p_median(C, w, k=4, solver="heuristic", seed=3)
    b = p_median(C, w, k=4, solver="heuristic", seed=3)
    assert a.open == b.open and a.objective == b.objective


@pytest.mark.parametrize("seed", range(4))
def test_swap_tables_stay_exact_through_incremental_updates(seed, short_lists):
    C, w = list_instance(seed + 10, n=50, m=10, inf_share=0.15 if seed % 2 else 0.0,
                    ties=seed == 2)
    keep = (seed,) if seed >= 2 else ()
    k = 3 + seed % 2
    W = work(C, w, k, keep)
    rng = np.random.default_rng(seed)
    free = np.flatnonzero(~W.keep_mask)
    start = np.sort(np.concatenate([np.flatnonzero(W.keep_mask),
                                    rng.choice(free, k - len(keep), replace=False)]))
    S = Swap(W, W.lists(k), start)
    for _ in range(6):
        P = S.profit()
        np.testing.assert_allclose(P, brute_profit(W, S.open), rtol=1e-9, atol=1e-6)
        assert S.cost == pytest.approx(brute_cost(W, S.open), rel=1e-12)
        allowed = np.argwhere(np.isfinite(P))
        s, j = allowed[rng.integers(len(allowed))]
        S.apply(int(s), int(j))  # any swap, improving or not


@pytest.mark.parametrize("seed", range(5))
def test_local_search_ends_in_a_true_local_optimum(seed, short_lists):
    C, w = list_instance(seed + 30, inf_share=0.1 if seed % 2 else 0.0)
    k = 2 + seed % 3
    W = work(C, w, k)
    L = W.lists(k)
    start = greedy(W, L, k, np.zeros(0, np.int64))
    found = local_search(W, L, start, deadline=time.perf_counter() + 60)
    sol, finished = found.open_pos, found.finished
    assert finished and sol.size == k
    best = brute_profit(W, sol).max()
    assert best <= 1e-9 * brute_cost(W, sol)


def test_restarts_shrink_with_instance_size():
    C, w = list_instance(1, n=20, m=6)
    W = work(C, w, 2)
    assert n_starts(W, W.lists(2)) == 4
    W.n = 10**7  # only the size matters (n x K list entries)
    assert n_starts(W, W.lists(2)) == 1

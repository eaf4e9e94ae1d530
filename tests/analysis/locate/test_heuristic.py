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


@pytest.mark.parametrize("seed", range(3))
def test_aggregate_groups_by_nearest_candidates_with_mean_rows(seed, short_lists):
    """Groups = areas with the same 3 nearest candidates (in order), rows = weighted means,
    weights = sums (by hand); for every open set the aggregated cost is at least the full
    one and equal when each group has a single nearest open centre (brute force)."""
    from itertools import combinations

    from analysis.locate.heuristic import aggregate

    C, w = list_instance(seed + 200, n=80, m=6)
    W = work(C, w, 2)
    agg = aggregate(W)
    M = np.asarray(W.M, float)
    keys = [tuple(np.argsort(M[i], kind="stable")[:3]) for i in range(W.n)]
    assert len(set(keys)) == agg.work.n
    for g in range(agg.work.n):
        members = np.flatnonzero(agg.group == g)
        assert len({keys[i] for i in members}) == 1
        assert agg.weight[g] == pytest.approx(W.w[members].sum())
        mean = W.w[members] @ M[members] / W.w[members].sum()
        np.testing.assert_allclose(np.asarray(agg.work.M[g], float), mean, rtol=1e-12)
    for S in combinations(range(6), 2):
        cols = np.array(S)
        full, agg_cost = brute_cost(W, cols), brute_cost(agg.work, cols)
        assert agg_cost >= full * (1 - 1e-12)
        near = M[:, cols].argmin(axis=1)
        if all(np.unique(near[agg.group == g]).size == 1 for g in range(agg.work.n)):
            assert agg_cost == pytest.approx(full, rel=1e-12)


@pytest.mark.parametrize("seed", range(2))
def test_aggregate_mean_rows_from_two_row_ranges_are_the_means(seed, monkeypatch):
    """With the matrix split into two row ranges (as on a large instance, two threads)
    each group's row is still the weighted mean of all its areas' rows (by hand), and
    refine's recomputed rows are those of aggregating from scratch."""
    from analysis.locate import candidates
    from analysis.locate.heuristic import aggregate, refine

    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 1)  # every matrix: two ranges
    monkeypatch.setattr(candidates.os, "cpu_count", lambda: 2)
    C, w = list_instance(seed + 260, n=120, m=6)
    W = work(C, w, 2)
    assert len(candidates.on_row_ranges(W.n, W.m, lambda s, e: (s, e))) == 2
    agg = aggregate(W)
    M = np.asarray(W.M, float)
    for g in range(agg.work.n):
        members = np.flatnonzero(agg.group == g)
        mean = W.w[members] @ M[members] / W.w[members].sum()
        np.testing.assert_allclose(np.asarray(agg.work.M[g], float), mean, rtol=1e-12)
    p1 = W.nearest_two(np.array([0, 4])).p1
    a, b = aggregate(W, extra=p1), refine(W, agg, p1)
    np.testing.assert_array_equal(a.group, b.group)
    np.testing.assert_allclose(np.asarray(a.work.M, float), np.asarray(b.work.M, float),
                               rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_search_from_the_aggregate_ends_in_a_full_local_optimum(seed, short_lists,
                                                                 monkeypatch):
    """With the aggregated start forced on a small instance (threshold 0): the answer is
    a true local optimum of the full instance (brute-force swap profits), with a kept
    centre, and its bound (fitted on the aggregate) is below the brute-force optimum."""
    from itertools import combinations

    from analysis.locate import heuristic

    monkeypatch.setattr(heuristic, "AGGREGATE_MIN_ENTRIES", 0)
    C, w = list_instance(seed + 220, n=70, m=9, inf_share=0.1 if seed % 2 else 0.0)
    k, keep = 3, ((5,) if seed >= 2 else ())
    W = work(C, w, k, keep=keep)
    found = heuristic.pmedian_heuristic(W, k, np.random.default_rng(0),
                                        time.perf_counter() + 60)
    assert found.groups > 0 and found.finished
    assert brute_profit(W, found.open_pos).max() <= 1e-9 * found.cost
    assert found.cost == pytest.approx(brute_cost(W, found.open_pos), rel=1e-12)
    r = p_median(C, w, k=k, keep=list(keep), solver="heuristic", seed=0)
    opt = min(brute_cost(W, S) for S in combinations(range(9), k) if set(keep) <= set(S))
    assert r.objective == pytest.approx(found.cost, rel=1e-12)
    assert r.bound <= opt * (1 + 1e-12) and r.bound <= r.objective


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_dense_swap_profits_are_the_brute_force_profits(seed, threads, dtype, monkeypatch):
    """dense_swaps (one read of the matrix, no lists) against brute force: every swap's
    profit, barred swaps -inf (open columns, kept slots), the cost and each area's
    nearest open centre; with ties, infinities (a penalty cost for a second-nearest
    centre: no cancellation of large sums, also in float32), a kept centre, k = 1, in
    blocks of a few rows, serially or by two threads."""
    from analysis.locate import candidates
    from analysis.locate.heuristic import dense_swaps

    monkeypatch.setattr(candidates, "BLOCK_ELEMENTS", 4 * 10)
    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if threads else 10**18)
    C, w = list_instance(seed + 60, n=45, m=10, inf_share=0.15 if seed % 2 else 0.0,
                         ties=seed == 2)
    k = 1 if seed == 5 else 3 + seed % 2
    keep = (seed,) if seed in (3, 4) else ()
    W = work(C.astype(dtype), w, k, keep)
    rng = np.random.default_rng(seed)
    free = np.flatnonzero(~W.keep_mask)
    single = dtype is np.float32
    for _ in range(3):
        start = np.concatenate([np.flatnonzero(W.keep_mask),
                                rng.choice(free, k - len(keep), replace=False)])
        t = dense_swaps(W, start)
        np.testing.assert_array_equal(t.open_pos, np.sort(start))
        base = brute_cost(W, start)
        P = brute_profit(W, t.open_pos)
        if single:  # each profit to float32 rounding of the sums it adds
            fin = np.isfinite(P)
            np.testing.assert_array_equal(np.isfinite(t.profit), fin)
            scale = np.maximum(np.abs(P[fin]), min(base, W.big))
            assert (np.abs(t.profit[fin] - P[fin]) <= 1e-5 * scale).all()
        else:
            np.testing.assert_allclose(t.profit, P, rtol=1e-9, atol=1e-6)
        assert t.cost == pytest.approx(base, rel=1e-6 if single else 1e-12)
        M = np.asarray(W.M, float)
        np.testing.assert_array_equal(M[np.arange(W.n), t.p1],
                                      M[:, t.open_pos].min(axis=1))


@pytest.mark.parametrize("seed", range(5))
def test_polish_ends_in_a_true_local_optimum(seed):
    """Best-improvement swaps by dense passes from a random start: no brute-force swap
    improves the end point, and it costs no more than the start."""
    from analysis.locate.heuristic import polish

    C, w = list_instance(seed + 80, inf_share=0.1 if seed % 2 else 0.0)
    k = 2 + seed % 3
    W = work(C, w, k, keep=(1,) if seed == 4 else ())
    rng = np.random.default_rng(seed)
    free = np.flatnonzero(~W.keep_mask)
    start = np.concatenate([np.flatnonzero(W.keep_mask),
                            rng.choice(free, k - int(W.keep_mask.sum()), replace=False)])
    done = polish(W, start, deadline=time.perf_counter() + 60)
    assert done.found.finished and done.found.open_pos.size == k
    assert W.keep_mask[done.found.open_pos].sum() == W.keep_mask.sum()
    assert brute_profit(W, done.found.open_pos).max() <= 1e-9 * done.tables.cost
    assert done.tables.cost == pytest.approx(brute_cost(W, done.found.open_pos), rel=1e-12)
    assert done.tables.cost <= brute_cost(W, start) * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_starts_in_threads_find_what_the_serial_starts_find(seed, monkeypatch):
    """The multi-start search run by two threads returns the serial search's answer (the
    random starts are drawn up front, the best is taken in start order), which is a
    brute-force local optimum."""
    from analysis.locate import heuristic

    C, w = list_instance(seed + 90, n=60, m=12)
    W = work(C, w, 3)
    out = []
    for threshold in (10**18, 0):
        monkeypatch.setattr(heuristic, "START_THREADS_MIN", threshold)
        out.append(heuristic.pmedian_heuristic(W, 3, np.random.default_rng(seed),
                                               time.perf_counter() + 60, starts=4))
    np.testing.assert_array_equal(out[0].open_pos, out[1].open_pos)
    assert out[0].cost == out[1].cost and out[0].finished and out[1].finished
    assert brute_profit(W, out[1].open_pos).max() <= 1e-9 * out[1].cost


@pytest.mark.parametrize("seed", range(3))
def test_refined_aggregate_is_the_aggregate_with_the_extra_key(seed):
    """refine (split the groups of an aggregate, recompute only the split rows) gives
    the groups, weights and mean rows of aggregating with the extra key from scratch,
    and those are split by the extra key (by hand)."""
    from analysis.locate.heuristic import aggregate, refine

    C, w = list_instance(seed + 240, n=90, m=7, inf_share=0.1 if seed == 1 else 0.0)
    W = work(C, w, 2)
    p1 = W.nearest_two(np.array([seed, 5])).p1
    base = aggregate(W)
    a, b = aggregate(W, extra=p1), refine(W, base, p1)
    assert b.work.n > base.work.n or np.unique(p1).size == 1
    np.testing.assert_array_equal(a.group, b.group)
    np.testing.assert_allclose(a.weight, b.weight, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(a.work.M, float), np.asarray(b.work.M, float),
                               rtol=1e-12)
    for g in range(b.work.n):
        members = np.flatnonzero(b.group == g)
        assert np.unique(p1[members]).size == 1 and np.unique(base.group[members]).size == 1


@pytest.mark.parametrize("seed", range(4))
def test_refined_aggregate_lists_are_the_lists_sorted_from_scratch(seed, monkeypatch):
    """refine takes over the base aggregate's candidate lists and sorts only the split
    groups' rows (serially or by two threads; short or full lists): the lists equal
    those built from the refined rows from scratch, ties and all."""
    from analysis.locate import candidates
    from analysis.locate.candidates import CandidateLists
    from analysis.locate.heuristic import aggregate, refine

    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if seed % 2 else 10**18)
    monkeypatch.setattr(candidates, "CHUNK_ELEMENTS", 12 * 4)  # several row chunks
    if seed < 2:  # lists of 3 of the 12 columns (else all 12)
        monkeypatch.setattr(candidates, "KNN_FULL", 0)
        monkeypatch.setattr(candidates, "KNN_MIN", 3)
        monkeypatch.setattr(candidates, "KNN_PER_CENTRE", 0.0)
    C, w = list_instance(seed + 250, n=120, m=12, inf_share=0.1 if seed == 1 else 0.0,
                         ties=seed >= 2)
    W = work(C, w, 2)
    p1 = W.nearest_two(np.array([0, 6])).p1
    base = aggregate(W)
    base.work.lists(2)
    sorted_rows = []
    fill = CandidateLists._fill

    def counted(self, work, rows, ct):
        sorted_rows.append(np.arange(work.n)[rows].size)
        fill(self, work, rows, ct)

    monkeypatch.setattr(CandidateLists, "_fill", counted)
    out = refine(W, base, p1)
    got = out.work.lists(2)
    split = out.work.n - base.work.n
    assert split > 0
    assert 0 < sum(sorted_rows) < out.work.n  # only the split groups' rows were sorted
    fresh = CandidateLists(out.work, got.K)
    np.testing.assert_array_equal(got.idx, fresh.idx)
    np.testing.assert_array_equal(got.cost, fresh.cost)
    np.testing.assert_array_equal(got.rad, fresh.rad)

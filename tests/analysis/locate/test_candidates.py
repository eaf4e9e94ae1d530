"""Candidate lists: each area's cheapest columns, sorted, with an exact radius."""

import numpy as np
import pytest

from analysis.locate.candidates import Work
from tests.analysis.locate.oracles import list_instance, work


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_lists_hold_each_rows_cheapest_entries_sorted(seed, ties, short_lists):
    C, w = list_instance(seed, n=30, m=9, inf_share=0.2 if seed else 0.0, ties=ties)
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


@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_float32_lists_match_a_stable_sort_in_chunks_and_threads(seed, ties, threads,
                                                                  short_lists, monkeypatch):
    """float32 input (the packed (cost, column) sort), with -0.0 entries, ties and
    infinities, built chunk by chunk, serially or by threads: each row's list is its
    K cheapest entries in the order of a stable sort by cost (ties by column)."""
    from analysis.locate import candidates

    C, w = list_instance(seed, n=40, m=11, inf_share=0.2 if seed else 0.0, ties=ties)
    C = C.astype(np.float32)
    C[::7, 1] = -0.0
    W = work(C, w, k=3)
    W.chunks = [(0, 7), (7, 8), (8, 25), (25, W.n)]  # several chunks
    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if threads else 10**18)
    L = W.lists(3)
    assert L.cost.dtype == np.float32
    M = np.asarray(W.M, dtype=np.float64) + 0.0
    for i in range(W.n):
        order = np.argsort(M[i], kind="stable")[:L.K]
        np.testing.assert_array_equal(L.idx[i], order)
        np.testing.assert_array_equal(L.cost[i], M[i, order])
        assert not np.signbit(L.cost[i]).any()


@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_nearest_columns_match_a_stable_full_sort(seed, ties, dtype, threads, monkeypatch):
    """Work.nearest (argmin passes over row blocks, no lists): each row's first columns
    of a stable full sort by cost (ties by column), with infinities (the penalty) and
    ties, in blocks of a few rows, serially or by two threads; a later call for fewer
    columns is that prefix."""
    from analysis.locate import candidates

    monkeypatch.setattr(candidates, "BLOCK_ELEMENTS", 3 * 11)  # blocks of 3 rows
    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if threads else 10**18)
    C, w = list_instance(seed + 40, n=37, m=11, inf_share=0.3 if seed else 0.0, ties=ties)
    C[5] = np.inf  # a row that reaches no candidate is dropped by prepare: make one
    C[5, 3] = 7.0  # reach one column only
    W = work(C.astype(dtype), w, k=3)
    M = np.asarray(W.M, dtype=np.float64)
    for depth in (4, 3, 1):
        near = W.nearest(depth)
        assert near.idx.shape == (W.n, depth)
        order = np.argsort(M, axis=1, kind="stable")[:, :depth]
        np.testing.assert_array_equal(near.idx, order)
        np.testing.assert_array_equal(near.cost, np.take_along_axis(M, order, axis=1))
    assert W.nearest(50).idx.shape == (W.n, W.m)  # at most every column


def test_row_ranges_cover_the_rows_once_in_order(monkeypatch):
    from analysis.locate import candidates

    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0)
    seen = candidates.on_row_ranges(101, 7, lambda s, e: list(range(s, e)))
    assert len(seen) == (2 if (candidates.os.cpu_count() or 1) > 1 else 1)
    assert sum(seen, []) == list(range(101))


@pytest.mark.parametrize("threads", [False, True])
def test_finite_max_finds_the_largest_finite_entry(threads, monkeypatch):
    from analysis.locate import candidates

    monkeypatch.setattr(candidates, "LIST_THREADS_MIN", 0 if threads else 10**18)
    C, _ = list_instance(7, n=33, m=5, inf_share=0.2)
    assert candidates.finite_max(C) == (float(C[np.isfinite(C)].max()), True)
    C[~np.isfinite(C)] = 0.5
    C[-1, 2] = 1e4  # in the last rows: the second thread's range
    assert candidates.finite_max(C) == (1e4, False)
    assert candidates.finite_max(np.full((4, 3), 0.25)) == (1.0, False)  # at least 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_prepare_row_statistics_give_the_separate_passes_results(seed, dtype):
    """prepare's one validation pass (minimum, row maxima) against the passes it replaced:
    each row's largest finite entry and infinity flag, the reachable areas (also with a
    candidate subset), and Work's penalty and infinity replacement from finite_max."""
    from analysis.locate.candidates import _penalty_from, finite_max, submatrix
    from analysis.locate.problem import prepare

    C, w = list_instance(seed, n=700, m=400, inf_share=0.3 * (seed % 2), ties=seed >= 2)
    C = C.astype(dtype)
    if seed % 2:
        C[3] = np.inf  # a row that reaches nothing
        C[5, :-1] = np.inf  # a row that reaches only the last candidate
    w[7] = 0.0  # an area without demand
    for cand in (None, np.arange(0, 400, 3)):
        prob = prepare(C, w, k=3, candidates=cand, need_radius=False)
        fin = np.where(np.isfinite(C), C, -np.inf).max(axis=1)
        np.testing.assert_array_equal(prob.row_max, fin.astype(np.float64))
        np.testing.assert_array_equal(prob.row_inf, np.isinf(C).any(axis=1))
        allowed = np.arange(400) if cand is None else cand
        reach = np.isfinite(C[:, allowed]).any(axis=1)
        np.testing.assert_array_equal(prob.active, np.flatnonzero(reach & (w > 0)))
        W = Work(prob)
        M = submatrix(prob, prob.C)
        cmax, has_inf = finite_max(M)
        assert W.big == _penalty_from(cmax, prob)
        assert has_inf == bool(np.isinf(M).any())
        np.testing.assert_array_equal(W.M, np.where(np.isinf(M), M.dtype.type(W.big), M))
    with pytest.raises(ValueError, match="NaN"):
        prepare(np.where(np.arange(400) == 399, np.nan, C), w, k=3, need_radius=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(3))
def test_prefix_len_is_the_sorted_position_of_the_bound(seed, dtype):
    """prefix_len (a count over whole list rows) against a binary search per row
    (np.searchsorted, left): ties at the bound, infinities (the penalty), bounds equal
    to entries or just above them in float64, repeated and unsorted rows (more than one
    chunk of them)."""
    from analysis.locate.candidates import prefix_len

    C, w = list_instance(seed, n=300, m=40, inf_share=0.2 * (seed > 0), ties=seed == 2)
    W = work(C.astype(dtype), w, k=3)
    L = W.lists(3)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, W.n, 30_000)
    pick = L.cost[rows, rng.integers(0, L.K, rows.size)].astype(np.float64)
    bound = pick + rng.choice([0.0, 1e-9, -1e-9, np.inf], rows.size)
    got = prefix_len(L, rows, bound)
    want = [np.searchsorted(L.cost[i].astype(np.float64), b, side="left")
            for i, b in zip(rows, bound, strict=True)]
    np.testing.assert_array_equal(got, want)

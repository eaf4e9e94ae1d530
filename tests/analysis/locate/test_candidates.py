"""Candidate lists: each area's cheapest columns, sorted, with an exact radius."""

import numpy as np
import pytest

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

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

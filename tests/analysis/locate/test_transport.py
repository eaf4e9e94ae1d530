"""The capacitated step: LP pricing of fixed configurations and the swap search on it."""

import time

import numpy as np
import pytest

from analysis.locate.candidates import Work
from analysis.locate.milp import finite_pairs
from analysis.locate.problem import prepare
from analysis.locate.transport import Transport, capacitated_heuristic
from tests.analysis.locate.oracles import brute_pmedian, close, instance, lp_assign, subsets


def problem(seed, minv, cap_share):
    C, w = instance(seed, n=9, m=6, zeros=False)
    cap = np.full(6, round(w.sum() * cap_share, 1))
    prob = prepare(C, w, k=3, radius=None, keep=None, close=None, candidates=None,
                   min_volume=minv, capacity=cap, time_limit=30.0, seed=0, need_radius=False)
    return C, w, cap, prob


@pytest.mark.parametrize("seed", range(3))
def test_transport_prices_every_configuration_as_the_lp_oracle(seed):
    C, w, cap, prob = problem(seed + 500, minv=2.0, cap_share=0.4)
    transport = Transport(prob, finite_pairs(prob))
    for S in subsets(6, 3):
        price = transport.solve(np.array(S), time_limit=30.0)
        expected = lp_assign(C, w, S, C, 2.0, cap)
        if np.isfinite(expected):
            assert close(price.value, expected)
            assert price.shares is not None
        else:
            assert price.value == np.inf and price.shares is None
        assert transport.solve(np.array(S[::-1]), time_limit=30.0) is price  # cached


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_heuristic_ends_feasible_and_no_better_than_optimum(seed):
    C, w, cap, prob = problem(seed + 520, minv=0.0, cap_share=0.4)
    work = Work(prob)
    transport = Transport(prob, finite_pairs(prob))
    found = capacitated_heuristic(prob, work, transport, 3, np.array([0, 1, 2]),
                                  deadline=time.perf_counter() + 30)
    assert found is not None and found.open_pos.size == 3
    assert close(found.value, lp_assign(C, w, tuple(found.open_pos), C, 0.0, cap))
    assert found.value >= brute_pmedian(C, w, 3, cap=cap) * (1 - 1e-9)

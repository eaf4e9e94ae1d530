"""max_covering and set_covering: hand cases, brute-force oracles, tie-break, errors."""

import numpy as np
import pytest

from analysis.locate import InfeasibleScenario, max_covering, set_covering
from tests.analysis.locate.oracles import (
    brute_mclp,
    brute_setcover,
    brute_setcover_travel,
    close,
    instance,
)


def test_max_covering_hand_case():
    C = np.array([[0.0, 50.0], [50.0, 0.0], [20.0, 40.0]])
    r = max_covering(C, [1.0, 3.0, 2.0], k=1, radius=30, solver="exact")
    assert r.open == (0,) and r.objective == pytest.approx(3.0)
    assert r.uncovered_demand == pytest.approx(3.0)


def test_set_covering_hand_case_prefers_least_travel_among_minimum_covers():
    C = np.array([[0.0, 50.0, 20.0, 25.0], [50.0, 0.0, 20.0, 25.0]])
    r = set_covering(C, [1.0, 1.0], radius=25, solver="exact")
    assert r.objective == 1 and r.open == (2,)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_max_covering_matches_brute_force(seed, solver):
    C, w = instance(seed + 60)
    T = 25.0 + 5 * seed
    keep = (1,) if seed % 2 else ()
    opt = brute_mclp(C, w, 2, T, keep)
    r = max_covering(C, w, k=2, radius=T, keep=list(keep), solver=solver)
    assert r.objective <= opt + 1e-9
    assert r.bound >= opt - 1e-6
    if solver == "exact":
        assert close(r.objective, opt)


@pytest.mark.parametrize("seed", range(3))
def test_max_covering_capacitated_matches_brute_force(seed):
    C, w = instance(seed + 70, n=9, m=6, zeros=False)
    cap = np.full(6, round(w.sum() / 2.5, 1))
    opt = brute_mclp(C, w, 3, 35.0, cap=cap, minv=2.0)
    r = max_covering(C, w, k=3, radius=35.0, capacity=cap, min_volume=2.0, solver="exact")
    assert close(r.objective, opt)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_set_covering_matches_brute_force(seed, solver):
    C, w = instance(seed + 80)
    T = 45.0
    keep = (seed % 7,) if seed % 2 else ()
    opt = brute_setcover(C, w, T, keep)
    if opt is None:
        with pytest.raises(InfeasibleScenario):
            set_covering(C, w, radius=T, keep=list(keep), solver=solver)
        return
    r = set_covering(C, w, radius=T, keep=list(keep), solver=solver)
    assert r.objective >= opt and r.bound <= opt
    if solver == "exact":
        assert r.objective == opt
    d = np.asarray(r.assignment.multiply(C).sum(axis=1)).ravel()
    assert (d[w > 0] <= T + 1e-9).all()
    assert r.uncovered_demand == 0


@pytest.mark.parametrize("seed", range(8))
def test_set_covering_tie_break_is_least_travel_cover(seed):
    C, w = instance(seed + 300, n=14, m=9, inf_share=0.1 if seed % 3 == 2 else 0.0)
    rng = np.random.default_rng(seed)
    keep = (int(rng.integers(9)),) if seed % 2 else ()
    T = float(np.max(np.min(np.where(w[:, None] > 0, C, 0.0), axis=1))) + 5.0 * (seed % 4)
    kstar, best = brute_setcover_travel(C, w, T, keep)
    r = set_covering(C, w, radius=T, keep=list(keep), solver="exact")
    assert r.objective == kstar and r.status == "optimal"
    S = list(r.open)
    assert len(S) == kstar and set(keep) <= set(S)
    pos = w > 0
    assert (C[pos][:, S] <= T).any(axis=1).all()
    assert close(float(w[pos] @ C[pos][:, S].min(axis=1)), best)


def test_set_covering_capacitated_needs_more_centres():
    C = np.array([[1.0, 2.0, 30.0], [1.0, 2.0, 30.0], [2.0, 1.0, 30.0]])
    w = np.array([3.0, 3.0, 3.0])
    assert set_covering(C, w, radius=5, solver="exact").objective == 1
    r = set_covering(C, w, radius=5, capacity=6.0, solver="exact")
    assert r.objective == 2 and r.open == (0, 1)
    assert (r.volume <= 6 + 1e-9).all()


def test_error_set_covering_names_uncoverable_areas():
    C = np.array([[5.0, 50.0], [60.0, 70.0], [80.0, np.inf]])
    with pytest.raises(InfeasibleScenario, match=r"2 area\(s\) with 5 patients/yr cannot be "
                                                  r"reached within 30 min .* \[1, 2\]"):
        set_covering(C, [1.0, 2.0, 3.0], radius=30)

"""p_centre: hand case and brute-force oracles (plain and capacitated)."""

import numpy as np
import pytest

from analysis.locate import p_centre
from tests.analysis.locate.oracles import brute_pcentre, brute_pcentre_cap, close, instance


def test_p_centre_hand_case():
    C = np.array([[0.0, 30.0, 12.0], [30.0, 0.0, 14.0], [99.0, 99.0, 99.0]])
    r = p_centre(C, [1.0, 1.0, 0.0], k=1, solver="exact")  # zero-demand area ignored
    assert r.open == (2,) and r.objective == pytest.approx(14.0)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_p_centre_matches_brute_force(seed, solver):
    C, w = instance(seed + 100)
    keep = (2,) if seed % 2 else ()
    opt = brute_pcentre(C, w, 3, keep)
    r = p_centre(C, w, k=3, keep=list(keep), solver=solver)
    assert r.objective >= opt - 1e-9 and r.bound <= opt + 1e-9
    if solver == "exact":
        assert close(r.objective, opt)


@pytest.mark.parametrize("seed", range(2))
def test_p_centre_capacitated_matches_brute_force(seed):
    C, w = instance(seed + 120, n=8, m=5, zeros=False)
    cap = np.full(5, round(w.sum() / 2.5, 1))
    opt = brute_pcentre_cap(C, w, 3, cap)
    r = p_centre(C, w, k=3, capacity=cap, solver="exact")
    assert close(r.objective, opt)
    assert (r.volume <= cap + 1e-6).all()

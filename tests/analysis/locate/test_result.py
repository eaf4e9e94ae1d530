"""LocationResult: unreachable demand reported, inputs untouched, the result frozen."""

import numpy as np
import pytest

from analysis.locate import max_covering, p_median
from tests.analysis.locate.oracles import instance


def test_unreachable_area_is_reported_not_dropped():
    C = np.array([[1.0, 5.0], [np.inf, np.inf], [5.0, 1.0]])
    r = p_median(C, [1.0, 4.0, 1.0], k=1)
    assert r.unserved == (1,) and r.unserved_demand == 4.0
    assert r.centre[1] == -1 and r.served_demand == 2.0
    assert any("cannot reach" in m for m in r.warnings)


def test_inputs_not_mutated():
    C, w = instance(5, inf_share=0.1)
    C0, w0 = C.copy(), w.copy()
    for solver in ("exact", "heuristic"):
        p_median(C, w, k=2, solver=solver, keep=[0])
        max_covering(C, w, k=2, radius=30, solver=solver)
    np.testing.assert_array_equal(C, C0)
    np.testing.assert_array_equal(w, w0)


def test_result_is_frozen():
    C, w = instance(1)
    r = p_median(C, w, k=2)
    with pytest.raises(AttributeError):
        r.objective = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.volume[0] = 1.0

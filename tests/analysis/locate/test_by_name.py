"""locate(method=...): the same result as calling the model."""

from analysis.locate import locate, p_centre
from tests.analysis.locate.oracles import instance


def test_locate_dispatches_by_name():
    C, w = instance(3)
    a = locate(C, w, method="p_centre", k=2, solver="exact")
    b = p_centre(C, w, k=2, solver="exact")
    assert a.objective == b.objective

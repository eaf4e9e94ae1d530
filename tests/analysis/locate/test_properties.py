"""Invariants of every allocation, checked on random small instances (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.locate import InfeasibleScenario, max_covering, p_centre, p_median

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw):
    n = draw(st.integers(3, 10))
    m = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    C = np.round(rng.uniform(1, 90, (n, m)), 1)
    if draw(st.booleans()):
        C[rng.random((n, m)) < 0.2] = np.inf
    w = rng.integers(0, 6, n).astype(float)
    if w.sum() == 0:
        w[0] = 1.0
    k = draw(st.integers(1, m))
    close = draw(st.lists(st.integers(0, m - 1), max_size=m - k, unique=True))
    free = [j for j in range(m) if j not in close]
    keep = draw(st.lists(st.sampled_from(free), max_size=min(k, len(free)), unique=True))
    limits = draw(st.sampled_from(["none", "min_volume", "capacity", "both"]))
    minv = cap = None
    if limits in ("min_volume", "both"):
        minv = float(np.round(w.sum() / (k + 1), 2))
    if limits in ("capacity", "both"):
        cap = np.round(rng.uniform(0.5, 1.5, m) * w.sum() / max(k - 1, 1), 2)
    solver = draw(st.sampled_from(["exact", "heuristic"]))
    return {"C": C, "w": w, "k": k, "close": close, "keep": keep, "min_volume": minv,
            "capacity": cap, "solver": solver}


def check_allocation(r, C, w, close, keep, minv, cap):
    A = r.assignment.toarray()
    opened = np.zeros(C.shape[1], bool)
    opened[list(r.open)] = True
    # patients only go to open centres, never to closed ones, never over an inf pair
    assert (A[:, ~opened] == 0).all()
    assert not set(close) & set(r.open)
    assert set(keep) <= set(r.open)
    assert (A[~np.isfinite(C)] == 0).all()
    # each served area fully allocated, unserved areas not at all
    rows = A.sum(axis=1)
    served = r.centre >= 0
    assert set(r.unserved) == set(np.flatnonzero(~served & (w > 0)).tolist())
    np.testing.assert_allclose(rows[served & (w > 0)], 1.0, atol=1e-7)
    assert (rows[~served] == 0).all()
    # volumes = demand allocated; they sum to the served demand
    np.testing.assert_allclose(r.volume, w @ A, atol=1e-7)
    assert r.volume.sum() == np.float64(r.served_demand) or abs(
        r.volume.sum() - r.served_demand) < 1e-6 * max(1, r.served_demand)
    assert abs(r.served_demand + r.unserved_demand - w.sum()) < 1e-9 * max(1, w.sum())
    vols = r.volume[list(r.open)]
    if minv:
        assert (vols >= minv - 1e-6).all()
    if cap is not None:
        assert (vols <= cap[list(r.open)] + 1e-6).all()
    # main centre is one of the area's centres
    for i in np.flatnonzero(served):
        assert A[i, r.centre[i]] > 0


@SETTINGS
@given(scenarios())
def test_pmedian_allocation_invariants(sc):
    try:
        r = p_median(sc["C"], sc["w"], k=sc["k"], keep=sc["keep"], close=sc["close"],
                     min_volume=sc["min_volume"], capacity=sc["capacity"],
                     solver=sc["solver"], time_limit=20)
    except InfeasibleScenario:
        return
    assert len(r.open) == sc["k"]
    assert r.bound <= r.objective * (1 + 1e-7) + 1e-7
    check_allocation(r, sc["C"], sc["w"], sc["close"], sc["keep"], sc["min_volume"],
                     sc["capacity"])


@SETTINGS
@given(scenarios(), st.floats(5, 60))
def test_max_covering_allocation_invariants(sc, radius):
    try:
        r = max_covering(sc["C"], sc["w"], k=sc["k"], radius=radius, keep=sc["keep"],
                         close=sc["close"], min_volume=sc["min_volume"],
                         capacity=sc["capacity"], solver=sc["solver"], time_limit=20)
    except InfeasibleScenario:
        return
    assert r.objective <= r.bound * (1 + 1e-7) + 1e-7
    assert abs(r.objective + r.uncovered_demand - sc["w"].sum()) < 1e-6
    check_allocation(r, sc["C"], sc["w"], sc["close"], sc["keep"], sc["min_volume"],
                     sc["capacity"])


@SETTINGS
@given(scenarios())
def test_p_centre_allocation_invariants(sc):
    try:
        r = p_centre(sc["C"], sc["w"], k=sc["k"], keep=sc["keep"], close=sc["close"],
                     min_volume=sc["min_volume"], capacity=sc["capacity"],
                     solver=sc["solver"], time_limit=20)
    except InfeasibleScenario:
        return
    A = r.assignment.toarray()
    used = (A > 0) & (sc["w"][:, None] > 0)
    assert np.isclose(sc["C"][used].max(), r.objective)
    check_allocation(r, sc["C"], sc["w"], sc["close"], sc["keep"], sc["min_volume"],
                     sc["capacity"])


@SETTINGS
@given(scenarios())
def test_adding_a_centre_never_worsens_pmedian(sc):
    m = sc["C"].shape[1]
    k = min(sc["k"], m - 1)
    try:
        a = p_median(sc["C"], sc["w"], k=k, solver="exact")
    except InfeasibleScenario:
        return
    b = p_median(sc["C"], sc["w"], k=k + 1, solver="exact")
    assert b.objective <= a.objective * (1 + 1e-9) + 1e-9

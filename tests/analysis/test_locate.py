"""Location-allocation engine: oracles (brute force over subsets), hand cases, errors."""

from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import linprog

from analysis.locate import (
    InfeasibleScenario,
    locate,
    max_covering,
    p_centre,
    p_median,
    set_covering,
)

REL = 1e-6


# ----------------------------------------------------------------------------- oracles


def instance(seed: int, n: int = 10, m: int = 7, inf_share: float = 0.0, zeros: bool = True):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 100, (n, 2))
    h = rng.uniform(0, 100, (m, 2))
    C = np.round(np.hypot(*(a[:, None, :] - h[None, :, :]).transpose(2, 0, 1)), 1)
    if inf_share:
        C[rng.random((n, m)) < inf_share] = np.inf
    w = rng.integers(0 if zeros else 1, 9, n).astype(float)
    return C, w


def subsets(m, size, keep=(), allowed=None):
    allowed = range(m) if allowed is None else allowed
    free = [j for j in allowed if j not in keep]
    for extra in combinations(free, size - len(keep)):
        yield tuple(sorted(set(keep) | set(extra)))


def lp_assign(C, w, S, cost, minv=0.0, cap=None):
    """min sum w_i cost_ij x_ij over areas with demand, fractional, with volume limits."""
    rows = np.flatnonzero(w > 0)
    pairs = [(i, j) for i in rows for j in S if np.isfinite(C[i, j])]
    if not pairs or {i for i, _ in pairs} != set(rows):
        return np.inf
    P = len(pairs)
    c = np.array([w[i] * cost[i, j] for i, j in pairs])
    A_eq = np.zeros((rows.size, P))
    rindex = {i: r for r, i in enumerate(rows)}
    for p, (i, _) in enumerate(pairs):
        A_eq[rindex[i], p] = 1
    A_ub, b_ub = [], []
    for j in S:
        vol = np.array([w[i] if jj == j else 0.0 for i, jj in pairs])
        if minv > 0:
            A_ub.append(-vol)
            b_ub.append(-minv)
        if cap is not None:
            A_ub.append(vol)
            b_ub.append(cap[j])
    res = linprog(c, A_ub=np.array(A_ub) if A_ub else None, b_ub=b_ub or None, A_eq=A_eq,
                  b_eq=np.ones(rows.size), bounds=(0, 1), method="highs")
    return res.fun if res.status == 0 else np.inf


def brute_pmedian(C, w, k, keep=(), allowed=None, minv=0.0, cap=None):
    best = np.inf
    for S in subsets(C.shape[1], k, keep, allowed):
        if minv > 0 or cap is not None:
            val = lp_assign(C, w, S, C, minv, cap)
        else:
            d = C[:, S].min(axis=1)
            val = np.inf if np.isinf(d[w > 0]).any() else float(w[w > 0] @ d[w > 0])
        best = min(best, val)
    return best


def brute_mclp(C, w, k, T, keep=(), minv=0.0, cap=None):
    best = -np.inf
    for S in subsets(C.shape[1], k, keep):
        if minv > 0 or cap is not None:
            unc = lp_assign(C, w, S, (C > T).astype(float), minv, cap)
            val = w[w > 0].sum() - unc if np.isfinite(unc) else -np.inf
        else:
            val = float(w @ (C[:, S].min(axis=1) <= T))
        best = max(best, val)
    return best


def brute_setcover(C, w, T, keep=()):
    m = C.shape[1]
    for size in range(max(len(keep), 1), m + 1):
        for S in subsets(m, size, keep):
            if (C[w > 0][:, S] <= T).any(axis=1).all():
                return size
    return None


def brute_pcentre(C, w, k, keep=()):
    return min(C[w > 0][:, S].min(axis=1).max() for S in subsets(C.shape[1], k, keep))


def brute_pcentre_cap(C, w, k, cap):
    vals = np.unique(C[np.isfinite(C)])
    best = np.inf
    for S in subsets(C.shape[1], k):
        for r in vals:
            if r >= best:
                break
            Cr = np.where(C <= r, C, np.inf)
            if np.isfinite(lp_assign(Cr, w, S, np.zeros_like(C), 0.0, cap)):
                best = r
                break
    return best


def close(a, b):
    return a == pytest.approx(b, rel=REL, abs=1e-6)


# ----------------------------------------------------------------------------- hand cases


def test_pmedian_hand_case_nearest_and_objective():
    C = np.array([[0.0, 10.0, 7.0], [10.0, 0.0, 7.0], [6.0, 6.0, 0.0]])
    w = np.array([1.0, 1.0, 5.0])
    r = p_median(C, w, k=1, solver="exact")
    assert r.open == (2,)
    assert r.objective == pytest.approx(14.0)
    assert r.status == "optimal" and r.gap == 0
    np.testing.assert_array_equal(r.centre, [2, 2, 2])
    np.testing.assert_allclose(r.volume, [0, 0, 7])


def test_pmedian_keep_forces_centre():
    C = np.array([[0.0, 10.0, 7.0], [10.0, 0.0, 7.0], [6.0, 6.0, 0.0]])
    r = p_median(C, [1.0, 1.0, 5.0], k=1, keep=[0], solver="exact")
    assert r.open == (0,)
    assert r.objective == pytest.approx(0 + 10 + 30)


def test_pmedian_min_volume_splits_area():
    # two areas next to hospital 0, one small area next to hospital 1, norm 2
    C = np.array([[1.0, 20.0], [1.0, 20.0], [20.0, 1.0]])
    w = np.array([2.0, 2.0, 1.0])
    r = p_median(C, w, k=2, min_volume=2.0, solver="exact")
    assert r.open == (0, 1)
    np.testing.assert_allclose(r.volume, [3.0, 2.0])
    # 1 patient moves 0 -> 1 (cost 20 instead of 1), area 2 stays: 3*1 + 1*20 + 1*1
    assert r.objective == pytest.approx(24.0)
    rows = np.asarray(r.assignment.sum(axis=1)).ravel()
    np.testing.assert_allclose(rows, 1.0)


def test_max_covering_hand_case():
    C = np.array([[0.0, 50.0], [50.0, 0.0], [20.0, 40.0]])
    r = max_covering(C, [1.0, 3.0, 2.0], k=1, radius=30, solver="exact")
    assert r.open == (0,) and r.objective == pytest.approx(3.0)
    assert r.uncovered_demand == pytest.approx(3.0)


def test_set_covering_hand_case_prefers_least_travel_among_minimum_covers():
    C = np.array([[0.0, 50.0, 20.0, 25.0], [50.0, 0.0, 20.0, 25.0]])
    r = set_covering(C, [1.0, 1.0], radius=25, solver="exact")
    assert r.objective == 1 and r.open == (2,)


def test_p_centre_hand_case():
    C = np.array([[0.0, 30.0, 12.0], [30.0, 0.0, 14.0], [99.0, 99.0, 99.0]])
    r = p_centre(C, [1.0, 1.0, 0.0], k=1, solver="exact")  # zero-demand area ignored
    assert r.open == (2,) and r.objective == pytest.approx(14.0)


def test_locate_dispatches_by_name():
    C, w = instance(3)
    a = locate(C, w, method="p_centre", k=2, solver="exact")
    b = p_centre(C, w, k=2, solver="exact")
    assert a.objective == b.objective


# ----------------------------------------------------------------------------- oracles


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_pmedian_matches_brute_force(seed, solver):
    C, w = instance(seed)
    k = 2 + seed % 3
    keep = (seed % 7,) if seed % 2 else ()
    closed = ((seed + 3) % 7,) if seed % 3 == 0 else ()
    allowed = [j for j in range(7) if j not in closed]
    opt = brute_pmedian(C, w, k, keep, allowed)
    r = p_median(C, w, k=k, keep=list(keep), close=list(closed), solver=solver, seed=seed)
    assert r.objective >= opt - 1e-6 * opt
    if solver == "exact":
        assert close(r.objective, opt) and r.status == "optimal"
    assert r.bound <= opt + 1e-6 * opt  # the bound is valid
    assert r.objective <= r.bound * (1 + r.gap) + 1e-6  # and the gap honest
    assert set(keep) <= set(r.open) and not set(closed) & set(r.open)


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_with_unreachable_pairs_matches_brute_force(seed):
    C, w = instance(seed + 20, inf_share=0.3)
    opt = brute_pmedian(C, w, 3)
    if not np.isfinite(opt):
        with pytest.raises(InfeasibleScenario):
            p_median(C, w, k=3, solver="exact")
        return
    r = p_median(C, w, k=3, solver="exact")
    assert close(r.objective, opt)
    h = p_median(C, w, k=3, solver="heuristic")
    assert h.objective >= opt - 1e-6
    assert np.isfinite(np.asarray(r.assignment.multiply(C).sum()))  # never on an inf pair


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_pmedian_min_volume_and_capacity_match_brute_force(seed, solver):
    C, w = instance(seed + 40, n=9, m=6, zeros=False)
    total = w.sum()
    k = 3
    minv = round(total / 5, 1)
    cap = np.full(6, round(total / 2.2, 1))
    opt = brute_pmedian(C, w, k, minv=minv, cap=cap)
    r = p_median(C, w, k=k, min_volume=minv, capacity=cap, solver=solver, seed=seed)
    if solver == "exact":
        assert close(r.objective, opt)
    else:
        assert r.objective >= opt - 1e-6 * opt
        assert r.bound <= opt + 1e-6 * opt
    vols = r.volume[list(r.open)]
    assert (vols >= minv - 1e-6).all() and (vols <= cap[list(r.open)] + 1e-6).all()


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


def brute_setcover_travel(C, w, T, keep=()):
    """(k*, least travel among the covers with k* centres), every area at its nearest."""
    kstar = brute_setcover(C, w, T, keep)
    pos = w > 0
    best = np.inf
    for S in subsets(C.shape[1], kstar, keep):
        if (C[pos][:, S] <= T).any(axis=1).all():
            best = min(best, float(w[pos] @ C[pos][:, S].min(axis=1)))
    return kstar, best


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


def test_set_covering_capacitated_needs_more_centres():
    C = np.array([[1.0, 2.0, 30.0], [1.0, 2.0, 30.0], [2.0, 1.0, 30.0]])
    w = np.array([3.0, 3.0, 3.0])
    assert set_covering(C, w, radius=5, solver="exact").objective == 1
    r = set_covering(C, w, radius=5, capacity=6.0, solver="exact")
    assert r.objective == 2 and r.open == (0, 1)
    assert (r.volume <= 6 + 1e-9).all()


# ----------------------------------------------------------------------------- errors


def test_error_k_times_min_volume_exceeds_demand():
    C = np.ones((3, 4))
    with pytest.raises(InfeasibleScenario, match=r"k=3 centres x min_volume 20 = 60 exceeds "
                                                  r"total demand 41\.2"):
        p_median(C, [20.0, 20.0, 1.2], k=3, min_volume=20)


def test_error_capacity_of_largest_candidates_below_demand():
    C = np.ones((2, 5))
    with pytest.raises(InfeasibleScenario, match=r"capacity sum of the 3 largest candidates "
                                                  r"300 is below total demand 412"):
        p_median(C, [400.0, 12.0], k=3, capacity=[100, 100, 100, 50, 50])


def test_error_keep_larger_than_k_and_keep_close_conflict():
    C = np.ones((2, 6))
    with pytest.raises(InfeasibleScenario, match="keep has 5 hospitals but k=3"):
        p_median(C, [1.0, 1.0], k=3, keep=[0, 1, 2, 3, 4])
    with pytest.raises(InfeasibleScenario, match="hospital index 4 is both kept and closed"):
        p_median(C, [1.0, 1.0], k=3, keep=[4], close=[4])
    with pytest.raises(InfeasibleScenario, match="k=4 centres but only 3 of 6"):
        p_median(C, [1.0, 1.0], k=4, close=[0, 1, 2])


def test_error_set_covering_names_uncoverable_areas():
    C = np.array([[5.0, 50.0], [60.0, 70.0], [80.0, np.inf]])
    with pytest.raises(InfeasibleScenario, match=r"2 area\(s\) with 5 patients/yr cannot be "
                                                  r"reached within 30 min .* \[1, 2\]"):
        set_covering(C, [1.0, 2.0, 3.0], radius=30)


def test_error_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        p_median(np.array([[np.nan, 1.0]]), [1.0], k=1)
    with pytest.raises(ValueError, match="out of range"):
        p_median(np.ones((2, 3)), [1.0, 1.0], k=1, keep=[3])
    with pytest.raises(ValueError, match="solver"):
        p_median(np.ones((2, 3)), [1.0, 1.0], k=1, solver="cbc")


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


def test_heuristic_seeded_is_reproducible():
    C, w = instance(9, n=40, m=15)
    a = p_median(C, w, k=4, solver="heuristic", seed=3)
    b = p_median(C, w, k=4, solver="heuristic", seed=3)
    assert a.open == b.open and a.objective == b.objective


@pytest.mark.parametrize("seed", range(6))
def test_pmedian_exact_matches_brute_force_on_larger_instances(seed):
    # large enough that the Lagrangian fixing and the candidate lists are exercised
    C, w = instance(seed + 200, n=80, m=14, zeros=False)
    k = 3 + seed % 3
    keep = (seed,) if seed % 2 else ()
    W = np.where(np.isinf(C), 1e18, C)
    best = min(float(w @ W[:, list(S)].min(axis=1)) for S in subsets(14, k, keep))
    r = p_median(C, w, k=k, keep=list(keep), solver="exact")
    assert close(r.objective, best) and r.status == "optimal"
    assert r.bound <= best * (1 + 1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_pmedian_milp_path_without_lagrangian_matches_brute_force(seed, monkeypatch):
    # switch the Lagrangian shortcut off so that the restricted-list MILP must prove it
    import analysis.locate as loc

    monkeypatch.setattr(loc, "_pmedian_lagrangian",
                        lambda *a, with_rho=False, **kw: (-np.inf, None) if with_rho else -np.inf)
    C, w = instance(seed + 300, n=60, m=12, inf_share=0.15 if seed % 2 else 0.0)
    k = 2 + seed % 3
    keep = (seed,) if seed >= 3 else ()
    best = brute_pmedian(C, w, k, keep)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleScenario):
            p_median(C, w, k=k, keep=list(keep), solver="exact")
        return
    r = p_median(C, w, k=k, keep=list(keep), solver="exact")
    assert close(r.objective, best) and r.status == "optimal"

"""norm_lagrangian and fix_centres against brute force over every k-subset (the LP
assignment with norm/capacity per subset): the bound never exceeds the optimum, and the
fixing never removes an optimal (or any better-than-incumbent) plan; with ties (costs on a
coarse grid) and with norms some subsets cannot meet (unreachable pairs). The exact
k-median / linked paths that use them, against the same brute force."""

import math

import numpy as np
import pytest

from analysis.locate import dispatch, norm_bound
from analysis.locate.linked import linked_p_median
from analysis.locate.norm_bound import NormBlock, fix_centres, norm_lagrangian
from analysis.locate.pmedian import p_median
from tests.analysis.locate.oracles import REL, brute_pmedian, instance, lp_assign, subsets


def block_of(C, w, minv=0.0, cap=None):
    """The pairs of the areas with demand (finite entries) as one NormBlock."""
    rows_all = np.flatnonzero(w > 0)
    r, c = np.nonzero(np.isfinite(C[rows_all]))
    i = rows_all[r]
    return NormBlock(r, c, w[i] * C[i, c], w[i], rows_all.size, minv,
                     None if cap is None else np.asarray(cap, float))


def subset_values(C, w, k, minv, cap):
    return {S: lp_assign(C, w, S, C, minv, cap) for S in subsets(C.shape[1], k)}


def tie_instance(seed, n=9, m=6, inf_share=0.0):
    C, w = instance(seed, n, m, inf_share=inf_share)
    return np.round(C / 20.0) * 20.0, w  # a coarse grid: many equal costs


CASES = [(seed, k, kind) for seed in range(8) for k in (2, 3)
         for kind in ("norm", "capacity", "both", "unreachable")]


def case(seed, k, kind):
    C, w = tie_instance(seed, inf_share=0.3 if kind == "unreachable" else 0.0)
    total = w.sum()
    minv = float(np.floor(total / (k + 1))) if kind != "capacity" else 0.0
    cap = (np.full(C.shape[1], math.ceil(total / k) + 2.0) if kind in ("capacity", "both")
           else None)
    return C, w, minv, cap


@pytest.mark.parametrize(("seed", "k", "kind"), CASES)
def test_norm_lagrangian_never_exceeds_brute_force(seed, k, kind):
    C, w, minv, cap = case(seed, k, kind)
    vals = subset_values(C, w, k, minv, cap)
    opt = min(vals.values())
    lag = norm_lagrangian([block_of(C, w, minv, cap)], C.shape[1], k=k,
                          keep=np.array([], int), upper=opt if np.isfinite(opt) else np.inf,
                          deadline=math.inf, max_iter=400)
    if np.isfinite(opt):
        assert lag.value <= opt * (1 + 1e-9) + 1e-9
    assert lag.iterations >= 1 and lag.rho is not None


@pytest.mark.parametrize(("seed", "k", "kind"), CASES)
def test_fix_centres_never_removes_an_optimum_or_a_better_plan(seed, k, kind):
    C, w, minv, cap = case(seed, k, kind)
    vals = subset_values(C, w, k, minv, cap)
    feasible = sorted(v for v in vals.values() if np.isfinite(v))
    if not feasible:
        pytest.skip("no subset meets the norm (the bound has nothing to fix against)")
    # against the optimum itself (every optimal plan, ties included, must survive) and
    # against a worse incumbent (every plan better than it must survive)
    for upper in {feasible[0], feasible[len(feasible) // 2]}:
        lag = norm_lagrangian([block_of(C, w, minv, cap)], C.shape[1], k=k,
                              keep=np.array([], int), upper=upper, deadline=math.inf,
                              max_iter=400)
        fix = fix_centres(lag, k, np.array([], int), upper)
        for S, v in vals.items():
            if v <= upper * (1 + 1e-9) and (v <= feasible[0] * (1 + 1e-9) or v < upper):
                assert not set(fix.closed.tolist()) & set(S), (S, v, upper, fix)
                assert set(fix.opened.tolist()) <= set(S), (S, v, upper, fix)


def test_fix_centres_fixes_something_on_these_instances():
    """The oracle test above is not vacuous: the fixing closes or opens centres."""
    fixed = 0
    for seed, k, kind in CASES:
        C, w, minv, cap = case(seed, k, kind)
        opt = min(subset_values(C, w, k, minv, cap).values())
        if not np.isfinite(opt):
            continue
        lag = norm_lagrangian([block_of(C, w, minv, cap)], C.shape[1], k=k,
                              keep=np.array([], int), upper=opt, deadline=math.inf,
                              max_iter=400)
        fix = fix_centres(lag, k, np.array([], int), opt)
        fixed += fix.closed.size + fix.opened.size
    assert fixed > 0


def test_norm_lagrangian_with_kept_centres_stays_below_brute_force():
    for seed in range(6):
        C, w = tie_instance(seed)
        minv = float(np.floor(w.sum() / 4))
        keep = (1,)
        opt = min(lp_assign(C, w, S, C, minv) for S in subsets(C.shape[1], 3, keep))
        lag = norm_lagrangian([block_of(C, w, minv)], C.shape[1], k=3, keep=np.array(keep),
                              upper=opt, deadline=math.inf, max_iter=400)
        assert lag.value <= opt * (1 + 1e-9) + 1e-9
        fix = fix_centres(lag, 3, np.array(keep), opt)
        assert 1 not in fix.closed.tolist()
        for S in subsets(C.shape[1], 3, keep):
            if lp_assign(C, w, S, C, minv) <= opt * (1 + 1e-9):
                assert not set(fix.closed.tolist()) & set(S)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3])
def test_exact_kmedian_with_norm_matches_brute_force_through_every_step(seed, k,
                                                                        monkeypatch):
    """Brute force against the exact path (relaxation, heuristic, Lagrangian fixing,
    MILP on the centres left), with the fixing it used checked against every optimum."""
    C, w = tie_instance(seed, n=10, m=7)
    minv = float(np.floor(w.sum() / (k + 1)))
    opt = brute_pmedian(C, w, k, minv=minv)
    seen = []
    real_fix = dispatch.fix_centres

    def spy(*a, **kw):
        out = real_fix(*a, **kw)
        seen.append(out)
        return out

    monkeypatch.setattr(dispatch, "fix_centres", spy)
    r = p_median(C, w, k=k, min_volume=minv, solver="exact", seed=seed)
    assert r.objective == pytest.approx(opt, rel=REL)
    assert r.status == "optimal" and r.bound <= r.objective + 1e-9
    vals = subset_values(C, w, k, minv, None)
    for fix in seen:
        for S, v in vals.items():
            if v <= opt * (1 + 1e-9):
                assert not set(fix.closed.tolist()) & set(S)
                assert set(fix.opened.tolist()) <= set(S)


def test_exact_kmedian_proves_a_plan_the_norm_does_not_bind_by_the_relaxation(monkeypatch):
    """Norm 1 on integer demand: the uncapacitated optimum meets it, so the relaxation
    proves it and neither the Lagrangian nor the MILP runs."""
    C, w = instance(3, n=10, m=7, zeros=False)
    calls = []
    monkeypatch.setattr(dispatch, "norm_lagrangian",
                        lambda *a, **kw: calls.append(1))  # would break the run if used
    r = p_median(C, w, k=3, min_volume=1.0, solver="exact")
    assert r.objective == pytest.approx(brute_pmedian(C, w, 3, minv=1.0), rel=REL)
    assert r.status == "optimal" and not calls


@pytest.mark.parametrize("seed", range(4))
def test_linked_norms_with_ties_match_brute_force(seed):
    C, _ = tie_instance(seed, n=9, m=6)
    rng = np.random.default_rng(seed + 7)
    D = rng.integers(0, 7, (2, 9)).astype(float)
    D[:, 0] = np.maximum(D[:, 0], 1.0)
    norms = [float(np.floor(D[0].sum() / 3)), float(np.floor(D[1].sum() / 4))]
    best = min(sum(lp_assign(C, D[t], S, C, norms[t]) for t in range(2))
               for S in subsets(6, 2))
    r = linked_p_median(C, D, k=2, min_volume=norms, solver="exact")
    assert r.objective == pytest.approx(best, rel=REL)
    assert r.status == "optimal" and r.bound <= r.objective + 1e-9


PASS_CASES = [(seed, k, kind) for seed in range(6) for k in (2, 3)
              for kind in ("norm", "capacity", "unreachable")]


def sparse_value(blk, mc, k, keep, lag, closed=None):
    """The float64 Lagrangian function (sparse pass) at ``lag``'s multipliers."""
    base, rho, _ = norm_bound._evaluate([blk], lag.us, lag.mus, lag.lams, mc)
    if closed is not None:
        rho[closed] = np.inf
    return base + float(rho[norm_bound._choose(rho, k, keep)].sum())


@pytest.mark.parametrize("pass_", ["dense32", "dense64", "sparse"])
@pytest.mark.parametrize(("seed", "k", "kind"), PASS_CASES)
def test_every_pass_bound_is_the_float64_function_and_below_brute_force(seed, k, kind,
                                                                       pass_):
    C, w, minv, cap = case(seed, k, kind)
    opt = min(subset_values(C, w, k, minv, cap).values())
    blk = block_of(C, w, minv, cap)
    mc, keep = C.shape[1], np.array([], int)
    lay = norm_bound.norm_layout([blk], mc, pass_)
    assert (lay.cost64[0] is None) == (pass_ == "sparse")
    assert (lay.cost32[0] is None) == (pass_ != "dense32")
    lag = norm_lagrangian([blk], mc, k=k, keep=keep, upper=opt if np.isfinite(opt)
                          else np.inf, deadline=math.inf, max_iter=300, layout=lay)
    # the value returned is the float64 function at the multipliers returned: a bound
    assert lag.value == pytest.approx(sparse_value(blk, mc, k, keep, lag), rel=1e-12,
                                      abs=1e-9)
    if np.isfinite(opt):
        assert lag.value <= opt * (1 + 1e-9) + 1e-9


@pytest.mark.parametrize(("seed", "k", "kind"), PASS_CASES)
def test_float32_pass_never_above_the_float64_pass_by_more_than_rounding(seed, k, kind):
    # the same ascent in float32 and float64: float32 only steers it, so the two bounds
    # agree up to the ascent's float32 rounding, and neither exceeds the optimum
    C, w, minv, cap = case(seed, k, kind)
    opt = min(subset_values(C, w, k, minv, cap).values())
    blk = block_of(C, w, minv, cap)
    mc, keep = C.shape[1], np.array([], int)
    up = opt if np.isfinite(opt) else np.inf
    got = {p: norm_lagrangian([blk], mc, k=k, keep=keep, upper=up, deadline=math.inf,
                              max_iter=300, layout=norm_bound.norm_layout([blk], mc, p))
           for p in ("dense32", "dense64")}
    if np.isfinite(opt):
        assert max(g.value for g in got.values()) <= opt * (1 + 1e-9) + 1e-9
    assert got["dense32"].value == pytest.approx(got["dense64"].value, rel=1e-3)


@pytest.mark.parametrize("seed", range(6))
def test_dense_evaluation_matches_sparse_with_closed_centres(seed):
    C, w, minv, cap = case(seed, 2, "unreachable")
    blk = block_of(C, w, minv, np.full(C.shape[1], 50.0))
    mc = C.shape[1]
    rng = np.random.default_rng(seed)
    us = [rng.uniform(0, 2 * blk.cost.max(), blk.n_rows)]
    mus, lams = [rng.uniform(0, 5, mc)], [rng.uniform(0, 2, mc)]
    closed = np.array([1, 4])
    avail = np.setdiff1d(np.arange(mc), closed)
    base, rho, _ = norm_bound._evaluate([blk], us, mus, lams, mc)
    rho[closed] = np.inf
    for pass_, rel in (("dense64", 1e-12), ("dense32", 1e-5)):
        lay = norm_bound.norm_layout([blk], mc, pass_)
        b2, r2, _ = norm_bound._evaluate_layout([blk], lay, us, mus, lams, mc, avail,
                                                low=pass_ == "dense32")
        assert b2 == pytest.approx(base, rel=1e-12)
        assert np.isinf(r2[closed]).all()
        scale = float(np.abs(rho[avail]).max())
        assert np.allclose(r2[avail], rho[avail], rtol=rel, atol=rel * scale)


@pytest.mark.parametrize("seed", range(6))
def test_served_volumes_match_the_pair_list(seed):
    C, w, minv, cap = case(seed, 3, "unreachable")
    blk = block_of(C, w, minv, cap)
    mc = C.shape[1]
    lag = norm_lagrangian([blk], mc, k=3, keep=np.array([], int), upper=np.inf,
                          deadline=math.inf, max_iter=50)
    chosen = np.zeros(mc, bool)
    chosen[norm_bound.chosen_centres(lag, 3, np.array([], int))] = True
    _, _, rcs = norm_bound._evaluate([blk], lag.us, lag.mus, lag.lams, mc)
    take = (rcs[0] < 0) & chosen[blk.cols]
    want = np.bincount(blk.cols[take], weights=blk.volume[take], minlength=mc)
    got = norm_bound.served_volumes([blk], lag, chosen, mc)[0]
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)

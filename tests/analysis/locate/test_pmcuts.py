"""Odd-cycle cuts on the radius formulation's covering rows (analysis/locate/pmcuts.py):
every cut holds at every integer solution (brute force over all k-subsets, graph costs
with ties), the Benders bound with them never exceeds the brute-force optimum, and the
cut of a constructed half-integral instance is found and lifts its LP bound."""

import itertools
import time

import numpy as np
import pytest
from scipy.optimize import linprog

import analysis.locate.benders as benders
import analysis.locate.pmcuts as pmcuts
from analysis.locate.benders import pmedian_benders
from analysis.locate.candidates import Work
from analysis.locate.pmcuts import odd_triangle_cuts
from analysis.locate.problem import prepare
from tests.analysis.locate.conftest import ZCUTS_FORCED
from tests.analysis.locate.oracles import brute_pmedian
from tests.analysis.locate.test_benders import graph_costs

# three areas each at distance 0 from two of three candidates (an odd cycle), a fourth at
# its own candidate; k = 2: the LP is y = 1/2 everywhere at cost 4.5, the optimum 9
TRIANGLE = np.array([[0., 0., 9., 9.], [9., 0., 0., 9.], [0., 9., 0., 9.], [9., 9., 9., 0.]])


def sorted_rows(C):
    order = np.argsort(C, axis=1, kind="stable")
    return np.take_along_axis(C, order, axis=1), order


def radius_value(srt, order, y):
    """theta at its least value for y: sum over levels of (D_{h+1} - D_h) (1 - Y_h)^+."""
    cum = np.cumsum(y[order], axis=1)
    gaps = np.diff(srt, axis=1)
    return srt[:, 0] + (gaps * np.maximum(0.0, 1 - cum[:, :-1])).sum(axis=1)


def classic_lp(C, w, k):
    """LP relaxation of the classic formulation (x_ij <= y_j, sum_j x_ij = 1): (value, y,
    theta)."""
    n, m = C.shape
    nx = n * m
    cost = np.concatenate([(w[:, None] * C).ravel(), np.zeros(m)])
    eq = np.zeros((n + 1, nx + m))
    for i in range(n):
        eq[i, i * m:(i + 1) * m] = 1.0
    eq[n, nx:] = 1.0
    ub = np.zeros((nx, nx + m))
    ub[np.arange(nx), np.arange(nx)] = 1.0
    ub[np.arange(nx), nx + np.tile(np.arange(m), n)] = -1.0
    r = linprog(cost, A_ub=ub, b_ub=np.zeros(nx), A_eq=eq,
                b_eq=np.concatenate([np.ones(n), [k]]), bounds=(0, 1), method="highs")
    assert r.status == 0
    x = r.x[:nx].reshape(n, m)
    return r.fun, r.x[nx:], (C * x).sum(axis=1)


def all_integer_points(C, k):
    """(y, theta) of every k-subset, theta the true distances."""
    m = C.shape[1]
    for S in itertools.combinations(range(m), k):
        y = np.zeros(m)
        y[list(S)] = 1.0
        yield y, C[:, list(S)].min(axis=1)


def test_half_integral_triangle_cut_is_found_with_violation_one_half():
    value, y, theta = classic_lp(TRIANGLE, np.ones(4), 2)
    assert np.isclose(value, 4.5) and np.allclose(y, 0.5)
    srt, order = sorted_rows(TRIANGLE)
    cuts = odd_triangle_cuts(srt, order, y, theta)
    assert cuts.count == 1 and np.isclose(cuts.violation[0], 0.5)
    x = np.concatenate([y, theta])
    assert np.isclose(cuts.lo[0] - cuts.activity(x)[0], 0.5)  # the stated violation
    for yi, ti in all_integer_points(TRIANGLE, 2):
        assert cuts.activity(np.concatenate([yi, ti]))[0] >= cuts.lo[0] - 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_every_cut_holds_at_every_integer_solution_on_graphs_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 11
    C = graph_costs(n, seed, max_len=4)
    srt, order = sorted_rows(C)
    found = 0
    for k in (2, 3, 4):
        points = [classic_lp(C, np.ones(n), k)[1:]]
        for _ in range(6):  # random fractional points, theta at its least value
            y = rng.dirichlet(np.full(n, 0.3)) * k
            while (y > 1).any():
                y = np.minimum(y, 1.0)
                y += (k - y.sum()) * (y < 1) / max((y < 1).sum(), 1)
            points.append((y, radius_value(srt, order, y)))
        integer = list(all_integer_points(C, k))
        for y, theta in points:
            cuts = odd_triangle_cuts(srt, order, y, theta, min_violation=1e-3)
            found += cuts.count
            for yi, ti in integer:
                act = cuts.activity(np.concatenate([yi, ti]))
                assert (act >= cuts.lo - 1e-9).all(), (k, yi)
    assert found > 0  # the oracle checked real cuts


@pytest.fixture
def rounds_on(monkeypatch):
    """The root rounds are off by default (ODD_ROUNDS = 0): switch them on."""
    monkeypatch.setattr(pmcuts, "ODD_ROUNDS", 8)


def _benders(C, k):
    w = np.ones(C.shape[0])
    work = Work(prepare(C, w, k=k))
    start = np.arange(k)  # a poor incumbent: the root is not closed by it
    return work, pmedian_benders(work, k, start, deadline=time.perf_counter() + 30)


def test_root_bound_with_cuts_lifts_the_triangle_lp_and_stays_below_the_optimum(rounds_on):
    _, sol = _benders(TRIANGLE, 2)
    assert sol.lp_bound > 4.5 + 1.0  # the plain LP is 4.5
    assert sol.lp_bound <= brute_pmedian(TRIANGLE, np.ones(4), 2) + 1e-9
    assert sol.status == "optimal"


def test_bound_with_cuts_never_exceeds_the_brute_force_optimum(monkeypatch, rounds_on):
    added = []
    inner = benders.root_cuts

    def spy(*a, **kw):
        out = inner(*a, **kw)
        added.append(out[3])
        return out

    monkeypatch.setattr(benders, "root_cuts", spy)
    for seed in range(10):  # longer edges than test_benders's: LP gaps at the root
        C = graph_costs(16, seed, max_len=20)
        for k in (2, 3):
            work, sol = _benders(C, k)
            opt = brute_pmedian(C, np.ones(16), k)
            assert sol.lp_bound <= opt + 1e-6 and sol.bound <= opt + 1e-6
            assert np.isclose(work.cost(sol.open_pos), opt) and sol.status == "optimal"
    assert sum(added) > 0  # some roots did get cuts


@pytest.mark.skipif(ZCUTS_FORCED, reason="the z cuts are forced on")
def test_root_rounds_are_off_by_default():
    _, sol = _benders(TRIANGLE, 2)
    assert np.isclose(sol.lp_bound, 4.5)  # the plain LP: no cut was added


@pytest.fixture
def z_on(monkeypatch):
    """The explicit-z rounds are off by default (Z_ROUNDS = 0): switch them on, with the
    z-form rows separated at the nodes too."""
    monkeypatch.setattr(pmcuts, "Z_ROUNDS", 8)
    monkeypatch.setattr(pmcuts, "Z_NODES", True)


def _spy_rows(monkeypatch):
    """Record every row the masters get through ``add_rows`` and every ZBands made."""
    rows, bands = [], []
    add_rows = benders._Master.add_rows

    def spy(self, lo, starts, index, value):
        rows.append((self, lo.copy(), starts.copy(), index.copy(), value.copy()))
        return add_rows(self, lo, starts, index, value)

    class Spied(pmcuts.ZBands):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            bands.append(self)

    monkeypatch.setattr(benders._Master, "add_rows", spy)
    monkeypatch.setattr(benders, "ZBands", Spied)
    return rows, bands


def test_explicit_z_rows_hold_at_every_integer_solution(monkeypatch, z_on):
    rows, bands = _spy_rows(monkeypatch)
    checked = 0
    for seed in range(8):
        C = graph_costs(14, seed, max_len=20)
        for k in (2, 3):
            rows.clear()
            bands.clear()
            work, sol = _benders(C, k)
            opt = brute_pmedian(C, np.ones(14), k)
            assert sol.lp_bound <= opt + 1e-6 and np.isclose(work.cost(sol.open_pos), opt)
            if not bands:
                continue
            zb = bands[-1]
            srt, order = zb.areas.srt, zb.areas.order
            m, g = zb.areas.m, zb.areas.g
            ar, a, b = np.array(zb.area, int), np.array(zb.a, int), np.array(zb.b, int)
            for S in itertools.combinations(range(m), k):
                y = np.zeros(m)
                y[list(S)] = 1.0
                theta = np.where(y[order] > 0.5, srt, np.inf).min(axis=1)
                z = (theta[ar] >= srt[ar, b] - 1e-12).astype(float) if ar.size else []
                x = np.concatenate([y, theta, z])
                for _, lo, starts, index, value in rows:
                    ends = np.append(starts[1:], index.size)
                    for r, (s, e) in enumerate(zip(starts, ends, strict=True)):
                        assert value[s:e] @ x[index[s:e]] >= lo[r] - 1e-7, (seed, k, S)
                        checked += index[s:e].max() >= m + g
            assert a.size == b.size and (srt[ar, b] > srt[ar, a]).all()  # bands not empty
    assert checked > 0  # some rows with z were checked


def test_explicit_z_cuts_lift_the_triangle_root(z_on):
    _, sol = _benders(TRIANGLE, 2)
    assert sol.lp_bound > 4.5 + 1.0  # the plain LP is 4.5
    assert sol.lp_bound <= brute_pmedian(TRIANGLE, np.ones(4), 2) + 1e-9
    assert sol.status == "optimal"


@pytest.mark.skipif(ZCUTS_FORCED, reason="the z cuts are forced on")
def test_explicit_z_rounds_are_off_by_default():
    assert pmcuts.Z_ROUNDS == 0 and not pmcuts.Z_NODES

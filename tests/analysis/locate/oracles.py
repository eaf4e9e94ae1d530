"""Oracles and instances shared by the locate tests: brute force over subsets, LP
assignments (scipy linprog) and the heuristic's working matrix."""

from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import linprog

from analysis.locate.candidates import Work
from analysis.locate.problem import prepare

REL = 1e-6


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


def brute_setcover_travel(C, w, T, keep=()):
    """(k*, least travel among the covers with k* centres), every area at its nearest."""
    kstar = brute_setcover(C, w, T, keep)
    pos = w > 0
    best = np.inf
    for S in subsets(C.shape[1], kstar, keep):
        if (C[pos][:, S] <= T).any(axis=1).all():
            best = min(best, float(w[pos] @ C[pos][:, S].min(axis=1)))
    return kstar, best


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


def list_instance(seed: int, n: int = 40, m: int = 12, inf_share: float = 0.0, ties: bool = False):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 100, (n, 2))
    h = rng.uniform(0, 100, (m, 2))
    C = np.round(np.hypot(*(a[:, None, :] - h[None, :, :]).transpose(2, 0, 1)), 1)
    if ties:
        C = np.round(C / 20.0) * 20.0  # many equal costs within a row
    if inf_share:
        C[rng.random((n, m)) < inf_share] = np.inf
    w = rng.integers(1, 9, n).astype(float)
    return C, w


def work(C, w, k, keep=()):
    prob = prepare(C, w, k=k, radius=None, keep=list(keep), close=None, candidates=None,
                   min_volume=None, capacity=None, time_limit=60.0, seed=0,
                   need_radius=False)
    return Work(prob)


def brute_cost(W, cols):
    return float(W.w @ np.asarray(W.M[:, list(cols)], dtype=np.float64).min(axis=1))


def brute_profit(W, open_pos):
    """profit[s, j] = cost(open) - cost(open with slot s replaced by j), -inf when barred."""
    base = brute_cost(W, open_pos)
    P = np.full((open_pos.size, W.m), -np.inf)
    for s in range(open_pos.size):
        if W.keep_mask[open_pos[s]]:
            continue
        for j in np.flatnonzero(~np.isin(np.arange(W.m), open_pos)):
            cols = open_pos.copy()
            cols[s] = j
            P[s, j] = base - brute_cost(W, cols)
    return P

"""Exact uncapacitated p-median: restricted candidate lists, proven by a relaxation.

Examples
--------
>>> import time
>>> import numpy as np
>>> from analysis.locate.candidates import Work
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1)
>>> work = Work(prob)
>>> sol = pmedian_exact_uncap(work, 1, np.array([1]), deadline=time.perf_counter() + 5)
>>> sol.open_pos.tolist(), sol.status
([0], 'optimal')
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds

from analysis.locate.candidates import Work
from analysis.locate.lagrangian import Fixing
from analysis.locate.milp import Rows
from analysis.locate.problem import InfeasibleScenario
from analysis.locate.result import GAP_TOLERANCE

__all__ = ["LIST_FACTOR", "LIST_MARGIN", "ExactSolution", "pmedian_exact_uncap"]

LIST_FACTOR, LIST_MARGIN = 1.5, 3  # initial list: max(1.5 m / k, heuristic rank + 3)


@dataclass(frozen=True)
class ExactSolution:
    """Best open positions (working columns), the proven lower bound and the status
    (``"optimal"`` or ``"time_limit"``)."""

    open_pos: NDArray
    bound: float
    status: str


def pmedian_exact_uncap(
    work: Work, k: int, heur_open: NDArray, deadline: float, fixing: Fixing | None = None,
) -> ExactSolution:
    """Exact p-median on the working matrix, starting from the heuristic's ``heur_open``.

    ``fixing`` (from :func:`analysis.locate.lagrangian.lagrangian_fixing`) excludes
    centres that cannot be part of a solution cheaper than ``heur_open``; the bound is
    then ``min(bound of the restricted problem, cost of heur_open)``.

    Each area i only gets assignment variables for its L_i nearest candidates plus one
    overflow variable s_i priced at the (L_i+1)-th smallest cost (a lower bound on any
    assignment outside the list). That restricted MILP is a relaxation of the p-median; if
    its optimum uses no overflow it is optimal for the full problem, otherwise the lists of
    the overflowing areas are doubled and it is solved again.
    """
    fixed = fixing is not None and bool(fixing.closed.any() or fixing.opened.any())
    cols = np.flatnonzero(~fixing.closed) if fixing is not None else np.arange(work.m)
    forced = work.keep_mask.copy()
    if fixing is not None:
        forced |= fixing.opened
    forced = forced[cols]
    M = np.asarray(work.M if cols.size == work.m else work.M[:, cols], dtype=np.float64)
    n, m = M.shape
    # merge identical rows
    Mu, inv = np.unique(M, axis=0, return_inverse=True)
    inv = inv.ravel()
    weights_u = np.bincount(inv, weights=work.w, minlength=Mu.shape[0])
    g = Mu.shape[0]
    fin_u = Mu < work.big * 0.5
    order = np.argsort(Mu, axis=1, kind="stable")
    srt = np.take_along_axis(Mu, order, axis=1)
    nfin = fin_u.sum(axis=1)
    # never beyond the nearest kept centre: it is always open
    if forced.any():
        rank_keep = np.argmax(forced[order], axis=1)
        limit = np.minimum(nfin, rank_keep + 1)
    else:
        limit = nfin
    # initial list: up to the heuristic's centre, plus a margin
    heur_mask = np.zeros(work.m, bool)
    heur_mask[heur_open] = True
    heur_mask = heur_mask[cols]
    rank_heur = np.argmax(heur_mask[order], axis=1)
    base_len = max(4, int(math.ceil(LIST_FACTOR * m / max(k, 1))))
    L = np.minimum(limit, np.maximum(rank_heur + LIST_MARGIN, base_len))
    y_lb = np.zeros(m)
    y_lb[forced] = 1.0
    ub0 = work.cost(heur_open)
    status, best_open, best_cost, bound = "time_limit", heur_open, ub0, -np.inf
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        cols_mask = np.arange(m)[None, :] < L[:, None]
        rr, pos = np.nonzero(cols_mask)
        cc = order[rr, pos]
        cost = weights_u[rr] * srt[rr, pos]
        over = np.flatnonzero(L < limit)
        over_cost = weights_u[over] * srt[over, L[over]]
        P, S = rr.size, over.size
        nv = m + P + S
        xi = m + np.arange(P)
        si = m + P + np.arange(S)
        model = Rows(nv)
        model.assignment(np.concatenate([rr, over]), np.concatenate([xi, si]), g)
        model.linking(xi, cc)
        model.count(np.arange(m), k, k)
        c = np.concatenate([np.zeros(m), cost, over_cost])
        integ = np.concatenate([np.ones(m), np.zeros(P + S)])
        bounds = Bounds(np.concatenate([y_lb, np.zeros(P + S)]), np.ones(nv))
        out = model.solve(c, integ, bounds, remaining)
        if out.status == "infeasible":
            if fixed and ub0 < work.big * 0.5:  # nothing cheaper than the incumbent exists
                return ExactSolution(best_open, best_cost, "optimal")
            raise InfeasibleScenario(
                f"no choice of k={k} centres among the allowed hospitals can reach every area"
            )
        bound = max(bound, min(out.bound, ub0) if fixed else out.bound)
        if out.x is None:
            break
        y = out.x[:m] > 0.5
        open_pos = cols[np.flatnonzero(y)]
        true_cost = work.cost(open_pos)
        if true_cost < best_cost:
            best_open, best_cost = open_pos, true_cost
        s_val = out.x[m + P:]
        if out.status != "optimal":
            break
        if fixed and out.bound >= ub0 - GAP_TOLERANCE * abs(ub0):
            status = "optimal"  # nothing in the restricted space beats the incumbent
            break
        if not (s_val > 1e-7).any() or best_cost - bound <= GAP_TOLERANCE * abs(best_cost):
            status = "optimal"
            break
        grow = over[s_val > 1e-7]
        L[grow] = np.minimum(limit[grow], np.maximum(2 * L[grow], L[grow] + 4))
    return ExactSolution(best_open, bound, status)

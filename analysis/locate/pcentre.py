"""The p-centre: open ``k`` centres so that the longest trip of any area with demand is
least (a binary search over radii, each step a covering test).

Examples
--------
>>> import numpy as np
>>> p_centre(np.array([[0., 30., 12.], [30., 0., 14.]]), [1., 1.], k=2).objective
0.0
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import Bounds

from analysis.locate.covering import greedy_cover, merge_rows
from analysis.locate.dispatch import kmedian, pick_solver
from analysis.locate.milp import Pairs, Rows, assignment_milp, finite_pairs, y_bounds
from analysis.locate.problem import (
    InfeasibleScenario,
    NoSolutionInTime,
    Problem,
    constrained,
    infeasible_message,
    prepare,
    with_k,
)
from analysis.locate.result import (
    LocationResult,
    PairShares,
    build_result,
    replace_objective,
)

__all__ = ["p_centre"]


class _CoverTest:
    """Can ``k`` centres serve every area with demand within a radius?"""

    def __init__(self, prob: Problem, pairs: Pairs, k: int):
        self.prob, self.pairs, self.k = prob, pairs, k
        self.g, self.mc = prob.active.size, prob.allowed.size
        self.ylb, self.yub = y_bounds(prob)
        self.keep_pos = np.flatnonzero(self.ylb > 0)
        self.constrained = constrained(prob)
        self.weights = prob.w[prob.active]
        self.cap = None if prob.capacity is None else prob.capacity[prob.allowed]
        # the last cover the MILP found (radius, open positions, shares): the answer when
        # the time runs out before the second stage
        self.found: tuple[float, NDArray, PairShares] | None = None

    def covers(self, radius: float, exact: bool) -> bool | None:
        """True / False, or None when the MILP hit the time limit (unknown). ``exact``
        False uses the greedy cover (True is then proven, False is not)."""
        prob, g, mc, k = self.prob, self.g, self.mc, self.k
        sel = self.pairs.cost <= radius
        rows, cols = self.pairs.rows[sel], self.pairs.cols[sel]
        if np.unique(rows).size < g:
            return False
        if self.constrained:
            out = assignment_milp(g, mc, rows, cols, np.zeros(rows.size), self.weights, k=k,
                                  count_cost=0.0, minv=prob.min_volume, cap=self.cap,
                                  y_lb=self.ylb, y_ub=self.yub, integral=True,
                                  time_limit=prob.remaining())
        else:
            A = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(g, mc))
            Au, weights_u = merge_rows(A, self.weights)
            if not exact:
                return bool(greedy_cover(Au, weights_u, self.keep_pos).size <= k)
            model = Rows(mc)
            model.add_matrix(Au, 1.0, np.inf)
            model.count(np.arange(mc), 0.0, k)
            out = model.solve(np.ones(mc), np.ones(mc), Bounds(self.ylb, self.yub),
                              prob.remaining())
        if out.status == "infeasible":
            return False
        if out.x is None:
            return None
        if self.constrained:
            self.found = (radius, np.flatnonzero(out.x[:mc] > 0.5),
                          PairShares(rows, cols, out.x[mc:]))
        return True


def p_centre(
    C: ArrayLike, w: ArrayLike, *, k: int, keep: ArrayLike | None = None,
    close: ArrayLike | None = None, candidates: ArrayLike | None = None,
    min_volume: float | None = None, capacity: ArrayLike | float | None = None,
    solver: str = "auto", time_limit: float = 60.0, seed: int | None = 0,
) -> LocationResult:
    """Open ``k`` centres so that the longest trip of any area with demand is least.

    Parameters
    ----------
    C, w, k, keep, close, candidates, min_volume, capacity, solver, time_limit, seed
        As in :func:`analysis.locate.p_median`; the weights only decide which areas count
        (w > 0) and, in the second stage, the travel total.

    Returns
    -------
    LocationResult
        ``objective`` is the largest travel time (minutes) of an area with demand.

    Raises
    ------
    InfeasibleScenario, ValueError
        As in :func:`analysis.locate.p_median`.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0., 30., 12.], [30., 0., 14.]])
    >>> p_centre(C, [1., 1.], k=1).objective
    14.0

    Notes
    -----
    The optimal radius r* is the smallest value of the cost matrix for which k centres
    can serve every area within r: a binary search over the sorted distinct costs
    between the trivial lower bound :math:`\\max_i \\min_j c_{ij}` and the heuristic's
    value, each step a set-covering MILP (:math:`\\sum_j a_{ij}(r) y_j \\ge 1`,
    :math:`\\sum_j y_j \\le k`; with min_volume/capacity the fractional assignment model on
    pairs within r with :math:`\\sum_j y_j = k`). A second stage then solves the p-median
    on pairs within r*, so that among all optimal p-centre solutions the one with the least
    total travel is returned. With min_volume/capacity a split area counts with every
    centre it uses. Heuristic: the same binary search with a greedy cover test, then the
    p-median swap heuristic within the radius found; bound = the trivial lower bound.
    With min_volume/capacity only the exact MILP is available.

    References
    ----------
    .. [1] S. L. Hakimi, "Optimum distribution of switching centers in a communication
       network and some related graph theoretic problems", Operations Research 13(3),
       462-475, 1965.
    """
    prob = prepare(C, w, k=k, radius=None, keep=keep, close=close, candidates=candidates,
                   min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                   need_radius=False)
    used = pick_solver(prob, solver)
    assert prob.k is not None
    k = prob.k
    pairs = finite_pairs(prob)
    g = prob.active.size
    per_row_min = np.full(g, np.inf)
    np.minimum.at(per_row_min, pairs.rows, pairs.cost)
    lo_val = float(per_row_min.max())
    radii = np.unique(pairs.cost[pairs.cost >= lo_val])
    is_constrained = constrained(prob)
    if is_constrained:
        used = "exact"
    test = _CoverTest(prob, pairs, k)

    # heuristic radius (upper end of the search); also the final answer for "heuristic"
    lo, hi = 0, radii.size - 1
    status = "optimal"
    if not is_constrained:
        hl, hh = 0, radii.size - 1
        while hl < hh:
            mid = (hl + hh) // 2
            if test.covers(radii[mid], exact=False):
                hh = mid
            else:
                hl = mid + 1
        hi = hl
        if not test.covers(radii[hi], exact=False):
            # greedy needs more than k even at the largest radius: ask the MILP
            if test.covers(radii[hi], exact=True) is False:
                raise InfeasibleScenario(
                    f"no choice of k={k} centres among the allowed hospitals can reach every "
                    "area with demand")
    if used == "exact":
        ok_hi = test.covers(radii[hi], exact=True) if is_constrained else True
        if ok_hi is False:
            raise InfeasibleScenario(infeasible_message(prob, k, np.inf))
        while lo < hi:
            if time.perf_counter() > prob.deadline:
                status = "time_limit"
                break
            mid = (lo + hi) // 2
            ok = test.covers(radii[mid], exact=True)
            if ok is None:
                status = "time_limit"
                break
            if ok:
                hi = mid
            else:
                lo = mid + 1
        bound = float(radii[lo]) if status == "optimal" else lo_val
    else:
        status = "heuristic"
        bound = lo_val
    r_star = float(radii[hi])
    # second stage: least total travel within r*, in the time that is left
    try:
        sol = kmedian(with_k(prob, k), k, used if not is_constrained else "exact",
                      radius=r_star, exact_only=is_constrained)
        open_cols, shares = sol.open_cols, sol.shares
        if sol.status == "time_limit":
            status = "time_limit"  # the least-travel choice among the covers was cut
    except NoSolutionInTime:
        if test.found is None or test.found[0] > r_star:
            raise
        # the cover found at r* is a solution; only its travel total was not minimised
        open_cols, shares = prob.allowed[test.found[1]], test.found[2]
        status = "time_limit"
    res = build_result(prob, "p_centre", open_cols, objective=0.0, bound=0.0,
                       status=status, solver=used, shares=shares)
    coo = res.assignment.tocoo()
    has = prob.w[coo.row] > 0
    obj = float(np.max(np.asarray(prob.C[coo.row[has], coo.col[has]], dtype=np.float64)))
    return replace_objective(res, obj, min(bound, obj))

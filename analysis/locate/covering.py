"""Covering models: maximal covering (k centres, most patients within a radius) and set
covering (fewest centres so that every patient is within the radius).

Examples
--------
>>> import numpy as np
>>> C = np.array([[0., 50.], [50., 0.], [20., 40.]])
>>> max_covering(C, [1., 3., 2.], k=1, radius=30).objective
3.0
>>> set_covering(C, [1., 3., 2.], radius=30).open
(0, 1)
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import Bounds

from analysis.locate.dispatch import AUTO_EXACT_MAX_PAIRS, kmedian, pick_solver
from analysis.locate.milp import Rows, assignment_milp, finite_pairs, y_bounds
from analysis.locate.problem import (
    InfeasibleScenario,
    NoSolutionInTime,
    Problem,
    constrained,
    fmt,
    infeasible_message,
    prepare,
    row_chunks,
    with_k,
)
from analysis.locate.result import (
    LocationResult,
    PairShares,
    build_result,
    replace_objective,
)

__all__ = [
    "check_coverable",
    "coverage_matrix",
    "covered_demand",
    "greedy_cover",
    "max_covering",
    "merge_rows",
    "set_covering",
]


def coverage_matrix(prob: Problem, radius: float) -> sparse.csr_array:
    """a_ij = 1 where active area i is within ``radius`` of allowed column j."""
    rows, cols = [], []
    for s, e in row_chunks(prob.active.size, prob.allowed.size):
        blk = prob.C[prob.active[s:e]][:, prob.allowed] <= radius
        r, c = np.nonzero(blk)
        rows.append(r + s)
        cols.append(c)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    return sparse.csr_array((np.ones(r.size), (r, c)), shape=(prob.active.size, prob.allowed.size))


def merge_rows(A: sparse.csr_array, weights: NDArray) -> tuple[sparse.csr_array, NDArray]:
    """Merge identical coverage rows (summing their weights).

    >>> import numpy as np
    >>> from scipy import sparse
    >>> Au, wu = merge_rows(sparse.csr_array(np.array([[1., 0.], [1., 0.], [0., 1.]])),
    ...                     np.array([1., 2., 4.]))
    >>> Au.toarray().tolist(), wu.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [3.0, 4.0])
    """
    A = sparse.csr_array(A)
    A.sort_indices()
    keys = [A.indices[A.indptr[i]:A.indptr[i + 1]].tobytes() for i in range(A.shape[0])]
    uniq: dict[bytes, int] = {}
    inv = np.empty(len(keys), np.int64)
    for i, key in enumerate(keys):
        inv[i] = uniq.setdefault(key, len(uniq))
    first = np.zeros(len(uniq), np.int64)
    first[inv[::-1]] = np.arange(len(keys))[::-1]
    return A[first], np.bincount(inv, weights=weights, minlength=len(uniq))


def greedy_cover(A: sparse.csr_array, weights: NDArray, keep_pos: NDArray) -> NDArray:
    """Greedy set cover (most uncovered demand first), then drop redundant centres.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> A = sparse.csr_array(np.array([[1., 0., 1.], [0., 1., 1.]]))
    >>> greedy_cover(A, np.array([1., 1.]), np.zeros(0, np.int64)).tolist()
    [2]
    """
    A = sparse.csc_array(A)
    g, mc = A.shape
    covered = np.zeros(g, bool)
    chosen: list[int] = []
    for j in keep_pos:
        covered[A.indices[A.indptr[j]:A.indptr[j + 1]]] = True
        chosen.append(int(j))
    wt = np.where(weights > 0, weights, 1e-9)
    while not covered.all():
        gain = A.T @ (wt * ~covered)
        gain[chosen] = -1
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            raise InfeasibleScenario("some areas cannot be covered")  # pragma: no cover
        covered[A.indices[A.indptr[j]:A.indptr[j + 1]]] = True
        chosen.append(j)
    keep_set = {int(j) for j in keep_pos}
    cnt = np.asarray(A[:, chosen].sum(axis=1)).ravel()
    for j in reversed(list(chosen)):
        if j in keep_set:
            continue
        rows = A.indices[A.indptr[j]:A.indptr[j + 1]]
        if (cnt[rows] >= 2).all():
            cnt[rows] -= 1
            chosen.remove(j)
    return np.array(sorted(chosen), dtype=np.int64)


def check_coverable(prob: Problem, A: sparse.csr_array, radius: float) -> None:
    """Raise :class:`InfeasibleScenario` when an area with demand has no allowed hospital
    within ``radius`` (quoting how many, their demand and example indices)."""
    bad = np.flatnonzero(np.diff(A.indptr) == 0)
    if bad.size or prob.unreachable.size:
        idx = np.concatenate([prob.active[bad], prob.unreachable])
        raise InfeasibleScenario(
            f"{idx.size} area(s) with {fmt(prob.w[idx].sum())} patients/yr cannot be reached "
            f"within {fmt(radius)} min by any allowed hospital, e.g. area indices "
            f"{np.sort(idx)[:10].tolist()}"
        )


def covered_demand(prob: Problem, res: LocationResult) -> float:
    """Patients per year allocated to a centre within the radius."""
    coo = res.assignment.tocoo()
    tt = np.asarray(prob.C[coo.row, coo.col], dtype=np.float64)
    near = tt <= prob.radius
    return float((prob.w[coo.row[near]] * coo.data[near]).sum())


def max_covering(
    C: ArrayLike, w: ArrayLike, *, k: int, radius: float, keep: ArrayLike | None = None,
    close: ArrayLike | None = None, candidates: ArrayLike | None = None,
    min_volume: float | None = None, capacity: ArrayLike | float | None = None,
    solver: str = "auto", time_limit: float = 60.0, seed: int | None = 0,
) -> LocationResult:
    """Open ``k`` centres so that the most patients live within ``radius`` minutes.

    Parameters
    ----------
    C, w, k, keep, close, candidates, min_volume, capacity, solver, time_limit, seed
        As in :func:`analysis.locate.p_median`.
    radius : float
        Coverage threshold T in minutes.

    Returns
    -------
    LocationResult
        ``objective`` is the covered demand (patients/yr)
        ``bound`` an upper bound.

    Raises
    ------
    InfeasibleScenario, ValueError
        As in :func:`analysis.locate.p_median`.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0., 50.], [50., 0.], [20., 40.]])
    >>> max_covering(C, [1., 3., 2.], k=1, radius=30).objective
    3.0

    Notes
    -----
    Without min_volume/capacity (a_ij = 1 when c_ij <= T):

    .. math::
        \\max \\sum_i w_i z_i \\;\\text{s.t.}\\; z_i \\le \\sum_j a_{ij} y_j,\\;
        \\sum_j y_j = k,\\; 0 \\le z_i \\le 1,\\; y \\in \\{0,1\\}

    with identical coverage rows merged. Every area is still allocated (to its nearest
    open centre); coverage only counts those within T. With min_volume/capacity every
    area must be allocated, fractionally, as in :func:`analysis.locate.p_median`, and the
    model becomes a p-median with cost 1 for pairs beyond T and 0 within: covered =
    demand - cost. The heuristic is the p-median heuristic on that 0/1 cost; its bound is
    the Lagrangian one.

    References
    ----------
    .. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
       Regional Science Association 32, 101-118, 1974.
    """
    prob = prepare(C, w, k=k, radius=radius, keep=keep, close=close, candidates=candidates,
                   min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                   need_radius=True)
    used = pick_solver(prob, solver)
    assert prob.k is not None  # prepare requires k for maximal covering
    if used == "exact" and not constrained(prob):
        Au, weights_u = merge_rows(coverage_matrix(prob, prob.radius), prob.w[prob.active])
        g, mc = Au.shape
        coo = Au.tocoo()
        model = Rows(mc + g)  # y (mc), then z (g)
        model.add(np.concatenate([np.ones(g), -coo.data]),
                  np.concatenate([np.arange(g), coo.row]),
                  np.concatenate([mc + np.arange(g), coo.col]), g, -np.inf, 0.0)
        model.count(np.arange(mc), prob.k, prob.k)
        ylb, yub = y_bounds(prob)
        out = model.solve(np.concatenate([np.zeros(mc), -weights_u]),
                          np.concatenate([np.ones(mc), np.zeros(g)]),
                          Bounds(np.concatenate([ylb, np.zeros(g)]), np.ones(mc + g)),
                          prob.remaining())
        if out.x is None:
            used = "heuristic"
        else:
            open_cols = prob.allowed[out.x[:mc] > 0.5]
            res = build_result(prob, "max_covering", open_cols, objective=0.0, bound=0.0,
                               status=out.status, solver=used)
            return replace_objective(res, covered_demand(prob, res), -out.bound)
    # 0/1 cost: 1 = not covered. Unconstrained, an unreachable pair simply counts as not
    # covered; with min_volume/capacity patients may only be sent to reachable centres.
    cost = (prob.C > prob.radius).astype(prob.C.dtype)
    if constrained(prob):
        cost = np.where(np.isinf(prob.C), np.inf, cost)
    sol = kmedian(prob, prob.k, used, cost=cost)
    res = build_result(prob, "max_covering", sol.open_cols, objective=0.0, bound=0.0,
                       status=sol.status, solver=used, shares=sol.shares)
    return replace_objective(res, covered_demand(prob, res), prob.demand - sol.bound)


def set_covering(
    C: ArrayLike, w: ArrayLike, *, radius: float, keep: ArrayLike | None = None,
    close: ArrayLike | None = None, candidates: ArrayLike | None = None,
    min_volume: float | None = None, capacity: ArrayLike | float | None = None,
    solver: str = "auto", time_limit: float = 60.0, seed: int | None = 0,
) -> LocationResult:
    """Open the fewest centres such that every patient lives within ``radius`` minutes.

    Parameters
    ----------
    C, w, keep, close, candidates, min_volume, capacity, solver, time_limit, seed
        As in :func:`analysis.locate.p_median`; only areas with positive demand must be
        covered.
    radius : float
        Coverage threshold T in minutes.

    Returns
    -------
    LocationResult
        ``objective`` is the number of centres; among the minimum covers the one with the
        least patient travel is chosen when time allows (second stage).

    Raises
    ------
    InfeasibleScenario
        When an area with demand has no allowed hospital within T (the message gives how
        many, their demand and example indices), or min_volume/capacity cannot be met.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0., 50., 20.], [50., 0., 20.]])
    >>> set_covering(C, [1., 1.], radius=25).open
    (2,)

    Notes
    -----
    Stage 1: :math:`\\min \\sum_j y_j` s.t. :math:`\\sum_j a_{ij} y_j \\ge 1` for every area
    with demand, kept centres fixed open (with min_volume/capacity: the fractional
    assignment model of :func:`analysis.locate.p_median` restricted to pairs within T,
    objective :math:`\\sum_j y_j`). Stage 2: a p-median with k = the stage-1 optimum on
    pairs within T, which picks the cover with the least total travel. Heuristic: greedy
    cover by most uncovered demand, redundant centres dropped, then the p-median swap
    heuristic; bound = the rounded-up LP relaxation when n*m is moderate, else the number
    of kept centres. With min_volume/capacity only the exact MILP is available (used for
    every solver).

    References
    ----------
    .. [1] C. Toregas, R. Swain, C. ReVelle and L. Bergman, "The location of emergency
       service facilities", Operations Research 19(6), 1363-1373, 1971.
    """
    prob = prepare(C, w, k=None, radius=radius, keep=keep, close=close, candidates=candidates,
                   min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                   need_radius=True)
    used = pick_solver(prob, solver)
    cut = False
    A = coverage_matrix(prob, prob.radius)
    check_coverable(prob, A, prob.radius)
    if constrained(prob):
        return _set_covering_constrained(prob)
    mc = prob.allowed.size
    ylb, yub = y_bounds(prob)
    keep_pos = np.flatnonzero(ylb > 0)
    Au, weights_u = merge_rows(A, prob.w[prob.active])
    if used == "exact":
        model = Rows(mc)
        model.add_matrix(Au, 1.0, np.inf)
        out = model.solve(np.ones(mc), np.ones(mc), Bounds(ylb, yub), prob.remaining())
        cut = out.x is None
        if out.x is None:
            used = "heuristic"
        else:
            kstar = int(round(out.x.sum()))
            bound = float(math.ceil(out.bound - 1e-6))
            status = out.status
            open_pos = np.flatnonzero(out.x > 0.5)
    if used == "heuristic":
        open_pos = greedy_cover(Au, weights_u, keep_pos)
        kstar = open_pos.size
        bound = float(max(keep_pos.size, 1))
        if Au.shape[0] * mc <= 4 * AUTO_EXACT_MAX_PAIRS:
            model = Rows(mc)
            model.add_matrix(Au, 1.0, np.inf)
            lp = model.solve(np.ones(mc), np.zeros(mc), Bounds(ylb, yub), prob.remaining())
            if lp.status == "optimal":
                bound = max(bound, float(math.ceil(lp.objective - 1e-6)))
        # the exact solver fell back here because the time ran out
        status = "time_limit" if solver != "heuristic" and cut else "heuristic"
    # stage 2: least travel among covers with kstar centres
    open_cols = prob.allowed[open_pos]
    if time.perf_counter() < prob.deadline - 0.1:
        try:
            start = open_pos if open_pos.size == kstar else None
            second = kmedian(with_k(prob, kstar), kstar, used, radius=prob.radius,
                             start=start)
            open_cols = second.open_cols
            if second.status == "time_limit":
                status = "time_limit"  # the least-travel choice among the covers was cut
        except (InfeasibleScenario, NoSolutionInTime):  # pragma: no cover - a cover exists
            pass
    else:
        status = "time_limit"  # no time left for the least-travel choice
    res = build_result(prob, "set_covering", open_cols, objective=float(kstar), bound=bound,
                       status=status, solver=used)
    return replace_objective(res, float(kstar), float(bound))


def _set_covering_constrained(prob: Problem) -> LocationResult:
    """Set covering with min_volume/capacity: the fractional assignment MILP on pairs
    within the radius (every solver), then the least-travel second stage."""
    radius = prob.radius
    mc = prob.allowed.size
    ylb, yub = y_bounds(prob)
    pairs = finite_pairs(prob, radius=radius)
    weights = prob.w[prob.active]
    cap = None if prob.capacity is None else prob.capacity[prob.allowed]
    out = assignment_milp(prob.active.size, mc, pairs.rows, pairs.cols,
                          np.zeros(pairs.rows.size), weights, k=None, count_cost=1.0,
                          minv=prob.min_volume, cap=cap, y_lb=ylb, y_ub=yub, integral=True,
                          time_limit=prob.remaining())
    if out.status == "infeasible":
        raise InfeasibleScenario(infeasible_message(prob, None, radius))
    if out.x is None:
        raise NoSolutionInTime(prob.time_limit, "feasible cover")
    kstar = int(round(out.x[:mc].sum()))
    bound: float = math.ceil(out.bound - 1e-6)
    open_pos = np.flatnonzero(out.x[:mc] > 0.5)
    shares = PairShares(pairs.rows, pairs.cols, out.x[mc:])
    status = out.status
    if time.perf_counter() < prob.deadline - 0.1:
        try:
            second = kmedian(with_k(prob, kstar), kstar, "exact", radius=radius)
            if second.shares is not None:
                open_pos, shares = np.searchsorted(prob.allowed, second.open_cols), second.shares
            if second.status == "time_limit":
                status = "time_limit"
        except (InfeasibleScenario, NoSolutionInTime):
            status = "time_limit"
    else:
        status = "time_limit"
    res = build_result(prob, "set_covering", prob.allowed[open_pos], objective=kstar,
                       bound=bound, status=status, solver="exact", shares=shares)
    return replace_objective(res, float(kstar), float(bound))

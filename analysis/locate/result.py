"""The result type of every model, and how a solution becomes one.

Examples
--------
>>> import numpy as np
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[1., 4.], [3., 2.]]), [1., 2.], k=1)
>>> res = build_result(prob, "p_median", np.array([1]), objective=8.0, bound=8.0,
...                    status="optimal", solver="exact")
>>> res.open, res.volume.tolist(), res.gap
((1,), [0.0, 3.0], 0.0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from analysis.locate.problem import Problem, fmt, row_chunks

__all__ = [
    "GAP_TOLERANCE",
    "LocationResult",
    "PairShares",
    "build_result",
    "nearest",
    "relative_gap",
    "replace_objective",
]

#: Relative optimality tolerance asked of HiGHS and used to call a solution "optimal".
GAP_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LocationResult:
    """Solution of a location-allocation model.

    Attributes
    ----------
    method : str
        ``"p_median"``, ``"max_covering"``, ``"set_covering"`` or ``"p_centre"``.
    open : tuple of int
        Indices (columns of the cost matrix) of the open centres, sorted.
    centre : numpy.ndarray of int, shape (n,)
        Main centre of each area (largest share of its patients); -1 when the area cannot
        reach any open centre. Areas without demand get their nearest open centre.
    assignment : scipy.sparse.csr_array, shape (n, m)
        Share of each area's patients sent to each hospital; rows of served areas sum to 1,
        rows of unserved areas are empty. Without ``min_volume``/``capacity`` each row has a
        single 1 at the nearest open centre.
    volume : numpy.ndarray, shape (m,)
        Patients per year received by each hospital (0 for closed ones).
    objective : float
        p-median: total patient-minutes; max_covering: patients within ``radius``;
        set_covering: number of centres; p_centre: largest travel time of an area with demand.
    bound : float
        Proven bound on the optimal objective (a lower bound for the minimising models, an
        upper bound for max_covering).
    gap : float
        ``|objective - bound| / max(|objective|, 1e-9)``; 0 means proven optimal.
    status : str
        ``"optimal"`` (proven within :data:`GAP_TOLERANCE`), ``"time_limit"`` (stopped by the
        time limit; best solution found so far) or ``"heuristic"`` (local optimum, not proven).
    solver : str
        ``"exact"`` or ``"heuristic"`` (what actually ran, after ``"auto"`` was resolved).
    runtime : float
        Wall-clock seconds.
    k : int
        Number of open centres.
    radius : float
        Coverage radius in minutes, ``nan`` when not given.
    served_demand : float
        Patients per year assigned to an open centre.
    unserved : tuple of int
        Areas with demand that cannot reach any open centre (infinite cost to all of them).
    unserved_demand : float
        Their demand.
    uncovered_demand : float
        Demand not within ``radius`` of its centre (including unserved demand); ``nan``
        when no radius was given.
    min_volume : float
        The norm applied (0 when none).
    capacity : numpy.ndarray or None
        Capacity per hospital as applied, shape (m,).
    warnings : tuple of str
        Notes such as unreachable areas or candidates dropped because their capacity is
        below the norm.
    """

    method: str
    open: tuple[int, ...]
    centre: NDArray[np.int64]
    assignment: sparse.csr_array
    volume: NDArray[np.float64]
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    runtime: float
    k: int
    radius: float
    served_demand: float
    unserved: tuple[int, ...]
    unserved_demand: float
    uncovered_demand: float
    min_volume: float
    capacity: NDArray[np.float64] | None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class PairShares:
    """A fractional assignment: ``share[p]`` of active row ``rows[p]`` (a position in
    ``Problem.active``) goes to allowed column ``cols[p]`` (a position in
    ``Problem.allowed``)."""

    rows: NDArray
    cols: NDArray
    share: NDArray


def nearest(C: NDArray, rows: NDArray | slice, open_cols: NDArray) -> tuple[NDArray, NDArray]:
    """Nearest open column (original index) and its cost for the given rows.

    >>> import numpy as np
    >>> cols, cost = nearest(np.array([[3., 1., 2.]]), slice(None), np.array([0, 2]))
    >>> cols.tolist(), cost.tolist()
    ([2], [2.0])
    """
    sub = np.asarray(C[rows][:, open_cols], dtype=np.float64)
    pos = np.argmin(sub, axis=1)
    return open_cols[pos], sub[np.arange(sub.shape[0]), pos]


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, 1e-9)``, inf when either is not finite.

    >>> relative_gap(10.0, 9.0)
    0.1
    """
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    return max(diff, 0.0) / max(abs(objective), 1e-9) if diff > 1e-12 else 0.0


def build_result(
    prob: Problem, method: str, open_cols: NDArray, *, objective: float, bound: float,
    status: str, solver: str, shares: PairShares | None = None,
) -> LocationResult:
    """The :class:`LocationResult` of open columns ``open_cols`` (original indices).

    Without ``shares`` every area goes to its nearest open centre; with them the active
    areas are split as given and the main centre is the one with the largest share.
    """
    C, w = prob.C, prob.w
    n, m = C.shape
    open_cols = np.sort(np.asarray(open_cols, dtype=np.int64))
    centre = np.full(n, -1, np.int64)
    dist = np.full(n, np.inf)
    for s, e in row_chunks(n, open_cols.size):
        c, d = nearest(C, slice(s, e), open_cols)
        centre[s:e] = c
        dist[s:e] = d
    centre[~np.isfinite(dist)] = -1
    served_rows = np.flatnonzero(centre >= 0)
    R = served_rows
    Cc = centre[served_rows]
    V = np.ones(served_rows.size)
    if shares is not None:  # fractional assignment of the active rows (positions)
        keepx = shares.share > 1e-9
        rows_a = prob.active[shares.rows[keepx]]
        cols_a = prob.allowed[shares.cols[keepx]]
        xv = shares.share[keepx]
        other = np.setdiff1d(served_rows, prob.active)
        sel = np.isin(served_rows, other)
        R = np.concatenate([rows_a, served_rows[sel]])
        Cc = np.concatenate([cols_a, centre[served_rows[sel]]])
        V = np.concatenate([xv, np.ones(int(sel.sum()))])
        # normalise tiny LP noise so rows sum to one
        rs = np.bincount(R, weights=V, minlength=n)
        V = V / rs[R]
        # main centre = largest share
        order = np.lexsort((-V, R))
        first = np.ones(order.size, bool)
        first[1:] = R[order][1:] != R[order][:-1]
        centre[R[order][first]] = Cc[order][first]
    assignment = sparse.csr_array((V, (R, Cc)), shape=(n, m))
    assignment.sum_duplicates()
    volume = np.asarray(assignment.T @ w, dtype=np.float64).ravel()
    unserved = np.flatnonzero((w > 0) & (centre < 0))
    served = float(w.sum() - w[unserved].sum())
    if np.isfinite(prob.radius):
        coo = assignment.tocoo()
        tt = np.asarray(C[coo.row, coo.col], dtype=np.float64)
        far = tt > prob.radius
        uncovered = float((w[coo.row[far]] * coo.data[far]).sum() + w[unserved].sum())
    else:
        uncovered = math.nan
    warnings = list(prob.warnings)
    if unserved.size and not np.array_equal(unserved, prob.unreachable):
        extra = np.setdiff1d(unserved, prob.unreachable)
        if extra.size:
            warnings.append(
                f"{extra.size} area(s) with {fmt(w[extra].sum())} patients/yr cannot reach any "
                f"open centre, e.g. {extra[:10].tolist()}"
            )
    for arr in (centre, volume):
        arr.setflags(write=False)
    cap = None if prob.capacity is None else prob.capacity.copy()
    if cap is not None:
        cap.setflags(write=False)
    return LocationResult(
        method=method, open=tuple(int(j) for j in open_cols), centre=centre,
        assignment=assignment, volume=volume, objective=float(objective), bound=float(bound),
        gap=relative_gap(objective, bound), status=status, solver=solver,
        runtime=time.perf_counter() - prob.t0,
        k=int(open_cols.size), radius=prob.radius, served_demand=served,
        unserved=tuple(int(i) for i in unserved), unserved_demand=float(w[unserved].sum()),
        uncovered_demand=uncovered, min_volume=prob.min_volume, capacity=cap,
        warnings=tuple(warnings),
    )


def replace_objective(res: LocationResult, objective: float, bound: float) -> LocationResult:
    """``res`` with the model's own objective and bound (and the gap and status they give:
    a heuristic result whose gap closed is optimal)."""
    status = res.status
    gap = relative_gap(objective, bound)
    if status == "heuristic" and gap <= GAP_TOLERANCE:
        status = "optimal"
    return replace(res, objective=float(objective), bound=float(bound), gap=gap, status=status)

"""MILP building blocks (HiGHS): one row builder for every model.

:class:`Rows` gathers constraint blocks ``lo <= A x <= hi``; its helpers write the rows the
models share (assignment, linking, volume and the k-row). :func:`assignment_milp` is the
fractional assignment model with open flags that the p-median, the covering models and
the transport step all use.

:func:`run_milp` solves through scipy.optimize.milp, or, when it is given a start
solution (the norm MILPs get the heuristic's plan), through highspy directly: scipy's
interface takes no start, ``Highs.setSolution`` does.

Examples
--------
>>> import numpy as np
>>> from scipy.optimize import Bounds
>>> rows = Rows(3)                      # three open flags y_0, y_1, y_2
>>> rows.count(np.arange(3), 2, 2)      # sum_j y_j = 2
>>> out = rows.solve(np.array([3., 1., 2.]), np.ones(3), Bounds(0, 1), time_limit=5)
>>> out.status, out.objective
('optimal', 3.0)
"""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.locate.highs import new_highs
from analysis.locate.problem import Problem, row_chunks
from analysis.locate.result import GAP_TOLERANCE

#: HiGHS may pass its time limit (e.g. its set-up after a presolve cut short on a large
#: norm model takes 10 s and more); a call still running this long after its limit is
#: abandoned and counts as "time limit, no solution"
MILP_OVERRUN_S = 0.25

#: On the highspy path HiGHS gets the limit less this reserve (seconds, plus 5 % of the
#: limit, at most half of it) to wrap up in: a run it ends itself returns its incumbent and
#: its dual bound, an abandoned one returns neither
HIGHS_WRAP_UP_S = 2.0

# abandoned HiGHS calls; joined at interpreter exit (HiGHS aborts the process when it is
# torn down while it still runs)
_abandoned: list[threading.Thread] = []


def _join_abandoned() -> None:
    for t in _abandoned:
        t.join()

__all__ = [
    "HIGHS_WRAP_UP_S",
    "MILP_OVERRUN_S",
    "MilpSolution",
    "Pairs",
    "Rows",
    "assignment_milp",
    "finite_pairs",
    "run_milp",
    "y_bounds",
]


@dataclass(frozen=True)
class MilpSolution:
    """What HiGHS returned: ``status`` (optimal | time_limit | infeasible | error), the
    solution ``x`` (None when none was found), its objective and the dual bound."""

    status: str
    x: NDArray | None
    objective: float
    bound: float


def run_milp(
    c: NDArray, A: sparse.sparray, lo: NDArray, hi: NDArray, integrality: NDArray,
    bounds: Bounds, time_limit: float, start: NDArray | None = None,
    node_limit: int | None = None,
) -> MilpSolution:
    """``min c x`` s.t. ``lo <= A x <= hi``, the bounds and integrality, within the limit.

    ``start`` is a feasible solution handed to HiGHS as its first incumbent (a MIP start;
    HiGHS checks it and ignores one that is not feasible): the model then runs on highspy
    (``Highs.setSolution``), without a start on scipy.optimize.milp. ``node_limit`` caps
    the branch-and-bound nodes (HiGHS ``mip_max_nodes``; highspy path only). On the
    highspy path HiGHS's own limit leaves :data:`HIGHS_WRAP_UP_S` (and 5 %) of
    ``time_limit`` for it to stop in, so that a cut run still reports its incumbent and
    bound.

    HiGHS runs on a daemon thread (it releases the GIL). When it has not returned
    :data:`MILP_OVERRUN_S` after ``time_limit``, the call is abandoned: the answer is
    status ``"time_limit"`` without a solution, and the thread runs on until HiGHS stops
    (a caller that must not wait for that runs the model in a process it can end, as the
    API's compute pool does: a worker left with a running thread is replaced).

    >>> import numpy as np
    >>> from scipy import sparse
    >>> A = sparse.csr_array(np.ones((1, 3)))   # y_0 + y_1 + y_2 = 2
    >>> out = run_milp(np.array([3., 1., 2.]), A, np.array([2.]), np.array([2.]),
    ...                np.ones(3), Bounds(0, 1), 5.0, start=np.array([1., 1., 0.]))
    >>> out.status, out.objective
    ('optimal', 3.0)
    """
    limit = max(float(time_limit), 0.05)
    box: dict[str, Any] = {}
    if start is None and node_limit is None:
        cons = LinearConstraint(sparse.csr_array(A), lo, hi)

        def solve() -> None:
            try:
                box["out"] = _scipy_answer(milp(
                    c, constraints=cons, integrality=integrality, bounds=bounds,
                    options={"time_limit": limit, "mip_rel_gap": GAP_TOLERANCE,
                             "disp": False}))
            except BaseException as e:  # noqa: BLE001 - handed to the caller below
                box["error"] = e
    else:
        own = max(0.05, limit - min(HIGHS_WRAP_UP_S + 0.05 * limit, 0.5 * limit))

        def solve() -> None:
            try:
                box["out"] = _highs_milp(c, A, lo, hi, integrality, bounds, own, start,
                                         node_limit)
            except BaseException as e:  # noqa: BLE001 - handed to the caller below
                box["error"] = e

    worker = threading.Thread(target=solve, name="highs", daemon=True)
    worker.start()
    worker.join(limit + MILP_OVERRUN_S)
    if worker.is_alive():
        _abandoned[:] = [t for t in _abandoned if t.is_alive()]
        if not _abandoned:
            atexit.unregister(_join_abandoned)
            atexit.register(_join_abandoned)
        _abandoned.append(worker)
        return MilpSolution("time_limit", None, np.inf, -np.inf)
    if "error" in box:
        raise box["error"]
    out: MilpSolution = box["out"]
    return out


def _scipy_answer(res: Any) -> MilpSolution:
    """scipy.optimize.milp's result as a :class:`MilpSolution`."""
    if res.status == 0:
        status = "optimal"
    elif res.status == 1:
        status = "time_limit"
    elif res.status == 2:
        status = "infeasible"
    else:
        status = "error"
    bound = getattr(res, "mip_dual_bound", None)
    if bound is None or not np.isfinite(bound):
        bound = res.fun if (res.status == 0 and res.fun is not None) else -np.inf
    obj = float(res.fun) if res.x is not None and res.fun is not None else np.inf
    return MilpSolution(status, None if res.x is None else np.asarray(res.x), obj, float(bound))


def _highs_milp(c: NDArray, A: sparse.sparray, lo: NDArray, hi: NDArray,
                integrality: NDArray, bounds: Bounds, limit: float, start: NDArray | None,
                node_limit: int | None) -> MilpSolution:
    """The same model on highspy, with ``start`` as the MIP start."""
    n = int(c.size)
    csc = sparse.csc_array(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, int(csc.shape[0])
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.broadcast_to(np.asarray(bounds.lb, dtype=np.float64), (n,)).copy()
    lp.col_upper_ = np.broadcast_to(np.asarray(bounds.ub, dtype=np.float64), (n,)).copy()
    lp.row_lower_ = np.asarray(lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(hi, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    integer = np.broadcast_to(np.asarray(integrality), (n,)) > 0
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in integer]
    h = new_highs()
    h.setOptionValue("time_limit", limit)
    h.setOptionValue("mip_rel_gap", GAP_TOLERANCE)
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    st = h.getModelStatus()
    info = h.getInfo()
    if st == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif st == highspy.HighsModelStatus.kInfeasible:
        return MilpSolution("infeasible", None, np.inf, -np.inf)
    elif st in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kSolutionLimit,
                highspy.HighsModelStatus.kIterationLimit):
        status = "time_limit"
    else:
        status = "error"
    found = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if found else None
    obj = float(info.objective_function_value) if x is not None else np.inf
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = obj if status == "optimal" else -np.inf
    return MilpSolution(status, x, obj, bound)


class Rows:
    """Constraint rows ``lo <= A x <= hi`` over ``n_vars`` variables, block by block.

    Open flags ``y_j`` are always the first variables (``y_j`` is variable ``j``); the
    other variables are named by their indices (``x_var``) when rows are added.
    """

    def __init__(self, n_vars: int):
        self.n_vars = n_vars
        self._blocks: list[sparse.sparray] = []
        self._lo: list[NDArray] = []
        self._hi: list[NDArray] = []

    def add(self, data: NDArray, rows: NDArray, cols: NDArray, n_rows: int,
            lo: ArrayLike, hi: ArrayLike) -> None:
        """A block of ``n_rows`` rows given as coordinates (entries ``data`` at
        ``(rows, cols)``), with bounds ``lo``/``hi`` (scalars or one per row)."""
        self.add_matrix(sparse.coo_array((data, (rows, cols)), shape=(n_rows, self.n_vars)),
                        lo, hi)

    def add_matrix(self, A: sparse.sparray, lo: ArrayLike, hi: ArrayLike) -> None:
        """A block given as a sparse matrix with ``n_vars`` columns."""
        n_rows = A.shape[0]
        self._blocks.append(A)
        self._lo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (n_rows,)))
        self._hi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (n_rows,)))

    def assignment(self, rows: NDArray, x_var: NDArray, n_rows: int) -> None:
        """``sum_{p in row i} x_p = 1`` for every row i: each area fully served."""
        self.add(np.ones(x_var.size), rows, x_var, n_rows, 1.0, 1.0)

    def linking(self, x_var: NDArray, y_var: NDArray) -> None:
        """``x_p - y_{col p} <= 0``: only open centres receive patients."""
        pairs = np.arange(x_var.size)
        self.add(np.concatenate([np.ones(x_var.size), -np.ones(x_var.size)]),
                 np.concatenate([pairs, pairs]), np.concatenate([x_var, y_var]),
                 x_var.size, -np.inf, 0.0)

    def volume(self, cols: NDArray, x_var: NDArray, volume: NDArray, n_cols: int,
               y_cols: NDArray, y_coef: NDArray, lo: ArrayLike, hi: ArrayLike) -> None:
        """``lo <= sum_{p in col j} volume_p x_p + y_coef_j y_j <= hi`` for every column j
        (``y_coef`` given for the columns ``y_cols``): the norm and the capacity rows."""
        self.add(np.concatenate([volume, y_coef]), np.concatenate([cols, y_cols]),
                 np.concatenate([x_var, y_cols]), n_cols, lo, hi)

    def count(self, y_var: NDArray, lo: float, hi: float) -> None:
        """``lo <= sum_j y_j <= hi``: the k-row."""
        self.add(np.ones(y_var.size), np.zeros(y_var.size, int), y_var, 1,
                 np.array([float(lo)]), np.array([float(hi)]))

    def matrix(self) -> tuple[sparse.csr_array, NDArray, NDArray]:
        """The rows gathered so far: ``(A, lo, hi)``, blocks in the order they were added."""
        return (sparse.vstack(self._blocks, format="csr"), np.concatenate(self._lo),
                np.concatenate(self._hi))

    def solve(self, c: NDArray, integrality: NDArray, bounds: Bounds,
              time_limit: float, start: NDArray | None = None,
              deadline: float | None = None) -> MilpSolution:
        """Solve ``min c x`` subject to the rows gathered so far (``start``: a feasible
        solution for HiGHS to begin from, see :func:`run_milp`). With ``deadline`` (a
        :func:`time.perf_counter` value) the limit is the time left once the matrix is
        assembled (at most ``time_limit``): assembling a large model takes a while."""
        A, lo, hi = self.matrix()
        if deadline is not None:
            time_limit = min(time_limit, max(deadline - time.perf_counter(), 0.05))
        return run_milp(c, A, lo, hi, integrality, bounds, time_limit, start)


def assignment_milp(
    g: int, mc: int, rows: NDArray, cols: NDArray, cost: NDArray, weights: NDArray, *,
    k: int | None, count_cost: float, minv: float, cap: NDArray | None,
    y_lb: NDArray, y_ub: NDArray, integral: bool, time_limit: float,
    start: NDArray | None = None, deadline: float | None = None,
) -> MilpSolution:
    """Assignment model with fractional x_p (pairs p = (row, col)) and open flags y_j.

    min  sum_p cost_p x_p + count_cost sum_j y_j
    s.t. sum_{p in row i} x_p = 1            (every area fully served)
         x_p - y_{col p} <= 0                 (only open centres)
         sum_{p in col j} w_row x_p - minv y_j >= 0
         sum_{p in col j} w_row x_p - cap_j y_j <= 0
         sum_j y_j = k                        (when k is given)

    ``g`` areas, ``mc`` columns; the solution vector is ``[y (mc), x (pairs)]``, and so is
    ``start`` (a feasible solution HiGHS begins from, e.g. the heuristic's plan);
    ``deadline`` as in :meth:`Rows.solve`.
    """
    P = rows.size
    xi = mc + np.arange(P)
    model = Rows(mc + P)
    model.assignment(rows, xi, g)
    model.linking(xi, cols)
    jj = np.arange(mc)
    vol_data = weights[rows]
    if minv > 0:
        model.volume(cols, xi, vol_data, mc, jj, np.full(mc, -minv), 0.0, np.inf)
    if cap is not None:
        fin = np.isfinite(cap)
        capv = np.where(fin, cap, 0.0)
        model.volume(cols, xi, vol_data, mc, jj[fin], -capv[fin], -np.inf,
                     np.where(fin, 0.0, np.inf))
    if k is not None:
        model.count(jj, k, k)
    c = np.concatenate([np.full(mc, float(count_cost)), cost])
    integ = np.concatenate([np.full(mc, 1 if integral else 0), np.zeros(P)])
    bounds = Bounds(np.concatenate([y_lb, np.zeros(P)]), np.concatenate([y_ub, np.ones(P)]))
    return model.solve(c, integ, bounds, time_limit, start, deadline)


def y_bounds(prob: Problem) -> tuple[NDArray, NDArray]:
    """Bounds of the open flags of the allowed columns: kept ones fixed at 1."""
    mc = prob.allowed.size
    lb = np.zeros(mc)
    lb[np.searchsorted(prob.allowed, prob.keep)] = 1.0
    return lb, np.ones(mc)


@dataclass(frozen=True)
class Pairs:
    """The (area, centre) pairs a fractional model may use: positions in
    ``Problem.active`` (``rows``) and ``Problem.allowed`` (``cols``) and their cost."""

    rows: NDArray
    cols: NDArray
    cost: NDArray


def finite_pairs(prob: Problem, cost: NDArray | None = None, radius: float = np.inf) -> Pairs:
    """The active x allowed pairs whose ``cost`` (default the minutes) is finite and at
    most ``radius``."""
    base = prob.C if cost is None else cost
    R, Cc, V = [], [], []
    for s, e in row_chunks(prob.active.size, prob.allowed.size):
        blk = np.asarray(base[prob.active[s:e]][:, prob.allowed], dtype=np.float64)
        ok = np.isfinite(blk) & (blk <= radius)
        r, c = np.nonzero(ok)
        R.append(r + s)
        Cc.append(c)
        V.append(blk[r, c])
    return Pairs(np.concatenate(R), np.concatenate(Cc), np.concatenate(V))

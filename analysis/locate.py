"""Location-allocation: which hospitals keep a treatment, and who goes where.

Four classic models on an area x hospital cost matrix (travel minutes) and a demand vector
(expected patients per year per area):

* :func:`p_median` -- open ``k`` centres, least total patient travel;
* :func:`max_covering` -- open ``k`` centres, most patients within ``radius`` minutes;
* :func:`set_covering` -- fewest centres such that every patient is within ``radius``;
* :func:`p_centre` -- open ``k`` centres, least worst-case travel.

Every model takes the same keyword-only options: hospitals that must stay open (``keep``),
must close (``close``) or may be chosen at all (``candidates``), a minimum-volume norm per
open centre (``min_volume``), a capacity per centre (``capacity``), the solver (``"exact"``
MILP through :func:`scipy.optimize.milp` / HiGHS, ``"heuristic"`` greedy + vertex
substitution, or ``"auto"``), a ``time_limit`` and a ``seed``. Feasibility is checked before
solving and :class:`InfeasibleScenario` quotes the numbers. Results are
:class:`LocationResult` objects carrying the open centres, the allocation, volumes per
centre, objective, a proven bound and the optimality gap.

Pure numpy/scipy: no I/O, no database, inputs are never mutated.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = [
    "AUTO_EXACT_MAX_PAIRS",
    "InfeasibleScenario",
    "LocationResult",
    "locate",
    "max_covering",
    "p_centre",
    "p_median",
    "set_covering",
]

#: ``solver="auto"`` uses the exact MILP when (areas with demand) x (allowed candidates) is at
#: most this many pairs, else the heuristic. 250,000 covers the Dutch instance (about
#: 1,500 areas x 100 hospitals), which the exact solver proves optimal in seconds.
AUTO_EXACT_MAX_PAIRS = 250_000

#: Relative optimality tolerance asked of HiGHS and used to call a solution "optimal".
GAP_TOLERANCE = 1e-6

_METHODS = ("p_median", "max_covering", "set_covering", "p_centre")
_SOLVERS = ("auto", "exact", "heuristic")
_LIST_FACTOR, _LIST_MARGIN = 1.5, 3  # initial candidate list: max(1.5 m / k, heuristic rank + 3)
_CHUNK_ELEMENTS = 1 << 22  # rows x columns processed at once by the heuristic (~32 MB float64)
# heuristic candidate lists: every candidate when there are at most _KNN_FULL, else each
# area's max(_KNN_MIN, _KNN_PER_CENTRE * m / k) nearest (with an exact full-row fallback)
_KNN_FULL, _KNN_MIN, _KNN_PER_CENTRE = 128, 64, 4.0
# multi-start: 4 starts up to n*K = 4e6 list entries, 2 up to 4e7, then the greedy start only
_RESTART_WORK = (4_000_000, 40_000_000)
# heuristic bound: the Lagrangian gets half as long as the search took (at least 0.02 s),
# on list prefixes up to the incumbent's second-nearest centre plus this many entries
_BOUND_TIME_FACTOR, _BOUND_MIN_S, _BOUND_MARGIN = 0.5, 0.02, 4
_LAG_BLOCK = 1 << 20  # list entries per block of the Lagrangian's column grouping

_log = logging.getLogger(__name__)


class InfeasibleScenario(ValueError):
    """The requested scenario has no feasible solution; the message quotes the numbers."""


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


# --------------------------------------------------------------------------------------
# input preparation
# --------------------------------------------------------------------------------------


@dataclass
class _Problem:
    C: NDArray  # (n, m) float, may contain inf, never NaN
    w: NDArray[np.float64]  # (n,)
    allowed: NDArray[np.int64]  # sorted candidate columns that may open
    keep: NDArray[np.int64]  # sorted, subset of allowed
    k: int | None
    min_volume: float
    capacity: NDArray[np.float64] | None  # (m,) or None
    radius: float
    active: NDArray[np.int64]  # areas with demand that can reach an allowed candidate
    unreachable: NDArray[np.int64]  # areas with demand that cannot
    demand: float  # total demand of active areas
    warnings: list[str]
    time_limit: float
    seed: int | None
    t0: float

    @property
    def deadline(self) -> float:
        return self.t0 + self.time_limit

    def remaining(self) -> float:
        return max(self.deadline - time.perf_counter(), 0.05)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _index_array(values: ArrayLike | None, m: int, name: str) -> NDArray[np.int64] | None:
    if values is None:
        return None
    arr = np.asarray(values)
    if arr.dtype == bool:
        if arr.shape != (m,):
            raise ValueError(f"{name} as a boolean mask must have length {m}, got {arr.shape}")
        return np.flatnonzero(arr).astype(np.int64)
    arr = np.atleast_1d(arr)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"{name} must hold hospital indices (integers)")
        arr = arr.astype(np.int64)
    arr = arr.astype(np.int64).ravel()
    bad = arr[(arr < 0) | (arr >= m)]
    if bad.size:
        raise ValueError(f"{name}: hospital index {int(bad[0])} is out of range 0..{m - 1}")
    return np.unique(arr)


def _prepare(
    C: ArrayLike,
    w: ArrayLike,
    *,
    k: int | None,
    radius: float | None,
    keep: ArrayLike | None,
    close: ArrayLike | None,
    candidates: ArrayLike | None,
    min_volume: float | None,
    capacity: ArrayLike | float | None,
    time_limit: float,
    seed: int | None,
    need_radius: bool,
) -> _Problem:
    t0 = time.perf_counter()
    Ca = np.asarray(C)
    if Ca.ndim != 2:
        raise ValueError(f"cost matrix must be 2-D (areas x hospitals), got shape {Ca.shape}")
    if not np.issubdtype(Ca.dtype, np.floating):
        Ca = Ca.astype(np.float64)
    n, m = Ca.shape
    if n == 0 or m == 0:
        raise ValueError(f"cost matrix is empty (shape {Ca.shape})")
    for s, e in _row_chunks(n, m):  # chunked: no n x m temporaries
        blk = Ca[s:e]
        if np.isnan(blk).any():
            raise ValueError("cost matrix contains NaN; use np.inf for unreachable pairs")
        if (blk < 0).any():
            raise ValueError("cost matrix contains negative travel times")
    wa = np.asarray(w, dtype=np.float64)
    if wa.shape != (n,):
        raise ValueError(f"weights must have shape ({n},) to match the cost matrix, got {wa.shape}")
    if not np.all(np.isfinite(wa)) or (wa < 0).any():
        raise ValueError("weights must be finite and non-negative")
    if time_limit is None or not time_limit > 0:
        raise ValueError(f"time_limit must be positive seconds, got {time_limit}")

    if need_radius:
        if radius is None or not np.isfinite(radius) or radius < 0:
            raise ValueError(f"radius must be a finite number of minutes >= 0, got {radius}")
    rad = float(radius) if radius is not None else math.nan

    keep_a = _index_array(keep, m, "keep")
    close_a = _index_array(close, m, "close")
    cand_a = _index_array(candidates, m, "candidates")
    keep_a = keep_a if keep_a is not None else np.zeros(0, np.int64)
    close_a = close_a if close_a is not None else np.zeros(0, np.int64)
    both = np.intersect1d(keep_a, close_a)
    if both.size:
        raise InfeasibleScenario(
            f"hospital index {int(both[0])} is both kept and closed"
            + (f" ({both.size} such hospitals)" if both.size > 1 else "")
        )
    allowed_mask = np.zeros(m, bool)
    if cand_a is None:
        allowed_mask[:] = True
    else:
        allowed_mask[cand_a] = True
        missing = np.setdiff1d(keep_a, cand_a)
        if missing.size:
            raise InfeasibleScenario(
                f"kept hospital index {int(missing[0])} is not among the candidates"
            )
    allowed_mask[close_a] = False
    warnings: list[str] = []

    minv = 0.0 if min_volume is None else float(min_volume)
    if not np.isfinite(minv) or minv < 0:
        raise ValueError(f"min_volume must be a non-negative number, got {min_volume}")
    cap: NDArray[np.float64] | None = None
    if capacity is not None:
        cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (m,)).copy()
        if np.isnan(cap).any() or (cap < 0).any():
            raise ValueError("capacity must be non-negative (np.inf for unlimited)")
        small = np.flatnonzero(allowed_mask & (cap < minv))
        if small.size:
            kept_small = np.intersect1d(small, keep_a)
            if kept_small.size:
                j = int(kept_small[0])
                raise InfeasibleScenario(
                    f"kept hospital {j} has capacity {_fmt(cap[j])} below "
                    f"min_volume {_fmt(minv)}"
                )
            allowed_mask[small] = False
            warnings.append(
                f"{small.size} candidate(s) dropped because their capacity is below "
                f"min_volume {_fmt(minv)}: {small[:10].tolist()}"
            )
    allowed = np.flatnonzero(allowed_mask).astype(np.int64)
    if allowed.size == 0:
        raise InfeasibleScenario(f"no candidate hospital is allowed (of {m}; all closed)")

    if k is not None:
        if int(k) != k or k < 1:
            raise ValueError(f"k must be a positive integer, got {k}")
        k = int(k)
        if keep_a.size > k:
            raise InfeasibleScenario(f"keep has {keep_a.size} hospitals but k={k}")
        if k > allowed.size:
            raise InfeasibleScenario(
                f"k={k} centres but only {allowed.size} of {m} hospitals are allowed "
                f"({m - allowed.size} closed, not candidates or too small)"
            )

    # areas with demand that cannot reach any allowed candidate
    has_demand = wa > 0
    reach = np.zeros(n, bool)
    for s, e in _row_chunks(n, allowed.size):
        reach[s:e] = np.isfinite(Ca[s:e][:, allowed]).any(axis=1)
    unreachable = np.flatnonzero(has_demand & ~reach).astype(np.int64)
    active = np.flatnonzero(has_demand & reach).astype(np.int64)
    if unreachable.size:
        warnings.append(
            f"{unreachable.size} area(s) with {_fmt(wa[unreachable].sum())} patients/yr cannot "
            f"reach any allowed hospital (infinite cost); reported as unserved, e.g. "
            f"{unreachable[:10].tolist()}"
        )
    demand = float(wa[active].sum())
    if active.size == 0:
        raise InfeasibleScenario("no area with positive demand can reach an allowed hospital")

    if k is not None and minv > 0 and k * minv > demand * (1 + 1e-12):
        raise InfeasibleScenario(
            f"k={k} centres x min_volume {_fmt(minv)} = {_fmt(k * minv)} exceeds total "
            f"demand {_fmt(demand)}"
        )
    if keep_a.size and minv > 0 and keep_a.size * minv > demand * (1 + 1e-12):
        raise InfeasibleScenario(
            f"{keep_a.size} kept hospitals x min_volume {_fmt(minv)} = "
            f"{_fmt(keep_a.size * minv)} exceeds total demand {_fmt(demand)}"
        )
    if cap is not None:
        caps = np.sort(cap[allowed])[::-1]
        kk = k if k is not None else allowed.size
        top = float(caps[:kk].sum())
        if top < demand * (1 - 1e-12):
            what = (
                f"capacity sum of the {kk} largest candidates" if k is not None
                else f"capacity sum of all {kk} allowed candidates"
            )
            raise InfeasibleScenario(f"{what} {_fmt(top)} is below total demand {_fmt(demand)}")
    return _Problem(
        C=Ca, w=wa, allowed=allowed, keep=keep_a, k=k, min_volume=minv, capacity=cap,
        radius=rad, active=active, unreachable=unreachable, demand=demand,
        warnings=warnings, time_limit=float(time_limit), seed=seed, t0=t0,
    )


def _row_chunks(n: int, m: int) -> list[tuple[int, int]]:
    step = max(1, _CHUNK_ELEMENTS // max(m, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


# --------------------------------------------------------------------------------------
# assignment helpers
# --------------------------------------------------------------------------------------


def _nearest(C: NDArray, rows: NDArray | slice, open_cols: NDArray) -> tuple[NDArray, NDArray]:
    """Nearest open column (original index) and its cost for the given rows."""
    sub = np.asarray(C[rows][:, open_cols], dtype=np.float64)
    pos = np.argmin(sub, axis=1)
    return open_cols[pos], sub[np.arange(sub.shape[0]), pos]


def _finite_max(M: NDArray) -> tuple[float, bool]:
    """Largest finite entry of ``M`` (at least 1) and whether ``M`` holds an infinity."""
    cmax, has_inf = 1.0, False
    for s, e in _row_chunks(*M.shape):
        blk = M[s:e]
        mx = blk.max(axis=1)
        inf_rows = np.isinf(mx)
        if inf_rows.any():
            has_inf = True
            sub = blk[inf_rows]
            sub = np.where(np.isfinite(sub), sub, -np.inf).max(axis=1)
            mx = np.concatenate([mx[~inf_rows], sub])
        fin = mx[np.isfinite(mx)]
        if fin.size:
            cmax = max(cmax, float(fin.max()))
    return cmax, has_inf


def _penalty_from(cmax: float, prob: _Problem) -> float:
    wpos = prob.w[prob.active]
    ratio = float(wpos.sum() / wpos.min())
    return min((cmax + 1.0) * max(1e3, 10.0 * ratio), 1e15)


def _penalty(prob: _Problem) -> float:
    """A finite cost that dominates any sum of finite costs (stands in for infinity)."""
    return _penalty_from(_finite_max(_submatrix(prob, prob.C))[0], prob)


def _submatrix(prob: _Problem, base: NDArray) -> NDArray:
    """``base`` restricted to active rows x allowed columns (a view when nothing is cut)."""
    rows_all = prob.active.size == base.shape[0]
    cols_all = prob.allowed.size == base.shape[1]
    if rows_all and cols_all:
        return base
    if rows_all:
        return base[:, prob.allowed]
    return base[prob.active][:, prob.allowed]


class _Work:
    """Working cost matrix on active rows x allowed columns, infinities replaced."""

    def __init__(self, prob: _Problem, cost: NDArray | None = None):
        M = _submatrix(prob, prob.C if cost is None else cost)
        cmax, has_inf = _finite_max(M)  # one pass: the penalty and whether it is needed
        self.big = _penalty_from(cmax, prob) if cost is None else _penalty(prob)
        if has_inf:
            M = np.where(np.isinf(M), M.dtype.type(self.big), M)
        self.M = M
        self.w = prob.w[prob.active]
        # float32 input stays float32 in the heavy passes (half the memory traffic);
        # objectives and profit tables are always accumulated in float64
        self.dt = np.float32 if M.dtype == np.float32 else np.float64
        self.n, self.m = M.shape
        self.chunks = _row_chunks(self.n, self.m)
        keep_pos = np.searchsorted(prob.allowed, prob.keep)
        self.keep_mask = np.zeros(self.m, bool)
        self.keep_mask[keep_pos] = True
        self._lists: dict[int, _Lists] = {}

    def lists(self, k: int) -> _Lists:
        """Candidate lists sized for ``k`` centres (built once, then cached)."""
        K = self.m if self.m <= _KNN_FULL else max(_KNN_MIN, math.ceil(_KNN_PER_CENTRE
                                                                        * self.m / max(k, 1)))
        K = min(K, self.m)
        if K not in self._lists:
            self._lists[K] = _Lists(self, K)
        return self._lists[K]

    def nearest_two(self, open_pos: NDArray, rows: NDArray | None = None):
        """(d1, d2, p1, p2): cost and column of the nearest and second-nearest open column.

        With a single open column ``d2`` is a sentinel above every cost and ``p2`` is -1.
        """
        rows_ix = np.arange(self.n) if rows is None else rows
        if rows is None:
            sub = np.asarray(self.M[:, open_pos], dtype=np.float64)
        else:
            sub = np.asarray(self.M[np.ix_(rows_ix, open_pos)], dtype=np.float64)
        r = np.arange(sub.shape[0])
        if open_pos.size == 1:
            return (sub[:, 0], np.full(r.size, self.big * 10.0),
                    np.full(r.size, open_pos[0]), np.full(r.size, -1))
        two = np.argpartition(sub, 1, axis=1)[:, :2]
        v = np.take_along_axis(sub, two, axis=1)
        first = v[:, 0] <= v[:, 1]
        a = np.where(first, two[:, 0], two[:, 1])
        b = np.where(first, two[:, 1], two[:, 0])
        return sub[r, a], sub[r, b], open_pos[a], open_pos[b]

    def cost(self, open_pos: NDArray) -> float:
        d1 = np.asarray(self.M[:, open_pos], dtype=np.float64).min(axis=1)
        return float(self.w @ d1)


class _Lists:
    """Each working row's K cheapest columns, sorted by cost (candidate lists).

    ``rad[i]`` is the cost of row i's K-th entry: every column outside the list costs at
    least that much. That is what keeps the list-based computations exact: a row whose
    second-nearest open centre costs more than ``rad`` falls back to its full row.
    """

    def __init__(self, W: _Work, K: int):
        n, m = W.n, W.m
        self.K, self.full = K, K == m
        ct = np.float32 if W.M.dtype == np.float32 else np.float64
        self.idx = np.empty((n, K), np.int16 if m <= np.iinfo(np.int16).max else np.int32)
        self.cost = np.empty((n, K), ct)
        for s, e in W.chunks:
            B = np.asarray(W.M[s:e], dtype=ct)
            r = e - s
            if K < m:
                # the K smallest of each row: those below the K-th value, then ties at it
                thr = np.partition(B, K - 1, axis=1)[:, K - 1:K]
                sel = B < thr
                eq = B == thr
                need = K - sel.sum(axis=1)
                tie = np.flatnonzero(eq.sum(axis=1) > need)
                if tie.size:  # keep only the first `need` tied entries of those rows
                    eq[tie] &= np.cumsum(eq[tie], axis=1) <= need[tie, None]
                sel |= eq
                flat = np.flatnonzero(sel).reshape(r, K)  # row-major: K per row
                col = flat - (np.arange(r) * m)[:, None]
                vals = B.ravel()[flat]
            else:
                col, vals = np.broadcast_to(np.arange(m), (r, m)), B
            order = (np.argsort(vals, axis=1) + (np.arange(r) * K)[:, None]).ravel()
            self.idx[s:e] = col.ravel()[order].reshape(r, K)
            self.cost[s:e] = vals.ravel()[order].reshape(r, K)
        self.rad = self.cost[:, K - 1].astype(np.float64)
        self.step = max(1, _CHUNK_ELEMENTS // max(K, 1))  # rows per chunk of list work


def _prefix_len(L: _Lists, rows: NDArray, bound: NDArray) -> NDArray[np.int64]:
    """Per row, how many of its list entries cost less than ``bound`` (binary search on
    the sorted lists, vectorised over rows)."""
    lo = np.zeros(rows.size, np.int64)
    hi = np.full(rows.size, L.K, np.int64)
    while True:
        act = np.flatnonzero(lo < hi)
        if not act.size:
            return lo
        mid = (lo[act] + hi[act]) // 2
        below = L.cost[rows[act], mid] < bound[act]
        lo[act[below]] = mid[below] + 1
        hi[act[~below]] = mid[~below]


def _slabs(W: _Work, L: _Lists, rows: NDArray, bound: NDArray):
    """Every column j with c_ij < ``bound[i]`` for the given rows, exactly, as slabs.

    Yields (local row positions, costs (r, t), columns (r, t) or (t,)); a slab may also
    hold entries at or above the bound (callers weight those by 0). Rows are grouped by
    prefix length so that little is wasted; rows whose bound exceeds their list radius
    are read from the full working matrix.
    """
    over = L.rad[rows] < bound
    inl = np.flatnonzero(~over)
    if inl.size:
        q = _prefix_len(L, rows[inl], bound[inl])
        order = np.argsort(q, kind="stable")
        inl, q = inl[order], q[order]
        groups = max(1, min(8, inl.size // 256), -(-int(q.sum()) // _CHUNK_ELEMENTS))
        for part in np.array_split(np.arange(inl.size), groups):
            if not part.size:
                continue
            t = int(q[part[-1]])
            if t:
                loc = inl[part]
                rr = rows[loc]
                yield loc, L.cost[rr, :t], L.idx[rr, :t].astype(np.int64)
    ovl = np.flatnonzero(over)
    step = max(1, _CHUNK_ELEMENTS // max(W.m, 1))
    for s in range(0, ovl.size, step):
        loc = ovl[s:s + step]
        yield loc, W.M[rows[loc]], np.arange(W.m)


# --------------------------------------------------------------------------------------
# heuristic: greedy + fast vertex substitution (Resende-Werneck) on candidate lists
# --------------------------------------------------------------------------------------


def _greedy(W: _Work, L: _Lists, k: int, start: NDArray) -> NDArray:
    """Greedy addition; an area's distance is capped at its list radius (a start only).

    With full lists (K = m) this is the classic greedy: the first pick minimises the
    weighted column sum, each next one maximises the exact saving.
    """
    d = L.rad.copy()
    gain = np.zeros(W.m)

    def account(rows: NDArray, sign: float) -> None:
        nonlocal gain
        dr, wr = d[rows], W.w[rows] * sign
        for loc, c, col in _slabs(W, L, rows, dr):  # d <= rad: never the full-row branch
            g = wr[loc, None] * np.maximum(dr[loc, None] - c, 0.0)
            gain += np.bincount(col.ravel(), weights=g.ravel(), minlength=W.m)

    def open_col(j: int) -> None:
        cj = np.asarray(W.M[:, j], dtype=np.float64)
        rows = np.flatnonzero(cj < d)
        account(rows, -1.0)
        d[rows] = cj[rows]
        account(rows, 1.0)

    account(np.arange(W.n), 1.0)
    open_mask = np.zeros(W.m, bool)
    for j in start:
        open_mask[j] = True
        open_col(int(j))
    while open_mask.sum() < k:
        g = np.where(open_mask, -np.inf, gain)
        j = int(np.argmax(g))
        open_mask[j] = True
        open_col(j)
    return np.flatnonzero(open_mask)


class _Swap:
    """Fast-interchange state of Resende and Werneck for one set of open centres.

    Slot s holds open column ``open[s]``. For every area: nearest and second-nearest open
    column (p1, p2) and their costs (d1, d2). Tables: ``gain[j]`` = saving of opening j,
    ``loss[s]`` = extra cost of closing slot s, ``extra[s, j]`` = correction when both
    happen; the profit of the swap (close s, open j) is ``gain[j] - loss[s] + extra[s, j]``.
    After a swap only the affected areas (p1 or p2 closed, or the new column nearer than
    d2) are taken out of the tables and put back, and each area only looks at the columns
    cheaper than its d2: its candidate-list prefix, or its full row when d2 lies beyond
    the list.
    """

    def __init__(self, W: _Work, L: _Lists, open_pos: NDArray):
        self.W, self.L = W, L
        self.open = np.array(open_pos, dtype=np.int64)
        self.k = self.open.size
        self.slot = np.full(W.m, -1, np.int64)
        self.slot[self.open] = np.arange(self.k)
        self.d1, self.d2, self.p1, self.p2 = W.nearest_two(self.open)
        self.gain = np.zeros(W.m)
        self.loss = np.zeros(self.k)
        self.extra = np.zeros(self.k * W.m)
        self._account(np.arange(W.n), 1.0)
        self.cost = float(W.w @ self.d1)

    def _account(self, rows: NDArray, sign: float) -> None:
        W, m = self.W, self.W.m
        d1, d2 = self.d1[rows], self.d2[rows]
        s1 = self.slot[self.p1[rows]]
        wr = W.w[rows] * sign
        self.loss += np.bincount(s1, weights=wr * (d2 - d1), minlength=self.k)
        for loc, c, col in _slabs(W, self.L, rows, d2):
            wv, a, b = wr[loc, None], d1[loc, None], d2[loc, None]
            g = wv * np.maximum(a - c, 0.0)
            e = wv * np.maximum(b - np.maximum(c, a), 0.0)
            col2 = np.broadcast_to(col, c.shape)
            self.gain += np.bincount(col2.ravel(), weights=g.ravel(), minlength=m)
            self.extra += np.bincount((s1[loc, None] * m + col2).ravel(), weights=e.ravel(),
                                      minlength=self.k * m)

    def profit(self) -> NDArray:
        P = self.gain[None, :] - self.loss[:, None] + self.extra.reshape(self.k, self.W.m)
        P[:, self.open] = -np.inf
        P[self.W.keep_mask[self.open], :] = -np.inf
        return P

    def apply(self, s: int, j: int) -> int:
        """Close slot ``s``, open column ``j`` there; returns the closed column."""
        W, o = self.W, int(self.open[s])
        cj = np.asarray(W.M[:, j], dtype=np.float64)
        rows = np.flatnonzero((self.p1 == o) | (self.p2 == o) | (cj < self.d2))
        self._account(rows, -1.0)
        self.open[s] = j
        self.slot[o], self.slot[j] = -1, s
        lost = (self.p1[rows] == o) | (self.p2[rows] == o)
        a = rows[lost]
        if a.size:
            self.d1[a], self.d2[a], self.p1[a], self.p2[a] = W.nearest_two(self.open, a)
        b = rows[~lost]
        c = cj[b]
        near = c < self.d1[b]
        bn, bs = b[near], b[~near]  # bs: between d1 and d2
        self.d2[bn], self.p2[bn] = self.d1[bn], self.p1[bn]
        self.d1[bn], self.p1[bn] = c[near], j
        self.d2[bs], self.p2[bs] = c[~near], j
        self._account(rows, 1.0)
        self.cost = float(W.w @ self.d1)
        return o


def _swap_profit(W: _Work, open_pos: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Profit table of all swaps (remove open r, insert closed j), shape (k, m)."""
    S = _Swap(W, W.lists(open_pos.size), np.sort(open_pos))
    return S.profit(), S.d1, S.p1


def _local_search(
    W: _Work, L: _Lists, open_pos: NDArray, deadline: float
) -> tuple[NDArray, bool]:
    """Best-improvement vertex substitution. Returns (open positions, finished)."""
    S = _Swap(W, L, np.sort(open_pos))
    while True:
        if time.perf_counter() > deadline:
            return np.sort(S.open), False
        P = S.profit()
        s, j = np.unravel_index(int(np.argmax(P)), P.shape)
        before = S.cost
        if not P[s, j] > 1e-9 * max(abs(before), 1.0):
            return np.sort(S.open), True
        o = S.apply(int(s), int(j))
        if not S.cost < before - 1e-12 * max(abs(before), 1.0):  # numerical guard
            S.apply(int(s), o)
            return np.sort(S.open), True


def _n_starts(W: _Work, L: _Lists) -> int:
    """Starts of the multi-start search: fewer as the instance grows (deterministic)."""
    work = W.n * L.K
    return 4 if work <= _RESTART_WORK[0] else 2 if work <= _RESTART_WORK[1] else 1


def _pmedian_heuristic(
    W: _Work, k: int, rng: np.random.Generator, deadline: float, n_starts: int | None = None,
    start_open: NDArray | None = None,
) -> tuple[NDArray, float, bool]:
    """Multi-start local search; ``start_open`` (k working columns, e.g. a known feasible
    cover) is searched first, before the greedy start and the random restarts."""
    t_start = time.perf_counter()
    L = W.lists(k)
    keep_pos = np.flatnonzero(W.keep_mask)
    free = np.flatnonzero(~W.keep_mask)
    n_starts = _n_starts(W, L) if n_starts is None else n_starts
    best, best_cost, finished = None, np.inf, True
    longest, started = 0.0, 0
    first = -1 if start_open is not None else 0
    for start in range(first, n_starts):
        t = time.perf_counter()
        # a random restart only if, at the pace so far, it ends within half the budget
        if start > 0 and (t - t_start) + longest > 0.5 * (deadline - t_start):
            break
        if start < 0:
            sol = np.sort(np.asarray(start_open, dtype=np.int64))
        elif start == 0:
            sol = _greedy(W, L, k, keep_pos)
        else:
            pick = rng.choice(free, size=k - keep_pos.size, replace=False)
            sol = np.sort(np.concatenate([keep_pos, pick]))
        started += 1
        sol, done = _local_search(W, L, sol, deadline)
        finished = finished and done
        c = W.cost(sol)
        if c < best_cost - 1e-12 * max(abs(c), 1.0):
            best, best_cost = sol, c
        longest = max(longest, time.perf_counter() - t)
    assert best is not None
    _log.debug("p-median heuristic: %d start(s) in %.3f s, K=%d, objective %.9g", started,
               time.perf_counter() - t_start, L.K, best_cost,
               extra={"locate_search": {"starts": started, "K": L.K, "objective": best_cost,
                                        "seconds": time.perf_counter() - t_start}})
    return best, best_cost, finished


def _pmedian_lagrangian(
    W: _Work, k: int, ub: float, open_pos: NDArray, deadline: float, max_iter: int = 400,
    *, with_rho: bool = False, margin: int | None = None,
) -> Any:
    """Lagrangian lower bound (relaxing the assignment rows) of the uncapacitated p-median.

    ``L(u) = sum_i u_i + sum_{j open} rho_j(u)``, ``rho_j = sum_i min(0, w_i c_ij - u_i)``,
    with the open set the kept centres plus the ``k - |keep|`` most negative other
    columns; maximised by projected subgradient. ``L(u)`` is a valid bound for every
    ``u``; the search keeps ``u_i <= U_i = w_i c_i[P_i]``, the cost of the first
    candidate-list entry it leaves out (P_i = the whole list, or with ``margin`` the
    entries cheaper than the incumbent's d2 plus ``margin`` more), so only those entries
    can have ``w_i c_ij < u_i`` and ``rho`` computed on them is exact. The iterations run
    in the working precision (float32 for float32 input) on the entries grouped by
    column; the returned value (and ``rho``) is ``L`` at the best multipliers found,
    evaluated once more in float64.
    """
    t0 = time.perf_counter()
    L = W.lists(k)
    keep_pos = np.flatnonzero(W.keep_mask)
    free = np.flatnonzero(~W.keep_mask)
    nfree = k - keep_pos.size
    d1, d2, _, _ = W.nearest_two(np.asarray(open_pos))
    d2 = np.where(d2 >= W.big, d1, d2)
    n, m, K = W.n, W.m, L.K
    if margin is None:
        P = np.full(n, K, np.int64)
    else:
        P = np.minimum(K, _prefix_len(L, np.arange(n), d2) + margin)
    cut = np.where(P < K, L.cost[np.arange(n), np.minimum(P, K - 1)], L.rad)
    U = W.w * cut  # u_i <= U_i: every column outside the first P_i costs at least that
    # entries grouped by column within blocks of rows (local sorts, cache-friendly)
    blocks: list[tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]] = []
    per = max(1, _LAG_BLOCK // max(int(P.mean()), 1))
    for s in range(0, n, per):
        e = min(n, s + per)
        inside = np.arange(K)[None, :] < P[s:e, None]
        col = L.idx[s:e][inside]
        order = np.argsort(col, kind="stable")
        row = np.repeat(np.arange(s, e, dtype=np.int32), P[s:e])[order]
        cst = L.cost[s:e][inside][order]
        cnt = np.bincount(col, minlength=m)
        has = np.flatnonzero(cnt)
        ptr = np.concatenate([[0], np.cumsum(cnt)])
        blocks.append((row, cst, (cst * W.w[row]).astype(W.dt), ptr, has,
                       np.empty(cst.size, W.dt)))
    n_entries = int(P.sum())

    def rho_of(u: NDArray, exact: bool) -> NDArray:
        """rho(u); the iterations in working precision, ``exact`` in float64."""
        out = np.zeros(m)
        uw = u if exact else u.astype(W.dt)
        for row, cst, wc, ptr, has, v in blocks:
            if exact:
                v = cst * W.w[row] - u[row]
            else:
                np.subtract(wc, uw[row], out=v)
            np.minimum(v, 0, out=v)
            if has.size:
                out[has] += np.add.reduceat(v, ptr[has])
        return out

    def choose(rho: NDArray) -> NDArray:
        if nfree <= 0:
            return keep_pos
        fr = rho[free]
        sel = free[np.argpartition(fr, nfree - 1)[:nfree]] if nfree < free.size else free
        return np.concatenate([keep_pos, sel])

    u = np.minimum(W.w * 0.5 * (d1 + d2), U)  # between nearest and second-nearest open centre
    best, best_u = -np.inf, u
    lam, stall, it, stall_limit = 2.0, 0, 0, 20
    t_it = time.perf_counter()
    for it in range(1, max_iter + 1):
        if time.perf_counter() > deadline:
            it -= 1
            break
        rho = rho_of(u, exact=False)
        chosen = choose(rho)
        val = float(u.sum() + rho[chosen].sum())
        if not np.isfinite(best) or val > best + 1e-12 * max(abs(best), 1.0):
            if val > best:
                best, best_u = val, u
            stall = 0
        else:
            stall += 1
            if stall >= stall_limit:
                lam, stall = lam / 2.0, 0
        if it == 1:  # halve the step sooner when the time allows few iterations
            per_it = max(time.perf_counter() - t_it, 1e-9)
            fit = min(max_iter, (deadline - time.perf_counter()) / per_it)
            stall_limit = int(min(max(fit / 20, 5), 20))
        # subgradient: 1 - number of chosen columns with w_i c_ij < u_i
        hit = [row[ptr[j]:ptr[j + 1]][v[ptr[j]:ptr[j + 1]] < 0]
               for row, _, _, ptr, _, v in blocks for j in chosen]
        g = 1.0 - np.bincount(np.concatenate(hit), minlength=n)
        g[(g > 0) & (u >= U)] = 0.0  # projected: u_i cannot grow past U_i
        nrm = float(g @ g)
        if nrm == 0 or lam < 1e-5 or ub - best <= GAP_TOLERANCE * abs(ub):
            break
        u = np.minimum(u + lam * max(ub - val, 1e-9 * abs(ub)) / nrm * g, U)
    # the reported bound: L at the best multipliers, in float64
    rho = rho_of(best_u, exact=True)
    best = float(best_u.sum() + rho[choose(rho)].sum()) if it else -np.inf
    _log.debug("Lagrangian bound %.9g after %d iterations in %.3f s (%d list entries)",
               best, it, time.perf_counter() - t0, n_entries,
               extra={"locate_bound": {"value": best, "iterations": it, "entries": n_entries,
                                       "seconds": time.perf_counter() - t0}})
    return (best, rho if it else None) if with_rho else best


def _lagrangian_fixing(
    W: _Work, k: int, lower: float, rho: NDArray, ub: float
) -> tuple[NDArray, NDArray]:
    """Centres that must stay closed / open in any solution cheaper than ``ub``.

    With the multipliers of the bound ``lower`` fixed, forcing a closed free column j open
    raises the Lagrangian value to ``lower + rho_j - rho_last`` (it replaces the dearest
    chosen column), forcing a chosen one closed to ``lower - rho_j + rho_next``. Either is
    a lower bound for the restricted problem; above ``ub`` that choice cannot improve on
    the incumbent (reduced-cost fixing).
    """
    fix0 = np.zeros(W.m, bool)
    fix1 = np.zeros(W.m, bool)
    free = np.flatnonzero(~W.keep_mask)
    nfree = k - int(W.keep_mask.sum())
    if nfree <= 0 or nfree >= free.size:
        return fix0, fix1
    order = free[np.argsort(rho[free], kind="stable")]
    chosen, rest = order[:nfree], order[nfree:]
    r_last, r_next = rho[chosen[-1]], rho[rest[0]]
    tol = 1e-9 * max(abs(ub), 1.0)
    fix0[rest[lower + rho[rest] - r_last > ub + tol]] = True
    fix1[chosen[lower - rho[chosen] + r_next > ub + tol]] = True
    return fix0, fix1


# --------------------------------------------------------------------------------------
# MILP builders (scipy.optimize.milp / HiGHS)
# --------------------------------------------------------------------------------------


@dataclass
class _MilpOut:
    status: str  # optimal | time_limit | infeasible | error
    x: NDArray | None
    objective: float
    bound: float


def _run_milp(c, A, lb, ub, integrality, bounds, time_limit) -> _MilpOut:
    cons = LinearConstraint(sparse.csr_array(A), lb, ub)
    res = milp(
        c, constraints=cons, integrality=integrality, bounds=bounds,
        options={"time_limit": max(float(time_limit), 0.05), "mip_rel_gap": GAP_TOLERANCE,
                 "disp": False},
    )
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
    return _MilpOut(status, None if res.x is None else np.asarray(res.x), obj, float(bound))


def _assign_milp(
    g: int, mc: int, rows: NDArray, cols: NDArray, cost: NDArray, W: NDArray, *,
    k: int | None, count_cost: float, minv: float, cap: NDArray | None,
    y_lb: NDArray, y_ub: NDArray, integral: bool, time_limit: float,
) -> _MilpOut:
    """Assignment model with fractional x_p (pairs p = (row, col)) and open flags y_j.

    min  sum_p cost_p x_p + count_cost sum_j y_j
    s.t. sum_{p in row i} x_p = 1            (every area fully served)
         x_p - y_{col p} <= 0                 (only open centres)
         sum_{p in col j} W_row x_p - minv y_j >= 0
         sum_{p in col j} W_row x_p - cap_j y_j <= 0
         sum_j y_j = k                        (when k is given)
    """
    P = rows.size
    nv = mc + P
    xi = mc + np.arange(P)
    blocks, lo, hi = [], [], []
    blocks.append(sparse.coo_array((np.ones(P), (rows, xi)), shape=(g, nv)))
    lo.append(np.ones(g))
    hi.append(np.ones(g))
    ar = np.arange(P)
    blocks.append(sparse.coo_array(
        (np.concatenate([np.ones(P), -np.ones(P)]),
         (np.concatenate([ar, ar]), np.concatenate([xi, cols]))), shape=(P, nv)))
    lo.append(np.full(P, -np.inf))
    hi.append(np.zeros(P))
    jj = np.arange(mc)
    vol_data = W[rows]
    if minv > 0:
        blocks.append(sparse.coo_array(
            (np.concatenate([vol_data, np.full(mc, -minv)]),
             (np.concatenate([cols, jj]), np.concatenate([xi, jj]))), shape=(mc, nv)))
        lo.append(np.zeros(mc))
        hi.append(np.full(mc, np.inf))
    if cap is not None:
        fin = np.isfinite(cap)
        capv = np.where(fin, cap, 0.0)
        blocks.append(sparse.coo_array(
            (np.concatenate([vol_data, -capv[fin]]),
             (np.concatenate([cols, jj[fin]]), np.concatenate([xi, jj[fin]]))), shape=(mc, nv)))
        lo.append(np.full(mc, -np.inf))
        hi.append(np.where(fin, 0.0, np.inf))
    if k is not None:
        blocks.append(sparse.coo_array((np.ones(mc), (np.zeros(mc, int), jj)), shape=(1, nv)))
        lo.append(np.array([float(k)]))
        hi.append(np.array([float(k)]))
    A = sparse.vstack(blocks, format="csr")
    c = np.concatenate([np.full(mc, float(count_cost)), cost])
    integ = np.concatenate([np.full(mc, 1 if integral else 0), np.zeros(P)])
    bounds = Bounds(np.concatenate([y_lb, np.zeros(P)]), np.concatenate([y_ub, np.ones(P)]))
    return _run_milp(c, A, np.concatenate(lo), np.concatenate(hi), integ, bounds, time_limit)


def _cover_rows(A: sparse.csr_array, W: NDArray) -> tuple[sparse.csr_array, NDArray]:
    """Merge identical coverage rows (summing their weights)."""
    A = sparse.csr_array(A)
    A.sort_indices()
    keys = [A.indices[A.indptr[i]:A.indptr[i + 1]].tobytes() for i in range(A.shape[0])]
    uniq: dict[bytes, int] = {}
    inv = np.empty(len(keys), np.int64)
    for i, key in enumerate(keys):
        inv[i] = uniq.setdefault(key, len(uniq))
    first = np.zeros(len(uniq), np.int64)
    first[inv[::-1]] = np.arange(len(keys))[::-1]
    return A[first], np.bincount(inv, weights=W, minlength=len(uniq))


def _coverage(prob: _Problem, radius: float) -> sparse.csr_array:
    rows, cols = [], []
    for s, e in _row_chunks(prob.active.size, prob.allowed.size):
        blk = prob.C[prob.active[s:e]][:, prob.allowed] <= radius
        r, c = np.nonzero(blk)
        rows.append(r + s)
        cols.append(c)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    return sparse.csr_array((np.ones(r.size), (r, c)), shape=(prob.active.size, prob.allowed.size))


def _y_bounds(prob: _Problem) -> tuple[NDArray, NDArray]:
    mc = prob.allowed.size
    lb = np.zeros(mc)
    lb[np.searchsorted(prob.allowed, prob.keep)] = 1.0
    return lb, np.ones(mc)


def _finite_pairs(prob: _Problem, cost: NDArray | None = None, radius: float = np.inf):
    """(row, col, minutes) for active rows x allowed cols with finite cost <= radius."""
    base = prob.C if cost is None else cost
    R, Cc, V = [], [], []
    for s, e in _row_chunks(prob.active.size, prob.allowed.size):
        blk = np.asarray(base[prob.active[s:e]][:, prob.allowed], dtype=np.float64)
        ok = np.isfinite(blk) & (blk <= radius)
        r, c = np.nonzero(ok)
        R.append(r + s)
        Cc.append(c)
        V.append(blk[r, c])
    return np.concatenate(R), np.concatenate(Cc), np.concatenate(V)


# --------------------------------------------------------------------------------------
# exact uncapacitated p-median: restricted candidate lists, proven by a relaxation
# --------------------------------------------------------------------------------------


def _pmedian_exact_uncap(
    prob: _Problem, W: _Work, k: int, heur_open: NDArray, deadline: float,
    fix0: NDArray | None = None, fix1: NDArray | None = None,
):
    """Exact p-median on the working matrix; returns (open_pos, bound, status).

    ``fix0``/``fix1`` (boolean masks from :func:`_lagrangian_fixing`) exclude centres that
    cannot be part of a solution cheaper than the heuristic's ``heur_open``; the bound is
    then ``min(bound of the restricted problem, cost of heur_open)``.

    Each area i only gets assignment variables for its L_i nearest candidates plus one
    overflow variable s_i priced at the (L_i+1)-th smallest cost (a lower bound on any
    assignment outside the list). That restricted MILP is a relaxation of the p-median; if
    its optimum uses no overflow it is optimal for the full problem, otherwise the lists of
    the overflowing areas are doubled and it is solved again.
    """
    fixed = fix0 is not None and (fix0.any() or (fix1 is not None and fix1.any()))
    cols = np.flatnonzero(~fix0) if fix0 is not None else np.arange(W.m)
    forced = W.keep_mask.copy()
    if fix1 is not None:
        forced |= fix1
    forced = forced[cols]
    M = np.asarray(W.M if cols.size == W.m else W.M[:, cols], dtype=np.float64)
    n, m = M.shape
    # merge identical rows
    Mu, inv = np.unique(M, axis=0, return_inverse=True)
    inv = inv.ravel()
    Wu = np.bincount(inv, weights=W.w, minlength=Mu.shape[0])
    g = Mu.shape[0]
    fin_u = Mu < W.big * 0.5
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
    heur_mask = np.zeros(W.m, bool)
    heur_mask[heur_open] = True
    heur_mask = heur_mask[cols]
    rank_heur = np.argmax(heur_mask[order], axis=1)
    base_len = max(4, int(math.ceil(_LIST_FACTOR * m / max(k, 1))))
    L = np.minimum(limit, np.maximum(rank_heur + _LIST_MARGIN, base_len))
    y_lb = np.zeros(m)
    y_lb[forced] = 1.0
    ub0 = W.cost(heur_open)
    status, best_open, best_cost, bound = "time_limit", heur_open, ub0, -np.inf
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        cols_mask = np.arange(m)[None, :] < L[:, None]
        rr, pos = np.nonzero(cols_mask)
        cc = order[rr, pos]
        cost = Wu[rr] * srt[rr, pos]
        over = np.flatnonzero(L < limit)
        over_cost = Wu[over] * srt[over, L[over]]
        P, S = rr.size, over.size
        nv = m + P + S
        xi = m + np.arange(P)
        si = m + P + np.arange(S)
        A_asg = sparse.coo_array(
            (np.ones(P + S), (np.concatenate([rr, over]), np.concatenate([xi, si]))),
            shape=(g, nv))
        ar = np.arange(P)
        A_link = sparse.coo_array(
            (np.concatenate([np.ones(P), -np.ones(P)]),
             (np.concatenate([ar, ar]), np.concatenate([xi, cc]))), shape=(P, nv))
        A_k = sparse.coo_array((np.ones(m), (np.zeros(m, int), np.arange(m))), shape=(1, nv))
        A = sparse.vstack([A_asg, A_link, A_k], format="csr")
        lo = np.concatenate([np.ones(g), np.full(P, -np.inf), [k]])
        hi = np.concatenate([np.ones(g), np.zeros(P), [k]])
        c = np.concatenate([np.zeros(m), cost, over_cost])
        integ = np.concatenate([np.ones(m), np.zeros(P + S)])
        bounds = Bounds(np.concatenate([y_lb, np.zeros(P + S)]), np.ones(nv))
        out = _run_milp(c, A, lo, hi, integ, bounds, remaining)
        if out.status == "infeasible":
            if fixed and ub0 < W.big * 0.5:  # nothing cheaper than the incumbent exists
                return best_open, best_cost, "optimal"
            raise InfeasibleScenario(
                f"no choice of k={k} centres among the allowed hospitals can reach every area"
            )
        bound = max(bound, min(out.bound, ub0) if fixed else out.bound)
        if out.x is None:
            break
        y = out.x[:m] > 0.5
        open_pos = cols[np.flatnonzero(y)]
        true_cost = W.cost(open_pos)
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
    return best_open, bound, status


# --------------------------------------------------------------------------------------
# heuristic for min_volume / capacity: swaps ranked by the uncapacitated profit,
# each configuration priced by a transportation LP
# --------------------------------------------------------------------------------------


class _Transport:
    """Assignment LP for a fixed set of open centres (fractional, min volume, capacity)."""

    def __init__(self, prob: _Problem, pairs):
        self.prob = prob
        self.rows, self.cols, self.cost = pairs
        self.Wa = prob.w[prob.active]
        self.g = prob.active.size
        self.mc = prob.allowed.size
        self.cap = None if prob.capacity is None else prob.capacity[prob.allowed]
        self.cache: dict[bytes, tuple[float, NDArray | None]] = {}

    def solve(self, open_pos: NDArray, time_limit: float) -> tuple[float, NDArray | None]:
        key = np.sort(open_pos).tobytes()
        if key in self.cache:
            return self.cache[key]
        is_open = np.zeros(self.mc, bool)
        is_open[open_pos] = True
        sel = is_open[self.cols]
        rows, cols = self.rows[sel], self.cols[sel]
        if np.unique(rows).size < self.g:
            res: tuple[float, NDArray | None] = (np.inf, None)
        else:
            y = is_open.astype(float)
            out = _assign_milp(
                self.g, self.mc, rows, cols, self.Wa[rows] * self.cost[sel], self.Wa,
                k=None, count_cost=0.0, minv=self.prob.min_volume, cap=self.cap,
                y_lb=y, y_ub=y, integral=False, time_limit=time_limit,
            )
            if out.status == "optimal" and out.x is not None:
                x = np.zeros(self.rows.size)
                x[np.flatnonzero(sel)] = out.x[self.mc:]
                res = (out.objective, x)
            else:
                res = (np.inf, None)
        self.cache[key] = res
        return res


def _capacitated_heuristic(
    prob: _Problem, W: _Work, T: _Transport, k: int, start: NDArray, deadline: float,
    moves_per_round: int = 8,
) -> tuple[NDArray | None, float, NDArray | None, bool]:
    cur = np.sort(start)
    cur_val, cur_x = T.solve(cur, prob.remaining())
    finished = True
    if cur_x is None:  # repair: try the most promising swaps until feasible
        profit, _, _ = _swap_profit(W, cur)
        is_open = np.zeros(W.m, bool)
        is_open[cur] = True
        profit[:, is_open] = -np.inf
        profit[W.keep_mask[cur], :] = -np.inf
        flat = np.argsort(profit, axis=None)[::-1]
        for idx in flat[: 4 * moves_per_round]:
            r, j = np.unravel_index(int(idx), profit.shape)
            if not np.isfinite(profit[r, j]) or time.perf_counter() > deadline:
                break
            cand = np.sort(np.append(np.delete(cur, r), j))
            val, x = T.solve(cand, prob.remaining())
            if x is not None:
                cur, cur_val, cur_x = cand, val, x
                break
        if cur_x is None:
            return None, np.inf, None, False
    while True:
        if time.perf_counter() > deadline:
            finished = False
            break
        profit, _, _ = _swap_profit(W, cur)
        is_open = np.zeros(W.m, bool)
        is_open[cur] = True
        profit[:, is_open] = -np.inf
        profit[W.keep_mask[cur], :] = -np.inf
        flat = np.argsort(profit, axis=None)[::-1][:moves_per_round]
        improved = False
        for idx in flat:
            r, j = np.unravel_index(int(idx), profit.shape)
            if not np.isfinite(profit[r, j]):
                break
            cand = np.sort(np.append(np.delete(cur, r), j))
            val, x = T.solve(cand, prob.remaining())
            if x is not None and val < cur_val - 1e-9 * max(abs(cur_val), 1.0):
                cur, cur_val, cur_x, improved = cand, val, x, True
                break
            if time.perf_counter() > deadline:
                break
        if not improved:
            break
    return cur, cur_val, cur_x, finished


# --------------------------------------------------------------------------------------
# result assembly
# --------------------------------------------------------------------------------------


def _gap(obj: float, bound: float) -> float:
    if not (np.isfinite(obj) and np.isfinite(bound)):
        return math.inf
    return max(abs(obj - bound), 0.0) / max(abs(obj), 1e-9) if abs(obj - bound) > 1e-12 else 0.0


def _result(
    prob: _Problem, method: str, open_cols: NDArray, *, objective: float, bound: float,
    status: str, solver: str, pair_x: tuple[NDArray, NDArray, NDArray] | None = None,
) -> LocationResult:
    C, w = prob.C, prob.w
    n, m = C.shape
    open_cols = np.sort(np.asarray(open_cols, dtype=np.int64))
    centre = np.full(n, -1, np.int64)
    dist = np.full(n, np.inf)
    for s, e in _row_chunks(n, open_cols.size):
        c, d = _nearest(C, slice(s, e), open_cols)
        centre[s:e] = c
        dist[s:e] = d
    centre[~np.isfinite(dist)] = -1
    served_rows = np.flatnonzero(centre >= 0)
    R = served_rows
    Cc = centre[served_rows]
    V = np.ones(served_rows.size)
    if pair_x is not None:  # fractional assignment of the active rows (positions)
        rows_p, cols_p, x = pair_x
        keepx = x > 1e-9
        rows_a = prob.active[rows_p[keepx]]
        cols_a = prob.allowed[cols_p[keepx]]
        xv = x[keepx]
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
                f"{extra.size} area(s) with {_fmt(w[extra].sum())} patients/yr cannot reach any "
                f"open centre, e.g. {extra[:10].tolist()}"
            )
    for arr in (centre, volume):
        arr.setflags(write=False)
    cap = None if prob.capacity is None else prob.capacity.copy()
    if cap is not None:
        cap.setflags(write=False)
    gap = _gap(objective, bound)
    return LocationResult(
        method=method, open=tuple(int(j) for j in open_cols), centre=centre,
        assignment=assignment, volume=volume, objective=float(objective), bound=float(bound),
        gap=gap, status=status, solver=solver, runtime=time.perf_counter() - prob.t0,
        k=int(open_cols.size), radius=prob.radius, served_demand=served,
        unserved=tuple(int(i) for i in unserved), unserved_demand=float(w[unserved].sum()),
        uncovered_demand=uncovered, min_volume=prob.min_volume, capacity=cap,
        warnings=tuple(warnings),
    )


def _pick_solver(prob: _Problem, solver: str) -> str:
    if solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {_SOLVERS}, got {solver!r}")
    if solver != "auto":
        return solver
    pairs = prob.active.size * prob.allowed.size
    return "exact" if pairs <= AUTO_EXACT_MAX_PAIRS else "heuristic"


def _constrained(prob: _Problem) -> bool:
    return bool(prob.min_volume > 0 or (prob.capacity is not None and np.isfinite(
        prob.capacity[prob.allowed]).any()))


# --------------------------------------------------------------------------------------
# generic k-median engine (used by p-median, max covering and the second stages)
# --------------------------------------------------------------------------------------


def _kmedian(
    prob: _Problem, k: int, solver: str, *, cost: NDArray | None = None,
    radius: float = np.inf, deadline: float | None = None, exact_only: bool = False,
    start: NDArray | None = None,
) -> tuple[NDArray, float, float, str, tuple | None]:
    """Minimise sum_i w_i cost_ij x_ij with k open centres.

    ``cost`` replaces the minutes (e.g. 0/1 for coverage); pairs with minutes above
    ``radius`` are forbidden. ``start`` (k positions in ``prob.allowed``, e.g. a cover
    found by the set-covering stage) seeds the uncapacitated heuristic, giving the
    Lagrangian bound and reduced-cost fixing a feasible incumbent. Returns (open columns,
    objective, bound, status, pair_x).
    """
    deadline = prob.deadline if deadline is None else deadline
    base = prob.C if cost is None else cost
    if np.isfinite(radius):
        base = np.where(prob.C <= radius, base, np.inf)
    W = _Work(prob, base)
    rng = np.random.default_rng(prob.seed)
    constrained = _constrained(prob)
    if not constrained:
        # heuristic: 80 % of the budget for the search, the rest for the Lagrangian bound
        share = 0.8 if solver == "heuristic" else 0.25
        t_search = time.perf_counter()
        heur_deadline = t_search + share * max(deadline - t_search, 0)
        sol, hcost, finished = _pmedian_heuristic(W, k, rng, heur_deadline, start_open=start)
        if solver == "exact":
            # Lagrangian bound: may prove the heuristic optimal, else fixes centres in/out
            fix0 = fix1 = None
            if hcost < W.big * 0.5:
                lag, rho = _pmedian_lagrangian(
                    W, k, hcost, sol, time.perf_counter() + 0.2 * max(
                        deadline - time.perf_counter(), 0), max_iter=300, with_rho=True)
                if hcost - lag <= GAP_TOLERANCE * abs(hcost):
                    return prob.allowed[sol], hcost, lag, "optimal", None
                if rho is not None:
                    fix0, fix1 = _lagrangian_fixing(W, k, lag, rho, hcost)
            open_pos, bound, status = _pmedian_exact_uncap(prob, W, k, sol, deadline, fix0, fix1)
            obj = W.cost(open_pos)
            if obj >= W.big * 0.5:
                raise InfeasibleScenario(
                    f"no choice of k={k} centres among the allowed hospitals can reach every "
                    "area" + (f" within {_fmt(radius)} min" if np.isfinite(radius) else "")
                )
            return prob.allowed[open_pos], obj, bound, status, None
        # bound: time-boxed Lagrangian on list prefixes (as long as the search took, at
        # least _BOUND_MIN_S, never past the deadline), or the trivial bound if larger
        now = time.perf_counter()
        budget = min(max(deadline - now, 0.0),
                     max(_BOUND_MIN_S, _BOUND_TIME_FACTOR * (now - t_search)))
        bound = _pmedian_lagrangian(W, k, hcost, sol, now + budget, margin=_BOUND_MARGIN)
        trivial = float(W.w @ W.lists(k).cost[:, 0])  # each area at its nearest candidate
        bound = max(bound, trivial) if hcost < W.big * 0.5 else bound
        if hcost >= W.big * 0.5:  # heuristic could not reach everyone: let the MILP decide
            return _kmedian(prob, k, "exact", cost=cost, radius=radius, deadline=deadline)
        return prob.allowed[sol], hcost, min(bound, hcost), (
            "heuristic" if finished else "time_limit"), None
    # min_volume / capacity: fractional assignment MILP or LP-priced swaps
    pairs = _finite_pairs(prob, base)
    if solver == "exact":
        rows, cols, cst = pairs
        Wa = prob.w[prob.active]
        ylb, yub = _y_bounds(prob)
        out = _assign_milp(
            prob.active.size, prob.allowed.size, rows, cols, Wa[rows] * cst, Wa, k=k,
            count_cost=0.0, minv=prob.min_volume,
            cap=None if prob.capacity is None else prob.capacity[prob.allowed],
            y_lb=ylb, y_ub=yub, integral=True, time_limit=max(deadline - time.perf_counter(), 0.05),
        )
        if out.status == "infeasible":
            raise InfeasibleScenario(_infeasible_msg(prob, k, radius))
        if out.x is None:
            if exact_only:
                raise InfeasibleScenario(
                    f"no feasible solution found within the time limit {prob.time_limit} s")
            return _kmedian(prob, k, "heuristic", cost=cost, radius=radius, deadline=deadline)
        y = out.x[: prob.allowed.size] > 0.5
        x = out.x[prob.allowed.size:]
        return prob.allowed[y], out.objective, out.bound, out.status, (rows, cols, x)
    T = _Transport(prob, pairs)
    start, _, _ = _pmedian_heuristic(W, k, rng, min(deadline, time.perf_counter() + 0.2 * max(
        deadline - time.perf_counter(), 0)), n_starts=2)
    found, val, shares, finished = _capacitated_heuristic(prob, W, T, k, start, deadline)
    if found is None:  # no feasible configuration found: the MILP decides (or raises)
        return _kmedian(prob, k, "exact", cost=cost, radius=radius,
                        deadline=max(deadline, time.perf_counter() + 0.5 * prob.time_limit),
                        exact_only=True)
    # bound: the uncapacitated relaxation's Lagrangian bound (dropping constraints relaxes)
    lb = _pmedian_lagrangian(W, k, W.cost(found), found, max(
        deadline, time.perf_counter() + 0.05 * prob.time_limit))
    return prob.allowed[found], val, min(lb, val), "heuristic" if finished else "time_limit", (
        T.rows, T.cols, shares)


def _infeasible_msg(prob: _Problem, k: int | None, radius: float) -> str:
    parts = [f"k={k}" if k is not None else "any number of centres"]
    if prob.min_volume > 0:
        parts.append(f"min_volume {_fmt(prob.min_volume)}")
    if prob.capacity is not None:
        parts.append("the capacities")
    if np.isfinite(radius):
        parts.append(f"radius {_fmt(radius)} min")
    return (
        "no feasible allocation of total demand " + _fmt(prob.demand) + " with "
        + ", ".join(parts) + " (unreachable pairs make the norm or capacities unattainable)"
    )


# --------------------------------------------------------------------------------------
# public models
# --------------------------------------------------------------------------------------

def p_median(
    C: ArrayLike, w: ArrayLike, *, k: int, keep: ArrayLike | None = None,
    close: ArrayLike | None = None, candidates: ArrayLike | None = None,
    min_volume: float | None = None, capacity: ArrayLike | float | None = None,
    solver: str = "auto", time_limit: float = 60.0, seed: int | None = 0,
) -> LocationResult:
    """Open ``k`` centres so that total patient travel is least (p-median).

    Parameters
    ----------
    C : array_like, shape (n, m)
        Travel minutes from each demand area (rows) to each candidate hospital (columns);
        ``np.inf`` marks unreachable pairs. NaN or negative values are rejected.
    w : array_like, shape (n,)
        Expected patients per year in each area (non-negative).
    k : int
        Number of centres to open.
    keep, close, candidates : array_like of int or bool mask, optional
        Hospitals that must stay open, must close, or may be chosen at all (default: all).
    min_volume : float, optional
        Minimum patients per year that every open centre must receive (the volume norm).
    capacity : float or array_like, shape (m,), optional
        Maximum patients per year per centre (``np.inf`` = unlimited).
    solver : {"auto", "exact", "heuristic"}
        ``"auto"`` runs the exact MILP when (areas with demand) x (allowed candidates)
        <= :data:`AUTO_EXACT_MAX_PAIRS`, else the heuristic.
    time_limit : float
        Seconds; honoured by HiGHS and by the heuristic (status ``"time_limit"``).
    seed : int, optional
        Seed for the random restarts of the heuristic.

    Returns
    -------
    LocationResult
        ``objective`` is total patient-minutes per year.

    Raises
    ------
    InfeasibleScenario
        E.g. ``keep has 5 hospitals but k=3``, ``k=3 centres x min_volume 20 = 60 exceeds
        total demand 41.2``, ``capacity sum of the 3 largest candidates 300 is below total
        demand 412``.
    ValueError
        Malformed input (shapes, NaN, negative values, indices out of range).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0., 10.], [10., 0.], [4., 6.]])
    >>> r = p_median(C, [1., 1., 5.], k=1)
    >>> r.open, r.objective
    ((0,), 30.0)

    Notes
    -----
    With open flags :math:`y_j \\in \\{0,1\\}` and shares :math:`x_{ij} \\in [0,1]`:

    .. math::
        \\min \\sum_{ij} w_i c_{ij} x_{ij} \\;\\text{s.t.}\\; \\sum_j x_{ij} = 1,\\;
        x_{ij} \\le y_j,\\; \\sum_j y_j = k,\\; y_j = 1\\,(j \\in keep),\\;
        y_j = 0\\,(j \\notin allowed)

    plus, when given, :math:`\\sum_i w_i x_{ij} \\ge V y_j` (``min_volume`` V) and
    :math:`\\sum_i w_i x_{ij} \\le Q_j y_j` (``capacity`` Q). x is continuous: an area's
    patients may be split between centres (with neither norm nor capacity every optimal
    solution sends each area to its nearest open centre, so x is then integral). Pairs with
    infinite cost have no x variable; areas that reach no allowed hospital are reported
    as unserved.

    Exact solver, uncapacitated: the heuristic gives an incumbent and a Lagrangian bound; if
    the bound closes the gap the incumbent is proven optimal, otherwise reduced-cost fixing
    on the Lagrangian values closes centres that cannot appear (and opens centres that must
    appear) in any solution cheaper than the incumbent. Then each area gets x only for its
    L nearest candidates plus
    an overflow variable priced at the next-nearest cost, a relaxation of the model above;
    when the optimum uses no overflow it is optimal for the full model, otherwise the
    lists of overflowing areas grow and the MILP is re-solved. Identical rows are merged
    and lists never extend beyond the nearest kept centre. The reported bound is HiGHS'
    dual bound of the relaxation, hence valid for the full model.

    Heuristic: greedy addition, then best-improvement vertex substitution (Teitz and Bart)
    in the fast-interchange form of Resende and Werneck: per area the nearest and
    second-nearest open centre are cached, the gain/loss/extra tables give the profit of
    every swap at once, and after a swap only the affected areas are taken out of the
    tables and put back. Each area only looks at the candidates cheaper than its
    second-nearest open centre, read from its candidate list (its K nearest candidates:
    all of them up to 128 candidates, else max(64, 4 m / k)); an area whose
    second-nearest open centre lies beyond its list reads its full row instead, so the
    tables, hence the local optimum, are exact. Starts: the greedy one, then seeded random
    ones (4 starts up to n*K = 4e6 list entries, 2 up to 4e7, else 1; a restart only if at
    the pace so far it ends within half the budget); 80 % of ``time_limit`` is the search's
    ceiling. Bound: a Lagrangian bound (assignment rows
    relaxed, projected subgradient on the candidate-list prefixes, float32 iterations for
    float32 input, the reported value re-evaluated in float64), time-boxed to half the
    search time (at least 0.02 s), or the trivial bound (every area at its nearest
    candidate) if larger; a weaker bound on large instances, always a valid one. The
    split between search and bound time is logged at DEBUG level (logger
    ``analysis.locate``). With min_volume/capacity the
    swaps are ranked by the uncapacitated profit and each candidate configuration is priced
    by the assignment LP above with y fixed; the bound is the uncapacitated Lagrangian
    bound (a relaxation).

    References
    ----------
    .. [1] M. B. Teitz and P. Bart, "Heuristic methods for estimating the generalized vertex
       median of a weighted graph", Operations Research 16(5), 955-961, 1968.
    .. [2] M. G. C. Resende and R. F. Werneck, "A fast swap-based local search procedure for
       location problems", Annals of Operations Research 150, 205-230, 2007.
    .. [3] S. Garcia, M. Labbe and A. Marin, "Solving large p-median problems with a
       radius formulation", INFORMS Journal on Computing 23(4), 546-556, 2011.
    """
    prob = _prepare(C, w, k=k, radius=None, keep=keep, close=close, candidates=candidates,
                    min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                    need_radius=False)
    used = _pick_solver(prob, solver)
    assert prob.k is not None  # _prepare requires k for p-median
    open_cols, obj, bound, status, px = _kmedian(prob, prob.k, used)
    res = _result(prob, "p_median", open_cols, objective=obj, bound=bound, status=status,
                  solver=used, pair_x=px)
    return _replace_obj(res, obj, bound)


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
        As in :func:`p_median`.
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
        As in :func:`p_median`.

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
    area must be allocated, fractionally, as in :func:`p_median`, and the model becomes a
    p-median with cost 1 for pairs beyond T and 0 within: covered = demand - cost. The
    heuristic is the p-median heuristic on that 0/1 cost; its bound is the Lagrangian one.

    References
    ----------
    .. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
       Regional Science Association 32, 101-118, 1974.
    """
    prob = _prepare(C, w, k=k, radius=radius, keep=keep, close=close, candidates=candidates,
                    min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                    need_radius=True)
    used = _pick_solver(prob, solver)
    T = prob.radius
    if used == "exact" and not _constrained(prob):
        A = _coverage(prob, T)
        Au, Wu = _cover_rows(A, prob.w[prob.active])
        g, mc = Au.shape
        nv = mc + g
        coo = Au.tocoo()
        A1 = sparse.coo_array(
            (np.concatenate([np.ones(g), -coo.data]),
             (np.concatenate([np.arange(g), coo.row]), np.concatenate([mc + np.arange(g),
                                                                          coo.col]))),
            shape=(g, nv))
        A2 = sparse.coo_array((np.ones(mc), (np.zeros(mc, int), np.arange(mc))), shape=(1, nv))
        Acon = sparse.vstack([A1, A2], format="csr")
        ylb, yub = _y_bounds(prob)
        out = _run_milp(
            np.concatenate([np.zeros(mc), -Wu]), Acon,
            np.concatenate([np.full(g, -np.inf), [prob.k]]),
            np.concatenate([np.zeros(g), [prob.k]]),
            np.concatenate([np.ones(mc), np.zeros(g)]),
            Bounds(np.concatenate([ylb, np.zeros(g)]), np.ones(nv)), prob.remaining())
        if out.x is None:
            used = "heuristic"
        else:
            open_cols = prob.allowed[out.x[:mc] > 0.5]
            res = _result(prob, "max_covering", open_cols, objective=0.0, bound=0.0,
                          status=out.status, solver=used)
            return _replace_obj(res, _covered(prob, res), -out.bound)
    # 0/1 cost: 1 = not covered. Unconstrained, an unreachable pair simply counts as not
    # covered; with min_volume/capacity patients may only be sent to reachable centres.
    cost = (prob.C > T).astype(prob.C.dtype)
    if _constrained(prob):
        cost = np.where(np.isinf(prob.C), np.inf, cost)
    assert prob.k is not None  # _prepare requires k for maximal covering
    open_cols, obj, bound, status, px = _kmedian(prob, prob.k, used, cost=cost)
    res = _result(prob, "max_covering", open_cols, objective=0.0, bound=0.0, status=status,
                  solver=used, pair_x=px)
    return _replace_obj(res, _covered(prob, res), prob.demand - bound)


def _covered(prob: _Problem, res: LocationResult) -> float:
    """Patients per year allocated to a centre within the radius."""
    coo = res.assignment.tocoo()
    tt = np.asarray(prob.C[coo.row, coo.col], dtype=np.float64)
    near = tt <= prob.radius
    return float((prob.w[coo.row[near]] * coo.data[near]).sum())


def _replace_obj(res: LocationResult, objective: float, bound: float) -> LocationResult:
    from dataclasses import replace

    status = res.status
    gap = _gap(objective, bound)
    if status == "heuristic" and gap <= GAP_TOLERANCE:
        status = "optimal"
    return replace(res, objective=float(objective), bound=float(bound), gap=gap, status=status)


def _greedy_cover(A: sparse.csr_array, W: NDArray, keep_pos: NDArray) -> NDArray:
    """Greedy set cover (most uncovered demand first), then drop redundant centres."""
    A = sparse.csc_array(A)
    g, mc = A.shape
    covered = np.zeros(g, bool)
    chosen: list[int] = []
    for j in keep_pos:
        covered[A.indices[A.indptr[j]:A.indptr[j + 1]]] = True
        chosen.append(int(j))
    Wt = np.where(W > 0, W, 1e-9)
    while not covered.all():
        gain = A.T @ (Wt * ~covered)
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


def _uncoverable(prob: _Problem, A: sparse.csr_array, radius: float) -> None:
    bad = np.flatnonzero(np.diff(A.indptr) == 0)
    if bad.size or prob.unreachable.size:
        idx = np.concatenate([prob.active[bad], prob.unreachable])
        raise InfeasibleScenario(
            f"{idx.size} area(s) with {_fmt(prob.w[idx].sum())} patients/yr cannot be reached "
            f"within {_fmt(radius)} min by any allowed hospital, e.g. area indices "
            f"{np.sort(idx)[:10].tolist()}"
        )


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
        As in :func:`p_median`; only areas with positive demand must be covered.
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
    assignment model of :func:`p_median` restricted to pairs within T, objective
    :math:`\\sum_j y_j`). Stage 2: a p-median with k = the stage-1 optimum on pairs within
    T, which picks the cover with the least total travel. Heuristic: greedy cover by most
    uncovered demand, redundant centres dropped, then the p-median swap heuristic; bound
    = the rounded-up LP relaxation when n*m is moderate, else the number of kept centres.
    With min_volume/capacity only the exact MILP is available (used for every solver).

    References
    ----------
    .. [1] C. Toregas, R. Swain, C. ReVelle and L. Bergman, "The location of emergency
       service facilities", Operations Research 19(6), 1363-1373, 1971.
    """
    prob = _prepare(C, w, k=None, radius=radius, keep=keep, close=close, candidates=candidates,
                    min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                    need_radius=True)
    used = _pick_solver(prob, solver)
    T = prob.radius
    A = _coverage(prob, T)
    _uncoverable(prob, A, T)
    mc = prob.allowed.size
    ylb, yub = _y_bounds(prob)
    keep_pos = np.flatnonzero(ylb > 0)
    if _constrained(prob):
        used = "exact"
        rows, cols, _ = _finite_pairs(prob, radius=T)
        Wa = prob.w[prob.active]
        cap = None if prob.capacity is None else prob.capacity[prob.allowed]
        out = _assign_milp(prob.active.size, mc, rows, cols, np.zeros(rows.size), Wa, k=None,
                           count_cost=1.0, minv=prob.min_volume, cap=cap, y_lb=ylb, y_ub=yub,
                           integral=True, time_limit=prob.remaining())
        if out.status == "infeasible":
            raise InfeasibleScenario(_infeasible_msg(prob, None, T))
        if out.x is None:
            raise InfeasibleScenario(f"no feasible cover found within {prob.time_limit} s")
        kstar = int(round(out.x[:mc].sum()))
        bound: float = math.ceil(out.bound - 1e-6)
        status = out.status
        open_pos = np.flatnonzero(out.x[:mc] > 0.5)
        px = (rows, cols, out.x[mc:])
        if time.perf_counter() < prob.deadline - 0.1:
            prob2 = _with_k(prob, kstar)
            try:
                oc, _, _, st2, px2 = _kmedian(prob2, kstar, "exact", radius=T)
                if px2 is not None:
                    open_pos, px = np.searchsorted(prob.allowed, oc), px2
            except InfeasibleScenario:
                pass
        res = _result(prob, "set_covering", prob.allowed[open_pos], objective=kstar,
                      bound=bound, status=status, solver=used, pair_x=px)
        return _replace_obj(res, float(kstar), float(bound))
    Au, Wu = _cover_rows(A, prob.w[prob.active])
    if used == "exact":
        g = Au.shape[0]
        out = _run_milp(np.ones(mc), Au, np.ones(g), np.full(g, np.inf), np.ones(mc),
                        Bounds(ylb, yub), prob.remaining())
        if out.x is None:
            used = "heuristic"
        else:
            kstar = int(round(out.x.sum()))
            bound = float(math.ceil(out.bound - 1e-6))
            status = out.status
            open_pos = np.flatnonzero(out.x > 0.5)
    if used == "heuristic":
        open_pos = _greedy_cover(Au, Wu, keep_pos)
        kstar = open_pos.size
        bound = float(max(keep_pos.size, 1))
        if Au.shape[0] * mc <= 4 * AUTO_EXACT_MAX_PAIRS:
            lp = _run_milp(np.ones(mc), Au, np.ones(Au.shape[0]), np.full(Au.shape[0], np.inf),
                           np.zeros(mc), Bounds(ylb, yub), prob.remaining())
            if lp.status == "optimal":
                bound = max(bound, float(math.ceil(lp.objective - 1e-6)))
        status = "heuristic"
    # stage 2: least travel among covers with kstar centres
    open_cols = prob.allowed[open_pos]
    if time.perf_counter() < prob.deadline - 0.1:
        prob2 = _with_k(prob, kstar)
        try:
            start = open_pos if open_pos.size == kstar else None
            oc, _, _, _, _ = _kmedian(prob2, kstar, used, radius=T, start=start)
            open_cols = oc
        except InfeasibleScenario:  # pragma: no cover - stage 1 proves a cover exists
            pass
    res = _result(prob, "set_covering", open_cols, objective=float(kstar), bound=bound,
                  status=status, solver=used)
    return _replace_obj(res, float(kstar), float(bound))


def _with_k(prob: _Problem, k: int) -> _Problem:
    from dataclasses import replace

    return replace(prob, k=k)


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
        As in :func:`p_median`; the weights only decide which areas count (w > 0) and, in
        the second stage, the travel total.

    Returns
    -------
    LocationResult
        ``objective`` is the largest travel time (minutes) of an area with demand.

    Raises
    ------
    InfeasibleScenario, ValueError
        As in :func:`p_median`.

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
    prob = _prepare(C, w, k=k, radius=None, keep=keep, close=close, candidates=candidates,
                    min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                    need_radius=False)
    used = _pick_solver(prob, solver)
    assert prob.k is not None
    k = prob.k
    sub_rows, sub_cols, vals = _finite_pairs(prob)
    mc = prob.allowed.size
    g = prob.active.size
    per_row_min = np.full(g, np.inf)
    np.minimum.at(per_row_min, sub_rows, vals)
    lo_val = float(per_row_min.max())
    radii = np.unique(vals[vals >= lo_val])
    ylb, yub = _y_bounds(prob)
    keep_pos = np.flatnonzero(ylb > 0)
    constrained = _constrained(prob)
    if constrained:
        used = "exact"
    Wa = prob.w[prob.active]
    cap = None if prob.capacity is None else prob.capacity[prob.allowed]

    def cover_at(r: float, exact: bool) -> tuple[bool | None, NDArray | None]:
        """Can k centres serve everyone within r? (None = unknown, time limit)."""
        sel = vals <= r
        rows, cols = sub_rows[sel], sub_cols[sel]
        if np.unique(rows).size < g:
            return False, None
        if constrained:
            out = _assign_milp(g, mc, rows, cols, np.zeros(rows.size), Wa, k=k, count_cost=0.0,
                               minv=prob.min_volume, cap=cap, y_lb=ylb, y_ub=yub,
                               integral=True, time_limit=prob.remaining())
            if out.status == "infeasible":
                return False, None
            if out.x is None:
                return None, None
            return True, np.flatnonzero(out.x[:mc] > 0.5)
        A = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(g, mc))
        Au, Wu = _cover_rows(A, Wa)
        if not exact:
            sol = _greedy_cover(Au, Wu, keep_pos)
            return (sol.size <= k), sol
        gg = Au.shape[0]
        Acon = sparse.vstack([Au, sparse.csr_array(np.ones((1, mc)))], format="csr")
        out = _run_milp(np.ones(mc), Acon, np.concatenate([np.ones(gg), [0.0]]),
                        np.concatenate([np.full(gg, np.inf), [float(k)]]), np.ones(mc),
                        Bounds(ylb, yub), prob.remaining())
        if out.status == "infeasible":
            return False, None
        if out.x is None:
            return None, None
        return True, np.flatnonzero(out.x > 0.5)

    # heuristic radius (upper end of the search); also the final answer for "heuristic"
    lo, hi = 0, radii.size - 1
    status = "optimal"
    if not constrained:
        hl, hh = 0, radii.size - 1
        while hl < hh:
            mid = (hl + hh) // 2
            ok, _ = cover_at(radii[mid], exact=False)
            if ok:
                hh = mid
            else:
                hl = mid + 1
        hi = hl
        ok_g, _ = cover_at(radii[hi], exact=False)
        if not ok_g:  # greedy needs more than k even at the largest radius: ask the MILP
            ok_e, _ = cover_at(radii[hi], exact=True)
            if ok_e is False:
                raise InfeasibleScenario(
                    f"no choice of k={k} centres among the allowed hospitals can reach every "
                    "area with demand")
    if used == "exact":
        ok_hi, _ = cover_at(radii[hi], exact=True) if constrained else (True, None)
        if ok_hi is False:
            raise InfeasibleScenario(_infeasible_msg(prob, k, np.inf))
        while lo < hi:
            if time.perf_counter() > prob.deadline:
                status = "time_limit"
                break
            mid = (lo + hi) // 2
            ok, _ = cover_at(radii[mid], exact=True)
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
    # second stage: least total travel within r*
    prob2 = _with_k(prob, k)
    remaining_deadline = max(prob.deadline, time.perf_counter() + 1.0)
    oc, _, _, _, px = _kmedian(prob2, k, used if not constrained else "exact", radius=r_star,
                               deadline=remaining_deadline, exact_only=constrained)
    res = _result(prob, "p_centre", oc, objective=0.0, bound=0.0, status=status, solver=used,
                  pair_x=px)
    coo = res.assignment.tocoo()
    has = prob.w[coo.row] > 0
    obj = float(np.max(np.asarray(prob.C[coo.row[has], coo.col[has]], dtype=np.float64)))
    return _replace_obj(res, obj, min(bound, obj))


_MODELS: dict[str, Callable[..., LocationResult]] = {
    "p_median": p_median,
    "max_covering": max_covering,
    "set_covering": set_covering,
    "p_centre": p_centre,
}


def locate(
    C: ArrayLike, w: ArrayLike, *, method: str = "p_median", **options: Any
) -> LocationResult:
    """Run one of the four models by name.

    Parameters
    ----------
    C, w
        As in :func:`p_median`.
    method : {"p_median", "max_covering", "set_covering", "p_centre"}
        The model.
    **options
        Keyword options of that model (``k``, ``radius``, ``keep``, ...).

    Returns
    -------
    LocationResult

    Raises
    ------
    ValueError
        For an unknown method, plus whatever the model raises.

    Examples
    --------
    >>> import numpy as np
    >>> locate(np.array([[1., 2.], [2., 1.]]), [1., 1.], method="p_median", k=2).objective
    2.0
    """
    try:
        fn = _MODELS[method]
    except KeyError:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}") from None
    return fn(C, w, **options)


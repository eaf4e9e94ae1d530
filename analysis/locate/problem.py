"""Problem preparation: validated arrays, allowed candidates and the feasibility checks.

Every model starts here: :func:`prepare` turns the user's cost matrix, weights and options
into a :class:`Problem` (or raises :class:`InfeasibleScenario` quoting the numbers, or
``ValueError`` for malformed input) before any solver runs.

Examples
--------
>>> import numpy as np
>>> prob = prepare(np.array([[1., 4.], [3., 2.]]), [1., 2.], k=1, close=[1])
>>> prob.allowed.tolist(), prob.demand
([0], 3.0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CHUNK_ELEMENTS",
    "InfeasibleScenario",
    "NoSolutionInTime",
    "Problem",
    "STATS_BLOCK_ELEMENTS",
    "constrained",
    "fmt",
    "index_array",
    "infeasible_message",
    "prepare",
    "row_chunks",
    "with_k",
]

#: entries per row block of the validation pass of :func:`prepare` (a block stays in
#: the cache between its minimum and its row maxima)
STATS_BLOCK_ELEMENTS = 1 << 18
CHUNK_ELEMENTS = 1 << 22  # rows x columns processed at once (~32 MB float64)


class InfeasibleScenario(ValueError):
    """The requested scenario has no feasible solution; the message quotes the numbers."""


class NoSolutionInTime(RuntimeError):
    """The time limit ran out before any solution was found (nothing proves the scenario
    infeasible: a longer ``time_limit`` may find one)."""

    def __init__(self, time_limit: float, what: str = "solution") -> None:
        super().__init__(f"no {what} found within the time limit of {fmt(time_limit)} s "
                         "(the scenario is not proven infeasible; a longer time_limit may "
                         "find one)")
        self.time_limit, self.what = time_limit, what

    def __reduce__(self) -> tuple[type, tuple[float, str]]:  # pickles with its arguments
        return type(self), (self.time_limit, self.what)


@dataclass(frozen=True)
class Problem:
    """A validated location problem (what every solver reads; never mutated).

    Attributes
    ----------
    C : numpy.ndarray, shape (n, m)
        Float cost matrix; may contain inf, never NaN.
    w : numpy.ndarray, shape (n,)
        Demand per area.
    allowed : numpy.ndarray of int
        Sorted candidate columns that may open.
    keep : numpy.ndarray of int
        Sorted kept columns, a subset of ``allowed``.
    k : int or None
        Number of centres (None for set covering).
    min_volume : float
        Volume norm per open centre (0 when none).
    capacity : numpy.ndarray or None
        Capacity per column, shape (m,).
    radius : float
        Coverage radius in minutes, ``nan`` when not given.
    active : numpy.ndarray of int
        Areas with demand that can reach an allowed candidate.
    unreachable : numpy.ndarray of int
        Areas with demand that cannot.
    demand : float
        Total demand of the active areas.
    warnings : list of str
        Notes collected while preparing.
    time_limit : float
        Seconds for the whole run.
    seed : int or None
        Seed of the heuristic's random restarts.
    t0 : float
        :func:`time.perf_counter` at the start of the run.
    row_max, row_inf : numpy.ndarray, optional
        Per row of ``C``: its largest finite entry (-inf when none) and whether it holds
        an infinity (None when not computed; they describe ``C`` as given here).
    """

    C: NDArray
    w: NDArray[np.float64]
    allowed: NDArray[np.int64]
    keep: NDArray[np.int64]
    k: int | None
    min_volume: float
    capacity: NDArray[np.float64] | None
    radius: float
    active: NDArray[np.int64]
    unreachable: NDArray[np.int64]
    demand: float
    warnings: list[str]
    time_limit: float
    seed: int | None
    t0: float
    row_max: NDArray[np.float64] | None = None
    row_inf: NDArray[np.bool_] | None = None

    @property
    def deadline(self) -> float:
        """Clock value (:func:`time.perf_counter`) at which the run must end."""
        return self.t0 + self.time_limit

    def remaining(self) -> float:
        """Seconds left before the deadline (at least 0.05, what HiGHS is always given)."""
        return max(self.deadline - time.perf_counter(), 0.05)


def fmt(x: float) -> str:
    """A number as quoted in messages (six significant digits)."""
    return f"{x:.6g}"


def row_chunks(n: int, m: int) -> list[tuple[int, int]]:
    """Row ranges ``(start, stop)`` of at most :data:`CHUNK_ELEMENTS` entries of an n x m
    matrix, so that no n x m temporary is ever made.

    >>> row_chunks(5, 1 << 21)
    [(0, 2), (2, 4), (4, 5)]
    """
    step = max(1, CHUNK_ELEMENTS // max(m, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


def index_array(values: ArrayLike | None, m: int, name: str) -> NDArray[np.int64] | None:
    """Hospital indices (or a boolean mask of length ``m``) as sorted unique ints.

    >>> index_array([3, 1, 3], 4, "keep").tolist()
    [1, 3]
    """
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


def prepare(
    C: ArrayLike,
    w: ArrayLike,
    *,
    k: int | None = None,
    radius: float | None = None,
    keep: ArrayLike | None = None,
    close: ArrayLike | None = None,
    candidates: ArrayLike | None = None,
    min_volume: float | None = None,
    capacity: ArrayLike | float | None = None,
    time_limit: float = 60.0,
    seed: int | None = 0,
    need_radius: bool = False,
) -> Problem:
    """Validate the input of a model and check that the scenario can be feasible.

    Parameters
    ----------
    C, w, k, radius, keep, close, candidates, min_volume, capacity, time_limit, seed
        As in :func:`analysis.locate.p_median` (``k`` None for set covering); the
        defaults are the models' defaults.
    need_radius : bool
        Whether the model needs a finite ``radius``.

    Returns
    -------
    Problem

    Raises
    ------
    InfeasibleScenario
        When the options contradict each other or the demand (the message quotes the
        numbers).
    ValueError
        Malformed input (shapes, NaN, negative values, indices out of range).
    """
    t0 = time.perf_counter()
    costs = np.asarray(C)
    if costs.ndim != 2:
        raise ValueError(f"cost matrix must be 2-D (areas x hospitals), got shape {costs.shape}")
    if not np.issubdtype(costs.dtype, np.floating):
        costs = costs.astype(np.float64)
    n, m = costs.shape
    if n == 0 or m == 0:
        raise ValueError(f"cost matrix is empty (shape {costs.shape})")
    # one pass over cache-sized row blocks: the minimum (a NaN makes it NaN) and, read
    # again from the cache, each row's largest finite entry and whether it holds an
    # infinity; the reach test below and Work's penalty follow from those without
    # passes of their own (two fewer reads of the matrix: ~0.1 CPU-s at 150,000 x 1,000)
    row_max = np.empty(n)
    row_inf = np.zeros(n, bool)
    step = max(1, STATS_BLOCK_ELEMENTS // m)
    for s in range(0, n, step):
        blk = costs[s:s + step]
        low = blk.min()
        if np.isnan(low):
            raise ValueError("cost matrix contains NaN; use np.inf for unreachable pairs")
        if low < 0:
            raise ValueError("cost matrix contains negative travel times")
        mx = blk.max(axis=1)
        inf_rows = np.isinf(mx)  # entries are >= 0 here: +inf
        if inf_rows.any():
            sub = blk[inf_rows]
            mx[inf_rows] = np.where(np.isfinite(sub), sub, -np.inf).max(axis=1)
            row_inf[s:s + step] = inf_rows
        row_max[s:s + step] = mx
    weights = np.asarray(w, dtype=np.float64)
    if weights.shape != (n,):
        raise ValueError(
            f"weights must have shape ({n},) to match the cost matrix, got {weights.shape}")
    if not np.all(np.isfinite(weights)) or (weights < 0).any():
        raise ValueError("weights must be finite and non-negative")
    if time_limit is None or not time_limit > 0:
        raise ValueError(f"time_limit must be positive seconds, got {time_limit}")

    if need_radius:
        if radius is None or not np.isfinite(radius) or radius < 0:
            raise ValueError(f"radius must be a finite number of minutes >= 0, got {radius}")
    rad = float(radius) if radius is not None else math.nan

    keep_a = index_array(keep, m, "keep")
    close_a = index_array(close, m, "close")
    cand_a = index_array(candidates, m, "candidates")
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
                    f"kept hospital {j} has capacity {fmt(cap[j])} below "
                    f"min_volume {fmt(minv)}"
                )
            allowed_mask[small] = False
            warnings.append(
                f"{small.size} candidate(s) dropped because their capacity is below "
                f"min_volume {fmt(minv)}: {small[:10].tolist()}"
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
    has_demand = weights > 0
    reach = np.zeros(n, bool)
    if allowed.size == m:  # a row reaches a candidate iff it has a finite entry
        reach = row_max > -np.inf
    else:
        for s, e in row_chunks(n, allowed.size):
            reach[s:e] = np.isfinite(costs[s:e][:, allowed]).any(axis=1)
    unreachable = np.flatnonzero(has_demand & ~reach).astype(np.int64)
    active = np.flatnonzero(has_demand & reach).astype(np.int64)
    if unreachable.size:
        warnings.append(
            f"{unreachable.size} area(s) with {fmt(weights[unreachable].sum())} patients/yr "
            f"cannot reach any allowed hospital (infinite cost); reported as unserved, e.g. "
            f"{unreachable[:10].tolist()}"
        )
    demand = float(weights[active].sum())
    if active.size == 0:
        raise InfeasibleScenario("no area with positive demand can reach an allowed hospital")

    if k is not None and minv > 0 and k * minv > demand * (1 + 1e-12):
        raise InfeasibleScenario(
            f"k={k} centres x min_volume {fmt(minv)} = {fmt(k * minv)} exceeds total "
            f"demand {fmt(demand)}"
        )
    if keep_a.size and minv > 0 and keep_a.size * minv > demand * (1 + 1e-12):
        raise InfeasibleScenario(
            f"{keep_a.size} kept hospitals x min_volume {fmt(minv)} = "
            f"{fmt(keep_a.size * minv)} exceeds total demand {fmt(demand)}"
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
            raise InfeasibleScenario(f"{what} {fmt(top)} is below total demand {fmt(demand)}")
    return Problem(
        C=costs, w=weights, allowed=allowed, keep=keep_a, k=k, min_volume=minv, capacity=cap,
        radius=rad, active=active, unreachable=unreachable, demand=demand,
        warnings=warnings, time_limit=float(time_limit), seed=seed, t0=t0,
        row_max=row_max, row_inf=row_inf,
    )


def constrained(prob: Problem) -> bool:
    """Whether a volume norm or a finite capacity applies (the fractional models)."""
    return bool(prob.min_volume > 0 or (prob.capacity is not None and np.isfinite(
        prob.capacity[prob.allowed]).any()))


def with_k(prob: Problem, k: int) -> Problem:
    """The same problem with ``k`` centres (the second stage of the covering models)."""
    return replace(prob, k=k)


def infeasible_message(prob: Problem, k: int | None, radius: float) -> str:
    """The message of a fractional model that has no feasible allocation."""
    parts = [f"k={k}" if k is not None else "any number of centres"]
    if prob.min_volume > 0:
        parts.append(f"min_volume {fmt(prob.min_volume)}")
    if prob.capacity is not None:
        parts.append("the capacities")
    if np.isfinite(radius):
        parts.append(f"radius {fmt(radius)} min")
    return (
        "no feasible allocation of total demand " + fmt(prob.demand) + " with "
        + ", ".join(parts) + " (unreachable pairs make the norm or capacities unattainable)"
    )

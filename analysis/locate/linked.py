"""The linked p-median: one set of ``k`` open centres shared by several care types.

Some care types must go together (SONCOS: gastric cancer surgery preferably in centres that
also do oesophageal surgery; pancreas and liver surgery in HPB centres). Each care type t
has its own demand vector, its own minimum volume per open centre (optional) and its own
allocation; the centres are shared and the objective is the weighted sum of the types'
patient travel.

Examples
--------
>>> import numpy as np
>>> C = np.array([[0., 10.], [10., 0.], [4., 6.]])
>>> r = linked_p_median(C, [[1., 0., 2.], [0., 3., 1.]], k=1)
>>> r.open, r.objective, [p.objective for p in r.parts]
((1,), 28.0, [22.0, 6.0])
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds

from analysis.locate.candidates import Work
from analysis.locate.dispatch import (
    AUTO_EXACT_MAX_PAIRS,
    MILP_MIN_S_PER_PAIR,
    SOLVERS,
    Relaxed,
    norm_exact_path,
)
from analysis.locate.heuristic import swap_profit
from analysis.locate.lagrangian import pmedian_lagrangian
from analysis.locate.milp import Pairs, Rows, finite_pairs, y_bounds
from analysis.locate.norm_bound import CentreFixing, NormBlock
from analysis.locate.pmedian import p_median
from analysis.locate.problem import (
    InfeasibleScenario,
    NoSolutionInTime,
    Problem,
    fmt,
    index_array,
    prepare,
)
from analysis.locate.result import (
    GAP_TOLERANCE,
    LocationResult,
    PairShares,
    build_result,
    relative_gap,
)
from analysis.locate.transport import Transport

__all__ = ["LINKED_MAX_TYPES", "LinkedResult", "common_candidates", "linked_p_median"]

#: The most care types one linked plan takes (the MILP grows with every type).
LINKED_MAX_TYPES = 8

#: Swaps priced per round of the norm heuristic (the most profitable by the unconstrained
#: swap table of the weighted demand).
MOVES_PER_ROUND = 8


@dataclass(frozen=True)
class LinkedResult:
    """Solution of a linked p-median.

    Attributes
    ----------
    open : tuple of int
        The shared open centres (columns of the cost matrix), sorted.
    parts : tuple of LocationResult
        One per care type, in the order given: its allocation, volumes per centre, norm
        and its own (unweighted) patient-minutes as ``objective``. Their ``bound`` and
        ``gap`` are ``nan``: only the linked problem has a bound.
    weights : tuple of float
        The weight of each care type in the objective.
    objective : float
        ``sum_t weights[t] * parts[t].objective``.
    bound : float
        Proven lower bound on the optimal objective.
    gap : float
        ``|objective - bound| / objective``; 0 means proven optimal.
    status : str
        ``"optimal"``, ``"time_limit"`` or ``"heuristic"``.
    solver : str
        ``"exact"`` or ``"heuristic"`` (what ran).
    formulation : str
        ``"reduction"`` (no norm: one p-median on the weighted demand sum),
        ``"milp"`` (the norm model with shared open flags and one assignment per type,
        solved: proven by HiGHS or by a bound that meets the plan, see ``warnings``) or
        ``"swap"`` (the LP-priced swap heuristic's plan, not proven).
    candidates : tuple of int
        The common candidates: the intersection of the types' candidate sets, less the
        closed hospitals.
    runtime : float
        Wall-clock seconds.
    warnings : tuple of str
        Notes (unreachable areas, what was solved how).
    """

    open: tuple[int, ...]
    parts: tuple[LocationResult, ...]
    weights: tuple[float, ...]
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    formulation: str
    candidates: tuple[int, ...]
    runtime: float
    warnings: tuple[str, ...] = field(default=())


def common_candidates(candidates: Sequence[ArrayLike | None], m: int) -> NDArray[np.int64]:
    """The columns every care type may open: the intersection of the per-type candidate
    sets (None = every column).

    Raises :class:`InfeasibleScenario` quoting each set's size when nothing is common.

    >>> common_candidates([[0, 1, 3], None, [1, 3, 4]], 5).tolist()
    [1, 3]
    """
    common = np.arange(m, dtype=np.int64)
    sizes = []
    for t, cand in enumerate(candidates):
        arr = index_array(cand, m, f"candidates of care type {t}")
        sizes.append(m if arr is None else int(arr.size))
        if arr is not None:
            common = np.intersect1d(common, arr)
    if common.size == 0:
        raise InfeasibleScenario(
            "the care types have no candidate hospital in common (candidates per care "
            f"type: {', '.join(str(s) for s in sizes)}; in common: 0)")
    return common


def _norms(min_volume: float | Sequence[float | None] | None, T: int) -> list[float]:
    if min_volume is None or np.isscalar(min_volume):
        v = 0.0 if min_volume is None else float(min_volume)  # type: ignore[arg-type]
        return [v] * T
    vals = list(min_volume)  # type: ignore[arg-type]
    if len(vals) != T:
        raise ValueError(f"min_volume must give one norm per care type ({T}), got {len(vals)}")
    return [0.0 if v is None else float(v) for v in vals]


def _type_cost(prob: Problem, res: LocationResult) -> float:
    """Patient-minutes of one type's allocation (served patients only)."""
    coo = res.assignment.tocoo()
    if coo.nnz == 0:
        return 0.0
    return float((prob.w[coo.row] * coo.data * np.asarray(prob.C[coo.row, coo.col],
                                                          dtype=np.float64)).sum())


def linked_p_median(
    C: ArrayLike, demands: ArrayLike, *, k: int, weights: ArrayLike | None = None,
    min_volume: float | Sequence[float | None] | None = None,
    keep: ArrayLike | None = None, close: ArrayLike | None = None,
    candidates: Sequence[ArrayLike | None] | None = None,
    capacity: ArrayLike | float | None = None, solver: str = "auto",
    time_limit: float = 60.0, seed: int | None = 0,
) -> LinkedResult:
    """Open ``k`` centres shared by several care types, least weighted patient travel.

    Parameters
    ----------
    C : array_like, shape (n, m)
        Travel minutes from each area to each hospital (the same for every care type);
        ``np.inf`` marks unreachable pairs.
    demands : array_like, shape (T, n)
        Expected patients per year per area, one row per care type (T >= 1).
    k : int
        Number of shared centres.
    weights : array_like, shape (T,), optional
        Positive weight of each type's patient-minutes in the objective (default 1 each).
    min_volume : float or sequence of (float or None), optional
        The volume norm: one number for every type, or one per type (None/0 = no norm).
        Each open centre must receive at least its norm of patients of *each* type that
        has one.
    keep, close : array_like of int or bool mask, optional
        Hospitals that must stay open / must close (for every type).
    candidates : sequence of (array_like or None), optional
        One candidate set per type (None = every hospital). The centres are chosen from
        their intersection (:func:`common_candidates`).
    capacity : None
        Not supported for linked plans (a capacity shared by several care types is not
        one modelling choice); anything else raises ``ValueError``.
    solver : {"auto", "exact", "heuristic"}
        ``"auto"``: exact unless the pairs of the norm MILP exceed
        :data:`~analysis.locate.dispatch.AUTO_EXACT_MAX_PAIRS` (without norms the
        single-type rule of :func:`~analysis.locate.p_median` decides).
    time_limit : float
        Seconds for the whole run.
    seed : int, optional
        Seed of the heuristic's random restarts.

    Returns
    -------
    LinkedResult

    Raises
    ------
    InfeasibleScenario
        No common candidate, k outside 1..common candidates, a type's norm unattainable
        (e.g. ``care type 1: k=3 centres x min_volume 20 = 60 exceeds total demand 41``).
    NoSolutionInTime
        The time limit came before any feasible solution.
    ValueError
        Malformed input.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[1., 9., 5.], [9., 1., 5.], [5., 5., 1.]])
    >>> r = linked_p_median(C, [[4., 0., 1.], [0., 4., 1.]], k=2, min_volume=[None, 2.])
    >>> r.open, r.formulation, r.status, r.parts[1].volume.tolist()
    ((0, 1), 'milp', 'optimal', [2.0, 3.0, 0.0])

    Notes
    -----
    With shared open flags :math:`y_j` and one fractional assignment
    :math:`x^t_{ij}` per type:

    .. math::
        \\min \\sum_t \\omega_t \\sum_{ij} d^t_i c_{ij} x^t_{ij} \\;\\text{s.t.}\\;
        \\sum_j x^t_{ij} = 1,\\; x^t_{ij} \\le y_j,\\;
        \\sum_i d^t_i x^t_{ij} \\ge V_t y_j,\\; \\sum_j y_j = k,

    with kept and non-candidate columns fixed. Without norms the types' assignments are
    independent once y is fixed and each area goes to its nearest open centre for every
    type, so the objective is :math:`\\sum_i (\\sum_t \\omega_t d^t_i) \\min_{j \\in S}
    c_{ij}`: exactly one p-median with demand :math:`\\sum_t \\omega_t d^t` on the same
    travel matrix, solved by the single-type engine (its bound is the linked bound).
    With norms the exact solver first solves the reduction exactly (at most
    :data:`~analysis.locate.dispatch.RELAX_SHARE` of the time): dropping the norms
    relaxes, so its bound holds, and its centres are optimal when every type's
    norm-priced assignment to them meets that bound. Otherwise the heuristic (from the
    reduction's centres, swaps ranked by the weighted-demand swap table and priced by one
    assignment LP per type, :class:`~analysis.locate.transport.Transport`) runs for at
    most :data:`~analysis.locate.dispatch.EXACT_HEURISTIC_SHARE` of the time left, the
    Lagrangian bound of the model above
    (:func:`~analysis.locate.norm_bound.norm_lagrangian`, one block per type) fixes
    centres that no better plan opens or closes (its chosen centres are priced as plans
    too), and the MILP on the centres left runs on HiGHS (highspy) with the best plan as
    its start solution, or, when too many pairs are left for it
    (:data:`~analysis.locate.dispatch.NORM_TREE_MIN_PAIRS`), the Lagrangian branch and
    bound on the shared centres (:func:`~analysis.locate.norm_tree.norm_tree`); the best
    plan and the best of the bounds are kept when the MILP or the tree is cut by the
    time limit.
    """
    t0 = time.perf_counter()
    if capacity is not None:
        raise ValueError("capacity is not supported for linked care types (a capacity "
                         "shared by several care types is not defined); leave it out")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    costs = np.asarray(C)
    D = np.atleast_2d(np.asarray(demands, dtype=np.float64))
    if D.ndim != 2 or costs.ndim != 2 or D.shape[1] != costs.shape[0]:
        raise ValueError(f"demands must have shape (care types, areas of C {costs.shape}), "
                         f"got {D.shape}")
    T = D.shape[0]
    if not 1 <= T <= LINKED_MAX_TYPES:
        raise ValueError(f"a linked plan takes 1..{LINKED_MAX_TYPES} care types, got {T}")
    om = np.ones(T) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if om.shape != (T,) or not np.all(np.isfinite(om)) or (om <= 0).any():
        raise ValueError(f"weights must be {T} positive numbers, got {om.tolist()}")
    norms = _norms(min_volume, T)
    m = costs.shape[1]
    cand_lists = list(candidates) if candidates is not None else [None] * T
    if len(cand_lists) != T:
        raise ValueError(f"candidates must give one set per care type ({T}), got "
                         f"{len(cand_lists)}")
    common = common_candidates(cand_lists, m)
    keep_a = index_array(keep, m, "keep")
    if keep_a is not None and keep_a.size and np.setdiff1d(keep_a, common).size:
        bad = int(np.setdiff1d(keep_a, common)[0])
        raise InfeasibleScenario(f"kept hospital index {bad} is not a candidate of every "
                                 "care type")
    opts: dict[str, Any] = {"keep": keep, "close": close, "candidates": common,
                            "time_limit": time_limit, "seed": seed}
    combined = prepare(costs, om @ D, k=k, **opts)  # raises on k, keep, close
    probs = []
    for t in range(T):
        try:
            probs.append(prepare(costs, D[t], k=k, min_volume=norms[t], **opts))
        except InfeasibleScenario as e:
            raise InfeasibleScenario(f"care type {t}: {e}") from e
    notes = [f"candidates: the {common.size} hospitals common to the care types' candidate "
             f"sets ({combined.allowed.size} allowed after keep/close)"]
    for t, p in enumerate(probs):
        notes += [f"care type {t}: {w}" for w in p.warnings]

    if not any(v > 0 for v in norms):
        res = p_median(costs, om @ D, k=k, solver=solver, **opts)
        open_cols = np.asarray(res.open, dtype=np.int64)
        parts = _parts(probs, open_cols, None)
        notes.append("no norm: solved exactly as one p-median on the weighted demand sum "
                     "(the types' assignments are independent once the centres are fixed)")
        return _linked(parts, open_cols, om, res.objective, res.bound, res.status,
                       res.solver, "reduction", combined, t0, notes)

    pairs = [finite_pairs(p) for p in probs]
    n_pairs = sum(pp.rows.size for pp in pairs)
    used = solver if solver != "auto" else (
        "exact" if n_pairs <= AUTO_EXACT_MAX_PAIRS else "heuristic")
    deadline = combined.deadline
    if used == "exact":
        best, how = _exact(combined, probs, pairs, om, k, opts, time_limit)
        notes.append(how)
    else:
        best_h = _swap_heuristic(combined, probs, pairs, om, k, deadline)
        if best_h is None:
            raise NoSolutionInTime(time_limit, "feasible solution")
        best = best_h
        notes.append("norms: LP-priced swap heuristic from the reduction's centres; bound = "
                     "the norm-free reduction's bound")
    parts = _parts(probs, best.open_cols, best.shares)
    return _linked(parts, best.open_cols, om, best.objective, best.bound, best.status, used,
                   best.formulation, combined, t0, notes)


class _LinkedSteps:
    """:class:`~analysis.locate.dispatch.NormPathSteps` of a linked set (plans:
    :class:`_Solution`): the relaxation is the norm-free reduction (one p-median on the
    weighted demand sum), a plan is priced by one assignment LP per type, the Lagrangian
    has one block per type and the MILP shares the open flags."""

    def __init__(self, combined: Problem, probs: list[Problem], pairs: list[Pairs],
                 om: NDArray, k: int, opts: dict[str, Any], time_limit: float) -> None:
        self.combined, self.probs, self.pairs, self.om, self.k = combined, probs, pairs, om, k
        self.opts = opts
        self.columns = combined.allowed.size
        self.keep = np.searchsorted(combined.allowed, combined.keep)
        self.floor = -np.inf
        self.time_limit = time_limit
        self.transports = [Transport(p, pp) for p, pp in zip(probs, pairs, strict=True)]

    def relax(self, deadline: float) -> Relaxed | None:
        try:
            relax = p_median(self.combined.C, self.combined.w, k=self.k, solver="exact",
                             **{**self.opts, "time_limit": max(
                                 deadline - time.perf_counter(), 0.05)})
        except NoSolutionInTime:
            return None
        return Relaxed(relax.bound, relax.status == "optimal", relax)

    def price(self, relaxed: Relaxed) -> _Solution | None:
        pos = np.sort(np.searchsorted(self.combined.allowed, np.asarray(relaxed.start.open)))
        value, xs = _price(self.transports, self.om, pos, self.combined)
        if xs is None:
            return None
        shares = [PairShares(pp.rows, pp.cols, x) for pp, x in zip(self.pairs, xs,
                                                                    strict=True)]
        return _Solution(self.combined.allowed[pos], value, relaxed.bound, "heuristic", shares,
                         "milp")

    def heuristic(self, start: Any | None, deadline: float) -> _Solution | None:
        return _swap_heuristic(self.combined, self.probs, self.pairs, self.om, self.k,
                               deadline, start=start, transports=self.transports)

    def price_open(self, open_pos: NDArray, bound: float) -> _Solution | None:
        value, xs = _price(self.transports, self.om, open_pos, self.combined)
        if xs is None:
            return None
        shares = [PairShares(pp.rows, pp.cols, x) for pp, x in zip(self.pairs, xs,
                                                                    strict=True)]
        return _Solution(self.combined.allowed[open_pos], value, min(bound, value),
                         "heuristic", shares, "swap")

    def blocks(self) -> list[NormBlock]:
        return [NormBlock(pp.rows, pp.cols, self.om[t] * p.w[p.active][pp.rows] * pp.cost,
                          p.w[p.active][pp.rows], p.active.size, p.min_volume)
                for t, (p, pp) in enumerate(zip(self.probs, self.pairs, strict=True))]

    def multipliers(self, plan: _Solution, deadline: float) -> list[NDArray] | None:
        # the reduction's Lagrangian multipliers, split over the types in proportion to
        # their weighted demand (the norms' at 0: the same value)
        combined = self.combined
        plain = pmedian_lagrangian(Work(combined), self.k, plan.objective, np.searchsorted(
            combined.allowed, plan.open_cols), deadline, max_iter=300, rule="plain")
        if plain.u is None:
            return None
        u0 = []
        for t, p in enumerate(self.probs):  # a type's areas are among the combined ones
            at = np.searchsorted(combined.active, p.active)
            u0.append(plain.u[at] * self.om[t] * p.w[p.active] / combined.w[p.active])
        return u0

    def milp(self, start: _Solution | None, fixing: CentreFixing | None) -> _Solution | None:
        return _milp(self.combined, self.probs, self.pairs, self.om, self.k, start, fixing)

    def settle(self, plan: _Solution, bound: float, status: str) -> _Solution:
        # a proven plan is the MILP's answer, whichever step found it
        return replace(plan, bound=bound, status=status,
                       formulation="milp" if status == "optimal" else plan.formulation)


def _exact(combined: Problem, probs: list[Problem], pairs: list[Pairs], om: NDArray, k: int,
           opts: dict[str, Any], time_limit: float) -> tuple[_Solution, str]:
    """The exact path with norms (:func:`~analysis.locate.dispatch.norm_exact_path`, as for
    one type): the norm-free reduction solved exactly (a bound; its centres are optimal
    when every type's norm-priced assignment meets it), the swap heuristic from its
    centres, the norm Lagrangian with centre fixing, then the MILP on the centres left;
    and how the plan was found."""
    path = norm_exact_path(_LinkedSteps(combined, probs, pairs, om, k, opts, time_limit), k,
                           combined.deadline)
    if path.step == "relaxation":
        return path.plan, ("norms: the norm-free reduction's optimal centres meet every care "
                           "type's norm, so they are optimal with the norms (proven by its "
                           "bound)")
    fixing = path.fixing
    steps = ("norms: the norm-free reduction solved exactly (a bound), the LP-priced swap "
             "heuristic from its centres, the norm Lagrangian bound (its chosen centres "
             "priced as plans)"
             + ("" if fixing is None or not fixing.fixes else
                f" (fixing {fixing.closed.size} centres closed, {fixing.opened.size} open)"))
    if path.step == "tree":
        return path.plan, (steps + ", then the Lagrangian branch and bound on the shared "
                           "centres (the model left is too large for the MILP); bound and "
                           "status are its")
    return path.plan, (steps + ", then the MILP with shared open flags and one assignment per "
                       "care type (HiGHS), started from the best plan")


def _price(transports: list[Transport], om: NDArray, open_pos: NDArray,
           combined: Problem) -> tuple[float, list[NDArray] | None]:
    """The weighted cost of the best norm-meeting assignment of every type to the centres
    ``open_pos`` (inf and None when a type has none)."""
    total, xs = 0.0, []
    for t, tr in enumerate(transports):
        got = tr.solve(open_pos, combined.remaining())
        if got.shares is None:
            return math.inf, None
        total += om[t] * got.value
        xs.append(got.shares)
    return total, xs


@dataclass(frozen=True)
class _Solution:
    open_cols: NDArray
    objective: float
    bound: float
    status: str
    shares: list[PairShares]
    formulation: str


def _parts(probs: list[Problem], open_cols: NDArray,
           shares: list[PairShares] | None) -> tuple[LocationResult, ...]:
    out = []
    for t, p in enumerate(probs):
        sh = None if shares is None else shares[t]
        res = build_result(p, "p_median", open_cols, objective=0.0, bound=0.0,
                           status="optimal", solver="exact", shares=sh)
        out.append(replace(res, objective=_type_cost(p, res), bound=math.nan, gap=math.nan))
    return tuple(out)


def _linked(parts: tuple[LocationResult, ...], open_cols: NDArray, om: NDArray,
            objective: float, bound: float, status: str, solver: str, formulation: str,
            combined: Problem, t0: float, notes: list[str]) -> LinkedResult:
    parts = tuple(replace(p, status=status, solver=solver) for p in parts)
    gap = relative_gap(objective, bound)
    if status == "heuristic" and gap <= GAP_TOLERANCE:
        status = "optimal"
    return LinkedResult(
        open=tuple(int(j) for j in np.sort(open_cols)), parts=parts,
        weights=tuple(float(x) for x in om), objective=float(objective), bound=float(bound),
        gap=gap, status=status, solver=solver, formulation=formulation,
        candidates=tuple(int(j) for j in combined.allowed),
        runtime=time.perf_counter() - t0, warnings=tuple(notes))


def _milp(combined: Problem, probs: list[Problem], pairs: list[Pairs], om: NDArray,
          k: int, start: _Solution | None = None,
          fixing: CentreFixing | None = None) -> _Solution | None:
    """The linked MILP (shared y, one x block per type), from the plan ``start`` when one
    is given (a MIP start); None when HiGHS found nothing in time. ``fixing`` (from
    :func:`~analysis.locate.norm_bound.fix_centres` against ``start``) drops the pairs of
    the centres fixed closed and fixes the others open: the reduced model holds ``start``
    and every better plan."""
    mc = combined.allowed.size
    ylb, yub = y_bounds(combined)
    reduced = fixing is not None and fixing.fixes
    full_pairs = pairs
    if fixing is not None and reduced:
        ylb, yub = fixing.apply(ylb, yub)
        pairs = [Pairs(pp.rows[yub[pp.cols] > 0], pp.cols[yub[pp.cols] > 0],
                       pp.cost[yub[pp.cols] > 0]) for pp in pairs]
    offsets = np.cumsum([mc] + [pp.rows.size for pp in pairs])
    if start is not None and combined.deadline - time.perf_counter() < (
            MILP_MIN_S_PER_PAIR * int(offsets[-1] - mc)):
        return None  # too little time left for a model this size: keep the plan in hand
    model = Rows(int(offsets[-1]))
    jj = np.arange(mc)
    costs = [np.zeros(mc)]
    for t, (p, pp) in enumerate(zip(probs, pairs, strict=True)):
        xi = offsets[t] + np.arange(pp.rows.size)
        d = p.w[p.active]
        model.assignment(pp.rows, xi, p.active.size)
        model.linking(xi, pp.cols)
        if p.min_volume > 0:
            model.volume(pp.cols, xi, d[pp.rows], mc, jj, np.full(mc, -p.min_volume),
                         0.0, np.inf)
        costs.append(om[t] * d[pp.rows] * pp.cost)
    model.count(jj, k, k)
    n_x = int(offsets[-1]) - mc
    integ = np.concatenate([np.ones(mc), np.zeros(n_x)])
    bounds = Bounds(np.concatenate([ylb, np.zeros(n_x)]), np.concatenate([yub, np.ones(n_x)]))
    x0 = None
    if start is not None:
        y0 = np.zeros(mc)
        y0[np.searchsorted(combined.allowed, start.open_cols)] = 1.0
        if np.all(y0 <= yub) and np.all(y0 >= ylb) and not any(
                sh.share[yub[fp.cols] == 0].any() for sh, fp in zip(start.shares, full_pairs,
                                                                     strict=True)):
            x0 = np.concatenate([y0, *(sh.share[yub[fp.cols] > 0] for sh, fp in zip(
                start.shares, full_pairs, strict=True))])
    out = model.solve(np.concatenate(costs), integ, bounds, combined.remaining(), x0,
                      combined.deadline)
    if out.status == "infeasible" and reduced:
        return None  # cannot be (the reduced model holds the start): prove nothing
    if out.status == "infeasible":
        raise InfeasibleScenario(
            f"no choice of k={k} shared centres gives every open centre the norm of every "
            "care type (norms: " + ", ".join(fmt(p.min_volume) for p in probs) + "; demand: "
            + ", ".join(fmt(p.demand) for p in probs) + ")")
    if out.x is None:
        return None
    y = out.x[:mc] > 0.5
    shares = []
    for t, fp in enumerate(full_pairs):
        share = np.zeros(fp.rows.size)
        share[yub[fp.cols] > 0] = out.x[offsets[t]:offsets[t + 1]]
        shares.append(PairShares(fp.rows, fp.cols, share))
    return _Solution(combined.allowed[y], out.objective, out.bound, out.status, shares, "milp")


def _swap_heuristic(combined: Problem, probs: list[Problem], pairs: list[Pairs],
                    om: NDArray, k: int, deadline: float, start: LocationResult | None = None,
                    transports: list[Transport] | None = None) -> _Solution | None:
    """The reduction's centres (``start``, else a short heuristic run of it), repaired and
    improved by swaps priced with one assignment LP per type; None when no feasible
    configuration was found before ``deadline``."""
    share = max(deadline - time.perf_counter(), 0.05)
    if start is None:
        start = p_median(combined.C, combined.w, k=k, keep=combined.keep,
                         candidates=combined.allowed, solver="heuristic",
                         time_limit=max(0.2 * share, 0.05), seed=combined.seed)
    work = Work(combined)
    if transports is None:
        transports = [Transport(p, pp) for p, pp in zip(probs, pairs, strict=True)]

    def price(open_pos: NDArray) -> tuple[float, list[NDArray] | None]:
        return _price(transports, om, open_pos, combined)

    cur = np.sort(np.searchsorted(combined.allowed, np.asarray(start.open)))
    cur_val, cur_x = price(cur)
    finished = True
    budget = 4 * MOVES_PER_ROUND if cur_x is None else MOVES_PER_ROUND
    while time.perf_counter() < deadline:
        profit = swap_profit(work, cur)
        flat = np.argsort(profit, axis=None)[::-1]
        improved = False
        for idx in flat[:budget]:
            r, j = np.unravel_index(int(idx), profit.shape)
            if not np.isfinite(profit[r, j]) or time.perf_counter() > deadline:
                break
            cand = np.sort(np.append(np.delete(cur, r), j))
            val, xs = price(cand)
            if xs is not None and val < cur_val - 1e-9 * max(abs(cur_val), 1.0):
                cur, cur_val, cur_x, improved = cand, val, xs, True
                break
        if not improved:
            break
        budget = MOVES_PER_ROUND
    else:
        finished = False
    if cur_x is None:
        return None
    shares = [PairShares(pp.rows, pp.cols, x) for pp, x in zip(pairs, cur_x, strict=True)]
    return _Solution(combined.allowed[cur], cur_val, min(start.bound, cur_val),
                     "heuristic" if finished else "time_limit", shares, "swap")

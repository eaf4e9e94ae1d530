"""Solver dispatch: the generic k-median engine behind p-median, max covering and the
second stages of set covering and p-centre.

:func:`pick_solver` resolves ``solver="auto"``; :func:`kmedian` chooses between the exact
and the heuristic path, uncapacitated or with norm/capacity, and falls back from one to
the other where the original choice cannot answer.

Examples
--------
>>> import numpy as np
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1)
>>> sol = kmedian(prob, 1, pick_solver(prob, "auto"))
>>> sol.open_cols.tolist(), sol.objective, sol.status
([0], 30.0, 'optimal')
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from analysis.locate.benders import BENDERS_MAX_PAIRS, BendersSolution, pmedian_benders
from analysis.locate.candidates import Work
from analysis.locate.exact import ExactSolution, pmedian_exact_uncap
from analysis.locate.heuristic import pmedian_heuristic
from analysis.locate.lagrangian import (
    aggregated_lagrangian,
    lagrangian_fixing,
    pmedian_lagrangian,
)
from analysis.locate.milp import Pairs, assignment_milp, finite_pairs, y_bounds
from analysis.locate.norm_bound import (
    PRICE_GAP,
    CentreFixing,
    NormBlock,
    chosen_centres,
    fix_centres,
    norm_lagrangian,
)
from analysis.locate.norm_tree import norm_tree
from analysis.locate.problem import (
    InfeasibleScenario,
    NoSolutionInTime,
    Problem,
    constrained,
    fmt,
    infeasible_message,
)
from analysis.locate.result import GAP_TOLERANCE, PairShares
from analysis.locate.transport import Transport, capacitated_heuristic

__all__ = [
    "AGGREGATE_BOUND_ENTRY_BUDGET",
    "AGGREGATE_BOUND_ITERATIONS",
    "AGGREGATE_BOUND_MARGIN",
    "AUTO_EXACT_MAX_PAIRS",
    "BINDING_GAP",
    "BINDING_HEURISTIC_SHARE",
    "BOUND_MARGIN",
    "BOUND_ENTRY_BUDGET",
    "BOUND_ITERATIONS",
    "BOUND_MIN_S",
    "ENGINES",
    "EXACT_HEURISTIC_SHARE",
    "MILP_MIN_S_PER_PAIR",
    "NORM_BOUND_SHARE",
    "NORM_PATH_NOTES",
    "NORM_TREE_MIN_PAIRS",
    "RELAX_SHARE",
    "SOLVERS",
    "KMedianSolution",
    "NormPath",
    "NormPathSteps",
    "Relaxed",
    "exact_engine",
    "kmedian",
    "norm_exact_path",
    "pick_solver",
]

#: ``solver="auto"`` uses the exact solver when (areas with demand) x (allowed candidates) is
#: at most this many pairs, else the heuristic (decided from the size only, never from the
#: clock). 1,000,000 covers postcode-level demand (about 4,000 areas x 114 hospitals) and
#: shortest-path instances up to 1,000 x 1,000, which the Benders engine proves optimal in
#: seconds (bench/results/exact_scale.md); at 15,000 x 300 its LP rounds no longer fit a
#: minute, and the heuristic with its Lagrangian bound is the better answer.
AUTO_EXACT_MAX_PAIRS = 1_000_000

SOLVERS = ("auto", "exact", "heuristic")

#: Exact engines of the uncapacitated k-median: ``"benders"`` (radius-formulation cuts and
#: branch and bound, :mod:`analysis.locate.benders`) and ``"lists"`` (restricted-list MILP,
#: :mod:`analysis.locate.exact`).
ENGINES = ("benders", "lists")

# heuristic bound: Lagrangian iterations on list prefixes up to the incumbent's
# second-nearest centre plus BOUND_MARGIN entries, as many as BOUND_ENTRY_BUDGET list
# entries allow (between BOUND_ITERATIONS[0] and [1]; fewer once the bound proves the
# incumbent optimal, never past the deadline); BOUND_MIN_S: the least time the LP-priced
# heuristic leaves its bound
BOUND_ITERATIONS, BOUND_ENTRY_BUDGET = (80, 200), 300_000_000
BOUND_MIN_S, BOUND_MARGIN = 0.02, 4
#: iterations (between [0] and [1], as many as AGGREGATE_BOUND_ENTRY_BUDGET list entries
#: allow) and list margin of the bound on the aggregate when the search started from one
#: (:func:`~analysis.locate.lagrangian.aggregated_lagrangian`)
AGGREGATE_BOUND_ITERATIONS, AGGREGATE_BOUND_MARGIN = (60, 150), 4
AGGREGATE_BOUND_ENTRY_BUDGET = 200_000_000

#: with min_volume/capacity the exact solver first runs the LP-priced heuristic for at most
#: this share of the time left (an incumbent in hand if HiGHS finds nothing in time)
EXACT_HEURISTIC_SHARE = 0.3

#: when the relaxation's plan priced with the norm/capacity is more than BINDING_GAP above
#: the relaxation's bound (the norm binds hard), the swap heuristic gets at most
#: BINDING_HEURISTIC_SHARE of the time left instead of EXACT_HEURISTIC_SHARE (its swaps,
#: ranked by the norm-free profit, rarely leave that plan; the norm Lagrangian's chosen
#: centres and the tree find better plans)
BINDING_GAP, BINDING_HEURISTIC_SHARE = 0.05, 0.1

#: with min_volume/capacity the exact solver first solves the norm-free relaxation exactly
#: in at most this share of the time (its bound holds; its plan is optimal when it meets
#: the norm), and after the heuristic gives the norm Lagrangian at most NORM_BOUND_SHARE of
#: the time left
RELAX_SHARE, NORM_BOUND_SHARE = 0.2, 0.2

#: the norm/capacity MILP is not started when less than this many seconds per pair column
#: are left (and a plan is in hand): assembling a 175,000-pair model alone takes about
#: half a second, and HiGHS needs far longer for its root LP
MILP_MIN_S_PER_PAIR = 1e-5

#: with min_volume/capacity, when more than this many pair columns are left after the
#: norm Lagrangian's centre fixing, the exact path spends the time left on the Lagrangian
#: branch and bound on the centres (:func:`~analysis.locate.norm_tree.norm_tree`) instead
#: of the MILP: HiGHS took about 200 s for the root LP of the 173,508-pair gastrectomy
#: model (k = 15, norm 20; bench/results/norms.md), while the models it proves in a
#: request's time have had 45,000-62,000 pairs (decided from the size only)
NORM_TREE_MIN_PAIRS = 100_000


#: what the exact path with norm/capacity did, by the step that ended it
#: (:attr:`NormPath.step`), for the result's warnings
NORM_PATH_NOTES = {
    "relaxation": "norm/capacity: the norm-free optimum meets it, proven by that "
                  "relaxation's bound",
    "lagrangian": "norm/capacity: the plan proven by the norm Lagrangian bound",
    "milp": "norm/capacity: the MILP (HiGHS) on the centres the norm Lagrangian's "
            "fixing left",
    "tree": "norm/capacity: the Lagrangian branch and bound on the centres (the model "
            "left after fixing is too large for the MILP); bound and status are its",
    "best": "norm/capacity: the best of the heuristic's and the MILP's plans (the MILP "
            "cut by the time limit); the bound is the best of the steps'",
}


def pick_solver(prob: Problem, solver: str) -> str:
    """``"exact"`` or ``"heuristic"``: ``solver`` itself, or what ``"auto"`` means here."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if solver != "auto":
        return solver
    pairs = prob.active.size * prob.allowed.size
    return "exact" if pairs <= AUTO_EXACT_MAX_PAIRS else "heuristic"


def exact_engine(n: int, m: int) -> str:
    """The exact engine for ``n`` active areas x ``m`` allowed candidates (size only).

    The Benders master has ``m + n`` variables whatever the number of pairs, but keeps
    the rows sorted (about 12 bytes a pair): up to :data:`BENDERS_MAX_PAIRS` pairs it is
    the engine, beyond that the restricted-list MILP (which only builds list prefixes).

    >>> exact_engine(1522, 114), exact_engine(150_000, 1_000)
    ('benders', 'lists')
    """
    return "benders" if n * m <= BENDERS_MAX_PAIRS else "lists"


@dataclass(frozen=True)
class KMedianSolution:
    """Open columns (original indices), objective, bound and status of a k-median run;
    ``shares`` is the fractional assignment when norm or capacity applied; ``note`` says
    which step of the exact path with norm/capacity ended it (:data:`NORM_PATH_NOTES`)."""

    open_cols: NDArray
    objective: float
    bound: float
    status: str
    shares: PairShares | None
    note: str = ""


def kmedian(
    prob: Problem, k: int, solver: str, *, cost: NDArray | None = None,
    radius: float = np.inf, deadline: float | None = None, exact_only: bool = False,
    start: NDArray | None = None,
) -> KMedianSolution:
    """Minimise sum_i w_i cost_ij x_ij with k open centres.

    ``cost`` replaces the minutes (e.g. 0/1 for coverage); pairs with minutes above
    ``radius`` are forbidden. ``start`` (k positions in ``prob.allowed``, e.g. a cover
    found by the set-covering stage) seeds the uncapacitated heuristic, giving the
    Lagrangian bound and reduced-cost fixing a feasible incumbent.

    With norm/capacity the exact solver first solves the norm-free relaxation (its plan
    is optimal when it meets the norm/capacity), then runs the LP-priced heuristic, the
    norm Lagrangian bound (pricing its chosen centres as plans) with centre fixing, and
    the MILP on the centres left, started from the best plan, or the Lagrangian branch
    and bound on the centres when that model is too large (:func:`norm_exact_path`);
    when the MILP or the tree is cut by the time limit the best plan is returned with
    status ``"time_limit"`` and the best bound.
    Nothing past ``deadline`` is started. Raises :class:`InfeasibleScenario` only on
    proven infeasibility and :class:`NoSolutionInTime` when the time ran out before any
    solution. ``exact_only`` is accepted for callers that
    need the exact model's answer (the heuristic incumbent is still used as a fallback).
    """
    deadline = prob.deadline if deadline is None else deadline
    base = prob.C if cost is None else cost
    if np.isfinite(radius):
        base = np.where(prob.C <= radius, base, np.inf)
    work = Work(prob, base)
    if not constrained(prob):
        if solver == "exact":
            return _uncapacitated_exact(prob, work, k, radius, deadline, start)
        found = _uncapacitated_heuristic(prob, work, k, deadline, start)
        if found is not None:
            return found
        # the heuristic could not reach everyone: let the MILP decide
        return _uncapacitated_exact(prob, work, k, radius, deadline, None)
    # min_volume / capacity: fractional assignment MILP or LP-priced swaps
    if time.perf_counter() >= deadline:
        raise NoSolutionInTime(prob.time_limit, "feasible solution")
    pairs = finite_pairs(prob, base)
    if solver == "exact":
        path = norm_exact_path(_TypeSteps(prob, work, k, pairs, radius, deadline), k,
                               deadline)
        return replace(path.plan, note=NORM_PATH_NOTES[path.step])
    found = _constrained_heuristic(prob, work, k, pairs, deadline)
    if found is not None:
        return found
    # no feasible configuration found: the MILP decides (or proves infeasibility) in the
    # time that is left
    exact = (_constrained_exact(prob, k, pairs, radius, deadline)
             if time.perf_counter() < deadline else None)
    if exact is None:
        raise NoSolutionInTime(prob.time_limit, "feasible solution")
    return exact


class _Plan(Protocol):
    """What :func:`norm_exact_path` reads of a plan (one type's or a linked set's)."""

    @property
    def objective(self) -> float: ...
    @property
    def bound(self) -> float: ...
    @property
    def status(self) -> str: ...


P = TypeVar("P", bound=_Plan)


@dataclass(frozen=True)
class Relaxed:
    """The norm-free relaxation solved for :func:`norm_exact_path`: its lower bound, whether
    it is proven optimal, and its plan in the form the steps' heuristic starts from."""

    bound: float
    optimal: bool
    start: Any


class NormPathSteps(Protocol[P]):
    """The steps of :func:`norm_exact_path` for one care type (:func:`kmedian`) or a linked
    set (:func:`~analysis.locate.linked.linked_p_median`); plans are of type ``P``."""

    #: allowed candidate columns, positions of the kept ones among them, a lower bound known
    #: beforehand (-inf if none) and the run's time limit (for the error message)
    columns: int
    keep: NDArray
    floor: float
    time_limit: float

    def relax(self, deadline: float) -> Relaxed | None:
        """The norm-free problem solved exactly by ``deadline``; None when cut first."""
    def price(self, relaxed: Relaxed) -> P | None:
        """The relaxation's centres with the norm/capacity assignment; None if infeasible."""
    def heuristic(self, start: Any | None, deadline: float) -> P | None:
        """LP-priced swaps from ``start`` (a :attr:`Relaxed.start`, or its own when None)."""
    def price_open(self, open_pos: NDArray, bound: float) -> P | None:
        """The plan with the centres ``open_pos`` (positions among the allowed columns)
        and the norm/capacity assignment, carrying ``bound``; None if infeasible."""
    def blocks(self) -> list[NormBlock]:
        """The norm model's pairs for :func:`~analysis.locate.norm_bound.norm_lagrangian`."""
    def multipliers(self, plan: P, deadline: float) -> list[NDArray] | None:
        """Start multipliers of the norm Lagrangian (the norms' at 0), against ``plan``."""
    def milp(self, start: P | None, fixing: CentreFixing | None) -> P | None:
        """The norm MILP on the centres ``fixing`` leaves, from ``start``; None if cut."""
    def settle(self, plan: P, bound: float, status: str) -> P:
        """``plan`` with the bound and status the path proved for it."""


@dataclass(frozen=True)
class NormPath(Generic[P]):
    """What :func:`norm_exact_path` found: the plan, the centre fixing it used (None when the
    path ended before the Lagrangian) and the step that ended it (``"relaxation"``,
    ``"lagrangian"``, ``"milp"`` or ``"best"``, the better of MILP and heuristic)."""

    plan: P
    fixing: CentreFixing | None
    step: str


def norm_exact_path(steps: NormPathSteps[P], k: int, deadline: float) -> NormPath[P]:
    """The exact path with norm/capacity, for one care type or a linked set: the norm-free
    relaxation, the heuristic, the norm Lagrangian with centre fixing, then the MILP on the
    centres left.

    1. The norm-free problem, solved exactly in at most :data:`RELAX_SHARE` of the time:
       dropping norm and capacity relaxes, so its bound is a bound here; its plan, priced
       by the assignment LP with norm/capacity, is optimal when it meets that bound (the
       norm does not bind), and is the heuristic's start otherwise.
    2. The LP-priced swap heuristic (at most :data:`EXACT_HEURISTIC_SHARE` of the rest),
       from its own start when the relaxation's plan cannot be repaired.
    3. The Lagrangian bound of the norm/capacity model
       (:func:`~analysis.locate.norm_bound.norm_lagrangian`, at most
       :data:`NORM_BOUND_SHARE` of the rest; it may prove the heuristic's plan optimal),
       with a Lagrangian heuristic: the centres it chooses are priced as plans (at most
       every :data:`~analysis.locate.norm_bound.PRICE_EVERY` iterations, and at its best
       multipliers, while it is more than :data:`~analysis.locate.norm_bound.PRICE_GAP`
       below the incumbent), the best replacing the heuristic's plan when cheaper; then the
       centres it fixes open or closed against the best plan
       (:func:`~analysis.locate.norm_bound.fix_centres`: never a centre of any better plan).
    4. The MILP on the pairs of the centres not fixed closed, started from that plan; or,
       when more than :data:`NORM_TREE_MIN_PAIRS` pairs are left (where the norm binds
       hard, nothing is fixed and HiGHS cannot finish the root LP in a request's time),
       the Lagrangian branch and bound on the centres
       (:func:`~analysis.locate.norm_tree.norm_tree`) for the time left: its incumbents
       are priced like the Lagrangian's, its bound is proven, and it ends ``optimal``
       when its queue is empty.

    The bound returned is the best of the relaxation's, the Lagrangian's, the MILP's (or
    the tree's), the heuristic's and ``steps.floor`` (each a lower bound of the same
    problem).

    Raises
    ------
    NoSolutionInTime
        Neither the heuristic nor the MILP found a plan in time.

    Examples
    --------
    >>> from analysis.locate.problem import prepare
    >>> prob = prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=2,
    ...                min_volume=2)
    >>> sol = kmedian(prob, 2, "exact")  # one type's steps: _TypeSteps
    >>> sol.open_cols.tolist(), sol.objective, sol.status  # 1 patient of area 2 moved to 1
    ([0, 1], 22.0, 'optimal')
    """
    t_start = time.perf_counter()
    relax_bound, start, priced = -np.inf, None, None
    relaxed = steps.relax(t_start + RELAX_SHARE * max(deadline - t_start, 0.0))
    if relaxed is not None:
        relax_bound, start = relaxed.bound, relaxed.start
        priced = steps.price(relaxed)
        if (priced is not None and relaxed.optimal
                and priced.objective - relax_bound <= GAP_TOLERANCE * abs(priced.objective)):
            # the relaxation's optimum meets the norm/capacity: optimal here too
            return NormPath(steps.settle(priced, min(relax_bound, priced.objective),
                                         "optimal"), None, "relaxation")
    share = EXACT_HEURISTIC_SHARE
    if (relaxed is not None and priced is not None
            and priced.objective - relax_bound > BINDING_GAP * abs(priced.objective)):
        share = BINDING_HEURISTIC_SHARE  # the norm binds hard: the Lagrangian's plans pay
    now = time.perf_counter()
    heur_deadline = now + share * max(deadline - now, 0.0)
    heur = steps.heuristic(start, heur_deadline)
    if heur is None and relaxed is not None and time.perf_counter() < heur_deadline:
        # no repair of the relaxation's plan: from the heuristic's own start instead
        heur = steps.heuristic(None, heur_deadline)
    fixing, lag_bound = None, -np.inf
    if heur is not None and time.perf_counter() < deadline:
        now = time.perf_counter()
        lag_deadline = now + NORM_BOUND_SHARE * max(deadline - now, 0.0)
        u0 = steps.multipliers(heur, now + 0.5 * (lag_deadline - now))
        found_lag: list[P] = []
        blocks = steps.blocks()
        heur_bound = heur.bound

        def price(open_pos: NDArray) -> float:
            # the Lagrangian heuristic: the chosen centres with the norm assignment
            plan = steps.price_open(open_pos, heur_bound)
            if plan is None:
                return np.inf
            if not found_lag or plan.objective < found_lag[0].objective:
                found_lag[:] = [plan]
            return plan.objective

        lag = norm_lagrangian(blocks, steps.columns, k=k, keep=steps.keep,
                              upper=heur.objective, deadline=lag_deadline, u0=u0,
                              price=price)
        at_best = chosen_centres(lag, k, steps.keep)
        if (at_best.size == k and time.perf_counter() < deadline
                and heur.objective - lag.value > PRICE_GAP * abs(heur.objective)):
            price(at_best)
        if found_lag and found_lag[0].objective < heur.objective - 1e-9 * abs(
                heur.objective):
            heur = found_lag[0]
        lag_bound = lag.value
        fixing = fix_centres(lag, k, steps.keep, heur.objective)
        lower = max(lag_bound, relax_bound)
        if heur.objective - lower <= GAP_TOLERANCE * abs(heur.objective):
            return NormPath(steps.settle(heur, min(lower, heur.objective), "optimal"),
                            fixing, "lagrangian")
        shut = np.zeros(steps.columns, bool)
        shut[fixing.closed] = True
        left = sum(int((~shut[b.cols]).sum()) for b in blocks)
        if left > NORM_TREE_MIN_PAIRS and time.perf_counter() < deadline:
            # too large a model for HiGHS in this time: the Lagrangian branch and bound
            tree = norm_tree(blocks, steps.columns, k=k,
                             keep=np.union1d(steps.keep, fixing.opened).astype(np.int64),
                             closed=fixing.closed, upper=heur.objective, price=price,
                             deadline=deadline, root=lag)
            if found_lag and found_lag[0].objective < heur.objective:
                heur = found_lag[0]
            # plans the fixing removed cost at least the incumbent the fixing used
            lower = min(max(tree.bound, lower), heur.objective)
            status = ("optimal" if tree.finished or heur.objective - lower <= GAP_TOLERANCE
                      * abs(heur.objective) else "time_limit")
            return NormPath(steps.settle(heur, lower, status), fixing, "tree")
    exact = steps.milp(heur, fixing) if time.perf_counter() < deadline else None
    if exact is not None and exact.status == "optimal":
        return NormPath(exact, fixing, "milp")
    found = [s for s in (exact, heur) if s is not None]
    if not found:
        raise NoSolutionInTime(steps.time_limit, "feasible solution")
    best = min(found, key=lambda s: s.objective)
    bound = min(max(steps.floor, relax_bound, lag_bound, *(s.bound for s in found)),
                best.objective)
    status = ("optimal" if best.objective - bound <= GAP_TOLERANCE * abs(best.objective)
              else "time_limit")
    return NormPath(steps.settle(best, bound, status), fixing, "best")


class _TypeSteps:
    """:class:`NormPathSteps` of one care type (plans: :class:`KMedianSolution`)."""

    def __init__(self, prob: Problem, work: Work, k: int, pairs: Pairs,
                 radius: float, deadline: float) -> None:
        self.prob, self.work, self.k, self.pairs = prob, work, k, pairs
        self.radius, self.deadline = radius, deadline
        self.columns = prob.allowed.size
        self.keep = np.searchsorted(prob.allowed, prob.keep)
        self.floor = float(work.w @ work.lists(k).cost[:, 0])  # each area at its nearest
        self.time_limit = prob.time_limit
        self.transport = Transport(prob, pairs)

    def relax(self, deadline: float) -> Relaxed | None:
        try:
            relax = _uncapacitated_exact(self.prob, self.work, self.k, self.radius, deadline,
                                         None)
        except NoSolutionInTime:
            return None
        return Relaxed(relax.bound, relax.status == "optimal",
                       np.searchsorted(self.prob.allowed, relax.open_cols))

    def price(self, relaxed: Relaxed) -> KMedianSolution | None:
        priced = self.transport.solve(relaxed.start,
                                      max(self.deadline - time.perf_counter(), 0.05))
        if priced.shares is None:
            return None
        return KMedianSolution(self.prob.allowed[relaxed.start], priced.value, relaxed.bound,
                               "heuristic", PairShares(self.pairs.rows, self.pairs.cols,
                                                       priced.shares))

    def heuristic(self, start: Any | None, deadline: float) -> KMedianSolution | None:
        return _constrained_heuristic(self.prob, self.work, self.k, self.pairs, deadline,
                                      start=start, transport=self.transport)

    def price_open(self, open_pos: NDArray, bound: float) -> KMedianSolution | None:
        got = self.transport.solve(open_pos, max(self.deadline - time.perf_counter(), 0.05))
        if got.shares is None:
            return None
        return KMedianSolution(self.prob.allowed[open_pos], got.value, min(bound, got.value),
                               "heuristic", PairShares(self.pairs.rows, self.pairs.cols,
                                                       got.shares))

    def blocks(self) -> list[NormBlock]:
        return [_norm_block(self.prob, self.pairs)]

    def multipliers(self, plan: KMedianSolution, deadline: float) -> list[NDArray] | None:
        # the uncapacitated Lagrangian's multipliers
        plain = pmedian_lagrangian(self.work, self.k, plan.objective, np.searchsorted(
            self.prob.allowed, plan.open_cols), deadline, max_iter=300, rule="plain")
        return None if plain.u is None else [plain.u]

    def milp(self, start: KMedianSolution | None,
             fixing: CentreFixing | None) -> KMedianSolution | None:
        return _constrained_exact(self.prob, self.k, self.pairs, self.radius, self.deadline,
                                  start, fixing)

    def settle(self, plan: KMedianSolution, bound: float, status: str) -> KMedianSolution:
        return replace(plan, bound=bound, status=status)


def _norm_block(prob: Problem, pairs: Pairs) -> NormBlock:
    """The pairs of ``prob`` as one :class:`~analysis.locate.norm_bound.NormBlock`."""
    weights = prob.w[prob.active]
    return NormBlock(pairs.rows, pairs.cols, weights[pairs.rows] * pairs.cost,
                     weights[pairs.rows], prob.active.size, prob.min_volume,
                     None if prob.capacity is None else prob.capacity[prob.allowed])


def _uncapacitated_exact(
    prob: Problem, work: Work, k: int, radius: float, deadline: float,
    start: NDArray | None,
) -> KMedianSolution:
    """Heuristic incumbent, Lagrangian bound and fixing, then the restricted-list MILP."""
    rng = np.random.default_rng(prob.seed)
    t_search = time.perf_counter()
    found = pmedian_heuristic(work, k, rng, t_search + 0.25 * max(deadline - t_search, 0),
                              start_open=start)
    fixing, lag_bound = None, -np.inf
    if found.cost < work.big * 0.5:
        # Lagrangian bound: may prove the heuristic optimal, else fixes centres in/out
        lag = pmedian_lagrangian(
            work, k, found.cost, found.open_pos,
            time.perf_counter() + 0.2 * max(deadline - time.perf_counter(), 0), max_iter=300,
            rule="plain")
        if found.cost - lag.value <= GAP_TOLERANCE * abs(found.cost):
            return KMedianSolution(prob.allowed[found.open_pos], found.cost, lag.value,
                                   "optimal", None)
        lag_bound = lag.value
        if lag.rho is not None:
            fixing = lagrangian_fixing(work, k, lag.value, lag.rho, found.cost)
    exact: BendersSolution | ExactSolution
    if exact_engine(work.n, work.m) == "benders":
        exact = pmedian_benders(work, k, found.open_pos, deadline, fixing)
    else:
        exact = pmedian_exact_uncap(work, k, found.open_pos, deadline, fixing)
    objective = work.cost(exact.open_pos)
    if objective >= work.big * 0.5:
        raise InfeasibleScenario(
            f"no choice of k={k} centres among the allowed hospitals can reach every "
            "area" + (f" within {fmt(radius)} min" if np.isfinite(radius) else "")
        )
    # lower bounds of the same problem (the engine's when it stopped early, the Lagrangian,
    # and the trivial one, each area at its nearest candidate, if the time allowed no other)
    trivial = float(work.w @ work.lists(k).cost[:, 0])
    bound = min(max(exact.bound, lag_bound, trivial), objective)
    return KMedianSolution(prob.allowed[exact.open_pos], objective, bound, exact.status, None)


def _uncapacitated_heuristic(
    prob: Problem, work: Work, k: int, deadline: float, start: NDArray | None,
) -> KMedianSolution | None:
    """Multi-start search (80 % of the budget) and an iteration-bounded Lagrangian bound; None
    when the search could not reach every area."""
    rng = np.random.default_rng(prob.seed)
    t_search = time.perf_counter()
    found = pmedian_heuristic(work, k, rng, t_search + 0.8 * max(deadline - t_search, 0),
                              start_open=start)
    # bound: Lagrangian on list prefixes (an iteration count, stopped early by the
    # deadline; on a large instance fitted on its aggregate and evaluated on the full
    # one), or the trivial bound if larger
    if found.groups:
        bound = aggregated_lagrangian(work, k, found.open_pos, deadline,
                                      AGGREGATE_BOUND_ITERATIONS[1],
                                      margin=AGGREGATE_BOUND_MARGIN, p1=found.p1,
                                      base=found.aggregate,
                                      entry_budget=AGGREGATE_BOUND_ENTRY_BUDGET,
                                      min_iter=AGGREGATE_BOUND_ITERATIONS[0]).value
    else:
        bound = pmedian_lagrangian(work, k, found.cost, found.open_pos, deadline,
                                   max_iter=BOUND_ITERATIONS[1], margin=BOUND_MARGIN,
                                   entry_budget=BOUND_ENTRY_BUDGET,
                                   min_iter=BOUND_ITERATIONS[0]).value
    if found.cost >= work.big * 0.5:
        return None
    trivial = float(work.w @ work.nearest(1).cost[:, 0])  # each area at its nearest candidate
    bound = max(bound, trivial)
    return KMedianSolution(prob.allowed[found.open_pos], found.cost, min(bound, found.cost),
                           "heuristic" if found.finished else "time_limit", None)


def _constrained_exact(
    prob: Problem, k: int, pairs: Pairs, radius: float, deadline: float,
    start: KMedianSolution | None = None, fixing: CentreFixing | None = None,
) -> KMedianSolution | None:
    """The fractional assignment MILP with norm/capacity, from the plan ``start`` when one
    is given (its shares over ``pairs``); None when the time limit came before any
    solution.

    ``fixing`` (centre positions no solution better than ``start`` opens or closes, from
    :func:`~analysis.locate.norm_bound.fix_centres`) drops the pairs of the centres fixed
    closed and fixes the others open; the reduced model holds ``start`` and every better
    solution, so its optimum and its bound are those of the whole model.
    """
    weights = prob.w[prob.active]
    ylb, yub = y_bounds(prob)
    mc = prob.allowed.size
    use = np.ones(pairs.rows.size, bool)
    reduced = fixing is not None and fixing.fixes
    if fixing is not None and reduced:
        ylb, yub = fixing.apply(ylb, yub)
        use = yub[pairs.cols] > 0
    x0 = None
    if start is not None and start.shares is not None:
        y0 = np.zeros(mc)
        y0[np.searchsorted(prob.allowed, start.open_cols)] = 1.0
        share = start.shares.share
        if np.all(y0 <= yub) and np.all(y0 >= ylb) and not share[~use].any():
            x0 = np.concatenate([y0, share[use]])
    rows, cols = pairs.rows[use], pairs.cols[use]
    if start is not None and deadline - time.perf_counter() < MILP_MIN_S_PER_PAIR * rows.size:
        return None  # too little time left for a model this size: keep the plan in hand
    out = assignment_milp(
        prob.active.size, mc, rows, cols, weights[rows] * pairs.cost[use],
        weights, k=k, count_cost=0.0, minv=prob.min_volume,
        cap=None if prob.capacity is None else prob.capacity[prob.allowed],
        y_lb=ylb, y_ub=yub, integral=True,
        time_limit=max(deadline - time.perf_counter(), 0.05), start=x0, deadline=deadline,
    )
    if out.status == "infeasible":
        if reduced:  # cannot be (the reduced model holds the start): prove nothing
            return None
        raise InfeasibleScenario(infeasible_message(prob, k, radius))
    if out.x is None:
        return None
    y = out.x[:mc] > 0.5
    share = np.zeros(pairs.rows.size)
    share[use] = out.x[mc:]
    return KMedianSolution(prob.allowed[y], out.objective, out.bound, out.status,
                           PairShares(pairs.rows, pairs.cols, share))


def _constrained_heuristic(
    prob: Problem, work: Work, k: int, pairs: Pairs, deadline: float,
    start: NDArray | None = None, transport: Transport | None = None,
) -> KMedianSolution | None:
    """LP-priced swaps from ``start`` (k positions in ``prob.allowed``) or a short
    uncapacitated search; bound = the uncapacitated Lagrangian bound (dropping constraints
    relaxes). None when nothing feasible was found."""
    transport = Transport(prob, pairs) if transport is None else transport
    if start is None:
        rng = np.random.default_rng(prob.seed)
        start = pmedian_heuristic(work, k, rng, min(deadline, time.perf_counter() + 0.2 * max(
            deadline - time.perf_counter(), 0)), starts=2).open_pos
    found = capacitated_heuristic(prob, work, transport, k, start, deadline)
    if found is None:
        return None
    now = time.perf_counter()
    lb = pmedian_lagrangian(work, k, work.cost(found.open_pos), found.open_pos, min(
        prob.deadline, max(deadline, now + BOUND_MIN_S)), rule="plain").value
    return KMedianSolution(prob.allowed[found.open_pos], found.value, min(lb, found.value),
                           "heuristic" if found.finished else "time_limit",
                           PairShares(pairs.rows, pairs.cols, found.shares))

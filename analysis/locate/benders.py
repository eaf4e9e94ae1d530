"""Exact uncapacitated p-median by Benders decomposition of the radius formulation.

The radius (covering) formulation of García, Labbé and Marín describes an area's travel by
the sorted distinct distances ``D_i^1 < D_i^2 < ...`` to the candidates and a variable per
level saying "no open centre within ``D_i^h``". Projecting those variables out, as
Durán-Mateluna, Alès and Elloumi do, leaves a master problem in the open flags ``y`` and one
travel variable ``theta_i`` per (distinct) area, with the optimality cuts

    theta_i + sum_j max(0, D - c_ij) y_j >= D        for every area i and level D.

Every such cut is valid (if the nearest open centre is at ``d < D`` the sum is at least
``D - d``; otherwise the right-hand side is at most ``D <= d``), and for a fractional ``y``
the most violated one is found in linear time per area: ``D`` is the first level at which
the open flags of the candidates within ``D`` add up to one.

:func:`pmedian_benders` solves the LP relaxation by cut generation on a warm-started HiGHS
LP (phase 1), then runs a branch and bound on the open flags (phase 2): at every node the
LP bound by cut generation (the cuts are valid everywhere; the master keeps the ones that
define the node's vertex and a pool keeps the rest), an incumbent from the node's k
largest flags, reduced-cost fixing against the incumbent, and a branch chosen by strong
branching near the root and by pseudo-costs below; one child is solved right after its
parent (a dive) and the others are taken best bound first, so the smallest bound of the
open nodes is the proven bound when the time runs out. The master has
``m + g`` variables however many (area, centre) pairs there are, which is what lets it
scale with the structure (few centres, few distinct levels) instead of with ``n x m``.

Examples
--------
>>> import time
>>> import numpy as np
>>> from analysis.locate.candidates import Work
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1)
>>> sol = pmedian_benders(Work(prob), 1, np.array([1]), deadline=time.perf_counter() + 5)
>>> sol.open_pos.tolist(), sol.bound, sol.status
([0], 30.0, 'optimal')

Notes
-----
Phase 1 separates at a point between the LP solution and a core point that moves towards
it (in-out stabilisation, Ben-Ameur and Neto), which avoids the tailing of plain Kelley
cutting planes; a round whose stabilised point yields no violated cut separates at the LP
solution itself. Areas that cannot reach every candidate (infinite cost) get a covering
row ``sum_{j reachable} y_j >= 1`` and cuts only up to their largest finite distance.

After phase 1 the cuts that are slack at the root optimum leave the master (about two
thirds of them on the graph instances of bench/bench_exact_scale.py; a node that needs one
separates it again), which makes every node LP cheaper. The dual simplex of a node stops
as soon as its objective, a lower bound of the node's LP, rules the node out against the
incumbent (HiGHS's ``objective_bound``). With integer weights and costs every solution
costs an integer, so a node whose bound exceeds ``ub - 1`` holds nothing cheaper than the
incumbent and is pruned; the reduced-cost fixing uses the same level (a flag whose other
value lifts the node bound above ``ub - 1`` is fixed).

Node LPs are kept small: after each node LP the cuts whose slack is basic at its optimum
leave the master (the basis and the optimum stay), so the master holds about as many cuts
as the vertex has tight rows (~1,000 instead of 5,000-7,000 on the hard k = 5 graph
instances). This matters twice with HiGHS: a dual simplex iteration costs about the row
count (its FTRAN results are dense, as the flags' columns are), and every ``run()``
re-assesses the whole matrix (``HighsModel::assess``: a run that changes nothing costs
about 11 ms on 6,000 rows and 170,000 non-zeros, 40 % of it there). A purged cut stays
in a pool under its (area, level); a node taken from the heap puts back the cuts that
were nonbasic in its parent's stored basis, so the stored basis is square and optimal
again, and a cut separated again keeps its number; the cuts the master holds that are
basic in that basis (left there by the node solved before) leave it (``WARM_SHRINK``),
so the node starts with its parent's vertex cuts only, as a dive child does
(``WARM_TIGHT``, off: measured, no gain, would also put back the parent's basic cuts at
zero slack). A dive
child starts from the basis HiGHS holds, without re-factorising a stored one. Adding or
deleting rows makes HiGHS 1.16 drop its simplex data, so the run after a cut round
rebuilds it (scaling, factorisation, steepest-edge weights: one BTRAN per row), at a cost
that grows with the row count; a node's cut loop therefore runs to convergence with as
few rows as it can. Early branching (``EARLY_RISE``, off: measured, it did not pay) would
stop a node's cut loop once a round closes less than that share of the gap to the
pruning level and y is fractional; the node is then branched on its (valid, weaker)
bound, and an integral y is always separated to the end.

A child's first round is prepared (``PRESEP``): before its first LP, the cuts violated at
its parent's point moved to the child's side (the parent's y clipped to the child's
bounds, the free flags rescaled to sum to k, with the parent's theta) go into the master.
They are the cuts the child's LP would otherwise ask for after its first solve, so a round
(a rebuild and a re-solve) is saved; they are valid everywhere, so nothing proven changes
(on the two seed-2 outliers of bench/bench_exact_scale.py: 25 % fewer HiGHS runs on
900/2 k=10, 13 % on 800/2 k=5).

Branching: at the first ``SB_NODES`` nodes whose gap exceeds ``SB_GAP``, both children of
the ``SB_CANDIDATES`` most fractional flags are probed from the node's basis (at most
``SB_ITERATIONS`` dual simplex iterations, no new cuts) and the flag with the largest
product of the two bound rises wins; the rises per unit of change (pseudo-costs, per flag
and direction) are learnt from those probes and from every child LP, and decide the
branch everywhere else (product of the estimated rises; the most fractional flag until
both directions have a record). The order of the nodes and the branching rule change the
tree, never what is proven: every node is pruned only by an LP bound of its own. The LPs
run HiGHS's serial dual simplex; ``run()`` holds Python's GIL (two instances on two
threads take as long as one after the other), so the search is serial.

A probe that stops infeasible or past the objective bound proves its child empty: its LP
has the child's bounds and a subset of the (globally valid) cuts, so it relaxes the
child's LP, and HiGHS reports either status only on a proof. That flag then takes the
other value in both children of the node and the empty child is not created
(``PROBE_FIXING``); a node where both children of one flag are empty is pruned. Two
rules are there but off by default, as they did not pay on the graph outliers
(bench/results/exact_scale.md, section 1i): reliability branching past the
strong-branching nodes (``RB_RELIABLE`` > 0: the flags in the order of their pseudo-cost
scores, probed when they have fewer than ``RB_RELIABLE`` records in a direction, at most
``RB_MAX_PROBES`` probes a node, stopping after ``RB_LOOKAHEAD`` flags in a row without a
better score), and scores that count a rise only up to the pruning level ``ub - margin``
(``SCORE_CAP``: a child that rises past it is pruned however far past).

References
----------
S. García, M. Labbé, A. Marín (2011). Solving large p-median problems with a radius
formulation. INFORMS Journal on Computing 23(4), 546-556.

C. Durán-Mateluna, Z. Alès, S. Elloumi (2023). An efficient Benders decomposition for the
p-median problem. European Journal of Operational Research 308(1), 84-96 (arXiv
2111.13405).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from analysis.locate import pmcuts
from analysis.locate.candidates import Work
from analysis.locate.highs import new_highs
from analysis.locate.lagrangian import Fixing
from analysis.locate.pmcuts import ZBands, root_cuts, z_root_cuts
from analysis.locate.problem import InfeasibleScenario
from analysis.locate.result import GAP_TOLERANCE

__all__ = [
    "BENDERS_MAX_PAIRS",
    "EARLY_RISE",
    "LP_MAX_ROUNDS",
    "NODE_PURGE",
    "PRESEP",
    "PROBE_FIXING",
    "PURGE_SLACK",
    "RB_LOOKAHEAD",
    "RB_MAX_PROBES",
    "RB_RELIABLE",
    "SB_CANDIDATES",
    "SB_GAP",
    "SB_ITERATIONS",
    "SB_NODES",
    "SCORE_CAP",
    "STAB_ALPHA",
    "WARM_SHRINK",
    "WARM_TIGHT",
    "BendersSolution",
    "pmedian_benders",
]

#: areas x candidates up to which the exact uncapacitated p-median uses this engine; it
#: keeps every row sorted (about 12 bytes a pair) and separates over all of them in each
#: LP round, so beyond a few million pairs the restricted-list MILP, which builds only
#: list prefixes, is used instead.
BENDERS_MAX_PAIRS = 2_000_000

LP_MAX_ROUNDS = 400  # cut rounds of phase 1 at most
PURGE_SLACK = 1e-6  # root cuts slack by more than this (relative) leave the master
NODE_PURGE = True  # after each node LP, the cuts basic at its optimum leave the master
WARM_SHRINK = True  # a node from the heap starts with only its parent's nonbasic cuts
WARM_TIGHT = False  # ... and with the cuts basic but at zero slack there (degenerate)
EARLY_RISE = 0.0  # node cut loop stops when a round closes less of the gap than this
PRESEP = True  # a child separates at its parent's point moved to its side before its LP
SB_NODES = 10  # strong branching at the first nodes of the tree
SB_GAP = 0.005  # at those whose bound is further than this (relative) below the incumbent
SB_CANDIDATES = 8  # flags probed there (most fractional first)
SB_ITERATIONS = 100  # dual simplex iterations a probe may take
LEVEL_SUPPORT = 1 / 12  # level search over the support of y up to this share of flags
LEVEL_PREFIX = 32  # otherwise over sorted-row prefixes of this width first (x4 each pass)
RB_RELIABLE = 0  # past SB_NODES, probe flags with fewer pseudo-cost records than this
RB_MAX_PROBES = 4  # flags probed at such a node at most
RB_LOOKAHEAD = 3  # stop after this many flags in a row that do not beat the best score
PROBE_FIXING = True  # a flag one of whose probes is empty takes the other value
SCORE_CAP = False  # branching scores count a bound rise only up to the pruning level
STAB_ALPHA = 0.5  # in-out stabilisation: separate at alpha * LP point + (1 - alpha) * core
_VIOL = 1e-7  # relative violation that makes a cut worth adding
_BASIC = highspy.HighsBasisStatus.kBasic


@dataclass(frozen=True)
class BendersSolution:
    """Best open positions (working columns), the proven lower bound, the status
    (``"optimal"`` or ``"time_limit"``) and what the run did: the root LP bound, branch
    and bound nodes solved, cuts added and flags fixed by the LP reduced costs."""

    open_pos: NDArray
    bound: float
    status: str
    lp_bound: float
    nodes: int
    cuts: int
    fixed: int


def _integral(a: NDArray) -> bool:
    """Whether every value of ``a`` is an integer small enough to be exact in float64.

    >>> _integral(np.array([1., 2.])), _integral(np.array([1., 2.5]))
    (True, False)
    """
    return bool(a.size == 0 or (np.all(a == np.round(a)) and np.abs(a).max() < 2.0**40))


class _Master:
    """The Benders master on HiGHS: y (m open flags) then theta (g travel variables)."""

    def __init__(self, areas: _Areas, y_lb: NDArray, y_ub: NDArray, k: int):
        m, weights, theta_lb = areas.m, areas.weights, areas.srt[:, 0]
        self.m, self.g = m, weights.size
        h = new_highs()
        h.setOptionValue("presolve", "off")  # warm starts: the basis survives new cuts
        inf = highspy.kHighsInf
        lo = np.concatenate([y_lb, theta_lb]).astype(np.float64)
        hi = np.concatenate([y_ub, np.full(self.g, inf)]).astype(np.float64)
        cost = np.concatenate([np.zeros(m), weights]).astype(np.float64)
        h.addVars(m + self.g, lo, hi)
        h.changeColsCost(m + self.g, np.arange(m + self.g, dtype=np.int32), cost)
        h.addRow(float(k), float(k), m, np.arange(m, dtype=np.int32), np.ones(m))
        self.h = h
        self.iteration_limit = int(h.getOptionValue("simplex_iteration_limit")[1])
        self.row_lo = np.array([float(k)])  # lower bounds of the rows
        # per row, the cut's number in the pool (-1: rows that stay, e.g. the k-row)
        self.ids = np.array([-1], dtype=np.int64)
        self.areas = areas
        self.known: dict[tuple[int, float], int] = {}  # (area, level) -> pool number
        self.pool_area = np.zeros(0, dtype=np.int64)  # the pool: area and level of a cut
        self.pool_D = np.zeros(0)
        self.held: tuple | None = None  # the basis HiGHS holds, if saved
        self.tight = np.zeros(0, dtype=np.int64)  # degenerate cuts of the last purge

    def add_rows(self, lo: NDArray, starts: NDArray, index: NDArray, value: NDArray) -> None:
        """Rows ``lo_r <= a_r x`` in CSR form (``starts`` of each row) that stay in the
        master for good (the k-row, covering rows)."""
        self._append(lo, starts, index, value, np.full(lo.size, -1, dtype=np.int64))

    def add_cuts(self, rows: NDArray, D: NDArray) -> None:
        """The radius cuts of areas ``rows`` at levels ``D``, pooled: a cut is known by its
        (area, level), so one separated again after a purge keeps its number."""
        if not rows.size:
            return
        ids = np.empty(rows.size, dtype=np.int64)
        fresh = []
        for t, key in enumerate(zip(rows.tolist(), D.tolist(), strict=True)):
            i = self.known.get(key)
            if i is None:
                i = self.known[key] = len(self.known)
                fresh.append(t)
            ids[t] = i
        if fresh:
            self.pool_area = np.concatenate([self.pool_area, rows[fresh]])
            self.pool_D = np.concatenate([self.pool_D, D[fresh]])
        new = ~np.isin(ids, self.ids)  # a cut is in the master at most once
        if new.any():
            self._append(*self.areas.cuts(rows[new], D[new]), ids[new])

    def _append(self, lo: NDArray, starts: NDArray, index: NDArray, value: NDArray,
                ids: NDArray) -> None:
        nr = lo.size
        if not nr:
            return
        self.row_lo = np.concatenate([self.row_lo, lo.astype(np.float64)])
        self.ids = np.concatenate([self.ids, ids])
        self.h.addRows(nr, lo.astype(np.float64), np.full(nr, highspy.kHighsInf),
                       index.size, starts.astype(np.int32), index.astype(np.int32),
                       value.astype(np.float64))

    def restore(self, ids: NDArray) -> None:
        """Put the pooled cuts ``ids`` that are not in the master back in."""
        missing = np.setdiff1d(ids, self.ids)
        if missing.size:
            self._append(*self.areas.cuts(self.pool_area[missing], self.pool_D[missing]),
                         missing)

    def solve(self, time_limit: float) -> tuple[str, NDArray | None, float]:
        """Run the LP: (status, x, objective); status ``"cutoff"`` when the dual simplex
        passed the objective bound set by :meth:`cutoff` (no x)."""
        h = self.h
        self.held = None
        self.tight = np.zeros(0, dtype=np.int64)
        # HiGHS's clock runs over all runs of one instance: the limit is on that total
        h.setOptionValue("time_limit", h.getRunTime() + max(float(time_limit), 0.05))
        h.run()
        st = h.getModelStatus()
        info = h.getInfo()
        if st == highspy.HighsModelStatus.kOptimal:
            status = "optimal"
        elif st == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, np.inf
        elif st == highspy.HighsModelStatus.kObjectiveBound:
            return "cutoff", None, np.inf
        elif st == highspy.HighsModelStatus.kTimeLimit:
            status = "time_limit"
        else:
            status = "error"
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64) if sol.value_valid else None
        obj = float(info.objective_function_value) if x is not None else np.inf
        return status, x, obj

    def bounds(self, lo: NDArray, hi: NDArray) -> None:
        """Set the bounds of the open flags (a node of the branch and bound)."""
        idx = np.arange(self.m, dtype=np.int32)
        self.h.changeColsBounds(self.m, idx, lo.astype(np.float64), hi.astype(np.float64))

    def cutoff(self, value: float) -> None:
        """Stop every later LP once the dual simplex objective (a lower bound of the LP
        optimum) exceeds ``value``: a node that cannot beat the incumbent is not solved
        to the end."""
        self.h.setOptionValue("objective_bound", float(value))

    def purge(self, first: int, tol: float) -> int:
        """Delete the cut rows from index ``first`` on whose activity exceeds their lower
        bound by more than ``tol`` (relative) at the last LP solution; their slacks are
        basic, so the basis HiGHS holds stays optimal. The number deleted."""
        sol = self.h.getSolution()
        if not sol.value_valid:
            return 0
        act = np.asarray(sol.row_value, dtype=np.float64)
        slack = act - self.row_lo > tol * np.maximum(1.0, np.abs(self.row_lo))
        slack[:first] = False
        return self._delete(slack)

    def purge_basic(self) -> int:
        """Delete the pooled cuts whose slack is basic in the basis HiGHS holds (an
        optimal one): the basis and the LP optimum stay, and the master keeps only the
        cuts that define the vertex. The number deleted."""
        b = self.h.getBasis()
        if not b.valid:
            return 0
        basic = np.array([s == _BASIC for s in b.row_status], dtype=bool) & (self.ids >= 0)
        if WARM_TIGHT:  # the basic cuts at zero slack (degenerate) go with the next basis()
            sol = self.h.getSolution()
            if sol.value_valid:
                act = np.asarray(sol.row_value, dtype=np.float64)
                tight = act - self.row_lo <= PURGE_SLACK * np.maximum(1.0, np.abs(self.row_lo))
                self.tight = self.ids[basic & tight]
        return self._delete(basic)

    def _delete(self, mask: NDArray) -> int:
        drop = np.flatnonzero(mask)
        if drop.size:
            self.h.deleteRows(drop.size, drop.astype(np.int32))
            self.row_lo = self.row_lo[~mask]
            self.ids = self.ids[~mask]
            self.held = None
        return int(drop.size)

    def basis(self) -> tuple | None:
        """The current simplex basis (column statuses, the rows' pool ids and statuses),
        None when not valid."""
        b = self.h.getBasis()
        self.held = (list(b.col_status), self.ids.copy(), list(b.row_status), self.tight) \
            if b.valid else None
        return self.held

    def warm(self, saved: tuple | None, shrink: bool = False) -> None:
        """Start the next LP from a saved basis. Cuts that were nonbasic there and have
        been purged since come back from the pool; rows the saved basis did not have are
        basic (their slacks), which keeps the basis square. With ``shrink`` those basic
        cuts leave the master instead (a node's LP then starts with the cuts that define
        its parent's vertex only, as a dive child does)."""
        if saved is None or saved is self.held:
            return  # HiGHS holds that basis already (rows added since are basic there)
        cols, ids, rows, degenerate = saved
        tight = ids[(ids >= 0) & np.array([s != _BASIC for s in rows], dtype=bool)]
        if shrink:
            keep = np.union1d(tight, degenerate)  # degenerate ones come back basic
            self._delete((self.ids >= 0) & ~np.isin(self.ids, keep))
            self.restore(keep)
        else:
            self.restore(tight)
        status = {i: r for i, r in zip(ids.tolist(), rows, strict=True) if i >= 0}
        # rows that stay, in their order (ones added after the save are basic)
        kept = iter([r for i, r in zip(ids.tolist(), rows, strict=True) if i < 0])
        b = highspy.HighsBasis()
        b.col_status = cols
        b.row_status = [status.get(i, _BASIC) if i >= 0 else next(kept, _BASIC)
                        for i in self.ids.tolist()]
        b.valid = True
        self.h.setBasis(b)
        self.held = saved

    def probe(self, lo: NDArray, hi: NDArray, iterations: int) -> float:
        """Objective of the master with the open flags in ``[lo, hi]``, from the basis set
        before, after at most ``iterations`` dual simplex iterations and without new cuts
        (a strong-branching estimate); inf when the child is infeasible or cut off."""
        h = self.h
        self.held = None
        self.bounds(lo, hi)
        h.setOptionValue("simplex_iteration_limit", int(iterations))
        try:
            h.run()
        finally:
            h.setOptionValue("simplex_iteration_limit", self.iteration_limit)
        st = h.getModelStatus()
        if st in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kObjectiveBound):
            return np.inf
        return float(h.getInfo().objective_function_value)

    def reduced_costs(self) -> NDArray:
        """Reduced costs of the open flags at the last LP optimum (zeros, which fix
        nothing, when HiGHS holds no valid duals, e.g. after rows were added)."""
        sol = self.h.getSolution()
        rc = np.asarray(sol.col_dual, dtype=np.float64)
        return rc[:self.m] if sol.dual_valid and rc.size >= self.m else np.zeros(self.m)


class _Areas:
    """Distinct working rows sorted by cost, and the cuts they yield."""

    def __init__(self, M: NDArray, w: NDArray, big: float):
        Mu, inv = np.unique(M, axis=0, return_inverse=True)
        self.weights = np.bincount(inv.ravel(), weights=w, minlength=Mu.shape[0])
        self.order = np.argsort(Mu, axis=1, kind="stable").astype(np.int32)
        self.srt = np.take_along_axis(Mu, self.order, axis=1)
        self.MuT = np.ascontiguousarray(Mu.T)  # candidates x areas: support rows are cheap
        self.g, self.m = Mu.shape
        self.nfin = (self.srt < big * 0.5).sum(axis=1)
        self.top = self.srt[np.arange(self.g), np.maximum(self.nfin - 1, 0)]

    def levels(self, y: NDArray) -> NDArray:
        """Per area, the first level D at which the flags within D add up to one (only
        the nonzero flags count). With a small support of ``y`` (at most a share
        ``LEVEL_SUPPORT`` of the candidates) the work is over areas x support (the
        support sorted per area); otherwise a cumulative sum along the sorted rows, first
        over a prefix of ``LEVEL_PREFIX`` positions, then over four times as many for the
        areas whose prefix holds less than one, up to the whole row."""
        S = np.flatnonzero(y)
        if S.size > LEVEL_SUPPORT * self.m:
            return self._levels_prefix(y)
        if not S.size:
            return self.top.copy()
        sub = self.MuT[S]  # support x areas
        o = np.argsort(sub, axis=0, kind="stable")
        cum = np.cumsum(y[S][o], axis=0)
        hit = cum >= 1.0 - 1e-9
        D = np.take_along_axis(sub, o, axis=0)[np.argmax(hit, axis=0), np.arange(self.g)]
        D[~hit[-1]] = np.inf  # never one: the largest (finite) distance
        return np.minimum(D, self.top)

    def _levels_prefix(self, y: NDArray) -> NDArray:
        """:meth:`levels` by cumulative sums over growing prefixes of the sorted rows."""
        D = np.empty(self.g)
        rows = np.arange(self.g)
        width = min(LEVEL_PREFIX, self.m)
        while rows.size:
            order = self.order[:, :width] if rows.size == self.g else self.order[rows, :width]
            cum = np.cumsum(y[order], axis=1)
            hit = cum[:, -1] >= 1.0 - 1e-9
            if width == self.m:  # never one: the largest (finite) distance
                pos = np.where(hit, np.argmax(cum >= 1.0 - 1e-9, axis=1), self.m - 1)
                hit[:] = True
            else:
                pos = np.argmax(cum[hit] >= 1.0 - 1e-9, axis=1)
            done = rows[hit]
            D[done] = self.srt[done, np.minimum(pos, np.maximum(self.nfin[done] - 1, 0))]
            rows = rows[~hit]
            width = min(4 * width, self.m)
        return D

    def value(self, rows: NDArray, D: NDArray, y: NDArray) -> NDArray:
        """Right-hand side of the cut at levels ``D`` minus its y-terms, at ``y``."""
        S = np.flatnonzero(y)
        sub = self.MuT[S] if rows.size == self.g else self.MuT[np.ix_(S, rows)]
        return D - y[S] @ np.maximum(D[None, :] - sub, 0.0)

    def cuts(self, rows: NDArray, D: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """CSR rows ``theta_i + sum_j max(0, D - c_ij) y_j >= D`` for ``rows`` (over the
        shortest prefix of the sorted rows that holds every cost below its level)."""
        width = min(LEVEL_PREFIX, self.m)
        while width < self.m and (self.srt[rows, width - 1] < D).any():
            width = min(4 * width, self.m)
        sub = self.srt[rows, :width]
        inside = sub < D[:, None]
        q = inside.sum(axis=1)
        starts = np.concatenate([[0], np.cumsum(q + 1)[:-1]])
        index = np.empty(int(q.sum()) + rows.size, np.int64)
        value = np.empty(index.size)
        theta_at = starts + q
        mask = np.ones(index.size, bool)
        mask[theta_at] = False
        index[mask] = self.order[rows, :width][inside]
        value[mask] = (D[:, None] - sub)[inside]
        index[theta_at] = self.m + rows
        value[theta_at] = 1.0
        return D, starts, index, value


def pmedian_benders(
    work: Work, k: int, heur_open: NDArray, deadline: float, fixing: Fixing | None = None,
) -> BendersSolution:
    """Exact p-median on the working matrix by Benders cuts of the radius formulation.

    Parameters
    ----------
    work : Work
        The working matrix (active areas x allowed candidates).
    k : int
        Number of open centres.
    heur_open : numpy.ndarray of int
        Working columns of a feasible incumbent (e.g. the heuristic's).
    deadline : float
        :func:`time.perf_counter` value at which to stop with the best solution so far.
    fixing : Fixing, optional
        Centres the Lagrangian reduced costs fixed closed/open against ``heur_open``.

    Returns
    -------
    BendersSolution
        ``bound`` is a proven lower bound, never above the incumbent's cost.

    Raises
    ------
    InfeasibleScenario
        When no choice of k centres reaches every area.
    """
    cols = np.flatnonzero(~fixing.closed) if fixing is not None else np.arange(work.m)
    forced = work.keep_mask.copy()
    if fixing is not None:
        forced |= fixing.opened
    forced = forced[cols]
    M = np.asarray(work.M if cols.size == work.m else work.M[:, cols], dtype=np.float64)
    areas = _Areas(M, work.w, work.big)
    m, g = areas.m, areas.g
    if forced.sum() > k or m < k:
        raise InfeasibleScenario(f"k={k} centres cannot be chosen among {m} candidates")
    ub, best_open = work.cost(heur_open), np.asarray(heur_open)
    feasible = ub < work.big * 0.5

    def cost_of(y: NDArray) -> float:
        return float(work.w @ M[:, np.flatnonzero(y > 0.5)].min(axis=1))

    master = _Master(areas, forced.astype(float), np.ones(m), k)
    short = np.flatnonzero(areas.nfin < m)  # areas that cannot reach every candidate
    if short.size:
        if (areas.nfin[short] == 0).any():
            raise InfeasibleScenario("an area cannot reach any allowed hospital")
        nf = areas.nfin[short]
        inside = np.arange(m)[None, :] < nf[:, None]
        master.add_rows(np.ones(short.size), np.concatenate([[0], np.cumsum(nf)[:-1]]),
                        areas.order[short][inside], np.ones(int(nf.sum())))
    first_cut = master.h.getNumRow()  # the k-row and covering rows stay
    n_cuts = 0
    everyone = np.arange(g)
    tol = _VIOL * max(abs(ub) if feasible else 1.0, 1e-9) / max(areas.weights.sum(), 1e-12)

    # explicit-z odd-cycle cuts (pmcuts.ZBands): z columns after theta, rows that stay
    zb = ZBands(areas, m + g) if feasible and pmcuts.Z_ROUNDS > 0 else None
    in_tree = [False]

    def add_cuts(D: NDArray, y: NDArray, theta: NDArray, z: NDArray | None = None) -> bool:
        """Add the violated cuts at levels ``D`` for the point (y, theta); with z columns
        and their values ``z``, the violated z-form rows too."""
        nonlocal n_cuts
        val = areas.value(everyone, D, y)
        viol = np.flatnonzero(val > theta + tol * np.maximum(1.0, np.abs(val)))
        if viol.size:
            master.add_cuts(viol, D[viol])
            n_cuts += viol.size
        more = 0
        if zb is not None and z is not None and (not in_tree[0] or (
                pmcuts.Z_NODES and zb.tree_rows < pmcuts.Z_NODE_ROWS)):
            rows = zb.benders_rows(y, theta, z, tol)
            more = rows[0].size
            if more:
                master.add_rows(*rows)
                n_cuts += more
                if in_tree[0]:
                    zb.tree_rows += more
        return bool(viol.size or more)

    if feasible:
        y_inc = np.zeros(m)
        y_inc[np.searchsorted(cols, best_open)] = 1.0
        add_cuts(areas.levels(y_inc), y_inc, np.full(g, -np.inf))

    # integral data (integer weights and costs): every solution costs an integer, so a
    # bound above ub - 1 leaves nothing cheaper than the incumbent to find
    step = float(_integral(areas.weights) and _integral(areas.srt[areas.srt < work.big * 0.5]))

    def margin() -> float:
        """How far below ub a bound may be and still prove the incumbent optimal."""
        return max(GAP_TOLERANCE * abs(ub), step - 1e-6 * max(abs(ub), 1.0))

    def closes(value: float) -> bool:
        return ub - value <= margin()

    last_theta: list[NDArray | None] = [None]

    def node_lp(lo: NDArray, hi: NDArray, stabilise: bool, start: tuple | None = None,
                pre: tuple[NDArray, NDArray] | None = None,
                ) -> tuple[float, NDArray | None, bool]:
        """LP bound of a node by cut generation: (bound, y, converged); bound inf when the
        node is infeasible, y None when the time ran out before the first LP. ``start``
        is the parent's basis; ``pre`` a point (y, theta) whose violated cuts go in before
        the first LP (the parent's point moved to the child's side)."""
        master.bounds(lo, hi)
        master.warm(start, shrink=WARM_SHRINK)
        if pre is not None:
            add_cuts(areas.levels(pre[0]), pre[0], pre[1])
        bound, y, core, rounds, converged = -np.inf, None, None, 0, False
        while rounds < LP_MAX_ROUNDS and deadline - time.perf_counter() > 0.05:
            status, x, obj = master.solve(deadline - time.perf_counter())
            if status in ("infeasible", "cutoff"):
                return np.inf, None, False
            if status != "optimal" or x is None:
                break
            rounds += 1
            y, theta, z = x[:m], x[m:m + g], x[m + g:]
            last_theta[0] = theta
            last, bound = bound, max(bound, obj)
            if feasible and closes(bound):
                break
            if (EARLY_RISE > 0 and not stabilise and feasible and rounds >= 2
                    and bound - last < EARLY_RISE * (ub - margin() - bound)
                    and ((y > 1e-6) & (y < 1 - 1e-6)).any()):
                break  # early branching: the bound stalls far below the pruning level
            added = False
            if stabilise:
                core = y.copy() if core is None else core
                added = add_cuts(areas.levels(STAB_ALPHA * y + (1 - STAB_ALPHA) * core), y,
                                 theta, z)
                core = 0.5 * (core + y)
            if not added and not add_cuts(areas.levels(y), y, theta, z):
                converged = True
                break
        return bound, y, converged

    # phase 1: the root LP relaxation (stabilised cut generation)
    root_lo, root_hi = forced.astype(np.float64), np.ones(m)
    lp_bound, y_root, root_done = node_lp(root_lo, root_hi, stabilise=True)
    if lp_bound == np.inf:
        raise InfeasibleScenario(
            f"no choice of k={k} centres among the allowed hospitals can reach every area")
    if y_root is None:
        return BendersSolution(best_open, -np.inf, "time_limit", -np.inf, 0, n_cuts, 0)
    if feasible:  # odd-cycle cuts on the covering rows lift the root bound (pmcuts.py)
        lp_bound, y_root, root_done, n_odd = root_cuts(
            master, areas, lambda: node_lp(root_lo, root_hi, stabilise=False), lp_bound,
            y_root, root_done, deadline, stop=closes, big=work.big)
        n_cuts += n_odd
    if zb is not None:  # the explicit-z form of the same cuts (pmcuts.ZBands)
        lp_bound, y_root, root_done, n_odd = z_root_cuts(
            master, zb, lambda: node_lp(root_lo, root_hi, stabilise=False), lp_bound,
            y_root, root_done, deadline, stop=closes, big=work.big)
        n_cuts += n_odd
    # cut pool: the cuts slack at the root optimum go (the node LPs get cheaper; a node
    # that needs one again separates it anew)
    if root_done and master.purge(first_cut, PURGE_SLACK):
        master.solve(deadline - time.perf_counter())
    if zb is not None:
        zb.seen.clear()  # purged z-form rows may come back at the nodes
        in_tree[0] = True
    if feasible:
        master.cutoff(ub - margin())

    # phase 2: branch and bound on the open flags, LP bounds by cut generation,
    # reduced-cost fixing at every node, best bound first
    n_fixed, nodes, counter = 0, 0, 0
    heap: list[tuple[float, int, NDArray, NDArray, NDArray | None, bool, tuple | None]] = [
        (lp_bound, 0, root_lo, root_hi, y_root, root_done, master.basis())]
    tag = 0
    status = "time_limit"
    # pseudo-costs: bound rise per unit of a flag's change, per flag and side (0 down,
    # 1 up), learnt from the strong-branching probes and from every child LP; past the
    # strong-branching nodes the flag with the largest product of estimated rises wins
    rise_sum, rise_n = np.zeros((2, m)), np.zeros((2, m))
    parent_of: dict[int, tuple[int, int, float, float]] = {}  # child tag -> branching
    pre_point: dict[int, tuple[NDArray, NDArray]] = {}  # child tag -> point to separate at

    def learn(j: int, side: int, dist: float, rise: float) -> None:
        if dist > 1e-9 and np.isfinite(rise):
            rise_sum[side, j] += rise / dist
            rise_n[side, j] += 1

    def pseudo_scores(frac: NDArray, y: NDArray, cap: float = np.inf) -> NDArray:
        """Product of the estimated bound rises of branching on each of ``frac``: per unit
        of change the flag's mean record in that direction, else the mean over all flags,
        else 1 (the product of the distances to 0 and 1 then: most fractional first)."""
        seen = rise_n > 0
        tot = rise_n.sum(axis=1)
        mean = np.where(tot > 0, rise_sum.sum(axis=1) / np.maximum(tot, 1), 1.0)
        unit = np.where(seen, rise_sum / np.maximum(rise_n, 1), mean[:, None])[:, frac]
        return (np.clip(unit[0] * y[frac], 1e-6, cap)
                * np.clip(unit[1] * (1 - y[frac]), 1e-6, cap))

    def pseudo_cost_choice(frac: NDArray, y: NDArray, cap: float = np.inf) -> int:
        seen = rise_n > 0
        if not seen.any(axis=1).all():
            return int(frac[np.argmin(np.abs(y[frac] - 0.5))])  # most fractional
        mean = rise_sum.sum(axis=1) / rise_n.sum(axis=1)  # for flags never branched on
        unit = np.where(seen, rise_sum / np.maximum(rise_n, 1), mean[:, None])[:, frac]
        score = (np.clip(unit[0] * y[frac], 1e-6, cap)
                 * np.clip(unit[1] * (1 - y[frac]), 1e-6, cap))
        return int(frac[np.argmax(score)])

    # depth-first dives: one child of a branched node is solved right after it, from the
    # basis HiGHS holds (no stored basis to re-factorise); best bound first on backtrack
    dive: tuple | None = None
    while heap or dive is not None:
        if dive is not None:
            bound_here, tag, lo, hi, y, done, start = dive
            dive = None
        else:
            bound_here, tag, lo, hi, y, done, start = heapq.heappop(heap)
        counter += 1
        pre = pre_point.pop(tag, None)  # taken here: a child pruned unsolved drops it too
        if feasible and closes(bound_here):
            continue
        if y is None:  # a child: its own LP
            if deadline - time.perf_counter() <= 0.05:
                heapq.heappush(heap, (bound_here, counter, lo, hi, None, False, start))
                break
            value, y, done = node_lp(lo, hi, stabilise=False, start=start, pre=pre)
            nodes += 1
            branch = parent_of.pop(tag, None)
            if branch is not None and y is not None and np.isfinite(value):
                learn(branch[0], branch[1], branch[2], max(value - branch[3], 1e-6))
            if value == np.inf or (feasible and closes(value)):
                continue
            if y is None:
                heapq.heappush(heap, (bound_here, counter, lo, hi, None, False, start))
                break
            bound_here = max(bound_here, value)
        else:
            master.bounds(lo, hi)
            master.warm(start)
            master.solve(deadline - time.perf_counter())
        rc = master.reduced_costs() if feasible else None
        frac = np.flatnonzero((y > 1e-6) & (y < 1 - 1e-6))
        j_strong, empty = -1, False
        must_open: list[int] = []  # flags whose probe of side 0 (1) was empty
        must_close: list[int] = []
        probing = frac.size > 1 and ub - bound_here > SB_GAP * abs(ub)
        # a child whose bound rises past the pruning level is pruned however far past:
        # scores count a rise up to that level only
        cap = max(ub - margin() - bound_here, 1e-6) if SCORE_CAP and feasible else np.inf
        if probing and nodes <= SB_NODES:
            # strong branching near the root: both children of the most fractional flags
            order = frac[np.argsort(np.abs(y[frac] - 0.5), kind="stable")[:SB_CANDIDATES]]
            budget, lookahead = order.size, order.size
        elif probing and RB_RELIABLE > 0:
            # reliability branching: flags in the order of their pseudo-cost scores; a flag
            # with fewer than RB_RELIABLE records in a direction is probed, the others are
            # scored by their pseudo-costs
            order = frac[np.argsort(-pseudo_scores(frac, y, cap), kind="stable")]
            budget, lookahead = RB_MAX_PROBES, RB_LOOKAHEAD
        else:
            order, budget, lookahead = frac[:0], 0, 0
        if order.size:
            # probes: both children of a flag, each from this node's basis, without new
            # cuts; the largest product of the two bound rises wins. A child whose probe
            # is infeasible or cut off holds nothing better than the incumbent (the probe
            # LP relaxes the child's), so the flag takes the other value in every child
            pre = master.basis()
            best_score, since, probed = -1.0, 0, 0
            for c in order.tolist():
                if since >= lookahead:
                    break
                if probed >= budget or rise_n[:, c].min() >= RB_RELIABLE > 0 \
                        and nodes > SB_NODES:
                    score = float(pseudo_scores(np.array([c]), y, cap)[0])
                else:
                    probed += 1
                    rise = []
                    for side in (0.0, 1.0):
                        clo, chi = lo.copy(), hi.copy()
                        clo[c] = chi[c] = side
                        if clo.sum() > k or chi.sum() < k:
                            rise.append(np.inf)
                            continue
                        master.warm(pre)
                        rise.append(max(master.probe(clo, chi, SB_ITERATIONS) - bound_here,
                                        1e-6))
                        learn(c, int(side), abs(side - y[c]), rise[-1])
                    if PROBE_FIXING and np.isinf(rise[0]) != np.isinf(rise[1]):
                        (must_open if np.isinf(rise[0]) else must_close).append(c)
                    score = min(rise[0], cap) * min(rise[1], cap) + 1e-9 * (
                        np.isinf(rise[0]) + np.isinf(rise[1]))  # an empty side first
                    if np.isinf(rise[0]) and np.isinf(rise[1]):
                        empty = True  # both children are empty: so is this node
                if score > best_score:
                    best_score, j_strong, since = score, c, 0
                else:
                    since += 1
            master.bounds(lo, hi)
            master.warm(pre)
            if empty:
                continue
        if NODE_PURGE:  # the cuts basic at this node's optimum go back to the pool
            master.purge_basic()
        here = master.basis()
        # incumbent from the LP point: its k largest flags
        pick = np.argsort(-(y + 2.0 * lo), kind="stable")[:k]
        y_round = np.zeros(m)
        y_round[pick] = 1.0
        c_round = cost_of(y_round)
        if c_round < ub:
            ub, best_open, feasible = c_round, cols[np.sort(pick)], c_round < work.big * 0.5
            if feasible:
                master.cutoff(ub - margin())
            if feasible and closes(bound_here):
                continue
        if not frac.size:
            if not done:  # integral but cuts still violated: more cut rounds
                counter += 1
                heapq.heappush(heap, (bound_here, counter, lo, hi, None, False, here))
            continue  # integral and converged: its cost is its bound (cut off above)
        # reduced-cost fixing against the incumbent
        if feasible and rc is not None:
            # a flag whose other value lifts the bound past the pruning level ub - margin
            # (integral data: above ub - 1) leads to nothing the tree would keep
            level = ub - margin()
            lo, hi = lo.copy(), hi.copy()
            shut = (y < 1e-9) & (bound_here + rc > level) & (lo < 0.5)
            force = (y > 1 - 1e-9) & (bound_here - rc > level)
            hi[shut], lo[force] = 0.0, 1.0
            n_fixed += int(shut.sum() + force.sum())
        if must_open or must_close:  # the flags whose probe emptied one side
            lo, hi = lo.copy(), hi.copy()
            lo[must_open], hi[must_close] = 1.0, 0.0
            n_fixed += len(must_open) + len(must_close)
        j = j_strong if j_strong >= 0 else pseudo_cost_choice(frac, y, cap)
        for side in (0.0, 1.0):
            clo, chi = lo.copy(), hi.copy()
            if not lo[j] <= side <= hi[j]:
                continue  # a probe emptied that side
            clo[j] = chi[j] = side
            if clo.sum() <= k and chi.sum() >= k:
                counter += 1
                parent_of[counter] = (j, int(side), abs(side - y[j]), bound_here)
                if PRESEP and last_theta[0] is not None:
                    yp = np.clip(y, clo, chi)
                    free = (clo < 0.5) & (chi > 0.5)
                    rest, have = k - clo[~free].sum(), yp[free].sum()
                    if have > 1e-9:
                        yp[free] *= rest / have
                    pre_point[counter] = (np.minimum(yp, 1.0), last_theta[0])
                if dive is not None:
                    heapq.heappush(heap, dive)
                dive = (bound_here, counter, clo, chi, None, False, here)
    if dive is not None:  # stopped on time with a dive child pending
        heapq.heappush(heap, dive)
    if not heap:
        status, bound = "optimal", ub
    else:
        bound = min(ub, min(item[0] for item in heap))
    if not feasible:
        raise InfeasibleScenario(
            f"no choice of k={k} centres among the allowed hospitals can reach every area")
    return BendersSolution(best_open, bound, status, lp_bound, nodes, n_cuts, n_fixed)


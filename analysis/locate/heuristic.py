"""Greedy addition and fast vertex substitution (Resende-Werneck) on candidate lists.

The uncapacitated p-median heuristic: :func:`greedy` gives a start, :class:`Swap` keeps the
fast-interchange tables, :func:`local_search` swaps until no swap improves and
:func:`pmedian_heuristic` runs the multi-start search. On a large instance the search runs
on an aggregate (:func:`aggregate`: areas grouped by their nearest candidates) and
:func:`polish` finishes it on the full instance with :func:`dense_swaps` (every swap's
profit from one read of the matrix), so the full instance's candidate lists are never
built.

Examples
--------
>>> import numpy as np
>>> from analysis.locate.candidates import Work
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1)
>>> work = Work(prob)
>>> greedy(work, work.lists(1), 1, np.zeros(0, np.int64)).tolist()
[0]
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from analysis.locate.candidates import (
    BLOCK_ELEMENTS,
    LIST_THREADS,
    CandidateLists,
    Work,
    blocks,
    on_row_ranges,
    slabs,
)
from analysis.locate.problem import prepare

__all__ = [
    "AGGREGATE_DEPTH",
    "AGGREGATE_MIN_ENTRIES",
    "AGGREGATE_STARTS",
    "RESTART_WORK",
    "START_THREADS_MIN",
    "Aggregate",
    "DenseSwaps",
    "HeuristicSolution",
    "LocalOptimum",
    "Swap",
    "aggregate",
    "dense_swaps",
    "greedy",
    "local_search",
    "n_starts",
    "pmedian_heuristic",
    "polish",
    "refine",
    "swap_profit",
]

# multi-start: 4 starts up to n*K = 4e6 list entries, 2 up to 4e7, then the greedy start only
RESTART_WORK = (4_000_000, 40_000_000)

#: from START_THREADS_MIN list entries (n x K) the starts of the multi-start search run
#: in LIST_THREADS threads (each start's local search is mostly numpy array work)
START_THREADS_MIN = 1_000_000

#: above AGGREGATE_MIN_ENTRIES list entries (n x K) the search starts from the best local
#: optimum of AGGREGATE_STARTS starts on the aggregated instance: areas grouped by their
#: AGGREGATE_DEPTH nearest candidates (see :func:`aggregate`)
AGGREGATE_MIN_ENTRIES, AGGREGATE_DEPTH, AGGREGATE_STARTS = 10_000_000, 3, 4

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Aggregate:
    """Areas grouped into one demand point per group: the groups' working matrix
    (``work``: weighted mean rows, same columns as the full one), each area's group
    (``group``) and each group's weight (``weight``)."""

    work: Work
    group: NDArray
    weight: NDArray


def aggregate(work: Work, depth: int = AGGREGATE_DEPTH,
              extra: NDArray | None = None) -> Aggregate:
    """Group the areas that share their ``depth`` nearest candidates (in order).

    A group's row is the weighted mean of its areas' rows, so a group served by one
    centre costs exactly what its areas cost there; the aggregated objective of any open
    set is at least the full one (an area may be nearer another open centre than its
    group is). Areas with the same nearest candidates lie in the same cell of the
    order-``depth`` Voronoi diagram of the candidates, small beside the cells of ``k``
    open centres, so on large instances the aggregated local optimum is a close start.
    The nearest candidates come from :meth:`Work.nearest` (no candidate lists); the mean
    rows cost one sparse product (one read of the matrix, by two threads on a large one).
    """
    depth = max(1, min(depth, work.m))
    while depth > 1 and float(work.m) ** depth >= 2.0 ** 62:  # the key must fit in int64
        depth -= 1
    near = work.nearest(depth).idx
    code = np.zeros(work.n, np.int64)
    for c in range(depth):
        code = code * work.m + near[:, c]
    if extra is not None:  # e.g. each area's nearest open centres: finer groups
        _, code = np.unique(code, return_inverse=True)
        for col in np.asarray(extra).reshape(work.n, -1).T:
            code = code.ravel().astype(np.int64) * (int(col.max()) + 1) + col
            _, code = np.unique(code, return_inverse=True)
    _, group = np.unique(code, return_inverse=True)
    group = group.ravel().astype(np.int64)
    g = int(group.max()) + 1
    weight = np.bincount(group, weights=work.w, minlength=g)
    return _aggregate_of(work, group, weight, _mean_rows(work, group, weight, g))


def refine(work: Work, base: Aggregate, extra: NDArray) -> Aggregate:
    """``base``'s groups split by ``extra`` (one value per area, e.g. its nearest open
    centre): the groups of ``aggregate(work, extra=extra)`` when ``base`` is
    ``aggregate(work)``, in the same order. Only the rows of the groups that split are
    computed again (from their areas' rows); the others are copied from ``base``, and
    so are their candidate lists (of every size ``base`` has built: only the new rows
    are sorted, see :meth:`Work.derive_lists`)."""
    extra = np.asarray(extra, dtype=np.int64)
    code = base.group * (int(extra.max()) + 1) + extra
    _, first, group = np.unique(code, return_index=True, return_inverse=True)
    group = group.ravel().astype(np.int64)
    g = first.size
    parent = base.group[first]
    split = np.bincount(parent, minlength=base.weight.size)[parent] > 1
    weight = np.bincount(group, weights=work.w, minlength=g)
    # one gather into a fresh array (np.array of the fancy-indexed rows made a second
    # g x m copy and freed the first: 0.1-0.35 system CPU-s over the bound's three
    # refines at 150,000 x 1,000, where freeing a large array is slow)
    rows = np.asarray(base.work.M.take(parent, axis=0), dtype=work.dt)
    areas = np.flatnonzero(split[group])
    redo = np.flatnonzero(split)
    if areas.size:  # columns of A for every area, entries for those of split groups
        sub = group[areas]  # (no copy of their rows: the product skips empty columns)
        share = (work.w[areas] / weight[sub]).astype(work.dt)
        at = np.zeros(g, np.int64)  # A's rows: the split groups only (a smaller product)
        at[redo] = np.arange(redo.size)
        A = sp.csc_matrix((share, (at[sub], areas)), shape=(redo.size, work.n))
        rows[redo] = np.asarray(A @ work.M)
    out = _aggregate_of(work, group, weight, rows)
    if out.work.n == g and out.work.M.dtype == base.work.M.dtype:  # rows as built here
        out.work.derive_lists(base.work, parent, redo)  # sort only the new rows' lists
    return out


def _mean_rows(work: Work, group: NDArray, weight: NDArray, g: int) -> NDArray:
    """Each group's weighted mean row: one sparse product (column-compressed, so the
    matrix is read in row order), by two threads on a large matrix."""
    share = (work.w / weight[group]).astype(work.dt)

    def part(s: int, e: int) -> NDArray:
        A = sp.csc_matrix((share[s:e], (group[s:e], np.arange(e - s))), shape=(g, e - s))
        return np.asarray(A @ work.M[s:e])

    parts = on_row_ranges(work.n, work.m, part)
    out = parts[0]
    for more in parts[1:]:  # in place: np.sum over the list would first stack the parts
        out += more  # (fresh pages cost: 0.3-0.7 system CPU-s at 150,000 x 1,000)
    return out


def _aggregate_of(work: Work, group: NDArray, weight: NDArray, rows: NDArray) -> Aggregate:
    keep_pos = np.flatnonzero(work.keep_mask)
    prob = prepare(rows, weight, k=max(int(keep_pos.size), 1), keep=keep_pos)
    return Aggregate(Work(prob), group, weight)


def greedy(work: Work, lists: CandidateLists, k: int, start: NDArray) -> NDArray:
    """Greedy addition; an area's distance is capped at its list radius (a start only).

    With full lists (K = m) this is the classic greedy: the first pick minimises the
    weighted column sum, each next one maximises the exact saving.
    """
    d = lists.rad.copy()
    gain = np.zeros(work.m)

    def account(rows: NDArray, sign: float) -> None:
        nonlocal gain
        dr, wr = d[rows], work.w[rows] * sign
        for loc, c, col in slabs(work, lists, rows, dr):  # d <= rad: never the full row
            g = wr[loc, None] * np.maximum(dr[loc, None] - c, 0.0)
            gain += np.bincount(col.ravel(), weights=g.ravel(), minlength=work.m)

    def open_col(j: int) -> None:
        cj = np.asarray(work.M[:, j], dtype=np.float64)
        rows = np.flatnonzero(cj < d)
        account(rows, -1.0)
        d[rows] = cj[rows]
        account(rows, 1.0)

    account(np.arange(work.n), 1.0)
    open_mask = np.zeros(work.m, bool)
    for j in start:
        open_mask[j] = True
        open_col(int(j))
    while open_mask.sum() < k:
        g = np.where(open_mask, -np.inf, gain)
        j = int(np.argmax(g))
        open_mask[j] = True
        open_col(j)
    return np.flatnonzero(open_mask)


class Swap:
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

    def __init__(self, work: Work, lists: CandidateLists, open_pos: NDArray):
        self.work, self.lists = work, lists
        self.open = np.array(open_pos, dtype=np.int64)
        self.k = self.open.size
        self.slot = np.full(work.m, -1, np.int64)
        self.slot[self.open] = np.arange(self.k)
        two = work.nearest_two(self.open)
        self.d1, self.d2, self.p1, self.p2 = two.d1, two.d2, two.p1, two.p2
        self.gain = np.zeros(work.m)
        self.loss = np.zeros(self.k)
        self.extra = np.zeros(self.k * work.m)
        self._account(np.arange(work.n), 1.0)
        self.cost = float(work.w @ self.d1)

    def _account(self, rows: NDArray, sign: float) -> None:
        work, m = self.work, self.work.m
        d1, d2 = self.d1[rows], self.d2[rows]
        s1 = self.slot[self.p1[rows]]
        wr = work.w[rows] * sign
        self.loss += np.bincount(s1, weights=wr * (d2 - d1), minlength=self.k)
        for loc, c, col in slabs(work, self.lists, rows, d2):
            wv, a, b = wr[loc, None], d1[loc, None], d2[loc, None]
            # h = max(d2 - c, 0) splits into e = min(h, d2 - d1) = max(d2 - max(c, d1), 0)
            # and g = h - e = max(d1 - c, 0); weighted, in place
            e = np.subtract(b, c)
            np.maximum(e, 0.0, out=e)
            g = np.minimum(e, b - a)
            np.subtract(e, g, out=e)
            e, g = g, e
            e *= wv
            g *= wv
            col2 = np.broadcast_to(col, c.shape)
            self.gain += np.bincount(col2.ravel(), weights=g.ravel(), minlength=m)
            self.extra += np.bincount((s1[loc, None] * m + col2).ravel(), weights=e.ravel(),
                                      minlength=self.k * m)

    def profit(self) -> NDArray:
        """Profit of every swap (close slot s, open column j), shape (k, m); -inf where
        barred (j already open, or slot s holds a kept centre)."""
        P = self.gain[None, :] - self.loss[:, None] + self.extra.reshape(self.k, self.work.m)
        P[:, self.open] = -np.inf
        P[self.work.keep_mask[self.open], :] = -np.inf
        return P

    def apply(self, s: int, j: int) -> int:
        """Close slot ``s``, open column ``j`` there; returns the closed column."""
        work, o = self.work, int(self.open[s])
        cj = np.asarray(work.M[:, j], dtype=np.float64)
        rows = np.flatnonzero((self.p1 == o) | (self.p2 == o) | (cj < self.d2))
        self._account(rows, -1.0)
        self.open[s] = j
        self.slot[o], self.slot[j] = -1, s
        lost = (self.p1[rows] == o) | (self.p2[rows] == o)
        a = rows[lost]
        if a.size:
            two = work.nearest_two(self.open, a)
            self.d1[a], self.d2[a], self.p1[a], self.p2[a] = two.d1, two.d2, two.p1, two.p2
        b = rows[~lost]
        c = cj[b]
        near = c < self.d1[b]
        bn, bs = b[near], b[~near]  # bs: between d1 and d2
        self.d2[bn], self.p2[bn] = self.d1[bn], self.p1[bn]
        self.d1[bn], self.p1[bn] = c[near], j
        self.d2[bs], self.p2[bs] = c[~near], j
        self._account(rows, 1.0)
        self.cost = float(work.w @ self.d1)
        return o


def swap_profit(work: Work, open_pos: NDArray) -> NDArray:
    """Profit table of all swaps (remove open r, insert closed j), shape (k, m)."""
    return Swap(work, work.lists(open_pos.size), np.sort(open_pos)).profit()


@dataclass(frozen=True)
class LocalOptimum:
    """Where :func:`local_search` stopped: sorted open positions and whether no swap
    improves (False: stopped by the deadline)."""

    open_pos: NDArray
    finished: bool


def local_search(
    work: Work, lists: CandidateLists, open_pos: NDArray, deadline: float
) -> LocalOptimum:
    """Best-improvement vertex substitution from ``open_pos`` until ``deadline`` (a
    :func:`time.perf_counter` value)."""
    state = Swap(work, lists, np.sort(open_pos))
    while True:
        if time.perf_counter() > deadline:
            return LocalOptimum(np.sort(state.open), False)
        P = state.profit()
        s, j = np.unravel_index(int(np.argmax(P)), P.shape)
        before = state.cost
        if not P[s, j] > 1e-9 * max(abs(before), 1.0):
            return LocalOptimum(np.sort(state.open), True)
        o = state.apply(int(s), int(j))
        if not state.cost < before - 1e-12 * max(abs(before), 1.0):  # numerical guard
            state.apply(int(s), o)
            return LocalOptimum(np.sort(state.open), True)


@dataclass(frozen=True)
class DenseSwaps:
    """Every swap's profit for one open set, from one dense pass (:func:`dense_swaps`):
    ``profit`` (k, m) as :meth:`Swap.profit` (slots = the sorted open columns), the
    set's ``cost`` and each row's nearest open column ``p1``."""

    open_pos: NDArray
    profit: NDArray
    cost: float
    p1: NDArray


def dense_swaps(work: Work, open_pos: NDArray) -> DenseSwaps:
    """The profit of every swap (close slot s, open column j) from one read of the
    working matrix, without candidate lists.

    With d1, d2 the nearest and second-nearest open costs of row i and ``S_s`` the rows
    whose nearest open centre is slot s, the profit is ``sum_{i not in S_s} w_i max(d1_i
    - c_ij, 0) + sum_{i in S_s} w_i (d1_i - min(d2_i, c_ij))``, that is ``gain_j +
    sum_{i in S_s} w_i min(max(d1_i - c_ij, d1_i - d2_i), 0)`` with ``gain_j = sum_i w_i
    max(d1_i - c_ij, 0)``: per row block four elementwise passes, a weighted column sum
    and one small matrix product (slot-indicator rows x block), in the working
    precision, summed in float64 (no difference of two large sums: a penalty cost d2
    enters only where it is the answer). With a single open centre: the cost minus each
    column's cost. Two threads on a large matrix.

    >>> import numpy as np
    >>> from analysis.locate.problem import prepare
    >>> W = Work(prepare(np.array([[0., 10., 3.], [10., 0., 3.], [4., 6., 0.]]),
    ...                  [1., 1., 5.], k=2))
    >>> t = dense_swaps(W, np.array([0, 1]))
    >>> t.cost, t.profit.tolist()   # either swap for column 2 leaves a cost of 3
    (20.0, [[-inf, -inf, 17.0], [-inf, -inf, 17.0]])
    """
    open_pos = np.sort(np.asarray(open_pos, dtype=np.int64))
    k, m, dt = open_pos.size, work.m, work.dt
    p1 = np.empty(work.n, np.int64)
    zero = np.zeros(m, dt)  # an array operand: numpy's max/min with a scalar are slower

    def part(s: int, e: int) -> tuple[NDArray, NDArray, float]:
        gain, slot, cost = np.zeros(m), np.zeros((k, m)), 0.0
        # per-thread scratch for the two block-sized temporaries (out=): no fresh
        # allocation per block (1,146 blocks of 1 MB a call at 150,000 x 1,000)
        rows = max(1, BLOCK_ELEMENTS // max(m, 1))
        Xs, Ys = np.empty((rows, m), dt), np.empty((rows, m), dt)
        for a, b in blocks(s, e, m):
            B: NDArray = np.asarray(work.M[a:b], dtype=dt)
            wb, r = work.w[a:b], np.arange(b - a)
            sub = B[:, open_pos]
            if k == 1:
                p1[a:b] = open_pos[0]
                cost += float(wb @ sub[:, 0].astype(np.float64))
                gain += wb.astype(dt) @ B  # each column's cost, as the only centre
                continue
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            v = np.take_along_axis(sub, two, axis=1)
            first = v[:, 0] <= v[:, 1]
            s1 = np.where(first, two[:, 0], two[:, 1])
            d1 = sub[r, s1]
            d2 = sub[r, np.where(first, two[:, 1], two[:, 0])]
            p1[a:b] = open_pos[s1]
            cost += float(wb @ d1.astype(np.float64))
            S = np.zeros((b - a, k), dt)
            S[r, s1] = wb
            X = np.subtract(d1[:, None], B, out=Xs[:b - a])  # d1 - c
            # (d1 - min(d2, c)) - max(d1 - c, 0) = min(max(d1 - c, d1 - d2), 0): what a
            # row of the closed slot adds to the kept-slot term
            Y = np.maximum(X, (d1 - d2)[:, None], out=Ys[:b - a])
            np.minimum(Y, zero, out=Y)
            np.maximum(X, zero, out=X)  # max(d1 - c, 0): slot kept
            gain += wb.astype(dt) @ X
            slot += S.T @ Y
        return gain, slot, cost

    parts = on_row_ranges(work.n, m, part)
    gain: NDArray = np.sum([q[0] for q in parts], axis=0)
    slot: NDArray = np.sum([q[1] for q in parts], axis=0)
    cost = float(sum(q[2] for q in parts))
    P: NDArray = cost - gain[None, :] if k == 1 else gain[None, :] + slot
    P[:, open_pos] = -np.inf
    P[work.keep_mask[open_pos], :] = -np.inf
    return DenseSwaps(open_pos, P, cost, p1)


@dataclass(frozen=True)
class Polished:
    """Where :func:`polish` stopped: a :class:`LocalOptimum` and the last pass's tables
    (cost and each row's nearest open column, of the returned set)."""

    found: LocalOptimum
    tables: DenseSwaps


def polish(work: Work, open_pos: NDArray, deadline: float) -> Polished:
    """Best-improvement vertex substitution with :func:`dense_swaps` (one read of the
    matrix per swap, no candidate lists), for a start that is already nearly a local
    optimum (e.g. the aggregated instance's). Stops when no swap improves (as
    :func:`local_search`, with the same guard against a swap that does not lower the
    recomputed cost) or at ``deadline``."""
    tab = dense_swaps(work, open_pos)
    while True:
        P = tab.profit
        s, j = np.unravel_index(int(np.argmax(P)), P.shape)
        if not P[s, j] > 1e-9 * max(abs(tab.cost), 1.0):
            return Polished(LocalOptimum(tab.open_pos, True), tab)
        if time.perf_counter() > deadline:
            return Polished(LocalOptimum(tab.open_pos, False), tab)
        trial = tab.open_pos.copy()
        trial[s] = j
        new = dense_swaps(work, trial)
        if not new.cost < tab.cost - 1e-12 * max(abs(tab.cost), 1.0):  # numerical guard
            return Polished(LocalOptimum(tab.open_pos, True), tab)
        tab = new


def n_starts(work: Work, lists: CandidateLists) -> int:
    """Starts of the multi-start search: fewer as the instance grows (deterministic)."""
    entries = work.n * lists.K
    return 4 if entries <= RESTART_WORK[0] else 2 if entries <= RESTART_WORK[1] else 1


@dataclass(frozen=True)
class HeuristicSolution:
    """Best local optimum of the multi-start search: open positions (columns of the
    working matrix), its cost, and whether every search ended in a local optimum."""

    open_pos: NDArray
    cost: float
    finished: bool
    groups: int = 0  # demand points of the aggregated instance it started from (0: none)
    p1: NDArray | None = None  # each row's nearest open column, when the search had it
    aggregate: Aggregate | None = None  # the aggregated instance it started from


def pmedian_heuristic(
    work: Work, k: int, rng: np.random.Generator, deadline: float, starts: int | None = None,
    start_open: NDArray | None = None,
) -> HeuristicSolution:
    """Multi-start local search; ``start_open`` (k working columns, e.g. a known feasible
    cover) is searched first, before the greedy start and the random restarts.

    The number of starts depends on the instance only (:func:`n_starts`), never on the
    clock: when ``deadline`` comes first the search stops and says so (``finished``
    False), so that a result that was not cut is the same however loaded the machine is.
    Above :data:`AGGREGATE_MIN_ENTRIES` list entries (and without ``start_open`` or
    ``starts``) the multi-start search (:data:`AGGREGATE_STARTS` starts) runs on the
    aggregated instance (:func:`aggregate`) and its best local optimum is the one start
    of the search on the full instance (:func:`polish`: dense passes, no candidate lists
    of the full instance are built).
    """
    t_start = time.perf_counter()
    if (start_open is None and starts is None
            and work.n * work.list_size(k) > AGGREGATE_MIN_ENTRIES):
        agg = aggregate(work)
        starts = min(AGGREGATE_STARTS, n_starts(agg.work, agg.work.lists(k)))
        inner = pmedian_heuristic(agg.work, k, rng, deadline, starts=starts)
        done = polish(work, inner.open_pos, deadline)
        cost = done.tables.cost
        _log.debug("p-median heuristic: aggregated %d areas into %d, %d start(s) there, "
                   "objective %.9g there, %.9g on the full instance after the swaps, in "
                   "%.3f s", work.n, agg.work.n, starts, inner.cost, cost,
                   time.perf_counter() - t_start,
                   extra={"locate_search": {"starts": starts, "K": 0, "objective": cost,
                                            "groups": agg.work.n,
                                            "seconds": time.perf_counter() - t_start}})
        return HeuristicSolution(done.found.open_pos, cost,
                                 inner.finished and done.found.finished, agg.work.n,
                                 done.tables.p1, agg)
    lists = work.lists(k)
    keep_pos = np.flatnonzero(work.keep_mask)
    free = np.flatnonzero(~work.keep_mask)
    starts = n_starts(work, lists) if starts is None else starts
    first = -1 if start_open is not None else 0
    # the random starts are drawn up front, in order: the same starts however they run
    picks = {start: np.sort(np.concatenate([keep_pos, rng.choice(
        free, size=k - keep_pos.size, replace=False)])) for start in range(1, starts)}

    def run(start: int) -> tuple[LocalOptimum, float] | None:
        if start > first and time.perf_counter() > deadline:
            return None  # a start the time did not allow (the first one always runs)
        if start < 0:
            sol = np.sort(np.asarray(start_open, dtype=np.int64))
        elif start == 0:
            sol = greedy(work, lists, k, keep_pos)
        else:
            sol = picks[start]
        found = local_search(work, lists, sol, deadline)
        return found, work.cost(found.open_pos)

    order = range(first, starts)
    if (len(order) > 1 and work.n * lists.K >= START_THREADS_MIN
            and (os.cpu_count() or 1) > 1):
        with ThreadPoolExecutor(LIST_THREADS) as pool:  # numpy releases the GIL
            runs = list(pool.map(run, order))
    else:
        runs = [run(start) for start in order]
    best, best_cost, finished, started = None, np.inf, True, 0
    for out in runs:  # in start order: the same best whatever ran in parallel
        if out is None:
            finished = False
            continue
        found, c = out
        started += 1
        finished = finished and found.finished
        if c < best_cost - 1e-12 * max(abs(c), 1.0):
            best, best_cost = found.open_pos, c
    assert best is not None
    _log.debug("p-median heuristic: %d start(s) in %.3f s, K=%d, objective %.9g", started,
               time.perf_counter() - t_start, lists.K, best_cost,
               extra={"locate_search": {"starts": started, "K": lists.K,
                                        "objective": best_cost,
                                        "seconds": time.perf_counter() - t_start}})
    return HeuristicSolution(best, best_cost, finished)

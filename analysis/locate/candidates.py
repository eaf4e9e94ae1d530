"""The working cost matrix and each area's candidate list (its K cheapest columns).

The heuristic, the Lagrangian bound and the exact uncapacitated p-median all work on a
:class:`Work` matrix (active areas x allowed candidates, infinities replaced by a finite
penalty) and read only list prefixes where that is exact (:func:`slabs`).

Examples
--------
>>> import numpy as np
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[1., 4., 2.], [3., 2., np.inf]]), [1., 2.], k=1)
>>> work = Work(prob)
>>> work.cost(np.array([1])), work.lists(1).idx[0].tolist()
(8.0, [0, 2, 1])
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from analysis.locate.problem import CHUNK_ELEMENTS, Problem, row_chunks

__all__ = [
    "BLOCK_ELEMENTS",
    "KNN_FULL",
    "KNN_MIN",
    "KNN_PER_CENTRE",
    "LIST_THREADS",
    "LIST_THREADS_MIN",
    "CandidateLists",
    "Derived",
    "Nearest",
    "NearestTwo",
    "Work",
    "blocks",
    "finite_max",
    "on_row_ranges",
    "penalty",
    "prefix_len",
    "slabs",
    "submatrix",
]

# candidate lists: every candidate when there are at most KNN_FULL, else each area's
# max(KNN_MIN, KNN_PER_CENTRE * m / k) nearest (with an exact full-row fallback)
KNN_FULL, KNN_MIN, KNN_PER_CENTRE = 128, 64, 4.0

#: lists of matrices with at least LIST_THREADS_MIN entries are built by LIST_THREADS
#: threads (row chunks; numpy releases the GIL in its partitions and sorts), and their
#: dense passes run in as many (:func:`on_row_ranges`): e.g. the 9,000 x 1,000 aggregate
#: of the 150,000 x 1,000 instance, not the 15,000 x 300 one
LIST_THREADS, LIST_THREADS_MIN = 2, 5_000_000

#: entries of the row blocks of the dense passes over the working matrix (:func:`blocks`):
#: small enough that a block and its temporaries stay in the cache
BLOCK_ELEMENTS = 1 << 18

_T = TypeVar("_T")


def blocks(s: int, e: int, m: int) -> Iterator[tuple[int, int]]:
    """Row blocks ``(start, stop)`` of rows s..e of an n x m matrix, of at most
    :data:`BLOCK_ELEMENTS` entries each.

    >>> list(blocks(0, 5, 1 << 17))
    [(0, 2), (2, 4), (4, 5)]
    """
    step = max(1, BLOCK_ELEMENTS // max(m, 1))
    for a in range(s, e, step):
        yield a, min(a + step, e)


def on_row_ranges(n: int, m: int, fn: Callable[[int, int], _T]) -> list[_T]:
    """``fn(start, stop)`` over contiguous row ranges covering 0..n: one range, or
    :data:`LIST_THREADS` ranges run by as many threads when the n x m matrix has at least
    :data:`LIST_THREADS_MIN` entries (numpy releases the GIL in its array loops and BLAS
    calls; the ranges never overlap). Results in row order.

    >>> on_row_ranges(5, 3, lambda s, e: (s, e))
    [(0, 5)]
    """
    threads = LIST_THREADS if n * m >= LIST_THREADS_MIN and (os.cpu_count() or 1) > 1 else 1
    cuts = np.linspace(0, n, threads + 1).astype(int)
    ranges = [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    if threads == 1:
        return [fn(*ranges[0])]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda r: fn(*r), ranges))


def finite_max(M: NDArray) -> tuple[float, bool]:
    """Largest finite entry of ``M`` (at least 1) and whether ``M`` holds an infinity
    (two threads on a large matrix)."""

    def part(s0: int, e0: int) -> tuple[float, bool]:
        cmax, has_inf = 1.0, False
        for s, e in row_chunks(e0 - s0, M.shape[1]):
            blk = M[s0 + s:s0 + e]
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

    parts = on_row_ranges(M.shape[0], M.shape[1], part)
    return max(p[0] for p in parts), any(p[1] for p in parts)


def _finite_max_of(prob: Problem, M: NDArray) -> tuple[float, bool]:
    """:func:`finite_max` of ``M``, from the row statistics :func:`prepare` kept when
    ``M`` is the problem's own matrix (every row active, every column allowed): the same
    value without another read of the matrix."""
    if M is prob.C and prob.row_max is not None and prob.row_inf is not None:
        return max(1.0, float(prob.row_max.max())), bool(prob.row_inf.any())
    return finite_max(M)


def _penalty_from(cmax: float, prob: Problem) -> float:
    weights = prob.w[prob.active]
    ratio = float(weights.sum() / weights.min())
    return min((cmax + 1.0) * max(1e3, 10.0 * ratio), 1e15)


def penalty(prob: Problem) -> float:
    """A finite cost that dominates any sum of finite costs (stands in for infinity)."""
    return _penalty_from(_finite_max_of(prob, submatrix(prob, prob.C))[0], prob)


def submatrix(prob: Problem, base: NDArray) -> NDArray:
    """``base`` restricted to active rows x allowed columns (a view when nothing is cut)."""
    rows_all = prob.active.size == base.shape[0]
    cols_all = prob.allowed.size == base.shape[1]
    if rows_all and cols_all:
        return base
    if rows_all:
        return base[:, prob.allowed]
    return base[prob.active][:, prob.allowed]


@dataclass(frozen=True)
class Nearest:
    """Per row its ``depth`` cheapest columns in cost order, ties by column (``idx``,
    shape (n, depth)) and their costs (``cost``, float64)."""

    idx: NDArray[np.int64]
    cost: NDArray[np.float64]


@dataclass(frozen=True)
class NearestTwo:
    """Per row: cost (``d1``, ``d2``) and column (``p1``, ``p2``) of the nearest and
    second-nearest open column."""

    d1: NDArray
    d2: NDArray
    p1: NDArray
    p2: NDArray


@dataclass(frozen=True)
class Derived:
    """A matrix whose row g equals row ``parent[g]`` of the matrix of ``lists``, except
    the rows ``redo`` (sorted row indices): its candidate lists are copies of those
    rows' lists, and only the rows ``redo`` are sorted again."""

    lists: CandidateLists
    parent: NDArray
    redo: NDArray


class Work:
    """Working cost matrix on active rows x allowed columns, infinities replaced.

    Parameters
    ----------
    prob : Problem
        The prepared problem.
    cost : numpy.ndarray, optional
        A cost matrix of the shape of ``prob.C`` to use instead of the minutes.
    """

    def __init__(self, prob: Problem, cost: NDArray | None = None):
        M = submatrix(prob, prob.C if cost is None else cost)
        # the penalty and whether it is needed: no pass when M is prob.C itself
        # (prepare's row statistics; kmedian passes prob.C as ``cost``), where this
        # and penalty() each read the whole matrix before
        cmax, has_inf = _finite_max_of(prob, M)
        self.big = _penalty_from(cmax, prob) if cost is None else penalty(prob)
        if has_inf:
            M = np.where(np.isinf(M), M.dtype.type(self.big), M)
        self.M = M
        self.w = prob.w[prob.active]
        # float32 input stays float32 in the heavy passes (half the memory traffic);
        # objectives and profit tables are always accumulated in float64
        self.dt = np.float32 if M.dtype == np.float32 else np.float64
        self.n, self.m = M.shape
        self.chunks = row_chunks(self.n, self.m)
        keep_pos = np.searchsorted(prob.allowed, prob.keep)
        self.keep_mask = np.zeros(self.m, bool)
        self.keep_mask[keep_pos] = True
        self._lists: dict[int, CandidateLists] = {}
        self._nearest: Nearest | None = None

    def list_size(self, k: int) -> int:
        """Length K of the candidate lists sized for ``k`` centres (nothing is built)."""
        size = self.m if self.m <= KNN_FULL else max(
            KNN_MIN, math.ceil(KNN_PER_CENTRE * self.m / max(k, 1)))
        return min(size, self.m)

    def lists(self, k: int) -> CandidateLists:
        """Candidate lists sized for ``k`` centres (built once, then cached)."""
        size = self.list_size(k)
        if size not in self._lists:
            self._lists[size] = CandidateLists(self, size)
        return self._lists[size]

    def derive_lists(self, base: Work, parent: NDArray, redo: NDArray) -> None:
        """Take over ``base``'s candidate lists (every size it has built): row g of this
        matrix must equal row ``parent[g]`` of ``base``'s, except the rows ``redo``,
        whose lists are built from this matrix (e.g. an aggregate whose split groups
        alone have new rows). The lists are those ``lists`` would build."""
        if self.m != base.m:
            raise ValueError(f"derive_lists: {self.m} columns here, {base.m} in base")
        redo = np.asarray(redo, dtype=np.int64)
        for size, lists in base._lists.items():
            self._lists[size] = CandidateLists(self, size, Derived(lists, parent, redo))

    def nearest(self, depth: int) -> Nearest:
        """Each row's ``depth`` cheapest columns (at most m), by cost, ties by column,
        without building candidate lists.

        ``depth`` passes of argmin over a copy of each row block, the minimum found set
        to infinity each time (cached: a later call for fewer columns takes a prefix).
        Much cheaper than the lists on a large matrix: a few reads of it, no partition
        or sort.
        """
        depth = max(1, min(int(depth), self.m))
        if self._nearest is None or self._nearest.idx.shape[1] < depth:
            idx = np.empty((self.n, depth), np.int64)
            cost = np.empty((self.n, depth), np.float64)

            def fill(s: int, e: int) -> None:
                # a per-thread scratch block (no fresh copy per block)
                B0 = np.empty((max(1, BLOCK_ELEMENTS // max(self.m, 1)), self.m), self.dt)
                for a, b in blocks(s, e, self.m):
                    B = B0[:b - a]
                    np.copyto(B, self.M[a:b])  # a copy: it is overwritten
                    r = np.arange(b - a)
                    for c in range(depth):
                        j = B.argmin(axis=1)  # the first minimum: ties by column
                        idx[a:b, c], cost[a:b, c] = j, B[r, j]
                        B[r, j] = np.inf
            on_row_ranges(self.n, self.m, fill)
            self._nearest = Nearest(idx, cost)
        near = self._nearest
        return Nearest(near.idx[:, :depth], near.cost[:, :depth])

    def nearest_two(self, open_pos: NDArray, rows: NDArray | None = None) -> NearestTwo:
        """Nearest and second-nearest open column of every row (or of ``rows``).

        With a single open column ``d2`` is a sentinel above every cost and ``p2`` is -1.
        """
        rows_ix = np.arange(self.n) if rows is None else rows
        if rows is None:
            sub = np.asarray(self.M[:, open_pos], dtype=np.float64)
        else:
            sub = np.asarray(self.M[np.ix_(rows_ix, open_pos)], dtype=np.float64)
        r = np.arange(sub.shape[0])
        if open_pos.size == 1:
            return NearestTwo(sub[:, 0], np.full(r.size, self.big * 10.0),
                              np.full(r.size, open_pos[0]), np.full(r.size, -1))
        two = np.argpartition(sub, 1, axis=1)[:, :2]
        v = np.take_along_axis(sub, two, axis=1)
        first = v[:, 0] <= v[:, 1]
        a = np.where(first, two[:, 0], two[:, 1])
        b = np.where(first, two[:, 1], two[:, 0])
        return NearestTwo(sub[r, a], sub[r, b], open_pos[a], open_pos[b])

    def cost(self, open_pos: NDArray) -> float:
        """Total weighted cost with every row at its nearest column of ``open_pos``."""
        d1 = np.asarray(self.M[:, open_pos], dtype=np.float64).min(axis=1)
        return float(self.w @ d1)


class CandidateLists:
    """Each working row's K cheapest columns, sorted by cost (candidate lists).

    ``rad[i]`` is the cost of row i's K-th entry: every column outside the list costs at
    least that much. That is what keeps the list-based computations exact: a row whose
    second-nearest open centre costs more than ``rad`` falls back to its full row.
    """

    def __init__(self, work: Work, K: int, derived: Derived | None = None):
        n, m = work.n, work.m
        self.K, self.full = K, K == m
        ct = np.float32 if work.M.dtype == np.float32 else np.float64
        if derived is None:
            self.idx = np.empty((n, K), np.int16 if m <= np.iinfo(np.int16).max else np.int32)
            self.cost = np.empty((n, K), ct)
            todo: list[slice | NDArray] = [slice(s, e) for s, e in work.chunks]
        else:  # copies of another matrix's lists, but for the rows ``derived.redo``
            self.idx = derived.lists.idx[derived.parent]
            self.cost = derived.lists.cost[derived.parent]
            step = max(1, CHUNK_ELEMENTS // max(m, 1))
            todo = [derived.redo[s:s + step] for s in range(0, derived.redo.size, step)]
        if n * m >= LIST_THREADS_MIN and len(todo) > 1 and (os.cpu_count() or 1) > 1:
            # numpy's partition and sorts release the GIL: two threads, disjoint rows
            with ThreadPoolExecutor(LIST_THREADS) as pool:
                list(pool.map(lambda rows: self._fill(work, rows, ct), todo))
        else:
            for rows in todo:
                self._fill(work, rows, ct)
        self.rad = self.cost[:, K - 1].astype(np.float64)
        self.step = max(1, CHUNK_ELEMENTS // max(K, 1))  # rows per chunk of list work

    def _fill(self, work: Work, rows: slice | NDArray, ct: type[np.floating]) -> None:
        """The sorted lists of ``rows`` (a range or row indices; rows of different calls
        never overlap)."""
        K, m = self.K, work.m
        B: NDArray = np.asarray(work.M[rows], dtype=ct)
        r = B.shape[0]
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
        if ct is np.float32 and m <= 1 << 32:
            # sort (cost, column) packed in one uint64: the bits of a float32 >= 0 order
            # like the floats (+0.0 turns -0.0 into 0.0); a plain sort beats an argsort
            key = (vals + np.float32(0.0)).view(np.uint32).astype(np.uint64)
            key <<= np.uint64(32)
            key |= col.astype(np.uint64)
            key.sort(axis=1)
            self.idx[rows] = key & np.uint64(0xFFFFFFFF)
            self.cost[rows] = (key >> np.uint64(32)).astype(np.uint32).view(np.float32)
            return
        order = (np.argsort(vals, axis=1) + (np.arange(r) * K)[:, None]).ravel()
        self.idx[rows] = col.ravel()[order].reshape(r, K)
        self.cost[rows] = vals.ravel()[order].reshape(r, K)


def prefix_len(lists: CandidateLists, rows: NDArray, bound: NDArray) -> NDArray[np.int64]:
    """Per row, how many of its list entries cost less than ``bound`` (on the sorted
    lists: the position of the first entry at or above it).

    Counted over whole list rows in chunks (one contiguous comparison and a row sum)
    rather than by a binary search (log2 K rounds of scattered gathers): 1.2-3.3x faster
    at K = 160 (3.3x for the 100-row calls of a swap, 1.2x for 12,000 rows), the same
    counts. The comparison promotes as before (float32 entries against a float64 bound
    in float64, exactly)."""
    bound = np.asarray(bound)
    out = np.empty(rows.size, np.int64)
    step = max(1, (1 << 20) // max(lists.K, 1))  # rows per chunk: ~1e6 entries
    for s in range(0, rows.size, step):
        e = min(rows.size, s + step)
        np.sum(lists.cost[rows[s:e]] < bound[s:e, None], axis=1, out=out[s:e])
    return out


def slabs(
    work: Work, lists: CandidateLists, rows: NDArray, bound: NDArray
) -> Iterator[tuple[NDArray, NDArray, NDArray]]:
    """Every column j with c_ij < ``bound[i]`` for the given rows, exactly, as slabs.

    Yields (local row positions, costs (r, t), columns (r, t) or (t,)); a slab may also
    hold entries at or above the bound (callers weight those by 0). Rows are grouped by
    prefix length so that little is wasted; rows whose bound exceeds their list radius
    are read from the full working matrix.
    """
    over = lists.rad[rows] < bound
    inl = np.flatnonzero(~over)
    if inl.size:
        q = prefix_len(lists, rows[inl], bound[inl])
        order = np.argsort(q, kind="stable")
        inl, q = inl[order], q[order]
        groups = max(1, min(8, inl.size // 256), -(-int(q.sum()) // CHUNK_ELEMENTS))
        for part in np.array_split(np.arange(inl.size), groups):
            if not part.size:
                continue
            t = int(q[part[-1]])
            if t:
                loc = inl[part]
                rr = rows[loc]
                yield loc, lists.cost[rr, :t], lists.idx[rr, :t].astype(np.int64)
    ovl = np.flatnonzero(over)
    step = max(1, CHUNK_ELEMENTS // max(work.m, 1))
    for s in range(0, ovl.size, step):
        loc = ovl[s:s + step]
        yield loc, work.M[rows[loc]], np.arange(work.m)

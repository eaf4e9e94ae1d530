"""Lagrangian branch and bound on the open flags of the norm/capacity assignment model.

The norm Lagrangian (:func:`~analysis.locate.norm_bound.norm_lagrangian`) bounds the
fractional assignment model with a minimum volume per open centre from below in one pass
over the pairs per evaluation, but where the norm binds hard its best value is the LP
bound and can sit far below the optimum. This module branches on the centres: a node
fixes some centres open and some closed; its bound is the Lagrangian of the model with
those fixes (warm-started from its parent's multipliers, so a child's bound is never below
its parent's), the centres it fixes by reduced costs against the incumbent
(:func:`~analysis.locate.norm_bound.fix_centres`) are added to its fixes, and its chosen
centres are priced as a plan (the caller's ``price``: the norm assignment LP of those
centres), which may lower the incumbent. A node is pruned when its bound is within
:data:`~analysis.locate.result.GAP_TOLERANCE` of the incumbent; a node whose fixes decide
the set (k open, or only k not closed) is priced exactly and closed. It branches on the
chosen free centre whose norm is the most violated in the Lagrangian solution (served
volume furthest from the norm): one child closes it, the other opens it. Nodes are taken
best bound first.

When the queue is empty the incumbent is optimal (within the tolerance); when the deadline
comes first the proven bound is the least bound of the open nodes (and of the nodes pruned
by the tolerance).

Examples
--------
>>> import numpy as np
>>> from analysis.locate.norm_bound import NormBlock
>>> C = np.array([[0., 4., 9.], [4., 0., 9.], [9., 9., 0.], [9., 9., 1.]])
>>> blk = NormBlock(np.repeat(np.arange(4), 3), np.tile(np.arange(3), 4), C.ravel(),
...                 np.ones(12), 4, norm=2.0)
>>> def price(pos):  # the norm assignment of a set, by enumeration of this tiny case
...     return {(0, 1): 22.0, (0, 2): 9.0, (1, 2): 9.0}[tuple(pos.tolist())]
>>> out = norm_tree([blk], 3, k=2, keep=np.array([], int), upper=22.0, price=price,
...                 deadline=float("inf"))
>>> out.finished, out.upper, out.bound
(True, 9.0, 9.0)
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis.locate.norm_bound import (
    NormBlock,
    NormBound,
    NormLayout,
    chosen_centres,
    fix_centres,
    norm_lagrangian,
    norm_layout,
    served_volumes,
)
from analysis.locate.result import GAP_TOLERANCE

__all__ = ["NODE_ITERATIONS", "PRICE_ONCE", "ROOT_ITERATIONS", "ROOT_STALL_LIMIT",
           "ROOT_TIME_SHARE", "TREE_MAX_NODES", "NormTree", "norm_tree"]

_log = logging.getLogger(__name__)

#: the most subgradient iterations per node (warm-started from the parent's multipliers)
NODE_ITERATIONS = 60

#: the most subgradient iterations of the root node (it continues the ascent of the
#: Lagrangian the exact path computed before, which its time share may have cut)
ROOT_ITERATIONS = 20_000

#: iterations without progress after which the root's ascent halves its step (a node's:
#: 10): with the float32 pass (:data:`~analysis.locate.norm_bound.NORM_PASS`, about
#: 0.8 CPU-ms an iteration on 173,508 pairs) a long root ascent is affordable; gastrectomy
#: k = 15 norm 20 at 30 s: stall 20 / 1,500 iterations bound 7,284-7,286, stall 300 /
#: 20,000 iterations 7,300.6-7,303.6 (the LP bound 7,301.8; bench/results/norms.md 6)
ROOT_STALL_LIMIT = 300

#: the root's ascent ends at the latest after this share of the time the tree has (from
#: its start to its deadline): its length is set in iterations, which cost more wall time
#: on a loaded machine, while the steps before the tree are set in shares of the time; at a
#: third of a core (gastrectomy k = 15 norm 20, 30 s) the root took 15 of the tree's 20 s
#: and left it 1-12 nodes, at a full core 6-7 of 22 s (bench/results/norms.md 7: at a third
#: of a core the gap 0.89-4.98 % -> 0.78-0.91 %; the linked upper GI plan there 1.6 ->
#: 1.9-2.0 %, its nodes found no better plan and the bound was all that counted); pricing
#: the root's chosen sets during its ascent was measured too and not kept (in 7 of 8 runs
#: none of the incumbents came from those sets, but from the nodes after the root)
ROOT_TIME_SHARE = 0.4

#: a set of centres the tree priced before is not priced again (its value is remembered)
PRICE_ONCE = True

#: the most nodes one tree evaluates (a bound on the work besides the deadline)
TREE_MAX_NODES = 100_000


@dataclass(frozen=True)
class NormTree:
    """What :func:`norm_tree` proved: the lower bound (``bound``), the best objective
    priced (``upper``: the given one unless a node's centres were cheaper), whether the
    tree was searched to the end (then ``upper`` is optimal within the tolerance), and
    the nodes evaluated and the sets of centres priced (``price`` calls)."""

    bound: float
    upper: float
    finished: bool
    nodes: int
    priced: int = 0


@dataclass(frozen=True)
class _Node:
    bound: float
    closed: NDArray  # bool mask of centre positions fixed closed
    opened: NDArray  # bool mask fixed open
    start: NormBound | None  # the parent's multipliers


def _branch_centre(blocks: Sequence[NormBlock], lag: NormBound, k: int, keep: NDArray,
                   closed: NDArray, mc: int, layout: NormLayout) -> int:
    """The chosen free centre whose served volume is furthest from its norms (summed
    over the blocks) at ``lag``'s multipliers; ties: the smallest rho; -1 if none."""
    chosen = chosen_centres(lag, k, keep, closed)
    free = np.setdiff1d(chosen, keep)
    if free.size == 0 or lag.us is None or lag.mus is None or lag.lams is None:
        return -1
    mask = np.zeros(mc, bool)
    mask[chosen] = True
    score = np.zeros(mc)
    for b, served in zip(blocks, served_volumes(blocks, lag, mask, mc, layout), strict=True):
        if b.norm > 0:
            score += np.abs(b.norm - served)
        if b.capacity is not None:
            cap = np.where(np.isfinite(b.capacity), b.capacity, np.inf)
            score += np.maximum(served - cap, 0.0)
    assert lag.rho is not None
    order = np.lexsort((lag.rho[free], -score[free]))
    return int(free[order[0]])


def norm_tree(
    blocks: Sequence[NormBlock], mc: int, *, k: int, keep: NDArray, upper: float,
    price: Callable[[NDArray], float], deadline: float,
    closed: NDArray | None = None, root: NormBound | None = None,
    node_iter: int = NODE_ITERATIONS, root_iter: int | None = None,
    max_nodes: int = TREE_MAX_NODES,
) -> NormTree:
    """Best-first branch and bound on the open flags with the norm Lagrangian as bound.

    Parameters
    ----------
    blocks : sequence of NormBlock
        The model's pairs, one block per care type (shared centres).
    mc : int
        Number of centre positions.
    k : int
        Centres to open.
    keep : numpy.ndarray of int
        Positions that must open.
    upper : float
        The incumbent's objective (``inf`` when none).
    price : callable
        The objective of the plan with the given centre positions (sorted; ``inf`` when
        none meets the norm); the caller keeps the plan it prices.
    deadline : float
        :func:`time.perf_counter` value after which no node starts (a node's Lagrangian
        stops at it too; the root's ascent stops at :data:`ROOT_TIME_SHARE` of the time
        from the call to it).
    closed : numpy.ndarray of int, optional
        Positions that may not open (fixed closed before).
    root : NormBound, optional
        The Lagrangian of the whole model already computed (its value a bound, its
        multipliers the root's start).
    node_iter : int
        Subgradient iterations per node.
    root_iter : int, optional
        Subgradient iterations of the root node (the ascent of ``root`` continued, with
        the incumbent as its target, until it stalls).
    max_nodes : int
        The most nodes evaluated.

    Returns
    -------
    NormTree
    """
    closed0 = np.zeros(mc, bool)
    if closed is not None:
        closed0[closed] = True
    opened0 = np.zeros(mc, bool)
    opened0[keep] = True
    ub = upper
    tol = GAP_TOLERANCE

    def prunable(bound: float) -> bool:
        return np.isfinite(ub) and ub - bound <= tol * abs(ub)

    seen: dict[bytes, float] = {}  # the sets priced, by their positions
    calls = 0

    def priced(pos: NDArray) -> float:
        # a set priced before is not priced again (a child often chooses its parent's)
        nonlocal ub, calls
        key = np.asarray(pos, np.int64).tobytes()
        if key not in seen or not PRICE_ONCE:
            seen[key] = price(pos)
            calls += 1
            ub = min(ub, seen[key])
        return seen[key]

    floor = -np.inf if root is None else root.value
    pruned_min = np.inf  # least bound of the nodes pruned by the tolerance (not by ub)
    tick = itertools.count()
    heap: list[tuple[float, int, _Node]] = [(floor, next(tick),
                                             _Node(floor, closed0, opened0, root))]
    nodes = 0
    layout = norm_layout(blocks, mc)  # built once for every node's ascent
    t_start = time.perf_counter()
    root_deadline = min(deadline, t_start + ROOT_TIME_SHARE * max(deadline - t_start, 0.0))
    while heap and nodes < max_nodes and time.perf_counter() < deadline:
        parent_bound, _, node = heapq.heappop(heap)
        if prunable(parent_bound):
            pruned_min = min(pruned_min, parent_bound)
            continue
        n_open, n_avail = int(node.opened.sum()), int((~node.closed).sum())
        if n_open > k or n_avail < k:
            continue  # no k-set fits these fixes
        nodes += 1
        if n_open == k or n_avail == k:  # the fixes decide the set: its exact value
            priced(np.flatnonzero(node.opened if n_open == k else ~node.closed))
            continue
        start = node.start
        first = nodes == 1  # the root: the ascent continued until it stalls
        lag = norm_lagrangian(
            blocks, mc, k=k, keep=np.flatnonzero(node.opened),
            closed=np.flatnonzero(node.closed), upper=ub,
            deadline=root_deadline if first else deadline,
            max_iter=(ROOT_ITERATIONS if root_iter is None else root_iter) if first
            else node_iter,
            u0=None if start is None else start.us,
            mu0=None if start is None else start.mus,
            lam0=None if start is None else start.lams,
            theta0=2.0 if start is None else (1.0 if first else 0.5),
            stall_limit=ROOT_STALL_LIMIT if first else 10, layout=layout)
        if lag.rho is None:  # no iteration ran (the deadline): the node stays open
            heapq.heappush(heap, (parent_bound, next(tick), node))
            if first and time.perf_counter() < deadline:
                continue  # only the root's share was up: a node's ascent next
            break
        bound = max(parent_bound, lag.value)
        keep_n = np.flatnonzero(node.opened)
        closed_n = np.flatnonzero(node.closed)
        at = chosen_centres(lag, k, keep_n, closed_n)
        if at.size == k and time.perf_counter() < deadline:
            priced(at)
        if not np.isfinite(bound) or bound > ub:
            continue  # no plan with these fixes (or none better than the incumbent)
        if prunable(bound):
            pruned_min = min(pruned_min, bound)
            continue
        fix = fix_centres(lag, k, keep_n, ub, closed=closed_n)
        closed_m, opened_m = node.closed.copy(), node.opened.copy()
        closed_m[fix.closed] = True
        opened_m[fix.opened] = True
        if (closed_m & opened_m).any():
            continue  # a centre both forced open and closed: nothing better here
        if fix.fixes:  # re-evaluate with the new fixes before branching
            heapq.heappush(heap, (bound, next(tick), _Node(bound, closed_m, opened_m, lag)))
            continue
        j = _branch_centre(blocks, lag, k, keep_n, closed_n, mc, layout)
        if j < 0:  # cannot be (n_open < k): keep the node's bound as proven
            pruned_min = min(pruned_min, bound)
            continue
        shut, force = closed_m.copy(), opened_m.copy()
        shut[j] = True
        force[j] = True
        heapq.heappush(heap, (bound, next(tick), _Node(bound, shut, opened_m, lag)))
        heapq.heappush(heap, (bound, next(tick), _Node(bound, closed_m, force, lag)))
    open_min = min((b for b, _, _ in heap), default=np.inf)
    finished = not heap
    lower = min(open_min, pruned_min, ub)
    _log.info("norm tree: %d nodes, %d sets priced, bound %.6g, upper %.6g, finished %s",
              nodes, calls, lower, ub, finished)
    return NormTree(float(lower), float(ub), finished, nodes, calls)

"""Lagrangian bound of the norm/capacity assignment model and reduced-cost fixing of centres.

The fractional assignment MILP with a minimum volume per open centre (and, for one care
type, capacities) has about areas x candidates pair columns and as many linking rows: at
1,522 areas x 114 hospitals HiGHS does not finish its root LP in minutes. Relaxing the
assignment rows (multipliers ``u``), the norm rows (``mu >= 0``) and the capacity rows
(``lam >= 0``) leaves a problem that splits by centre: each centre j has a value
``rho_j`` and the bound is ``sum u + (the k smallest rho, kept centres forced in)``. Its
best value over the multipliers equals the LP bound of the strong (disaggregated) model,
and every evaluation costs one pass over the pairs. The same values fix centres: a centre
whose forced opening (or closing) lifts the bound above an incumbent's objective is closed
(opened) in every better solution (:func:`fix_centres`). The ascent can price the
centres it chooses as plans (a Lagrangian heuristic: the caller's ``price``, whose
objective becomes the step's target) and can start from given multipliers (a parent
node's in :func:`analysis.locate.norm_tree.norm_tree`).

Examples
--------
>>> import numpy as np
>>> blk = NormBlock(rows=np.array([0, 0, 1, 1]), cols=np.array([0, 1, 0, 1]),
...                 cost=np.array([0., 5., 5., 0.]), volume=np.array([1., 1., 1., 1.]),
...                 n_rows=2, norm=2.0)
>>> lag = norm_lagrangian([blk], 2, k=1, keep=np.array([], int), upper=5.0,
...                       deadline=float("inf"))
>>> round(lag.value, 6)      # one centre, both areas there: 5 is the optimum
5.0
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FIX_MARGIN",
    "NORM_BOUND_ITERATIONS",
    "NORM_PASS",
    "PRICE_EVERY",
    "PRICE_GAP",
    "CentreFixing",
    "NormBlock",
    "NormBound",
    "NormLayout",
    "chosen_centres",
    "fix_centres",
    "norm_lagrangian",
    "norm_layout",
    "served_volumes",
]

#: the most subgradient iterations of :func:`norm_lagrangian` (each one pass over the pairs)
NORM_BOUND_ITERATIONS = 3000

#: the fewest subgradient iterations between two calls of :func:`norm_lagrangian`'s
#: Lagrangian heuristic (pricing a chosen set costs about 50-100 evaluations)
PRICE_EVERY = 50

#: the Lagrangian heuristic prices only while the value is more than this share below
#: the target: near it the incumbent is good already and the iterations are worth more
#: (gastrectomy k = 10, norm 20: 11 sets priced in a 4.9 s window cost 2.4 s of it)
PRICE_GAP = 0.01

#: how :func:`norm_lagrangian` evaluates the Lagrangian in its ascent: "dense32" (each
#: block as an areas x centres matrix in float32, the centres fixed closed left out; the
#: value and rho it returns are recomputed in float64 at its best multipliers, so the bound
#: is the float64 function's), "dense64" (the same layout in float64) or "sparse" (one
#: float64 pass over the pair list, the layout before issue 17's speed-up). Blocks with
#: less than :data:`DENSE_MIN_FILL` of their matrix filled (or repeated pairs) are
#: evaluated sparse whatever this says.
NORM_PASS = "dense32"

#: the least share of an areas x centres matrix a block must fill to be evaluated dense
DENSE_MIN_FILL = 0.3

#: relative margin above the incumbent a forced bound must pass before a centre is fixed
#: (floating-point sums of the bound are not exact)
FIX_MARGIN = 1e-7


@dataclass(frozen=True)
class NormBlock:
    """One care type's pairs in the assignment model.

    ``rows``/``cols``: area and centre position of each pair; ``cost``: its objective
    coefficient (weight x patients x minutes); ``volume``: the patients it carries at share
    1; ``n_rows``: areas (each must be served once); ``norm``: minimum volume per open
    centre (0 = none); ``capacity``: per centre position (None or inf = none).
    """

    rows: NDArray
    cols: NDArray
    cost: NDArray
    volume: NDArray
    n_rows: int
    norm: float = 0.0
    capacity: NDArray | None = None


@dataclass(frozen=True)
class NormBound:
    """The best Lagrangian value found (``value``, a valid lower bound; -inf when no
    iteration ran), the centre values ``rho`` and the multipliers' offset ``base``
    (``sum u``) at the multipliers that gave it, and the iterations run; ``us``, ``mus``
    and ``lams`` are those multipliers, one array per block (None when no iteration ran),
    for a warm start (:func:`norm_lagrangian`'s ``u0``, ``mu0``, ``lam0``)."""

    value: float
    rho: NDArray | None
    base: float
    iterations: int
    us: list[NDArray] | None = None
    mus: list[NDArray] | None = None
    lams: list[NDArray] | None = None


@dataclass(frozen=True)
class CentreFixing:
    """Centre positions fixed closed (``closed``) or open (``opened``) by
    :func:`fix_centres`."""

    closed: NDArray
    opened: NDArray

    @property
    def fixes(self) -> bool:
        """Whether any centre is fixed."""
        return bool(self.closed.size or self.opened.size)

    def apply(self, y_lb: NDArray, y_ub: NDArray) -> tuple[NDArray, NDArray]:
        """The open flags' bounds with the fixed centres closed (upper 0) and open (lower
        1), as new arrays (the ones given are not changed).

        >>> f = CentreFixing(np.array([0]), np.array([2]))
        >>> [b.tolist() for b in f.apply(np.zeros(3), np.ones(3))], f.fixes
        ([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]], True)
        """
        y_lb, y_ub = y_lb.copy(), y_ub.copy()
        y_ub[self.closed] = 0.0
        y_lb[self.opened] = 1.0
        return y_lb, y_ub


def _evaluate(blocks: Sequence[NormBlock], us: list[NDArray], mus: list[NDArray],
              lams: list[NDArray], mc: int) -> tuple[float, NDArray, list[NDArray]]:
    """``sum u`` and the centre values rho at the given multipliers; the reduced costs per
    pair: the float64 pass over the pair lists (:func:`_evaluate_layout` with every block
    sparse), the reference the dense layouts are checked and timed against."""
    base, rho, rcs = _evaluate_layout(blocks, norm_layout(blocks, mc, "sparse"), us, mus,
                                      lams, mc, np.arange(mc), low=False)
    return base, rho, [rc for rc, _ in rcs]


@dataclass(frozen=True)
class NormLayout:
    """The blocks' pairs as dense areas x centres matrices (:func:`norm_layout`): per block
    ``cost`` and ``volume`` in float64 and float32 (cost ``inf`` and volume 0 where a pair
    is missing); ``None`` for a block evaluated sparse."""

    cost64: list[NDArray | None]
    volume64: list[NDArray | None]
    cost32: list[NDArray | None]
    volume32: list[NDArray | None]


def norm_layout(blocks: Sequence[NormBlock], mc: int, pass_: str | None = None) -> NormLayout:
    """The dense layout of ``blocks`` for ``pass_`` (default :data:`NORM_PASS`): a block is
    dense when the pass is not "sparse", its pairs are distinct and fill at least
    :data:`DENSE_MIN_FILL` of its matrix.

    >>> blk = NormBlock(np.array([0, 1]), np.array([1, 0]), np.array([3., 4.]),
    ...                 np.array([1., 2.]), 2)
    >>> norm_layout([blk], 2).cost64[0].tolist()
    [[inf, 3.0], [4.0, inf]]
    """
    kind = NORM_PASS if pass_ is None else pass_
    if kind == "sparse":
        none: list[NDArray | None] = [None] * len(blocks)
        return NormLayout(none, none, none, none)
    c64: list[NDArray | None] = []
    v64: list[NDArray | None] = []
    c32: list[NDArray | None] = []
    v32: list[NDArray | None] = []
    for b in blocks:
        cells = b.n_rows * mc
        flat = np.asarray(b.rows, np.int64) * mc + np.asarray(b.cols, np.int64)
        if (cells == 0 or b.rows.size < DENSE_MIN_FILL * cells
                or np.bincount(flat, minlength=cells).max() > 1):
            c64.append(None)
            v64.append(None)
            c32.append(None)
            v32.append(None)
            continue
        cost: NDArray = np.full((b.n_rows, mc), np.inf)
        cost.ravel()[flat] = b.cost  # C order: ravel is a view
        vol: NDArray = np.zeros((b.n_rows, mc))
        vol.ravel()[flat] = b.volume
        c64.append(cost)
        v64.append(vol)
        if kind == "dense32":
            c32.append(cost.astype(np.float32))
            v32.append(vol.astype(np.float32))
        else:
            c32.append(None)
            v32.append(None)
    return NormLayout(c64, v64, c32, v32)


def _evaluate_layout(blocks: Sequence[NormBlock], layout: NormLayout, us: list[NDArray],
                     mus: list[NDArray], lams: list[NDArray], mc: int, avail: NDArray,
                     low: bool) -> tuple[float, NDArray, list[tuple[NDArray, NDArray]]]:
    """``sum u`` and rho at the multipliers (rho of the centres not in ``avail`` is
    ``inf``), with the dense blocks in float32 when ``low`` (else float64); per block the
    reduced costs (dense: a matrix over the ``avail`` columns; sparse: per pair) and the
    matching volumes."""
    rho = np.zeros(mc)
    base = 0.0
    rcs = []
    sub = avail.size < mc
    for t, (b, u, mu, lam) in enumerate(zip(blocks, us, mus, lams, strict=True)):
        cost = layout.cost32[t] if low else layout.cost64[t]
        vol = layout.volume32[t] if low else layout.volume64[t]
        if cost is None or vol is None:
            rc = b.cost - u[b.rows] - (mu[b.cols] - lam[b.cols]) * b.volume
            rho += np.bincount(b.cols, weights=np.minimum(rc, 0.0), minlength=mc)
            rcs.append((rc, b.volume))
        else:
            if sub:
                cost, vol = cost[:, avail], vol[:, avail]
            dt = cost.dtype
            d = (mu[avail] - lam[avail]).astype(dt)
            rc = vol * d
            np.subtract(cost, rc, out=rc)
            rc -= u.astype(dt)[:, None]
            rho[avail] += np.minimum(rc, 0.0).sum(axis=0, dtype=np.float64)
            rcs.append((rc, vol))
        rho += mu * b.norm
        if b.capacity is not None:
            rho -= lam * np.where(np.isfinite(b.capacity), b.capacity, 0.0)
        base += float(u.sum())
    if sub:
        out = np.full(mc, np.inf)
        out[avail] = rho[avail]
        rho = out
    return base, rho, rcs


def _served(blocks: Sequence[NormBlock], rcs: list[tuple[NDArray, NDArray]],
            chosen: NDArray, avail: NDArray, mc: int) -> list[tuple[NDArray, NDArray]]:
    """Per block, the areas' served counts (pairs with negative reduced cost at a chosen
    centre) and the chosen centres' served volumes, from :func:`_evaluate_layout`'s
    reduced costs."""
    out = []
    at = np.flatnonzero(chosen[avail])  # chosen columns of the dense (avail) matrices
    for b, (rc, vol) in zip(blocks, rcs, strict=True):
        if rc.ndim == 1:
            take = (rc < 0) & chosen[b.cols]
            count: NDArray = np.bincount(b.rows[take], minlength=b.n_rows)
            served: NDArray = np.bincount(b.cols[take], weights=b.volume[take], minlength=mc)
        else:
            take = rc[:, at] < 0
            count = take.sum(axis=1)
            served = np.zeros(mc)
            served[avail[at]] = np.where(take, vol[:, at], 0.0).sum(axis=0,
                                                                     dtype=np.float64)
        out.append((count, served))
    return out


def served_volumes(blocks: Sequence[NormBlock], bound: NormBound, chosen: NDArray, mc: int,
                   layout: NormLayout | None = None) -> list[NDArray]:
    """Per block, the volume each chosen centre (``chosen``: bool mask) serves in the
    Lagrangian solution at ``bound``'s multipliers (pairs of negative reduced cost),
    evaluated in float64; 0 at the others.

    >>> blk = NormBlock(np.array([0, 1]), np.array([0, 0]), np.array([1., 2.]),
    ...                 np.array([1., 3.]), 2)
    >>> b = NormBound(0.0, np.zeros(1), 0.0, 1, [np.array([5., 5.])], [np.zeros(1)],
    ...               [np.zeros(1)])
    >>> served_volumes([blk], b, np.array([True]), 1)[0].tolist()
    [4.0]
    """
    if bound.us is None or bound.mus is None or bound.lams is None:
        return [np.zeros(mc) for _ in blocks]
    lay = norm_layout(blocks, mc, "dense64") if layout is None else layout
    avail = np.arange(mc)
    _, _, rcs = _evaluate_layout(blocks, lay, bound.us, bound.mus, bound.lams, mc, avail,
                                 low=False)
    return [served for _, served in _served(blocks, rcs, chosen, avail, mc)]


def _choose(rho: NDArray, k: int, keep: NDArray) -> NDArray:
    """Boolean mask of the chosen centres: the kept ones and the k - |keep| others with
    the smallest rho."""
    chosen = np.zeros(rho.size, bool)
    chosen[keep] = True
    free = np.flatnonzero(~chosen)
    need = k - int(keep.size)
    if need > 0:
        pick = free[np.argpartition(rho[free], need - 1)[:need]] if need < free.size else free
        chosen[pick] = True
    return chosen


def norm_lagrangian(
    blocks: Sequence[NormBlock], mc: int, *, k: int, keep: NDArray, upper: float,
    deadline: float, max_iter: int = NORM_BOUND_ITERATIONS,
    closed: NDArray | None = None, u0: Sequence[NDArray] | None = None,
    mu0: Sequence[NDArray] | None = None, lam0: Sequence[NDArray] | None = None,
    theta0: float = 2.0, stall_limit: int = 20,
    price: Callable[[NDArray], float] | None = None, price_every: int = PRICE_EVERY,
    layout: NormLayout | None = None,
) -> NormBound:
    """Subgradient ascent on the Lagrangian dual of the norm/capacity assignment model.

    Parameters
    ----------
    blocks : sequence of NormBlock
        One per care type; the centres (``mc`` positions) are shared.
    mc : int
        Number of centre positions.
    k : int
        Centres to open.
    keep : numpy.ndarray of int
        Positions that must open.
    upper : float
        An upper bound (an incumbent's objective) for the Polyak step; ``inf`` when none.
    deadline : float
        :func:`time.perf_counter` value after which no iteration starts.
    max_iter : int
        The most iterations.
    closed : numpy.ndarray of int, optional
        Positions that may not open (fixed closed earlier).
    u0 : sequence of numpy.ndarray, optional
        Start of the assignment multipliers, one array per block (e.g. the
        uncapacitated Lagrangian's: with ``mu = lam = 0`` the function is that one, so the
        ascent starts from its value); default each area's second-cheapest pair cost.
    mu0, lam0 : sequence of numpy.ndarray, optional
        Start of the norm and capacity multipliers, one array per block (e.g. a parent
        node's, :attr:`NormBound.mus`); default 0.
    theta0 : float
        The first step factor (a warm start takes smaller steps).
    stall_limit : int
        Iterations without progress after which the step factor is halved.
    price : callable, optional
        A Lagrangian heuristic: called with the positions of the chosen centres (sorted)
        at most every ``price_every`` iterations, when the set is new, the value
        improved since the last call and is more than :data:`PRICE_GAP` below the
        target; returns the objective of a plan with those centres (``inf`` when none),
        which becomes the Polyak step's target when it is below ``upper`` (the caller
        keeps the plan).
    price_every : int
        The fewest iterations between two calls of ``price``.
    layout : NormLayout, optional
        The blocks' dense layout (:func:`norm_layout`, built here when not given; a
        caller evaluating the same blocks often builds it once).

    Returns
    -------
    NormBound
        The best value is a valid lower bound on the model's optimum (every evaluation
        of the Lagrangian function with ``mu, lam >= 0`` is one). With float32 blocks
        (:data:`NORM_PASS` "dense32") the ascent compares float32 values, and the value
        and rho returned are the float64 function's at the best multipliers.

    Examples
    --------
    >>> import numpy as np
    >>> blk = NormBlock(np.array([0, 1]), np.array([0, 0]), np.array([1., 2.]),
    ...                 np.array([1., 1.]), 2)
    >>> norm_lagrangian([blk], 1, k=1, keep=np.array([], int), upper=3.0,
    ...                 deadline=float("inf")).value
    3.0

    Notes
    -----
    For multipliers ``u`` (assignment), ``mu >= 0`` (norm ``V``) and ``lam >= 0``
    (capacity ``Q``) the reduced cost of pair (i, j) is
    :math:`r_{ij} = c_{ij} - u_i - (\\mu_j - \\lambda_j) v_{ij}` and the Lagrangian is

    .. math::
        L(u, \\mu, \\lambda) = \\sum_i u_i + \\min_{|S| = k,\\, S \\supseteq K}
        \\sum_{j \\in S} \\rho_j,\\quad
        \\rho_j = \\mu_j V - \\lambda_j Q_j + \\sum_i \\min(0, r_{ij})

    (summed over the care types). The step is Polyak's, ``theta (upper - L) / |g|^2``,
    with ``theta`` halved after 20 iterations without progress. References: Beasley,
    "Lagrangean heuristics for location problems", EJOR 65 (1993).
    """
    rho_none = None
    best = NormBound(-np.inf, rho_none, 0.0, 0)
    if not blocks:
        return best
    us, mus, lams = [], [], []
    for t, b in enumerate(blocks):
        mus.append(np.zeros(mc) if mu0 is None else np.maximum(np.asarray(
            mu0[t], dtype=np.float64), 0.0))
        lams.append(np.zeros(mc) if lam0 is None else np.maximum(np.asarray(
            lam0[t], dtype=np.float64), 0.0))
        if u0 is not None:
            us.append(np.asarray(u0[t], dtype=np.float64).copy())
            continue
        # start: each area at its second-cheapest pair
        first = np.full(b.n_rows, np.inf)
        np.minimum.at(first, b.rows, b.cost)
        second = np.full(b.n_rows, np.inf)
        big = b.cost > first[b.rows]
        np.minimum.at(second, b.rows[big], b.cost[big])
        us.append(np.where(np.isfinite(second), second, first))
    closed_mask = np.zeros(mc, bool)
    if closed is not None:
        closed_mask[closed] = True
    lay = norm_layout(blocks, mc) if layout is None else layout
    low = any(c is not None for c in lay.cost32)
    avail = np.flatnonzero(~closed_mask)
    theta, stall, it = theta0, 0, 0
    target = upper if np.isfinite(upper) else None
    priced: set[bytes] = set()
    last_price = -price_every
    while it < max_iter and time.perf_counter() < deadline:
        it += 1
        base, rho, rcs = _evaluate_layout(blocks, lay, us, mus, lams, mc, avail, low)
        chosen = _choose(rho, k, keep)
        value = base + float(rho[chosen].sum())
        if not np.isfinite(best.value) or value > best.value + 1e-9 * max(abs(best.value),
                                                                          1.0):
            best = NormBound(value, rho, base, it, list(us), list(mus), list(lams))
            stall = 0
            if (price is not None and it - last_price >= price_every
                    and (target is None or target - value > PRICE_GAP * abs(target))):
                pos = np.flatnonzero(chosen)
                key = pos.tobytes()
                if key not in priced:
                    priced.add(key)
                    last_price = it
                    got = price(pos)
                    if got < (np.inf if target is None else target):
                        target = got
        else:
            stall += 1
            if stall >= stall_limit:
                theta, stall = theta / 2, 0
                if theta < 1e-4:
                    break
        # subgradient
        gs = []
        for b, (count, served) in zip(blocks, _served(blocks, rcs, chosen, avail, mc),
                                      strict=True):
            gu = 1.0 - count
            gmu = b.norm * chosen - served if b.norm > 0 else np.zeros(mc)
            if b.capacity is not None:
                capv = np.where(np.isfinite(b.capacity), b.capacity, np.inf)
                glam = np.where(np.isfinite(capv), served - np.where(np.isfinite(capv), capv,
                                                                       0.0) * chosen, 0.0)
            else:
                glam = np.zeros(mc)
            gs.append((gu, gmu, glam))
        norm2 = sum(float(gu @ gu + gmu @ gmu + glam @ glam) for gu, gmu, glam in gs)
        if norm2 <= 0:
            break  # a subgradient of zero: these multipliers are optimal
        gap = (target - value) if target is not None else 0.05 * max(abs(value), 1.0)
        if gap <= 0:
            break  # the bound reached the incumbent: it is optimal
        step = theta * gap / norm2
        for t, (gu, gmu, glam) in enumerate(gs):
            us[t] = us[t] + step * gu
            mus[t] = np.maximum(mus[t] + step * gmu, 0.0)
            lams[t] = np.maximum(lams[t] + step * glam, 0.0)
    if low and best.us is not None and best.mus is not None and best.lams is not None:
        # the bound is the float64 function's at the best multipliers
        base, rho, _ = _evaluate_layout(blocks, lay, best.us, best.mus, best.lams, mc,
                                        avail, low=False)
        value = base + float(rho[_choose(rho, k, keep)].sum())
        best = NormBound(value, rho, base, best.iterations, best.us, best.mus, best.lams)
    return best


def chosen_centres(bound: NormBound, k: int, keep: NDArray,
                   closed: NDArray | None = None) -> NDArray:
    """Positions (sorted) of the centres the Lagrangian opens at ``bound``'s multipliers:
    the kept ones and the other ``k - |keep|`` with the smallest ``rho`` (none fixed
    closed); empty when no iteration ran.

    >>> chosen_centres(NormBound(0.0, np.array([3., 1., 2.]), 0.0, 1), 2,
    ...                np.array([], int)).tolist()
    [1, 2]
    """
    if bound.rho is None:
        return np.array([], dtype=np.int64)
    rho = bound.rho.copy()
    if closed is not None:
        rho[closed] = np.inf
    return np.flatnonzero(_choose(rho, k, keep) & np.isfinite(rho)).astype(np.int64)


def fix_centres(bound: NormBound, k: int, keep: NDArray, upper: float,
                closed: NDArray | None = None) -> CentreFixing:
    """Centres that no solution better than ``upper`` opens (or closes).

    Forcing centre j into the chosen set (out of it) changes the Lagrangian value by
    ``rho_j`` less the largest chosen free ``rho`` (the smallest unchosen ``rho`` less
    ``rho_j``); the result is still a lower bound of the model with that centre forced.
    When it exceeds ``upper`` (by :data:`FIX_MARGIN`), every solution with j open (closed)
    costs more than the incumbent, so j is fixed closed (open).

    >>> import numpy as np
    >>> b = NormBound(10.0, np.array([1., 2., 9.]), 7.0, 1)
    >>> f = fix_centres(b, 1, np.array([], int), upper=12.0)
    >>> f.closed.tolist(), f.opened.tolist()
    ([2], [])
    """
    empty = np.array([], dtype=np.int64)
    if bound.rho is None or not np.isfinite(bound.value) or not np.isfinite(upper):
        return CentreFixing(empty, empty)
    rho = bound.rho.copy()
    if closed is not None:
        rho[closed] = np.inf
    chosen = _choose(rho, k, keep)
    free = np.ones(rho.size, bool)
    free[keep] = False
    chosen_free = chosen & free
    limit = upper + FIX_MARGIN * max(abs(upper), 1.0)
    out = ~chosen & np.isfinite(rho)
    closing = empty
    if chosen_free.any() and out.any():
        worst_in = float(rho[chosen_free].max())
        closing = np.flatnonzero(out & (bound.value + rho - worst_in > limit))
    opening = empty
    if out.any():
        best_out = float(rho[out].min())
        opening = np.flatnonzero(chosen_free & (bound.value + best_out - rho > limit))
    return CentreFixing(closing.astype(np.int64), opening.astype(np.int64))

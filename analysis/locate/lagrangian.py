"""Lagrangian lower bound of the uncapacitated p-median and reduced-cost fixing.

Examples
--------
>>> import numpy as np
>>> from analysis.locate.candidates import Work
>>> from analysis.locate.problem import prepare
>>> C = np.array([[0., 10., 3.], [10., 0., 3.], [4., 6., 0.]])
>>> work = Work(prepare(C, [1., 1., 5.], k=2))
>>> lag = pmedian_lagrangian(work, 2, 3.0, np.array([0, 2]), deadline=float("inf"))
>>> bool(lag.value <= 3.0 + 1e-9), lag.rho.shape     # 3.0: the optimum, {0, 2} or {1, 2}
(True, (3,))
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis.locate.candidates import (
    BLOCK_ELEMENTS,
    LIST_THREADS,
    CandidateLists,
    Work,
    blocks,
    on_row_ranges,
    prefix_len,
)
from analysis.locate.heuristic import Aggregate, aggregate, refine
from analysis.locate.result import GAP_TOLERANCE

__all__ = [
    "DEFLECTION",
    "LAG_BLOCK",
    "LAG_THREADS_MIN",
    "SPLIT_GAP",
    "SPLIT_ITERATIONS",
    "SPLIT_ROUNDS",
    "STALL_ITERATIONS",
    "STEP_START",
    "Fixing",
    "LagrangianBound",
    "aggregated_lagrangian",
    "dense_lagrangian_value",
    "lagrangian_fixing",
    "lagrangian_value",
    "pmedian_lagrangian",
]

LAG_BLOCK = 1 << 20  # list entries per block of the Lagrangian's column grouping
#: from LAG_THREADS_MIN list entries the deflected rule's blocks (then at least
#: LIST_THREADS of them) are evaluated by LIST_THREADS threads each iteration
LAG_THREADS_MIN = 400_000

#: when the aggregated bound leaves a gap above SPLIT_GAP, up to SPLIT_ROUNDS rounds split
#: the groups by which chosen columns are cheaper than each area's multiplier and run
#: SPLIT_ITERATIONS more iterations from the disaggregated multipliers
#: (:func:`aggregated_lagrangian`)
SPLIT_GAP, SPLIT_ROUNDS, SPLIT_ITERATIONS = 0.005, 2, 60

#: subgradient: the step factor starts at STEP_START and halves after STALL_ITERATIONS
#: iterations without a better value; DEFLECTION: the gamma of the deflected direction
STEP_START, STALL_ITERATIONS, DEFLECTION = 1.0, 5, 1.5

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LagrangianBound:
    """A valid lower bound ``value`` and the column values ``rho`` at the multipliers that
    gave it (None when no iteration ran; ``value`` is then -inf)."""

    value: float
    rho: NDArray | None
    u: NDArray | None = None
    iterations: int = 0  # subgradient iterations run (0: a value at given multipliers)


def pmedian_lagrangian(
    work: Work, k: int, ub: float, open_pos: NDArray, deadline: float, max_iter: int = 400,
    *, margin: int | None = None, target_gap: float = GAP_TOLERANCE,
    entry_budget: int | None = None, min_iter: int = 1, rule: str = "deflected",
    u0: NDArray | None = None,
) -> LagrangianBound:
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
    evaluated once more in float64. ``ub`` is the incumbent's cost (the step size aims at
    it) and ``deadline`` a :func:`time.perf_counter` value; the search stops early once
    ``ub - L <= target_gap * ub``. With ``entry_budget`` the iterations are also at most
    ``entry_budget`` / (list entries), but at least ``min_iter`` (work bounded by the
    instance's size, never by the clock).

    ``rule="plain"``: the direction is the subgradient ``g``, the step Polyak's,
    ``lam (ub - L) / (g'g)``, ``lam`` from 2, halved after max_iter / 20 (5 to 20)
    iterations without progress (a few hundred iterations close small instances well,
    and it is what the exact solver's fixing uses). ``rule="deflected"`` (the default):
    the direction is the subgradient ``g`` deflected by the previous direction ``d``
    when they point apart, ``g - gamma (d'g / d'd) d`` (Camerini, Fratta and Maffioli,
    gamma = :data:`DEFLECTION`), and the step is Polyak's, ``lam (ub - L) / (g' W g)``
    along ``W g`` with ``W`` the weights (a diagonal scaling: ``u_i`` is patients x
    minutes, so a heavy area moves in proportion to its weight), ``lam`` starting at
    :data:`STEP_START` and halved after :data:`STALL_ITERATIONS` iterations without
    progress, or when a value falls further below the best than the best is below
    ``ub`` (the search then restarts from the best multipliers). On the 150,000 x 1,000
    instance of bench/bench_locate.py it is within 0.5 % of the incumbent after 50
    iterations, where the plain rule needs about 230 (70 with the weight scaling alone);
    on the unit-weight graph instances of bench/bench_exact_scale.py the plain rule
    gets slightly higher values. With the deflected rule and at least
    :data:`LAG_THREADS_MIN` entries, the entries are split into at least
    :data:`~analysis.locate.candidates.LIST_THREADS` blocks that as many threads
    evaluate each iteration.
    """
    t0 = time.perf_counter()
    lists = work.lists(k)
    keep_pos = np.flatnonzero(work.keep_mask)
    free = np.flatnonzero(~work.keep_mask)
    nfree = k - keep_pos.size
    two = work.nearest_two(np.asarray(open_pos))
    d1 = two.d1
    d2 = np.where(two.d2 >= work.big, d1, two.d2)
    n, m, K = work.n, work.m, lists.K
    if margin is None:
        P = np.full(n, K, np.int64)
    else:
        P = np.minimum(K, prefix_len(lists, np.arange(n), d2) + margin)
    cut = np.where(P < K, lists.cost[np.arange(n), np.minimum(P, K - 1)], lists.rad)
    U = work.w * cut  # u_i <= U_i: every column outside the first P_i costs at least that
    # entries grouped by column within blocks of rows (local sorts, cache-friendly)
    blocks: list[_Block] = []
    n_entries = int(P.sum())
    threads = LIST_THREADS if (n_entries >= LAG_THREADS_MIN and (os.cpu_count() or 1) > 1
                               and rule == "deflected") else 1
    per = max(1, min(LAG_BLOCK, -(-n_entries // threads)) // max(int(P.mean()), 1))
    for s in range(0, n, per):
        e = min(n, s + per)
        inside = np.arange(K)[None, :] < P[s:e, None]
        col = lists.idx[s:e][inside]
        order = np.argsort(col, kind="stable")
        row = np.repeat(np.arange(s, e, dtype=np.intp), P[s:e])[order]  # intp: fast gathers
        cst = lists.cost[s:e][inside][order]
        blocks.append(_Block.of(row, cst, (cst * work.w[row]).astype(work.dt),
                                col[order], m))
    if entry_budget is not None:
        max_iter = min(max_iter, max(min_iter, entry_budget // max(n_entries, 1)))
    pool = ThreadPoolExecutor(threads) if threads > 1 and len(blocks) > 1 else None
    # an array operand: numpy's float32 minimum with a scalar is several times slower
    zero = np.zeros(max(b.v.size for b in blocks), work.dt)

    def rho_of(u: NDArray, exact: bool) -> NDArray:
        """rho(u); the iterations in working precision, ``exact`` in float64."""
        uw = u if exact else u.astype(work.dt)

        def one(b: _Block) -> NDArray:
            out = np.zeros(m)
            if exact:
                v = b.cst * work.w[b.row] - u[b.row]
                np.minimum(v, 0, out=v)
            else:
                v = b.v
                np.take(uw, b.row, out=v)
                np.subtract(b.wc, v, out=v)
                np.minimum(v, zero[:v.size], out=v)
            if b.has.size:
                out[b.has] = np.add.reduceat(v, b.ptr[b.has])
            return out

        parts = list(pool.map(one, blocks)) if pool is not None else [one(b) for b in blocks]
        return np.sum(parts, axis=0) if len(parts) > 1 else parts[0]

    def choose(rho: NDArray) -> NDArray:
        if nfree <= 0:
            return keep_pos
        fr = rho[free]
        sel = free[np.argpartition(fr, nfree - 1)[:nfree]] if nfree < free.size else free
        return np.concatenate([keep_pos, sel])

    if u0 is None:  # between nearest and second-nearest centre
        u = np.minimum(work.w * 0.5 * (d1 + d2), U)
    else:
        u = np.minimum(np.asarray(u0, dtype=np.float64), U)
    best, best_u = -np.inf, u
    # the step schedule counts iterations, never the clock, so that a bound that was not
    # cut by the deadline does not depend on load
    if rule not in ("plain", "deflected"):
        raise ValueError(f"rule must be 'plain' or 'deflected', got {rule!r}")
    deflected = rule == "deflected"
    lam, stall, it = (STEP_START, 0, 0) if deflected else (2.0, 0, 0)
    stall_limit = STALL_ITERATIONS if deflected else int(min(max(max_iter / 20, 5), 20))
    d: NDArray | None = None  # the previous direction
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
        if ub - best <= target_gap * abs(ub):
            break
        if deflected and val < best - (ub - best):
            # overshot (further below the best than the best is below ub): back to the
            # best multipliers with half the step
            u, d, lam, stall = best_u, None, lam / 2.0, 0
            continue
        # subgradient: 1 - number of chosen columns with w_i c_ij < u_i
        hit = [b.row[b.ptr[j]:b.ptr[j + 1]][b.v[b.ptr[j]:b.ptr[j + 1]] < 0]
               for b in blocks for j in chosen]
        g = 1.0 - np.bincount(np.concatenate(hit), minlength=n)
        if deflected and d is not None:  # Camerini, Fratta and Maffioli: less zig-zag
            dg = float((d * g).sum())  # not BLAS: tiny dots, threads would only spin
            if dg < 0:
                g -= DEFLECTION * dg / float((d * d).sum()) * d
        g[(g > 0) & (u >= U)] = 0.0  # projected: u_i cannot grow past U_i
        d = g
        wg = work.w * g if deflected else g
        nrm = float((g * wg).sum())
        if nrm == 0 or lam < 1e-5:
            break
        u = np.minimum(u + lam * max(ub - val, 1e-9 * abs(ub)) / nrm * wg, U)
    # the reported bound: L at the best multipliers, in float64
    rho = rho_of(best_u, exact=True)
    if pool is not None:
        pool.shutdown()
    best = float(best_u.sum() + rho[choose(rho)].sum()) if it else -np.inf
    _log.debug("Lagrangian bound %.9g after %d iterations in %.3f s (%d list entries)",
               best, it, time.perf_counter() - t0, n_entries,
               extra={"locate_bound": {"value": best, "iterations": it, "entries": n_entries,
                                       "seconds": time.perf_counter() - t0}})
    return LagrangianBound(best, rho if it else None, best_u if it else None, it)


def lagrangian_value(work: Work, k: int, u: NDArray) -> LagrangianBound:
    """The Lagrangian value ``L(u)`` of the full instance at the multipliers ``u``, in
    float64, read from candidate-list prefixes only.

    ``L(u)`` is a lower bound of the p-median for every ``u`` (the relaxed assignment rows
    are equalities, so ``u`` is free). The multipliers are first lowered to
    ``u_i <= w_i rad_i`` (another ``u``, hence another valid bound), so that every column
    outside area i's list has ``w_i c_ij >= u_i`` and contributes nothing: the value is
    exact, whatever the list length. Only the lists are read.

    >>> import numpy as np
    >>> from analysis.locate.problem import prepare
    >>> W = Work(prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1))
    >>> lagrangian_value(W, 1, np.array([5., 5., 25.])).value  # 35 + rho_0 (-10); optimum 30
    25.0
    """
    lists = work.lists(k)
    u = np.minimum(np.asarray(u, dtype=np.float64), work.w * lists.rad)
    rho = _list_rho(work, lists, u)
    return LagrangianBound(float(u.sum() + rho[_chosen(work, k, rho)].sum()), rho, u)


def dense_lagrangian_value(work: Work, k: int, u: NDArray) -> LagrangianBound:
    """The Lagrangian value ``L(u)`` of the full instance at the multipliers ``u`` (or a
    lower bound of it within 2e-5, on float32), from one read of the whole working
    matrix (no candidate lists).

    ``rho_j = sum_i min(0, w_i c_ij - u_i) = -sum_i w_i max(u_i / w_i - c_ij, 0)``, per
    row block (float64 arithmetic on the working entries; two threads on a large matrix).
    On a float32 working matrix the passes run in float32 and each ``rho_j`` is a lower
    bound of the exact one with the rounding covered (within a relative 2e-5 of it; see
    ``_rho_float32``), so the value is a lower bound of the exact ``L(u)``: half the
    memory traffic of the float64 pass. Valid for every ``u`` (the relaxed assignment
    rows are equalities), so ``u`` is returned as given.

    >>> import numpy as np
    >>> from analysis.locate.problem import prepare
    >>> W = Work(prepare(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1))
    >>> dense_lagrangian_value(W, 1, np.array([5., 5., 25.])).value  # 35 + rho_0 (-10)
    25.0
    """
    u = np.asarray(u, dtype=np.float64)
    t = u / work.w  # active areas have demand: w > 0
    if work.dt is np.float32:
        rho = _rho_float32(work, t)
    else:

        def part(s: int, e: int) -> NDArray:
            rho = np.zeros(work.m)
            for a, b in blocks(s, e, work.m):
                T = np.subtract(t[a:b, None], work.M[a:b], dtype=np.float64)
                np.maximum(T, 0.0, out=T)
                rho -= work.w[a:b] @ T
            return rho

        rho = np.sum(on_row_ranges(work.n, work.m, part), axis=0)
    return LagrangianBound(float(u.sum() + rho[_chosen(work, k, rho)].sum()), rho, u)


def _up32(x: NDArray) -> NDArray:
    """float32 values at least ``x`` (float64), each the nearest such."""
    y = x.astype(np.float32)
    low = y < x
    y[low] = np.nextafter(y[low], np.float32(np.inf))
    return y


def _rho_float32(work: Work, t: NDArray) -> NDArray:
    """A lower bound of every ``rho_j = -sum_i w_i max(t_i - c_ij, 0)`` of a float32
    working matrix, from float32 arithmetic: ``t`` and ``w`` rounded up, per row block
    of r rows one subtraction, one maximum and one float32 matrix-vector product, whose
    rounding is then covered: a rounded difference is at least ``(1 - eps)`` times the
    exact one (``eps = 2^-24``), and a sum of r + 1 or fewer non-negative rounded terms
    at least ``(1 - gamma)`` times the exact sum, ``gamma = (r+1) eps / (1 - (r+1) eps)``
    (any order of summation), up to ``tiny`` per term where a product underflows. The
    bound is below the exact ``rho_j`` by a relative 2e-5 at most (r = 262)."""
    t32, w32 = _up32(t), _up32(work.w)
    zero = np.zeros(work.m, np.float32)  # an array operand: a scalar maximum is slower
    eps, tiny = 2.0 ** -24, float(np.finfo(np.float32).smallest_subnormal)

    def part(s: int, e: int) -> NDArray:
        rho = np.zeros(work.m)
        # per-thread scratch block (out=): no fresh 1 MB temporary per block
        T0 = np.empty((max(1, BLOCK_ELEMENTS // max(work.m, 1)), work.m), np.float32)
        for a, b in blocks(s, e, work.m):
            T = np.subtract(t32[a:b, None], work.M[a:b], out=T0[:b - a])
            np.maximum(T, zero, out=T)
            r1 = b - a + 1
            gamma = r1 * eps / (1.0 - r1 * eps)
            S = (w32[a:b] @ T).astype(np.float64)
            rho -= S * ((1.0 + 2.0 * eps) / (1.0 - gamma)) + r1 * tiny
        return rho

    rho: NDArray = np.sum(on_row_ranges(work.n, work.m, part), axis=0)
    return rho * (1.0 + 1e-12)  # and the float64 sums of the blocks' terms


def _chosen(work: Work, k: int, rho: NDArray) -> NDArray:
    """The Lagrangian subproblem's open set: kept columns plus the most negative others."""
    keep_pos = np.flatnonzero(work.keep_mask)
    free = np.flatnonzero(~work.keep_mask)
    nfree = k - keep_pos.size
    if nfree <= 0:
        return keep_pos
    fr = rho[free]
    sel = free[np.argpartition(fr, nfree - 1)[:nfree]] if nfree < free.size else free
    return np.concatenate([keep_pos, sel])


def _list_rho(work: Work, lists: CandidateLists, u: NDArray) -> NDArray:
    """rho_j(u) = sum_i min(0, w_i c_ij - u_i) over the lists (float64); exact when
    ``u_i <= w_i rad_i`` (every column outside a list then contributes 0)."""
    rho = np.zeros(work.m)
    for s in range(0, work.n, lists.step):
        e = min(work.n, s + lists.step)
        v = work.w[s:e, None] * lists.cost[s:e] - u[s:e, None]
        neg = v < 0
        rho += np.bincount(lists.idx[s:e][neg], weights=v[neg], minlength=work.m)
    return rho


def aggregated_lagrangian(
    work: Work, k: int, open_pos: NDArray, deadline: float, max_iter: int = 100, *,
    margin: int | None = None, p1: NDArray | None = None, base: Aggregate | None = None,
    entry_budget: int | None = None, min_iter: int | None = None,
) -> LagrangianBound:
    """Lagrangian bound of the full instance from multipliers fitted on an aggregate.

    The areas are grouped by their nearest candidates and their nearest centre of
    ``open_pos`` (the incumbent; :func:`~analysis.locate.heuristic.aggregate`), the
    subgradient search (:func:`pmedian_lagrangian`, ``max_iter`` iterations, or as many
    as ``entry_budget`` list entries allow but at least ``min_iter``; ``margin``) runs on
    the groups, a group's multiplier per patient is given to each of its areas,
    ``u_i = w_i U_g / W_g``, and the bound is ``L(u)`` of the full instance
    (:func:`lagrangian_value`): valid whatever the grouping. It is at most the aggregated
    value (``min(0, c - v)`` is concave, so a group's areas together reach at most what
    their mean row reaches); the difference is small where the areas of a group have the
    same nearest centres, hence the incumbent's nearest centre in the group key (``p1``:
    each area's nearest column of ``open_pos``, when the caller has it; ``base``: the
    areas grouped by their nearest candidates only, e.g. the search's aggregate, whose
    groups are then split by ``p1``, see :func:`~analysis.locate.heuristic.refine`). ``L(u)`` is
    computed from the whole matrix (:func:`dense_lagrangian_value`): the full instance's
    candidate lists are never built.

    While the gap to the incumbent stays above :data:`SPLIT_GAP` (at most
    :data:`SPLIT_ROUNDS` rounds, never past ``deadline``), the groups are split by which
    of the bound's chosen columns each area has cheaper than its multiplier per patient
    (areas on both sides of a threshold are what the disaggregation loses), and
    :data:`SPLIT_ITERATIONS` more iterations run on the finer groups from the
    disaggregated multipliers; the best full-instance ``L(u)`` is returned. On the
    150,000 x 1,000 instances of bench/bench_locate.py at k = 25 two rounds lower the
    gap from 0.60 / 0.95 / 0.83 % to 0.44 / 0.75 / 0.66 % (seeds 0-2), for about 0.8
    CPU-s; at k = 5 and 15 the gap is below 0.5 % without them.
    """
    t0 = time.perf_counter()
    if t0 > deadline:
        return LagrangianBound(-np.inf, None)
    if p1 is None:
        p1 = work.nearest_two(np.asarray(open_pos)).p1
    agg = aggregate(work, extra=p1) if base is None else refine(work, base, p1)
    ub = agg.work.cost(open_pos)  # the incumbent's cost (its groups share p1: ~exact)
    inner = pmedian_lagrangian(agg.work, k, ub, open_pos, deadline,
                               max_iter, margin=margin, entry_budget=entry_budget,
                               min_iter=max_iter if min_iter is None else min_iter)
    if inner.u is None:
        return LagrangianBound(-np.inf, None)
    per = inner.u / agg.weight  # each group's multiplier per patient
    out = dense_lagrangian_value(work, k, work.w * per[agg.group])
    iterations = inner.iterations
    for _ in range(SPLIT_ROUNDS):
        if (ub - out.value <= SPLIT_GAP * abs(ub) or out.rho is None
                or time.perf_counter() > deadline):
            break
        # split every group by which of the bound's chosen columns each area has
        # cheaper than its multiplier per patient: L(u) at a group's mean row is then
        # that of its areas (the Jensen loss is zero) at the current multipliers
        chosen = _chosen(work, k, out.rho)
        finer = refine(work, agg, _pattern(work, chosen, per[agg.group]))
        if finer.work.n == agg.work.n:
            break
        parent = np.zeros(finer.work.n, np.int64)
        parent[finer.group] = agg.group
        more = pmedian_lagrangian(finer.work, k, ub, open_pos, deadline, SPLIT_ITERATIONS,
                                  margin=margin, min_iter=SPLIT_ITERATIONS,
                                  u0=finer.weight * per[parent])
        if more.u is None:
            break
        iterations += more.iterations
        agg, per = finer, more.u / finer.weight
        trial = dense_lagrangian_value(work, k, work.w * per[agg.group])
        if trial.value > out.value:
            out = trial
    _log.debug("Lagrangian bound %.9g of the full instance from %d groups (%.9g on them, "
               "%d iterations) in %.3f s", out.value, agg.work.n, inner.value, iterations,
               time.perf_counter() - t0,
               extra={"locate_bound": {"value": out.value, "iterations": iterations,
                                       "groups": agg.work.n,
                                       "seconds": time.perf_counter() - t0}})
    return out


def _pattern(work: Work, cols: NDArray, t: NDArray) -> NDArray:
    """Per row, an id of the set of ``cols`` cheaper than ``t`` (equal ids: equal sets)."""
    # compared as they are (numpy compares float32 with float64 in float64, exactly):
    # no float64 copy of the columns (30 MB at 150,000 x 25)
    below = work.M[:, np.sort(cols)] < t[:, None]
    code = np.zeros(work.n, np.int64)
    for c0 in range(0, below.shape[1], 62):  # 62 columns a word
        bits = below[:, c0:c0 + 62]
        # the bits of a row as one integer (bit c = column c0 + c), packed: the product
        # bits @ 2^c it replaces first turned the bits into a 30 MB int64 array
        packed = np.zeros((work.n, 8), np.uint8)
        packed[:, :-(-bits.shape[1] // 8)] = np.packbits(bits, axis=1, bitorder="little")
        word = packed.view("<u8").ravel().astype(np.int64)  # < 2^62: the same values
        wid = np.unique(word, return_inverse=True)[1].ravel()
        code = code * (int(wid.max()) + 1) + wid  # both below n: no overflow
        code = np.unique(code, return_inverse=True)[1].ravel().astype(np.int64)
    return code


@dataclass
class _Block:
    """List entries of a block of rows grouped by column: rows, costs, weighted costs
    (working precision), column pointers, the columns present, scratch."""

    row: NDArray
    cst: NDArray
    wc: NDArray
    ptr: NDArray
    has: NDArray
    v: NDArray

    @classmethod
    def of(cls, row: NDArray, cst: NDArray, wc: NDArray, col: NDArray, m: int) -> _Block:
        """A block from entries sorted by column (``col``: their columns)."""
        cnt = np.bincount(col, minlength=m)
        has = np.flatnonzero(cnt)
        ptr = np.concatenate([[0], np.cumsum(cnt)])
        return cls(row, cst, wc, ptr, has, np.empty(cst.size, wc.dtype))


@dataclass(frozen=True)
class Fixing:
    """Boolean masks over the working columns: ``closed`` must stay closed, ``opened``
    must be open in any solution cheaper than the incumbent."""

    closed: NDArray
    opened: NDArray


def lagrangian_fixing(work: Work, k: int, lower: float, rho: NDArray, ub: float) -> Fixing:
    """Centres that must stay closed / open in any solution cheaper than ``ub``.

    With the multipliers of the bound ``lower`` fixed, forcing a closed free column j open
    raises the Lagrangian value to ``lower + rho_j - rho_last`` (it replaces the dearest
    chosen column), forcing a chosen one closed to ``lower - rho_j + rho_next``. Either is
    a lower bound for the restricted problem; above ``ub`` that choice cannot improve on
    the incumbent (reduced-cost fixing).
    """
    closed = np.zeros(work.m, bool)
    opened = np.zeros(work.m, bool)
    free = np.flatnonzero(~work.keep_mask)
    nfree = k - int(work.keep_mask.sum())
    if nfree <= 0 or nfree >= free.size:
        return Fixing(closed, opened)
    order = free[np.argsort(rho[free], kind="stable")]
    chosen, rest = order[:nfree], order[nfree:]
    r_last, r_next = rho[chosen[-1]], rho[rest[0]]
    tol = 1e-9 * max(abs(ub), 1.0)
    closed[rest[lower + rho[rest] - r_last > ub + tol]] = True
    opened[chosen[lower - rho[chosen] + r_next > ub + tol]] = True
    return Fixing(closed, opened)

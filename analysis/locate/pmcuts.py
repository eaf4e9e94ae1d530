"""Odd-cycle ({0,1/2}-Chvátal-Gomory) cuts on the covering rows of the radius formulation.

In the radius formulation of García, Labbé and Marín an area ``i`` has, for a distance
``D``, the covering row ``z_iD + sum_{j: c_ij < D} y_j >= 1`` with ``z_iD`` = "no open
centre within distance < D". Half the sum of three such rows, rounded up (all variables
are non-negative integers), is the valid inequality

    z_a + z_b + z_c + sum_j ceil(mult_j / 2) y_j >= 2,

``mult_j`` the number of the three covering sets that hold ``j``. It cuts off the typical
fractional point of the LP (sets of y-mass one whose pairwise overlaps hold more than one
unit of y in all), which the Benders cuts of :mod:`analysis.locate.benders` cannot.

The Benders master has no ``z``: they are projected out. For a band of area ``i``, the
distances ``[D_a, D_b)`` between two flags that are open at the LP point, "no open centre
within < D_b" is below "no open centre within d" for every level ``d`` of the band, so

    theta_i >= c_i1 + sum_{h in H} (D_{h+1} - D_h) (1 - Y_ih(y)) + (D_b - D_a) z_iD_b

for every set ``H`` of levels outside the band (``Y_ih`` the flags within level ``h``).
Hence ``z_iD_b <= u_i(theta, y)``, linear, and replacing each ``z`` of the cut by its
``u`` gives a cut in ``(y, theta)`` that every integer solution satisfies. At the LP
point where it is found, ``u`` equals the least value ``max(0, 1 - Y)`` of ``z`` (``H``
= the levels outside the band with ``Y < 1``), so the projection loses no violation there.

:func:`odd_triangle_cuts` separates them: per area, the chain of covering rows over the
flags that are positive at the point (one per band), a dominance filter, then every
triple of the remaining distinct rows (exact for three rows, numpy); the most violated
cuts come back as CSR rows over the master's columns (``m`` flags, then ``g`` travel
variables). :func:`root_cuts` runs rounds of them at the Benders root
(:data:`ODD_ROUNDS`, off by default: see there).

The explicit form keeps the ``z``: :class:`ZBands` adds them as master columns after
theta, each with its covering row and the area's z-form Benders rows, and
:func:`z_root_cuts` runs rounds of the cuts ``z_a + z_b + z_c + sum_j ceil(mult_j / 2)
y_j >= 2`` at the root (:data:`Z_ROUNDS`, off by default; :data:`Z_NODES` separates the
z-form rows at the nodes too). Measured in section 1l of bench/results/exact_scale.md:
sparser rows, but the node LPs cost 1.4-1.7x and the nodes hardly fall, so it loses on
both outliers (0.4-0.7x main's speed).

Examples
--------
Three areas, each at distance 0 from two of three candidates and 9 from the rest, a
fourth area at its own candidate, two centres: the LP point ``y = 1/2`` everywhere (each
area covered by one unit of y at distance 0, ``theta = 0``) violates a cut by 1/2; an
integer point (candidates 0 and 3 open, area 1 then at distance 9) satisfies it.

>>> import numpy as np
>>> C = np.array([[0., 0., 9., 9.], [9., 0., 0., 9.], [0., 9., 0., 9.], [9., 9., 9., 0.]])
>>> order = np.argsort(C, axis=1, kind="stable")
>>> srt = np.take_along_axis(C, order, axis=1)
>>> cuts = odd_triangle_cuts(srt, order, np.full(4, 0.5), np.zeros(4))
>>> cuts.count, cuts.violation.tolist()
(1, [0.5])
>>> x = np.array([1., 0., 0., 1., 0., 9., 0., 0.])  # y, then theta
>>> bool(np.all(cuts.activity(x) >= cuts.lo - 1e-9))
True

References
----------
S. García, M. Labbé, A. Marín (2011). Solving large p-median problems with a radius
formulation. INFORMS Journal on Computing 23(4), 546-556.

A. Caprara, M. Fischetti (1996). {0, 1/2}-Chvátal-Gomory cuts. Mathematical Programming
74, 221-235.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ODD_CUTS_PER_ROUND",
    "ODD_MIN_VIOLATION",
    "ODD_ROUNDS",
    "Z_CUTS_PER_ROUND",
    "Z_NODES",
    "Z_NODE_ROWS",
    "Z_ROUNDS",
    "OddCuts",
    "ZBands",
    "odd_triangle_cuts",
    "root_cuts",
    "z_root_cuts",
]

ODD_CUTS_PER_ROUND = 300  # most violated cuts added per separation round
ODD_MIN_VIOLATION = 0.05  # a cut must be violated by this much (the maximum is 1/2)
#: separation rounds at the root at most. 0 (off): measured on the two graph outliers of
#: bench/results/exact_scale.md section 1f, 8 rounds close 30-37 % of the root gap and
#: cut the nodes by 18-50 %, but the node LPs cost about twice as much, so the solves take
#: 1.07-1.55x main's CPU time; set it (e.g. 8) to use the cuts.
ODD_ROUNDS = 0
ODD_KEEP_DUAL_ONLY = False  # after the rounds, drop the odd cuts without a dual
_MAX_SLACK = 0.15  # covering rows slacker than this at the point are left out
_WORK = 30_000_000  # pair entries examined per separation at most (tightest rows first)
_ROW_USES = 3  # a covering row enters at most this many cuts of one round
_EPS = 1e-9


@dataclass(frozen=True)
class OddCuts:
    """Cuts ``lo_r <= a_r x`` in CSR form over the master's columns (flags, then travel
    variables), with each cut's violation at the point it was separated at."""

    lo: NDArray
    starts: NDArray
    index: NDArray
    value: NDArray
    violation: NDArray

    @property
    def count(self) -> int:
        """Number of cuts."""
        return int(self.lo.size)

    def activity(self, x: NDArray) -> NDArray:
        """``a_r x`` for every cut at the point ``x`` (flags then travel variables)."""
        if not self.count:
            return np.zeros(0)
        ends = np.append(self.starts[1:], self.index.size)
        return np.array([self.value[s:e] @ x[self.index[s:e]]
                         for s, e in zip(self.starts, ends, strict=True)])


@dataclass(frozen=True)
class _Row:
    """A covering row of one area at the point: the band [srt[a], srt[b]) (positions
    ``a <= p < b`` of the sorted row), the bitmask of its positive flags, its slack
    ``u + Y - 1`` and its projected z-bound ``u = (theta_i - const + coef . y_i) / width``
    (``y_i`` the flags in the area's sorted order, ``coef`` over those positions)."""

    area: int
    a: int
    b: int
    mask: int
    slack: float
    const: float
    coef: NDArray
    width: float


@dataclass(frozen=True)
class _ZRow:
    """A covering row ``z + y(positions < b) >= 1`` of one area at the point: the band
    ``[srt[a], srt[b])``, the bitmask of its positive flags and its slack."""

    area: int
    a: int
    b: int
    mask: int
    slack: float


_R = TypeVar("_R", _Row, _ZRow)


def _covering_rows(srt: NDArray, order: NDArray, y: NDArray, theta: NDArray, F: NDArray,
                   big: float) -> list[_Row]:
    """Every area's chain of covering rows over the positive flags ``F`` with slack up to
    :data:`_MAX_SLACK` at the point."""
    g, m = srt.shape
    bit = np.zeros(m, dtype=np.int64)
    bit[F] = np.left_shift(np.int64(1), np.arange(F.size, dtype=np.int64))
    delta = np.zeros((g, m))
    delta[:, :-1] = np.diff(srt, axis=1)
    ys = y[order]
    cum = np.cumsum(ys, axis=1)
    pos = ys > _EPS
    rows: list[_Row] = []
    for i in np.flatnonzero(pos.sum(axis=1) >= 2):
        sup = np.flatnonzero(pos[i])
        d = srt[i]
        masks = np.bitwise_or.accumulate(bit[order[i, sup]])
        below = cum[i] < 1 - _EPS  # levels that H may hold (Y < 1 there)
        for q in range(sup.size - 1):
            t, nxt = int(sup[q]), int(sup[q + 1])
            if d[nxt] == d[t] or d[nxt] >= big:
                continue  # a tie: the band starts at the last flag of the group
            mass = float(cum[i, nxt - 1])
            a = int(np.searchsorted(d, d[t], side="left"))
            b = int(np.searchsorted(d, d[nxt], side="left"))
            H = below.copy()
            H[a:b] = False
            dH = delta[i] * H
            coef = np.cumsum(dH[::-1])[::-1]  # on sorted position s: sum_{p >= s in H}
            const = float(d[0] + dH.sum())
            width = float(d[b] - d[a])
            u = (theta[i] - const + coef @ ys[i]) / width
            slack = u + mass - 1
            if mass > 1 + _MAX_SLACK:
                break
            if slack <= _MAX_SLACK:
                rows.append(_Row(int(i), a, b, int(masks[q]), float(slack), const, coef,
                                 width))
    return rows


def _masses(masks: NDArray, yF: NDArray) -> NDArray:
    """y-mass of each bitmask over the positive flags (tables of 11-bit chunks)."""
    out = np.zeros(masks.shape)
    for c in range(0, yF.size, 11):
        part = yF[c:c + 11]
        codes = np.arange(1 << part.size)
        tab = ((codes[:, None] >> np.arange(part.size)) & 1) @ part
        out += tab[(masks >> c) & ((1 << part.size) - 1)]
    return out


def _undominated(rows: list[_R]) -> list[_R]:
    """One row per distinct mask (least slack), without rows whose mask lies inside
    another's of no larger slack (that one's cuts are at least as violated)."""
    best: dict[int, _R] = {}
    for r in rows:
        if r.mask not in best or r.slack < best[r.mask].slack:
            best[r.mask] = r
    cand = sorted(best.values(), key=lambda r: r.slack)
    masks = np.array([r.mask for r in cand], dtype=np.int64)
    slack = np.array([r.slack for r in cand])
    inside = (masks[:, None] & masks[None, :]) == masks[:, None]  # [r, s]: r within s
    np.fill_diagonal(inside, False)
    dominated = (inside & (slack[None, :] <= slack[:, None] + 1e-12)).any(axis=1)
    return [r for r, dom in zip(cand, dominated, strict=True) if not dom]


def _triples(rows: list, yF: NDArray, limit: int, min_violation: float,
             ) -> list[tuple[float, int, int, int]]:
    """The most violated triples of ``rows`` (objects with ``mask`` and ``slack``, tightest
    first): at most ``8 * limit`` of (violation, a, b, c), most violated first."""
    U = len(rows)
    if U < 3:
        return []
    masks = np.array([r.mask for r in rows], dtype=np.int64)
    slack = np.array([r.slack for r in rows])
    P = _masses(masks[:, None] & masks[None, :], yF)  # pairwise overlap masses
    np.fill_diagonal(P, 0.0)
    # a violated triple has two overlapping pairs (with one, the violation is at most
    # y(B & C) - 1 - slack_B <= 0), so it has a row meeting both others: enumerate, for
    # every row a, the pairs of rows that meet it
    keys, viols = [], []
    work = 0
    for a in range(U):  # rows come tightest first
        nb = np.flatnonzero(P[a] > _EPS)
        if nb.size < 2:
            continue
        work += nb.size * nb.size
        if work > _WORK:
            break
        pa = P[a, nb] - slack[nb]
        Q = pa[:, None] + pa[None, :] + P[np.ix_(nb, nb)] - slack[a]
        bi, ci = np.nonzero(np.triu(Q > 1 + min_violation, 1))
        if not bi.size:
            continue
        b, c = nb[bi], nb[ci]
        viol = Q[bi, ci] - 2 * _masses(masks[a] & masks[b] & masks[c], yF) - 1
        ok = viol > min_violation
        trip = np.sort(np.stack([np.full(int(ok.sum()), a), b[ok], c[ok]]), axis=0)
        keys.append((trip[0] * U + trip[1]) * U + trip[2])
        viols.append(viol[ok])
    if not keys:
        return []
    key, first = np.unique(np.concatenate(keys), return_index=True)
    vio = np.concatenate(viols)[first]
    top = np.argsort(-vio, kind="stable")[:8 * limit]
    return [(float(vio[t]), int(key[t] // (U * U)), int(key[t] // U % U), int(key[t] % U))
             for t in top]


def odd_triangle_cuts(
    srt: NDArray, order: NDArray, y: NDArray, theta: NDArray, *,
    limit: int = ODD_CUTS_PER_ROUND, min_violation: float = ODD_MIN_VIOLATION,
    big: float = np.inf,
) -> OddCuts:
    """The most violated three-row odd-cycle cuts at the point ``(y, theta)``.

    Parameters
    ----------
    srt : numpy.ndarray, shape (g, m)
        Each area's costs to the candidates, sorted ascending.
    order : numpy.ndarray of int, shape (g, m)
        The candidate of each sorted position (``srt[i] == C[i, order[i]]``).
    y, theta : numpy.ndarray
        The point: open flags (``m``) and travel variables (``g``).
    limit : int
        Cuts returned at most (the most violated; a covering row enters at most three).
    min_violation : float
        Least violation of a returned cut (at most 1/2 is possible).
    big : float
        Costs at or above this are unreachable; no band reaches them.

    Returns
    -------
    OddCuts
        Rows ``lo <= a x`` over ``x = (y, theta)``, each valid for every integer ``y``
        with ``theta`` at least the distances.

    Notes
    -----
    For rows ``r`` of areas ``i_r`` with band widths ``w_r`` the cut reads
    ``sum_r (theta_{i_r} - const_r + coef_r . y) / w_r + sum_j ceil(mult_j / 2) y_j >= 2``
    (module docstring). Its violation at the point is
    ``y(flags in two or three sets) - 1 - sum_r slack_r``, which the separation
    maximises exactly over all triples of undominated rows.
    """
    g, m = srt.shape
    F = np.flatnonzero(y > _EPS)
    if F.size > 62:  # masks are int64 bitmasks: keep the 62 largest flags
        F = np.sort(F[np.argsort(-y[F], kind="stable")[:62]])
    rows = _undominated(_covering_rows(srt, order, y, theta, F, big))
    U = len(rows)
    empty = OddCuts(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                    np.zeros(0))
    if U < 3:
        return empty
    found = _triples(rows, y[F], limit, min_violation)
    if not found:
        return empty
    used = np.zeros(U, dtype=np.int64)
    lo: list[float] = []
    starts: list[int] = []
    index: list[NDArray] = []
    value: list[NDArray] = []
    violation: list[float] = []
    nnz = 0
    for v, ra, rb, rc in found:
        if len(lo) >= limit:
            break
        three = np.array([ra, rb, rc])
        if used[three].max() >= _ROW_USES:
            continue
        used[three] += 1
        yc, tc = np.zeros(m), np.zeros(g)
        mult = np.zeros(m)
        rhs = 2.0
        for r in (rows[ra], rows[rb], rows[rc]):
            o = order[r.area]
            tc[r.area] += 1.0 / r.width
            np.add.at(yc, o, r.coef / r.width)
            rhs += r.const / r.width
            mult[o[:r.b]] += 1
        yc += np.ceil(mult / 2)
        jy, jt = np.flatnonzero(yc), np.flatnonzero(tc)
        starts.append(nnz)
        nnz += jy.size + jt.size
        index.append(np.concatenate([jy, m + jt]))
        value.append(np.concatenate([yc[jy], tc[jt]]))
        lo.append(rhs)
        violation.append(v)
    if not lo:
        return empty
    return OddCuts(np.array(lo), np.array(starts, np.int64), np.concatenate(index),
                   np.concatenate(value), np.array(violation))


def root_cuts(
    master, areas, resolve: Callable[[], tuple[float, NDArray | None, bool]],
    bound: float, y: NDArray, converged: bool, deadline: float, *,
    stop: Callable[[float], bool], big: float = np.inf, rounds: int | None = None,
) -> tuple[float, NDArray | None, bool, int]:
    """Rounds of odd-cycle cuts at the Benders root: separate at the master's LP point,
    add the cuts, re-solve with Benders cut generation (``resolve``), until no cut is
    found, ``stop(bound)`` holds (the bound proves the incumbent), the time runs out or
    ``rounds`` (default :data:`ODD_ROUNDS`) are done. Returns (bound, y, converged, cuts
    added)."""
    added = 0
    m = areas.m
    odd_rows: list[NDArray] = []
    for _ in range(ODD_ROUNDS if rounds is None else rounds):
        if not converged or y is None or stop(bound) or deadline - time.perf_counter() < 0.5:
            break
        sol = master.h.getSolution()
        theta = np.asarray(sol.col_value, dtype=np.float64)[m:m + areas.g]
        cuts = odd_triangle_cuts(areas.srt, areas.order, y, theta, big=0.5 * big,
                                 limit=ODD_CUTS_PER_ROUND)
        if not cuts.count:
            break
        first = master.h.getNumRow()
        master.add_rows(cuts.lo, cuts.starts, cuts.index, cuts.value)
        odd_rows.append(np.arange(first, first + cuts.count))
        added += cuts.count
        value, y_new, converged = resolve()
        if y_new is None or value == np.inf:
            break  # time ran out (or, impossible for valid cuts, infeasible): keep the last
        bound, y = max(bound, value), y_new
    if ODD_KEEP_DUAL_ONLY and odd_rows and converged:
        dual = np.asarray(master.h.getSolution().row_dual)
        rows = np.concatenate(odd_rows)
        drop = rows[np.abs(dual[rows]) <= 1e-9]
        if drop.size:
            master.h.deleteRows(drop.size, drop.astype(np.int32))
            master.row_lo = np.delete(master.row_lo, drop)
            master.held = None
            master.solve(deadline - time.perf_counter())
    return bound, y, converged, added


# --- the explicit-z form (issue 17, section 1l of bench/results/exact_scale.md) -------

#: rounds of explicit-z cuts at the Benders root at most. 0 (off): measured on the two
#: graph outliers (bench/results/exact_scale.md section 1l), one round closes 10-12 % of
#: the root gap, three 22-28 %, but the nodes do not fall (800/2 k=5: 164 -> 222) and a
#: node LP takes 1.4-1.7x the iterations, so the solves take 1.45-2.4x main's CPU time.
Z_ROUNDS = 0
Z_CUTS_PER_ROUND = 500  # most violated explicit-z cuts added per round
Z_NODES = False  # the z-form Benders rows are also separated at the tree's nodes
Z_NODE_ROWS = 5000  # z-form rows added in the tree at most (they stay in the master)


class ZBands:
    """The z columns of the explicit form in a master (after its ``m + g`` columns).

    Column ``c`` is ``z_c`` = "no open centre of area ``area[c]`` within < srt[b_c]",
    for the band ``[srt[a_c], srt[b_c])`` of the area's sorted row (positions
    ``a_c <= p < b_c``); an area's bands are disjoint. Its covering row is
    ``z_c + sum_{p < b_c} y_(p) >= 1``; the area's z-form Benders rows are

        theta_i + sum_s coef_s y_(s) - sum_c w_c z_c >= srt[i, 0] + sum_{h in H} delta_h,

    ``H`` levels with ``Y_h < 1`` outside the bands (below the area's last finite level),
    ``w_c = srt[b_c] - srt[a_c]``, ``coef_s = sum_{h >= s in H} delta_h``. Both are
    valid at integer points: ``z_c = 1`` means the area's distance is at least
    ``srt[b_c]``, so every level of the band counts in full.
    """

    def __init__(self, areas, first: int):
        self.areas, self.first = areas, int(first)
        g, m = areas.srt.shape
        self.band = np.full((g, m), -1, dtype=np.int64)  # z column number per position
        self.area: list[int] = []
        self.a: list[int] = []
        self.b: list[int] = []
        self.seen: set[tuple[int, bytes]] = set()  # z-form rows added (area, H)
        self.delta = np.zeros((g, m))
        self.delta[:, :-1] = np.diff(areas.srt, axis=1)
        # levels a z-form row may hold: below the area's last finite cost
        self.finite = np.arange(m)[None, :] < (areas.nfin - 1)[:, None]
        self.tree_rows = 0

    @property
    def count(self) -> int:
        """Number of z columns."""
        return len(self.area)

    def column(self, master, r: _ZRow) -> int:
        """The master column of row ``r``'s z (created with its covering row if new)."""
        c = int(self.band[r.area, r.a])
        if c >= 0:
            return self.first + c
        c = self.count
        master.h.addVar(0.0, 1.0)
        self.area.append(r.area)
        self.a.append(r.a)
        self.b.append(r.b)
        self.band[r.area, r.a:r.b] = c
        order = self.areas.order[r.area, :r.b]
        master.add_rows(np.ones(1), np.zeros(1, np.int64),
                        np.concatenate([order, [self.first + c]]), np.ones(r.b + 1))
        return self.first + c

    def benders_rows(self, y: NDArray, theta: NDArray, z: NDArray, tol: float,
                     ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """The violated z-form Benders rows (one per area with bands) at ``(y, theta,
        z)``, not added before, in CSR form over the master's columns."""
        empty = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if not self.count or z.size < self.count:
            return empty
        ar = np.asarray(self.area)
        A = np.unique(ar)
        order = self.areas.order[A]
        ys = y[order]
        cum = np.cumsum(ys, axis=1)
        inH = (cum < 1 - _EPS) & (self.band[A] < 0) & self.finite[A]
        dH = self.delta[A] * inH
        coef = np.cumsum(dH[:, ::-1], axis=1)[:, ::-1]
        rhs = self.areas.srt[A, 0] + dH.sum(axis=1)
        srt = self.areas.srt
        w = srt[ar, np.asarray(self.b)] - srt[ar, np.asarray(self.a)]
        where = np.searchsorted(A, ar)
        zterm = np.bincount(where, weights=w * z[:self.count], minlength=A.size)
        val = rhs - (coef * ys).sum(axis=1) + zterm
        th = theta[A]
        viol = np.flatnonzero(val > th + tol * np.maximum(1.0, np.abs(val)))
        lo, starts, index, value = [], [], [], []
        nnz = 0
        for t in viol.tolist():
            key = (int(A[t]), inH[t].tobytes())
            if key in self.seen:
                continue
            self.seen.add(key)
            s = np.flatnonzero(coef[t] > 0)
            cz = np.flatnonzero(where == t)
            starts.append(nnz)
            index.append(np.concatenate([order[t, s], [self.areas.m + A[t]],
                                         self.first + cz]))
            value.append(np.concatenate([coef[t, s], [1.0], -w[cz]]))
            nnz += index[-1].size
            lo.append(rhs[t])
        if not lo:
            return empty
        return (np.array(lo), np.array(starts, np.int64), np.concatenate(index),
                np.concatenate(value))

    def rows(self, y: NDArray, z: NDArray, big: float) -> list[_ZRow]:
        """Every area's chain of covering rows over the positive flags with slack up to
        :data:`_MAX_SLACK`; a band that overlaps another z's band is left out. The slack
        is ``z + Y - 1`` with ``z`` its column's value, or ``max(0, 1 - Y)`` if new."""
        srt, order = self.areas.srt, self.areas.order
        g, m = srt.shape
        F = np.flatnonzero(y > _EPS)
        if F.size > 62:
            F = np.sort(F[np.argsort(-y[F], kind="stable")[:62]])
        bit = np.zeros(m, dtype=np.int64)
        bit[F] = np.left_shift(np.int64(1), np.arange(F.size, dtype=np.int64))
        ys = y[order]
        cum = np.cumsum(ys, axis=1)
        pos = ys > _EPS
        out: list[_ZRow] = []
        for i in np.flatnonzero(pos.sum(axis=1) >= 2):
            sup = np.flatnonzero(pos[i])
            d = srt[i]
            masks = np.bitwise_or.accumulate(bit[order[i, sup]])
            for q in range(sup.size - 1):
                t, nxt = int(sup[q]), int(sup[q + 1])
                if d[nxt] == d[t] or d[nxt] >= big:
                    continue
                mass = float(cum[i, nxt - 1])
                if mass > 1 + _MAX_SLACK:
                    break
                a = int(np.searchsorted(d, d[t], side="left"))
                b = int(np.searchsorted(d, d[nxt], side="left"))
                held = self.band[i, a:b]
                c = int(held[0])
                if c >= 0 and (self.a[c], self.b[c]) == (a, b):
                    zv = float(z[c])
                elif (held < 0).all():
                    zv = max(0.0, 1.0 - mass)
                else:
                    continue  # overlaps another band
                slack = zv + mass - 1
                if slack <= _MAX_SLACK:
                    out.append(_ZRow(int(i), a, b, int(masks[q]), float(slack)))
        return out

    def odd_cuts(self, master, y: NDArray, z: NDArray, *, limit: int, big: float,
                 min_violation: float = ODD_MIN_VIOLATION) -> int:
        """Separate and add the most violated cuts ``z_a + z_b + z_c + sum_j ceil(mult_j
        / 2) y_j >= 2`` at ``(y, z)`` (z columns and covering rows created as needed).
        The number added."""
        rows = _undominated(self.rows(y, z, big))
        F = np.flatnonzero(y > _EPS)
        if F.size > 62:
            F = np.sort(F[np.argsort(-y[F], kind="stable")[:62]])
        found = _triples(rows, y[F], limit, min_violation)
        m = self.areas.m
        used = np.zeros(len(rows), dtype=np.int64)
        added = 0
        for _v, ra, rb, rc in found:
            if added >= limit:
                break
            three = np.array([ra, rb, rc])
            if used[three].max() >= _ROW_USES:
                continue
            used[three] += 1
            mult = np.zeros(m)
            zc = []
            for r in (rows[ra], rows[rb], rows[rc]):
                zc.append(self.column(master, r))
                mult[self.areas.order[r.area, :r.b]] += 1
            jy = np.flatnonzero(mult)
            zs, zn = np.unique(np.array(zc), return_counts=True)
            master.add_rows(np.array([2.0]), np.zeros(1, np.int64),
                            np.concatenate([jy, zs]),
                            np.concatenate([np.ceil(mult[jy] / 2), zn.astype(float)]))
            added += 1
        return added


def z_root_cuts(
    master, zb: ZBands, resolve: Callable[[], tuple[float, NDArray | None, bool]],
    bound: float, y: NDArray | None, converged: bool, deadline: float, *,
    stop: Callable[[float], bool], big: float = np.inf, rounds: int | None = None,
) -> tuple[float, NDArray | None, bool, int]:
    """Rounds of explicit-z odd-cycle cuts at the Benders root (as :func:`root_cuts`;
    ``resolve`` separates the z-form Benders rows with the plain ones). Returns (bound,
    y, converged, cuts added)."""
    added = 0
    m, g = master.m, master.g
    for _ in range(Z_ROUNDS if rounds is None else rounds):
        if not converged or y is None or stop(bound) or deadline - time.perf_counter() < 0.5:
            break
        x = np.asarray(master.h.getSolution().col_value, dtype=np.float64)
        n = zb.odd_cuts(master, y, x[m + g:], limit=Z_CUTS_PER_ROUND, big=0.5 * big)
        if not n:
            break
        added += n
        value, y_new, converged = resolve()
        if y_new is None or value == np.inf:
            break
        bound, y = max(bound, value), y_new
    return bound, y, converged, added

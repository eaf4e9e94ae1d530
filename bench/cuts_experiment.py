"""Valid inequalities at the root of the two graph outliers (issue 17; scratch, not a test).

Step ``capture``: runs ``p_median(solver="exact")`` on a graph instance of
bench_exact_scale.py up to the end of Benders phase 1 and stores the root LP point, the
working matrix (after the Lagrangian fixing) and the incumbent in an ``.npz``. The other
steps load it and measure how much of the root gap a family of valid inequalities closes::

    nice -n 10 .venv/bin/python bench/cuts_experiment.py capture 800:5:2 /tmp/cuts/800_5_2.npz
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from bench_exact_scale import graph_instance

import analysis.locate.benders as benders
import analysis.locate.dispatch as dispatch
from analysis.locate import p_median


class _Stop(Exception):
    pass


def capture(spec: str, out: str) -> None:
    n, k, seed = (int(x) for x in spec.split(":"))
    D = graph_instance(n, seed)
    got: dict = {}
    areas_init = benders._Areas.__init__

    def areas_spy(self, M, w, big):
        areas_init(self, M, w, big)
        # the master's travel variables follow the distinct rows in np.unique's order
        got["M"], got["areas"] = np.unique(M, axis=0), self

    def purge_spy(self, first, tol):
        sol = self.h.getSolution()
        got["x"] = np.asarray(sol.col_value)
        got["obj"] = self.h.getInfo().objective_function_value
        raise _Stop

    run = dispatch.pmedian_benders

    def run_spy(work, k, heur_open, deadline, fixing=None):
        cols = np.flatnonzero(~fixing.closed) if fixing is not None else np.arange(work.m)
        got["cols"], got["heur"], got["ub"] = cols, np.asarray(heur_open), work.cost(heur_open)
        got["forced"] = (work.keep_mask | (fixing.opened if fixing is not None else False))[cols]
        return run(work, k, heur_open, deadline, fixing)

    benders._Areas.__init__ = areas_spy
    benders._Master.purge = purge_spy
    dispatch.pmedian_benders = run_spy
    c0 = time.process_time()
    try:
        p_median(D, np.ones(n), k=k, solver="exact", time_limit=300)
    except _Stop:
        pass
    a = got["areas"]
    m = a.m
    np.savez(out, M=got["M"], weights=a.weights, y=got["x"][:m], theta=got["x"][m:],
             obj=got["obj"], ub=got["ub"], k=k, cols=got["cols"], heur=got["heur"],
             forced=got["forced"])
    y = got["x"][:m]
    frac = (y > 1e-6) & (y < 1 - 1e-6)
    print(f"{spec}: root LP {got['obj']:.4f}, ub {got['ub']:.0f}, gap "
          f"{100 * (got['ub'] - got['obj']) / got['ub']:.3f} %, m={m}, g={a.g}, "
          f"fractional flags {frac.sum()}, values {np.round(np.sort(y[frac])[::-1], 3)[:30]}"
          f" ({time.process_time() - c0:.1f} CPU s)")


def load(path: str) -> dict:
    z = np.load(path)
    return {key: z[key] for key in z.files}


def incumbent_dist(d: dict) -> np.ndarray:
    """Per distinct area, the distance to its nearest centre of the incumbent."""
    pos = np.searchsorted(d["cols"], d["heur"])
    return d["M"][:, pos].min(axis=1)


def lp_level(d: dict) -> np.ndarray:
    """Per area, the first distance at which the root flags add up to one."""
    M, y = d["M"], d["y"]
    order = np.argsort(M, axis=1, kind="stable")
    cum = np.cumsum(y[order], axis=1)
    pos = np.argmax(cum >= 1 - 1e-9, axis=1)
    return np.take_along_axis(M, order, axis=1)[np.arange(M.shape[0]), pos]


def restricted_classic(d: dict, slack: float):
    """The classic formulation on the pairs within R_i = max(incumbent distance, LP
    level) + slack of each area, plus one "far" variable per area at the cost of the
    nearest distance beyond R_i (no flag needed): a relaxation of the p-median.
    Returns (pairs i, j, cost, far cost)."""
    M = d["M"]
    R = np.maximum(incumbent_dist(d), lp_level(d)) + slack
    inside = M <= R[:, None]
    ii, jj = np.nonzero(inside)
    far = np.where(inside, np.inf, M).min(axis=1)
    return ii, jj, M[ii, jj], far


def mip_root(path: str, slack: float, seconds: float, int_x: bool) -> None:
    """HiGHS's MIP root (its cut separators: Gomory/tableau, MIR path aggregation,
    mod-k incl. {0,1/2}, clique, implied bounds) on the restricted classic formulation."""
    import highspy

    d = load(path)
    M, w, k = d["M"], d["weights"], int(d["k"])
    g, m = M.shape
    ii, jj, c, far = restricted_classic(d, slack)
    nx = ii.size
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", True)
    h.setOptionValue("mip_max_nodes", 1)
    h.setOptionValue("mip_heuristic_effort", 0.0)
    h.setOptionValue("time_limit", seconds)
    nv = m + nx + g
    lo = np.zeros(nv)
    lo[:m] = d["forced"].astype(float)
    h.addVars(nv, lo, np.ones(nv))
    cost = np.concatenate([np.zeros(m), w[ii] * c, w * np.where(np.isfinite(far), far, 0)])
    h.changeColsCost(nv, np.arange(nv, dtype=np.int32), cost)
    ni = nv if int_x else m  # x (and far) integer too: CG/mod-k cuts may use them
    h.changeColsIntegrality(ni, np.arange(ni, dtype=np.int32),
                            np.full(ni, highspy.HighsVarType.kInteger))
    # assignment rows: sum_j x_ij + x_far_i = 1 (x_far_i only where a far cost exists)
    order = np.argsort(ii, kind="stable")
    xs = m + np.arange(nx)[order]
    cnt = np.bincount(ii, minlength=g)
    fin = np.isfinite(far)
    starts = np.concatenate([[0], np.cumsum(cnt + fin)[:-1]])
    index = np.empty(int((cnt + fin).sum()), np.int64)
    off = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    for i in range(g):
        s = starts[i]
        index[s:s + cnt[i]] = xs[off[i]:off[i] + cnt[i]]
        if fin[i]:
            index[s + cnt[i]] = m + nx + i
    h.addRows(g, np.ones(g), np.ones(g), index.size, starts.astype(np.int32),
              index.astype(np.int32), np.ones(index.size))
    # x_ij - y_j <= 0
    st = np.arange(0, 2 * nx, 2, dtype=np.int32)
    ind = np.empty(2 * nx, np.int32)
    ind[0::2], ind[1::2] = m + np.arange(nx), jj
    val = np.empty(2 * nx)
    val[0::2], val[1::2] = 1.0, -1.0
    h.addRows(nx, np.full(nx, -inf), np.zeros(nx), 2 * nx, st, ind, val)
    h.addRow(float(k), float(k), m, np.arange(m, dtype=np.int32), np.ones(m))
    print(f"restricted classic: {nx} pairs (of {g * m}), slack {slack}")
    # LP first
    h2 = highspy.Highs()
    h2.passModel(h.getModel())
    h2.setOptionValue("output_flag", False)
    h2.changeColsIntegrality(nv, np.arange(nv, dtype=np.int32),
                             np.full(nv, highspy.HighsVarType.kContinuous))
    c0 = time.process_time()
    h2.run()
    lp = h2.getInfo().objective_function_value
    print(f"LP {lp:.4f} (root Benders LP {float(d['obj']):.4f}) {time.process_time() - c0:.1f} s")
    c0 = time.process_time()
    h.run()
    info = h.getInfo()
    ub = float(d["ub"])
    db = info.mip_dual_bound
    print(f"MIP root: dual bound {db:.4f}; closes {100 * (db - lp) / (ub - lp):.1f} % of "
          f"the gap {ub - lp:.1f}; {time.process_time() - c0:.1f} CPU s, "
          f"status {h.getModelStatus()}")


def restricted_radius(d: dict, extra: int = 0):
    """The radius formulation of García, Labbé and Marín restricted, per area, to the
    distinct distances up to R_i = max(incumbent distance, LP level) (plus ``extra``
    further levels): theta_i = D_i1 + sum_h (D_{h+1} - D_h) z_ih with
    z_ih + sum_{j: c_ij <= D_h} y_j >= 1. Dropping the levels beyond R_i drops
    non-negative terms, so this is a relaxation; its LP equals the full LP (the LP point
    has no z beyond its level). Returns per area (levels D, increments, covering sets)."""
    M = d["M"]
    R = np.maximum(incumbent_dist(d), lp_level(d))
    out = []
    for i in range(M.shape[0]):
        lv = np.unique(M[i])
        top = min(int(np.searchsorted(lv, R[i])) + extra, lv.size - 1)
        # z_ih for h = 0..top-1: "nothing open within lv[h]" (then distance >= lv[h+1])
        out.append((lv[:top + 1], np.diff(lv[:top + 1])))
    return out


def radius_model(d: dict, extra: int, integer_z: bool):
    """HiGHS model of :func:`restricted_radius` (y binary; z integer or continuous)."""
    import highspy

    M, w, k = d["M"], d["weights"], int(d["k"])
    g, m = M.shape
    lev = restricted_radius(d, extra)
    nz = sum(inc.size for _, inc in lev)
    h = highspy.Highs()
    nv = m + nz
    lo = np.zeros(nv)
    lo[:m] = d["forced"].astype(float)
    h.addVars(nv, lo, np.ones(nv))
    cost = np.zeros(nv)
    offset = 0.0
    starts, index, value, zpos = [], [], [], 0
    nest_s, nest_i, nest_v = [], [], []
    for i in range(g):
        lv, inc = lev[i]
        offset += w[i] * lv[0]
        order = np.argsort(M[i], kind="stable")
        srt = M[i][order]
        for hh in range(inc.size):
            cost[m + zpos + hh] = w[i] * inc[hh]
            q = int(np.searchsorted(srt, lv[hh], side="right"))
            starts.append(len(index))
            index.extend(order[:q].tolist())
            value.extend([1.0] * q)
            index.append(m + zpos + hh)
            value.append(1.0)
            if hh:  # z_i,h-1 >= z_ih
                nest_s.append(len(nest_i))
                nest_i.extend([m + zpos + hh - 1, m + zpos + hh])
                nest_v.extend([1.0, -1.0])
        zpos += inc.size
    h.changeColsCost(nv, np.arange(nv, dtype=np.int32), cost)
    h.changeObjectiveOffset(offset)
    nr = len(starts)
    h.addRows(nr, np.ones(nr), np.full(nr, highspy.kHighsInf), len(index),
              np.array(starts, np.int32), np.array(index, np.int32), np.array(value))
    nn = len(nest_s)
    h.addRows(nn, np.zeros(nn), np.full(nn, highspy.kHighsInf), len(nest_i),
              np.array(nest_s, np.int32), np.array(nest_i, np.int32), np.array(nest_v))
    h.addRow(float(k), float(k), m, np.arange(m, dtype=np.int32), np.ones(m))
    ni = nv if integer_z else m
    h.changeColsIntegrality(ni, np.arange(ni, dtype=np.int32),
                            np.full(ni, highspy.HighsVarType.kInteger))
    return h, nz, len(index)


def radius_root(path: str, extra: int, seconds: float) -> None:
    """HiGHS's MIP root (mod-k/{0,1/2}, Gomory, MIR, clique cuts) on the restricted radius
    formulation with integer z: the {0,1/2}-CG cuts of family (a) on the covering rows."""
    import highspy

    d = load(path)
    h, nz, nnz = radius_model(d, extra, integer_z=True)
    ub = float(d["ub"])
    lp = highspy.Highs()
    lp.passModel(h.getModel())
    lp.setOptionValue("output_flag", False)
    nv = lp.getNumCol()
    lp.changeColsIntegrality(nv, np.arange(nv, dtype=np.int32),
                             np.full(nv, highspy.HighsVarType.kContinuous))
    c0 = time.process_time()
    lp.run()
    lpv = lp.getInfo().objective_function_value
    print(f"restricted radius: {nz} z (levels), {nnz} covering non-zeros; LP {lpv:.4f} "
          f"(root Benders LP {float(d['obj']):.4f}), {time.process_time() - c0:.1f} CPU s",
          flush=True)
    h.setOptionValue("mip_max_nodes", 1)
    h.setOptionValue("mip_heuristic_effort", 0.0)
    h.setOptionValue("time_limit", seconds)
    h.setOptionValue("objective_bound", ub)
    c0 = time.process_time()
    h.run()
    db = h.getInfo().mip_dual_bound
    print(f"MIP root: dual bound {db:.4f}; closes {100 * (db - lpv) / (ub - lpv):.1f} % of "
          f"the gap {ub - lpv:.1f}; {time.process_time() - c0:.1f} CPU s, "
          f"status {h.getModelStatus()}")


def covering_masks(d: dict, max_slack: float = 0.5):
    """Distinct covering rows ``z_iD + sum_{c_ij < D} y_j >= 1`` of the root point, as
    bitmasks over the support of y (flags > 0; the others add nothing to any cut at
    this point), with their slack max(0, y(N) - 1) (z at its least value
    max(0, 1 - y(N)), which is what theta pays at the LP optimum). Returns
    (support positions, masks, y-mass of each mask, slack, one area of each mask)."""
    M, y = d["M"], d["y"]
    F = np.flatnonzero(y > 1e-9)
    assert F.size <= 62, F.size
    bit = {int(j): 1 << t for t, j in enumerate(F)}
    seen: dict[int, int] = {}
    for i in range(M.shape[0]):
        order = F[np.argsort(M[i, F], kind="stable")]
        dist = M[i, order]
        mask, mass = 0, 0.0
        for t in range(order.size):
            mask |= bit[int(order[t])]
            mass += y[order[t]]
            if t + 1 < order.size and dist[t + 1] == dist[t]:
                continue  # ties enter together
            if mass - 1 > max_slack:
                break
            seen.setdefault(mask, i)
    masks = np.array(list(seen), dtype=np.int64)
    area = np.array(list(seen.values()))
    mass = np.array([y[F[[t for t in range(F.size) if (mk >> t) & 1]]].sum() for mk in masks])
    return F, masks, mass, np.maximum(0.0, mass - 1), area


def _ymass(masks: np.ndarray, yF: np.ndarray) -> np.ndarray:
    """y-mass of each bitmask over the support (table lookup by 11-bit chunks)."""
    out = np.zeros(masks.shape, dtype=np.float64)
    for c in range(0, yF.size, 11):
        part = yF[c:c + 11]
        tab = np.zeros(1 << part.size)
        for b in range(part.size):
            tab[np.arange(1 << part.size) & (1 << b) != 0] += part[b]
        out += tab[(masks >> c) & ((1 << part.size) - 1)]
    return out


def odd_cycles(path: str) -> None:
    """Most violated {0,1/2}-CG cuts of three covering rows at the root point:
    z_a + z_b + z_c + sum_j ceil(mult_j / 2) y_j >= 2, violation
    y(sites in >= 2 of the sets) - slacks - 1."""
    d = load(path)
    F, masks, mass, slack, area = covering_masks(d)
    yF = d["y"][F]
    U = masks.size
    print(f"support {F.size} flags, {U} distinct covering rows with slack <= 0.5")
    P = _ymass(masks[:, None] & masks[None, :], yF)
    best, count = -np.inf, 0
    c0 = time.process_time()
    found = []
    for a in range(U - 2):
        idx = np.arange(a + 1, U)
        pa = P[a, idx] - slack[idx]
        Q = pa[:, None] + pa[None, :] + P[np.ix_(idx, idx)] - slack[a]
        bi, ci = np.nonzero(np.triu(Q > 1 + 1e-9, 1))
        if not bi.size:
            continue
        b, c = idx[bi], idx[ci]
        viol = Q[bi, ci] - 2 * _ymass(masks[a] & masks[b] & masks[c], yF) - 1
        ok = viol > 1e-6
        count += int(ok.sum())
        if ok.any():
            best = max(best, float(viol.max()))
            found.extend((float(v), a, int(x), int(z)) for v, x, z in
                         zip(viol[ok], b[ok], c[ok], strict=True))
    found.sort(reverse=True)
    for v, a, b, c in found[:5]:
        print(f"  violation {v:.4f}: areas {area[a]}, {area[b]}, {area[c]}; masses "
              f"{mass[a]:.3f} {mass[b]:.3f} {mass[c]:.3f}")
    print(f"violated 3-row {{0,1/2}} cuts: {count}, largest violation {best:.4f} "
          f"({time.process_time() - c0:.1f} CPU s)")


class ZMaster:
    """Benders master of the radius formulation with explicit band variables.

    Columns: y (m flags), theta (g areas), then z_r created on demand. A band r of area i
    is a run of sorted positions [a, b) (distances from srt[a] up to srt[b]); z_r stands
    for "no open centre within distance < srt[b]" and has the covering row
    z_r + sum_{t < b} y_{order[t]} >= 1. Since that indicator is below "no open centre
    within d" for every d < srt[b], theta_i >= srt[i, 0] + sum_{h in H} delta_h
    (1 - Y_h) + (srt[b] - srt[a]) z_r for every set H of levels outside the band: the
    Benders cuts below use it (every band of the area at once)."""

    def __init__(self, d: dict):
        import highspy

        from analysis.locate.highs import new_highs

        self.hs = highspy
        self.M, self.w, self.k = d["M"], d["weights"], int(d["k"])
        self.g, self.m = self.M.shape
        self.order = np.argsort(self.M, axis=1, kind="stable")
        self.srt = np.take_along_axis(self.M, self.order, axis=1)
        self.delta = np.zeros_like(self.srt)
        self.delta[:, :-1] = np.diff(self.srt, axis=1)
        self.band = np.full(self.srt.shape, -1)  # z column of the band holding a position
        self.z: list[tuple[int, int, int]] = []  # (area, a, b) per z column
        h = new_highs()
        h.setOptionValue("presolve", "off")
        m, g = self.m, self.g
        lo = np.concatenate([d["forced"].astype(float), self.srt[:, 0]])
        hi = np.concatenate([np.ones(m), np.full(g, highspy.kHighsInf)])
        h.addVars(m + g, lo, hi)
        h.changeColsCost(m + g, np.arange(m + g, dtype=np.int32),
                         np.concatenate([np.zeros(m), self.w]))
        h.addRow(float(self.k), float(self.k), m, np.arange(m, dtype=np.int32), np.ones(m))
        self.h = h
        self.benders_cuts = 0
        self.odd_cuts = 0

    def _row(self, lo: float, idx, val) -> None:
        idx = np.asarray(idx, np.int32)
        self.h.addRow(float(lo), self.hs.kHighsInf, idx.size, idx, np.asarray(val, float))

    def solve(self):
        self.h.run()
        x = np.asarray(self.h.getSolution().col_value)
        m, g = self.m, self.g
        return self.h.getInfo().objective_function_value, x[:m], x[m:m + g], x[m + g:]

    def separate_benders(self, y, theta, zv, tol=1e-7) -> int:
        """Most violated cut per area (levels with Y_h < 1 outside the bands)."""
        cum = np.cumsum(y[self.order], axis=1)
        inH = (cum < 1 - 1e-9) & (self.band < 0)
        dH = self.delta * inH
        coef = np.cumsum(dH[:, ::-1], axis=1)[:, ::-1]  # sum_{t >= s, t in H} delta_t
        rhs = self.srt[:, 0] + dH.sum(axis=1)
        zterm = np.zeros(self.g)
        for c, (i, a, b) in enumerate(self.z):
            zterm[i] += (self.srt[i, b] - self.srt[i, a]) * zv[c]
        val = rhs - (coef * y[self.order]).sum(axis=1) + zterm
        viol = np.flatnonzero(val > theta + tol * np.maximum(1.0, np.abs(val)))
        zs_of: dict[int, list[int]] = {}
        for c, (i, _, _) in enumerate(self.z):
            zs_of.setdefault(i, []).append(c)
        for i in viol:
            nzp = np.flatnonzero(coef[i] > 0)
            idx = list(self.order[i, nzp]) + [self.m + i]
            val_ = list(coef[i, nzp]) + [1.0]
            for c in zs_of.get(int(i), []):
                _, a, b = self.z[c]
                idx.append(self.m + self.g + c)
                val_.append(-(self.srt[i, b] - self.srt[i, a]))
            self._row(rhs[i], idx, val_)
        self.benders_cuts += viol.size
        return int(viol.size)

    def bands(self, y, zv, max_slack=0.3):
        """Per area, the chain of covering rows over the support of y: for each, the
        band [a, b) from the entry of its last support flag to the next support flag,
        the support bitmask, and the row's slack at this point."""
        F = np.flatnonzero(y > 1e-9)
        bitpos = np.full(self.m, -1)
        bitpos[F] = np.arange(F.size)
        rows = {}
        for i in range(self.g):
            ys = y[self.order[i]]
            sup = np.flatnonzero(ys > 1e-9)
            mask, mass = 0, 0.0
            for q, t in enumerate(sup):
                mask |= 1 << int(bitpos[self.order[i, t]])
                mass += ys[t]
                nxt = sup[q + 1] if q + 1 < sup.size else self.m - 1
                if nxt < self.m and q + 1 < sup.size and self.srt[i, nxt] == self.srt[i, t]:
                    continue
                a = t
                while a > 0 and self.srt[i, a - 1] == self.srt[i, t]:
                    a -= 1
                # band from the distance of the last entered flag to the next flag's
                b = int(nxt)
                while b > 0 and self.srt[i, b - 1] == self.srt[i, b] and b > t + 1:
                    b -= 1
                if self.srt[i, b] <= self.srt[i, t]:
                    continue
                zc = int(self.band[i, t])
                zval = zv[zc] if zc >= 0 else max(0.0, 1 - mass)
                slack = zval + mass - 1
                if slack > max_slack:
                    break
                key = mask
                if key not in rows or rows[key][0] > slack:
                    rows[key] = (slack, i, int(t), b, mass)
                if mass > 1 + max_slack:
                    break
        return F, rows

    def zcol(self, i: int, t: int, b: int) -> int:
        """The z column of area i's band holding position t (created with its covering
        row if new; the band runs from the first position at srt[i, t] to b)."""
        if self.band[i, t] >= 0:
            return int(self.band[i, t])
        a = t
        while a > 0 and self.srt[i, a - 1] == self.srt[i, t] and self.band[i, a - 1] < 0:
            a -= 1
        hs = self.hs
        self.h.addVar(0.0, 1.0)
        c = len(self.z)
        self.z.append((i, a, b))
        self.band[i, a:b] = c
        idx = list(self.order[i, :b]) + [self.m + self.g + c]
        self._row(1.0, idx, [1.0] * b + [1.0])
        _ = hs
        return c

    def separate_odd(self, y, zv, limit=300) -> tuple[int, float]:
        """Most violated 3-row {0,1/2} cuts z_a + z_b + z_c + sum ceil(mult/2) y >= 2."""
        F, rows = self.bands(y, zv)
        keys = list(rows)
        U = len(keys)
        if U < 3:
            return 0, 0.0
        masks = np.array(keys, dtype=np.int64)
        slack = np.array([rows[q][0] for q in keys])
        yF = y[F]
        P = _ymass(masks[:, None] & masks[None, :], yF)
        found = []
        for a in range(U - 2):
            idx = np.arange(a + 1, U)
            pa = P[a, idx] - slack[idx]
            Q = pa[:, None] + pa[None, :] + P[np.ix_(idx, idx)] - slack[a]
            bi, ci = np.nonzero(np.triu(Q > 1.05, 1))
            if not bi.size:
                continue
            bb, cc = idx[bi], idx[ci]
            viol = Q[bi, ci] - 2 * _ymass(masks[a] & masks[bb] & masks[cc], yF) - 1
            ok = np.flatnonzero(viol > 0.05)
            if ok.size > 50:
                ok = ok[np.argsort(-viol[ok])[:50]]
            found.extend((float(viol[q]), a, int(bb[q]), int(cc[q])) for q in ok)
        found.sort(reverse=True)
        used: dict[int, int] = {}
        n = 0
        for _v, a, b, c in found:
            if n >= limit:
                break
            if any(used.get(x, 0) >= 3 for x in (a, b, c)):
                continue
            cols, mult = [], np.zeros(self.m)
            for x in (a, b, c):
                used[x] = used.get(x, 0) + 1
                _, i, t, bnd, _ = rows[keys[x]]
                cols.append(self.zcol(i, t, bnd))
                mult[self.order[i, :bnd]] += 1
            js = np.flatnonzero(mult > 0)
            idx = list(js) + [self.m + self.g + c for c in cols]
            val = list(np.ceil(mult[js] / 2)) + [1.0] * 3
            self._row(2.0, idx, val)
            n += 1
        self.odd_cuts += n
        return n, (found[0][0] if found else 0.0)


def lift_projected(path: str, rounds: int, limit: int) -> None:
    """As :func:`lift` with the cuts of analysis/locate/pmcuts.py: z projected out, rows in
    (y, theta) only."""
    from analysis.locate.pmcuts import odd_triangle_cuts

    d = load(path)
    zm = ZMaster(d)
    ub, root = float(d["ub"]), float(d["obj"])
    c0 = time.process_time()
    total, sep = 0, 0.0
    for r in range(rounds + 1):
        while True:
            obj, y, theta, zv = zm.solve()
            if not zm.separate_benders(y, theta, zv):
                break
        print(f"round {r}: bound {obj:.4f}, closes {100 * (obj - root) / (ub - root):.1f} % "
              f"of the root gap; Benders cuts {zm.benders_cuts}, odd cuts {total}; "
              f"{time.process_time() - c0:.1f} CPU s (separation {sep:.1f})", flush=True)
        if r == rounds:
            break
        s0 = time.process_time()
        cuts = odd_triangle_cuts(zm.srt, zm.order, y, theta, limit=limit)
        sep += time.process_time() - s0
        if not cuts.count:
            break
        x = np.concatenate([y, theta])
        assert np.allclose(cuts.lo - cuts.activity(x), cuts.violation, atol=1e-6), (
            (cuts.lo - cuts.activity(x))[:5], cuts.violation[:5])
        zm.h.addRows(cuts.count, cuts.lo, np.full(cuts.count, zm.hs.kHighsInf),
                     cuts.index.size, cuts.starts.astype(np.int32),
                     cuts.index.astype(np.int32), cuts.value)
        total += cuts.count
        print(f"   odd-cycle cuts added {cuts.count}, largest violation "
              f"{cuts.violation.max():.3f}", flush=True)


def lift(path: str, rounds: int, limit: int) -> None:
    """Root bound with the 3-row {0,1/2} cuts on covering rows: Benders rounds to
    convergence, then odd-cycle rounds, until none is found or ``rounds`` are done."""
    d = load(path)
    zm = ZMaster(d)
    ub, root = float(d["ub"]), float(d["obj"])
    c0 = time.process_time()
    zv = np.zeros(0)
    for r in range(rounds + 1):
        while True:
            obj, y, theta, zv = zm.solve()
            if not zm.separate_benders(y, theta, zv):
                break
        print(f"round {r}: bound {obj:.4f}, closes {100 * (obj - root) / (ub - root):.1f} % "
              f"of the root gap; Benders cuts {zm.benders_cuts}, odd cuts {zm.odd_cuts}, "
              f"z {len(zm.z)}; {time.process_time() - c0:.1f} CPU s", flush=True)
        if r == rounds:
            break
        n, best = zm.separate_odd(y, zv, limit)
        print(f"   odd-cycle cuts added {n}, largest violation {best:.3f}", flush=True)
        if not n:
            break


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="step", required=True)
    c = sub.add_parser("capture")
    c.add_argument("instance")
    c.add_argument("out")
    r = sub.add_parser("mip-root")
    r.add_argument("npz")
    r.add_argument("--slack", type=float, default=0.0)
    r.add_argument("--seconds", type=float, default=300.0)
    r.add_argument("--int-x", action="store_true")
    q = sub.add_parser("radius-root")
    q.add_argument("npz")
    q.add_argument("--extra", type=int, default=0)
    q.add_argument("--seconds", type=float, default=300.0)
    o = sub.add_parser("odd-cycles")
    o.add_argument("npz")
    f = sub.add_parser("lift")
    f.add_argument("npz")
    f.add_argument("--rounds", type=int, default=10)
    f.add_argument("--limit", type=int, default=300)
    f.add_argument("--projected", action="store_true")
    args = ap.parse_args(argv)
    if args.step == "lift":
        (lift_projected if args.projected else lift)(args.npz, args.rounds, args.limit)
    if args.step == "odd-cycles":
        odd_cycles(args.npz)
    if args.step == "radius-root":
        radius_root(args.npz, args.extra, args.seconds)
    if args.step == "capture":
        capture(args.instance, args.out)
    elif args.step == "mip-root":
        mip_root(args.npz, args.slack, args.seconds, args.int_x)


if __name__ == "__main__":
    sys.exit(main())

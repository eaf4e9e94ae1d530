"""Lagrangian node bounds for the exact p-median tree, measured (issue 17; not a test).

On a graph instance (``n:k:seed`` as in bench_exact_scale.py) the working matrix that
:func:`~analysis.locate.benders.pmedian_benders` receives (after the heuristic and the
Lagrangian fixing of :mod:`analysis.locate.dispatch`) is captured, the Benders root LP is
solved (phase 1, stopped before the odd-cycle cuts, which the graph instances do not have)
and the multipliers ``u_i = sum_h pi_ih D_ih / w_i`` are read from its cut duals. Then:

``children``
    for the ``--flags`` most fractional root flags, both children: the child's LP bound
    (the Benders root of the instance with that flag fixed) against the Lagrangian bound
    ``L(u) = sum_i w_i u_i + (k smallest rho_j(u) with the fixes)`` reached by a
    subgradient search warm-started from the root's ``u`` after 10 ... 800 iterations,
    with several step rules, the Polyak target one of them the child's LP value itself
    (an oracle no tree has: the best case of the rule).
``tree``
    a prototype best-first Lagrangian branch and bound (bound by ``--iterations``
    deflected subgradient iterations per node warm-started from the parent's multipliers,
    the O(1) child bounds at the parent's multipliers, reduced-cost fixing against the
    incumbent at ``ub - 1``, incumbent from each node's chosen set, branching on the
    chosen free centre whose closing lifts ``L`` most at the node's multipliers), capped
    by ``--max-nodes`` and ``--cap`` CPU seconds: prints CPU, nodes, subgradient
    iterations, status, bound and objective.

::

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/lag_tree_probe.py 800:5:2 children
    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/lag_tree_probe.py 800:5:2 tree
"""

from __future__ import annotations

import argparse
import heapq
import json
import time

import numpy as np
from bench_exact_scale import graph_instance

import analysis.locate.benders as benders
import analysis.locate.dispatch as dispatch
from analysis.locate import p_median
from analysis.locate.lagrangian import Fixing


class _Stop(Exception):
    """Raised by the patched functions once they hold what the probe needs."""


def capture(n: int, k: int, seed: int, degree: float = 4.0) -> dict:
    """The arguments ``pmedian_benders`` receives from the exact p-median of the instance
    (``graph_instance(n, seed, degree)``)."""
    held: dict = {}

    def grab(work, k, heur_open, deadline, fixing=None):
        held.update(work=work, k=k, heur=np.asarray(heur_open), fixing=fixing)
        raise _Stop

    engine = dispatch.pmedian_benders
    dispatch.pmedian_benders = grab
    try:
        p_median(graph_instance(n, seed, degree), np.ones(n), k=k, solver="exact",
                 time_limit=300)
    except _Stop:
        pass
    finally:
        dispatch.pmedian_benders = engine
    return held


def root_lp(held: dict, fixing: Fixing) -> dict:
    """Benders phase 1 with ``fixing``: LP bound, y, the areas and ``u`` from the duals."""
    out: dict = {}

    def stop(master, areas, relp, lp_bound, y_root, *a, **kw):
        sol = master.h.getSolution()
        dual = np.abs(np.asarray(sol.row_dual, dtype=np.float64))
        cut = master.ids >= 0
        area, level = master.pool_area[master.ids[cut]], master.pool_D[master.ids[cut]]
        u = np.bincount(area, weights=dual[cut] * level, minlength=areas.g) / areas.weights
        out.update(lp=float(lp_bound), y=np.asarray(y_root)[:areas.m], areas=areas, u=u)
        raise _Stop

    inner = benders.root_cuts
    benders.root_cuts = stop
    try:
        benders.pmedian_benders(held["work"], held["k"], held["heur"],
                                time.perf_counter() + 300, fixing)
    except _Stop:
        pass
    finally:
        benders.root_cuts = inner
    return out


class Lagrangian:
    """``L(u)`` and a subgradient of the distinct areas' matrix, with node fixes."""

    def __init__(self, areas, k: int):
        self.M = np.take_along_axis(areas.srt, np.argsort(areas.order, axis=1), axis=1)
        self.w, self.k, self.m = areas.weights, k, areas.m
        self.evaluations = 0

    def value(self, u, lo, hi):
        """(L(u), rho, chosen columns, subgradient) with ``lo`` open and ``~hi`` closed."""
        self.evaluations += 1
        T = u[:, None] - self.M
        pos = T > 0
        rho = -(self.w @ np.where(pos, T, 0.0))
        forced, free = np.flatnonzero(lo), np.flatnonzero(hi & ~lo)
        r = self.k - forced.size
        pick = free[np.argpartition(rho[free], r - 1)[:r]] if 0 < r < free.size else (
            free if r > 0 else free[:0])
        chosen = np.concatenate([forced, pick])
        g = self.w * (1.0 - pos[:, chosen].sum(axis=1))
        return float(self.w @ u + rho[chosen].sum()), rho, chosen, g

    def ascent(self, u0, lo, hi, iterations, target, stall_n=20, deflection=1.5,
               report=(), stop=np.inf):
        """Deflected subgradient from ``u0``: (best value, its u, its rho and chosen,
        {iteration: best so far}); ``target(best)`` is the Polyak target."""
        u, lam, stall, d = u0.copy(), 1.0, 0, None
        best, bu, brho, bch = -np.inf, u0, None, None
        seen = {}
        for it in range(1, iterations + 1):
            val, rho, chosen, g = self.value(u, lo, hi)
            if val > best + 1e-9:
                best, bu, brho, bch, stall = val, u.copy(), rho, chosen, 0
            else:
                stall += 1
                if stall >= stall_n:
                    lam, stall = lam / 2.0, 0
            if it in report:
                seen[it] = best
            if best > stop:
                break
            if deflection and d is not None:
                dg = float(d @ g)
                if dg < 0:
                    g = g - deflection * dg / float(d @ d) * d
            d = g
            nrm = float(g @ g)
            if nrm == 0 or lam < 1e-6:
                break
            u = u + lam * max(target(best) - val, 1e-9) / nrm * g
        return best, bu, brho, bch, seen


def children(held: dict, root: dict, flags: int) -> None:
    work, fixing = held["work"], held["fixing"]
    cols = np.flatnonzero(~fixing.closed)
    lag = Lagrangian(root["areas"], held["k"])
    m, y, lp, u = lag.m, root["y"], root["lp"], root["u"]
    ub = float(work.cost(held["heur"]))
    ones = np.ones(m, bool)
    val = lag.value(u, ~ones, ones)[0]
    print(json.dumps({"lp": lp, "L(u_lp)": val, "ub": ub, "matrix": list(lag.M.shape)}))
    c0 = time.process_time()
    for _ in range(200):
        lag.value(u, ~ones, ones)
    print(f"one L(u) with its subgradient: {(time.process_time() - c0) * 5:.3f} ms")
    frac = np.flatnonzero((y > 1e-6) & (y < 1 - 1e-6))
    for j in frac[np.argsort(np.abs(y[frac] - 0.5), kind="stable")][:flags].tolist():
        for side in (0, 1):
            fx = Fixing(fixing.closed.copy(), fixing.opened.copy())
            (fx.opened if side else fx.closed)[cols[j]] = True
            child = root_lp(held, fx)["lp"]
            lo, hi = np.zeros(m, bool), np.ones(m, bool)
            if side:
                lo[j] = True
            else:
                hi[j] = False
            rules = {
                "oracle": lambda b, c=child: c,
                "ub-1": lambda b: ub - 1.0,
                "best+10%": lambda b: b + 0.1 * (ub - b) + 1.0,
            }
            for name, target in rules.items():
                c0 = time.process_time()
                _, _, _, _, seen = lag.ascent(u, lo, hi, 800, target,
                                              report=(10, 20, 50, 100, 200, 400, 800))
                ms = (time.process_time() - c0) * 1000 / 800
                print(f"flag {j} y={y[j]:.3f} {'up' if side else 'down'}: child LP "
                      f"+{child - lp:.2f}; {name:9s} "
                      + " ".join(f"{i}:+{v - lp:.2f}" for i, v in seen.items())
                      + f" ({ms:.2f} ms/iteration)")


def tree(held: dict, root: dict, iterations: int, max_nodes: int, cap: float) -> None:
    """Prototype best-first Lagrangian branch and bound; prints one JSON line."""
    c0 = time.process_time()
    lag = Lagrangian(root["areas"], held["k"])
    M, w, k, m = lag.M, lag.w, lag.k, lag.m
    ub = float(work_cost(M, w, held, root))
    level = ub - 1.0  # integer costs: a bound above ub - 1 holds nothing cheaper
    tick = 0
    ones = np.ones(m, bool)
    heap = [(root["lp"], tick, ~ones, ones, root["u"])]
    nodes = 0
    status = "optimal"
    while heap:
        if nodes >= max_nodes or time.process_time() - c0 > cap:
            status = "cut"
            break
        bound, _, lo, hi, u = heapq.heappop(heap)
        if bound > level:
            continue
        nodes += 1
        if lo.sum() == k or hi.sum() == k:
            cost = float(w @ M[:, np.flatnonzero(lo if lo.sum() == k else hi)].min(axis=1))
            ub, level = min(ub, cost), min(ub, cost) - 1.0
            continue
        val, bu, rho, chosen, _ = lag.ascent(
            u, lo, hi, iterations, lambda b, ub=ub: b + 0.1 * (ub - b) + 1.0, stop=level)
        bound = max(bound, val)
        cost = float(w @ M[:, chosen].min(axis=1))
        if cost < ub:
            ub, level = cost, cost - 1.0
        if bound > level:
            continue
        # reduced-cost fixing at the best multipliers (O(1) swaps)
        lo, hi = lo.copy(), hi.copy()
        free = np.flatnonzero(hi & ~lo)
        pick = np.setdiff1d(chosen, np.flatnonzero(lo))
        rest = np.setdiff1d(free, pick)
        if pick.size and rest.size:
            r_last, r_next = rho[pick].max(), rho[rest].min()
            hi[rest[bound + rho[rest] - r_last > level]] = False
            lo[pick[bound - rho[pick] + r_next > level]] = True
        if lo.sum() > k or hi.sum() < k:
            continue
        pick = np.setdiff1d(chosen, np.flatnonzero(lo))
        pick = pick[hi[pick]]
        rest = np.flatnonzero(hi & ~lo & ~np.isin(np.arange(m), pick))
        if not pick.size or not rest.size:
            tick += 1
            heapq.heappush(heap, (bound, tick, lo, hi, bu))  # fixes changed: again
            continue
        r_next, r_last = rho[rest].min(), rho[pick].max()
        j = int(pick[np.argmax(r_next - rho[pick])])  # closing it lifts L most
        for side in (0, 1):
            clo, chi = lo.copy(), hi.copy()
            if side:
                clo[j] = True
                child = bound  # j is chosen: opening it changes nothing at bu
            else:
                chi[j] = False
                child = bound - rho[j] + r_next
            if child <= level and clo.sum() <= k <= chi.sum():
                tick += 1
                heapq.heappush(heap, (child, tick, clo, chi, bu))
    proven = min([ub] + [b for b, *_ in heap])
    print(json.dumps({"cpu": round(time.process_time() - c0, 2), "status": status,
                      "nodes": nodes, "evaluations": lag.evaluations, "objective": ub,
                      "bound": round(proven, 2), "root_lp": root["lp"],
                      "iterations": iterations,
                      "process_cpu": round(time.process_time(), 2)}))


def work_cost(M, w, held, root) -> float:
    """The incumbent's cost on the distinct areas (the heuristic's centres)."""
    cols = np.flatnonzero(~held["fixing"].closed)
    pos = np.searchsorted(cols, held["heur"])
    return float(w @ M[:, pos].min(axis=1))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", help="n:k:seed")
    ap.add_argument("mode", choices=("children", "tree"))
    ap.add_argument("--flags", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--max-nodes", type=int, default=20_000)
    ap.add_argument("--cap", type=float, default=120.0)
    args = ap.parse_args(argv)
    n, k, seed = (int(x) for x in args.instance.split(":"))
    held = capture(n, k, seed)
    root = root_lp(held, held["fixing"])
    if args.mode == "children":
        children(held, root, args.flags)
    else:
        tree(held, root, args.iterations, args.max_nodes, args.cap)


if __name__ == "__main__":
    main()

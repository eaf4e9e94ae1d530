"""Set (cardinality) branching against flag branching at the exact p-median root (issue 17).

Not a test. On a graph instance (``n:k:seed[:degree]`` as in bench_exact_scale.py) the
Benders root of :func:`~analysis.locate.benders.pmedian_benders` is captured (its master,
with the root's cuts, and its areas), and for each branching candidate both children are
solved to the end of their cut loops (the engine's own separation: the most violated
radius cut of every area, until none is violated; no probes, no iteration limits):

``flag``
    the ``--flags`` most fractional root flags, children ``y_j = 0`` and ``y_j = 1``;
``region``
    the incumbent's Voronoi regions over the candidates (each candidate with the
    incumbent centre nearest to it, measured as the smallest ``c_ij + c_ij'`` over areas
    ``i``; for graph instances that is the shortest path), children
    ``y(S) <= floor(y*(S))`` and ``y(S) >= ceil(y*(S))`` for a region ``S`` whose flags
    sum to a fractional ``y*(S)``;
``pair``
    the same for the union of two regions.

A child's row is added with its bounds, the cut loop runs, and the row is freed again
(cuts are valid everywhere, so the ones a child added stay). Prints one JSON line per
candidate with the two bound rises over the root LP; the product and the smaller rise
are what strong branching compares. ``--highs-mip SECONDS`` instead hands the root
master (root cuts, flags binary) to HiGHS's own MIP (one thread) with its log (the root
dual bound after its cuts is the log's line with the first cuts) and prints where it
stands at the limit::

    cd bench && export OPENBLAS_NUM_THREADS=1 PYTHONPATH=..
    ../.venv/bin/python branch_set_probe.py 900:10:2
    ../.venv/bin/python branch_set_probe.py 900:10:2 --highs-mip 90
"""

from __future__ import annotations

import argparse
import json
import time

import highspy
import numpy as np
from lag_tree_probe import _Stop, capture

import analysis.locate.benders as benders


def capture_root(n: int, k: int, seed: int, degree: float) -> dict:
    """The Benders root master (after phase 1, before the odd-cycle rounds) and its data."""
    held = capture(n, k, seed, degree)

    def stop(master, areas, relp, lp_bound, y_root, *a, **kw):
        held.update(master=master, areas=areas, lp=float(lp_bound),
                    y=np.asarray(y_root)[:areas.m])
        raise _Stop

    inner = benders.root_cuts
    benders.root_cuts = stop
    try:
        benders.pmedian_benders(held["work"], k, held["heur"], time.perf_counter() + 300,
                                held["fixing"])
    except _Stop:
        pass
    finally:
        benders.root_cuts = inner
    fixing = held["fixing"]
    held["cols"] = (np.flatnonzero(~fixing.closed) if fixing is not None
                    else np.arange(held["work"].m))
    return held


def cut_loop(master, areas) -> float:
    """LP bound of the master's current bounds by the engine's separation to convergence."""
    everyone = np.arange(areas.g)
    while True:
        status, x, obj = master.solve(300.0)
        if status in ("infeasible", "cutoff"):
            return np.inf
        y, theta = x[:areas.m], x[areas.m:areas.m + areas.g]
        D = areas.levels(y)
        val = areas.value(everyone, D, y)
        viol = np.flatnonzero(val > theta + 1e-7 * np.maximum(1.0, np.abs(val)))
        if not viol.size:
            return obj
        master.add_cuts(viol, D[viol])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", help="n:k:seed[:degree]")
    ap.add_argument("--flags", type=int, default=12)
    ap.add_argument("--highs-mip", type=float, default=0.0, metavar="SECONDS")
    args = ap.parse_args()
    parts = args.instance.split(":")
    n, k, seed = (int(x) for x in parts[:3])
    degree = float(parts[3]) if len(parts) > 3 else 4.0
    held = capture_root(n, k, seed, degree)
    master, areas, y, root = held["master"], held["areas"], held["y"], held["lp"]
    h, m = master.h, areas.m
    print(json.dumps({"instance": args.instance, "root": root, "rows": h.getNumRow(),
                      "flags": m, "fractional": int(((y > 1e-6) & (y < 1 - 1e-6)).sum())}))
    if args.highs_mip > 0:
        h.changeColsIntegrality(m, np.arange(m, dtype=np.int32),
                                np.full(m, highspy.HighsVarType.kInteger))
        h.setOptionValue("presolve", "on")
        highspy.Highs.resetGlobalScheduler(True)
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_max_nodes", 1_000_000)
        h.setOptionValue("output_flag", True)  # its log shows the root bound after cuts
        h.setOptionValue("time_limit", h.getRunTime() + args.highs_mip)
        h.setOptionValue("objective_bound", highspy.kHighsInf)
        c0 = time.process_time()
        h.run()
        info = h.getInfo()
        print(json.dumps({"highs_mip": str(h.getModelStatus()), "cpu": round(
            time.process_time() - c0, 2), "dual_bound": info.mip_dual_bound,
            "primal": info.objective_function_value, "nodes": info.mip_node_count}))
        return
    inf = highspy.kHighsInf
    lo0, hi0 = np.asarray(h.getLp().col_lower_)[:m], np.asarray(h.getLp().col_upper_)[:m]

    def flag_child(j: int, side: float) -> float:
        lo, hi = lo0.copy(), hi0.copy()
        lo[j] = hi[j] = side
        master.bounds(lo, hi)
        value = cut_loop(master, areas)
        master.bounds(lo0, hi0)
        return value

    def set_child(S: np.ndarray, lo: float, hi: float) -> float:
        # a row that stays in the master (id -1), freed after the child
        master.add_rows(np.array([lo]), np.array([0]), S, np.ones(S.size))
        row = h.getNumRow() - 1
        h.changeRowBounds(row, lo, hi)
        value = cut_loop(master, areas)
        h.changeRowBounds(row, -inf, inf)
        return value

    def report(kind: str, what, total: float, down: float, up: float) -> None:
        r0, r1 = down - root, up - root
        print(json.dumps({"kind": kind, "what": what, "y": round(float(total), 3),
                          "rise_down": round(r0, 1), "rise_up": round(r1, 1),
                          "product": round(r0 * r1, 1), "min": round(min(r0, r1), 1)}))

    frac = np.flatnonzero((y > 1e-6) & (y < 1 - 1e-6))
    for j in frac[np.argsort(np.abs(y[frac] - 0.5), kind="stable")][:args.flags].tolist():
        report("flag", int(held["cols"][j]), y[j], flag_child(j, 0.0), flag_child(j, 1.0))
    # the incumbent's regions over the candidates: candidate-to-centre distance as the
    # smallest c_ij + c_ij' over the areas (a shortest path on graph instances)
    M = np.take_along_axis(areas.srt, np.argsort(areas.order, axis=1), axis=1)
    inc = np.searchsorted(held["cols"], held["heur"])
    near = np.stack([(M + M[:, [c]]).min(axis=0) for c in inc.tolist()], axis=1)
    region = np.argmin(near, axis=1)
    sets = [((int(t),), np.flatnonzero(region == t)) for t in range(inc.size)]
    sets += [((int(a), int(b)), np.flatnonzero((region == a) | (region == b)))
             for a in range(inc.size) for b in range(a + 1, inc.size)]
    for what, S in sets:
        total = float(y[S].sum())
        if abs(total - round(total)) < 0.05:
            continue
        f = float(np.floor(total))
        report("region" if len(what) == 1 else "pair", what, total,
               set_child(S.astype(np.int64), -inf, f), set_child(S.astype(np.int64),
                                                                f + 1, inf))


if __name__ == "__main__":
    main()

"""Where the exact p-median spends its time on graph instances (issue 17; not a test).

Wraps the phases of ``p_median(solver="exact")`` and prints one markdown row per instance
with process CPU seconds: the heuristic, the Lagrangian, Benders phase 1 (up to the root
cut purge), phase 2 (the branch and bound), the time inside HiGHS's LP solves (both
phases, strong-branching probes included) and in cut separation, nodes, cuts and the root
gap (objective - root LP bound) / objective. Instances as in bench_exact_scale.py
(``graph_instance``), given as ``n:k:seed``::

    nice -n 10 .venv/bin/python bench/profile_exact.py 800:10:0 800:5:2 --time-limit 300
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from bench_exact_scale import graph_instance

import analysis.locate.benders as benders
import analysis.locate.dispatch as dispatch
from analysis.locate import p_median

CPU: dict[str, float] = {}
MARK: dict[str, float] = {}
SOLUTIONS: list = []


def _timed(owner, name: str, key: str) -> None:
    """Replace ``owner.name`` by a wrapper adding its CPU seconds to ``CPU[key]``."""
    inner = getattr(owner, name)

    def wrapper(*a, **kw):
        c0 = time.process_time()
        try:
            return inner(*a, **kw)
        finally:
            CPU[key] = CPU.get(key, 0.0) + time.process_time() - c0

    setattr(owner, name, wrapper)


def _instrument() -> None:
    _timed(dispatch, "pmedian_heuristic", "heuristic")
    _timed(dispatch, "pmedian_lagrangian", "lagrangian")
    _timed(benders._Master, "solve", "lp")
    if hasattr(benders._Master, "probe"):  # strong-branching probes (not in older code)
        _timed(benders._Master, "probe", "lp")
    for name in ("levels", "value", "cuts"):
        _timed(benders._Areas, name, "separation")
    purge = benders._Master.purge

    def marked_purge(self, *a):
        MARK["root"] = time.process_time()
        return purge(self, *a)

    benders._Master.purge = marked_purge
    run = dispatch.pmedian_benders

    def marked_run(*a, **kw):
        MARK["start"] = time.process_time()
        sol = run(*a, **kw)
        MARK["end"] = time.process_time()
        SOLUTIONS.append(sol)
        return sol

    dispatch.pmedian_benders = marked_run


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="+", help="n:k:seed")
    ap.add_argument("--time-limit", type=float, default=300.0)
    args = ap.parse_args(argv)
    _instrument()
    print("| n, seed | k | total CPU | heuristic | Lagrangian | Benders root (phase 1) | "
          "B&B (phase 2) | LP solves (both phases) | separation | nodes | cuts | root gap "
          "| load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for spec in args.instances:
        n, k, seed = (int(x) for x in spec.split(":"))
        CPU.clear()
        MARK.clear()
        SOLUTIONS.clear()
        D = graph_instance(n, seed)
        c0 = time.process_time()
        r = p_median(D, np.ones(n), k=k, solver="exact", time_limit=args.time_limit)
        total = time.process_time() - c0
        sol = SOLUTIONS[-1] if SOLUTIONS else None
        root = MARK.get("root", MARK.get("end", np.nan)) - MARK.get("start", np.nan)
        tree = MARK.get("end", np.nan) - MARK.get("start", np.nan) - root
        gap = 100 * (r.objective - sol.lp_bound) / r.objective if sol else 0.0
        phases = f"{root:.2f} | {tree:.2f}" if sol else "- (Lagrangian proved it) | -"
        print(f"| {n}, {seed} | {k} | {total:.2f} | {CPU.get('heuristic', 0):.2f} | "
              f"{CPU.get('lagrangian', 0):.2f} | {phases} | "
              f"{CPU.get('lp', 0):.2f} | {CPU.get('separation', 0):.2f} | "
              f"{sol.nodes if sol else '-'} | {sol.cuts if sol else '-'} | {gap:.2f}% | "
              f"{os.getloadavg()[0]:.1f} |" + ("" if r.status == "optimal" else f" {r.status}"),
              flush=True)


if __name__ == "__main__":
    main()

"""A/B of branching settings of the exact p-median on graph instances (issue 17; not a test).

Each solve runs in its own process (``--worker``), ``p_median(solver="exact")`` on
``graph_instance(n, seed)`` of bench_exact_scale.py with unit weights, and reports process
CPU seconds (the whole solve and the Benders engine), nodes and the status. A variant is
``label=tree[:NAME=VALUE,...]``: ``tree`` is a directory whose ``analysis/`` is imported
(e.g. this worktree or a ``git worktree add --detach`` checkout of the baseline), the
``NAME=VALUE`` pairs set module constants of ``analysis.locate.benders`` before the solve.
The variants of one instance run one after the other, the repetitions interleaved::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_branching.py 800:5:2 900:10:2 \\
        --variant base=/tmp/base --variant new=. --reps 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _worker(spec: str, sets: str, time_limit: float) -> None:
    import numpy as np
    from bench_exact_scale import graph_instance

    import analysis.locate.benders as benders
    import analysis.locate.dispatch as dispatch
    from analysis.locate import p_median

    for pair in filter(None, sets.split(",")):
        name, value = pair.split("=")
        old = getattr(benders, name)
        setattr(benders, name, type(old)(float(value)) if not isinstance(old, bool)
                else value.lower() in ("1", "true"))
    out: dict = {}
    run = dispatch.pmedian_benders

    def marked(*a, **kw):
        c0 = time.process_time()
        sol = run(*a, **kw)
        out.update(benders_cpu=time.process_time() - c0, nodes=sol.nodes,
                   lp_bound=sol.lp_bound)
        return sol

    dispatch.pmedian_benders = marked
    n, k, seed = (int(x) for x in spec.split(":"))
    D = graph_instance(n, seed)
    c0 = time.process_time()
    r = p_median(D, np.ones(n), k=k, solver="exact", time_limit=time_limit)
    out.update(cpu=time.process_time() - c0, objective=float(r.objective), status=r.status,
               file=benders.__file__)
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="*", help="n:k:seed")
    ap.add_argument("--variant", action="append", default=[], help="label=tree[:N=V,...]")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=150.0)
    ap.add_argument("--worker", nargs=2, metavar=("SPEC", "SETS"))
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args.worker[0], args.worker[1], args.time_limit)
        return
    print("| instance | variant | rep | total CPU s | Benders CPU s | nodes | objective "
          "| status | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for rep in range(args.reps):
        for spec in args.instances:
            for v in args.variant:
                label, rest = v.split("=", 1)
                tree, _, sets = rest.partition(":")
                env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()),
                           OPENBLAS_NUM_THREADS="1")
                p = subprocess.run(
                    [sys.executable, str(HERE / "bench_branching.py"), "--time-limit",
                     str(args.time_limit), "--worker", spec, sets],
                    env=env, cwd=str(HERE), capture_output=True, text=True,
                    timeout=args.time_limit * 3 + 120)
                if p.returncode:
                    print(f"| {spec} | {label} | {rep} | failed: "
                          f"{p.stderr.strip().splitlines()[-1:]} |", flush=True)
                    continue
                o = json.loads(p.stdout.strip().splitlines()[-1])
                print(f"| {spec} | {label} | {rep} | {o['cpu']:.2f} | "
                      f"{o.get('benders_cpu', float('nan')):.2f} | {o.get('nodes', '-')} | "
                      f"{o['objective']:.0f} | {o['status']} | {os.getloadavg()[0]:.1f} |",
                      flush=True)


if __name__ == "__main__":
    main()

"""The tight norm case by configuration of the norm Lagrangian pass, in one run (issue 17).

Each run is a fresh child process of this script (``--child``) that sets
:data:`analysis.locate.norm_bound.NORM_PASS` and
:data:`analysis.locate.norm_tree.PRICE_ONCE`, then runs ``p_median`` (one care type,
every hospital a candidate, its SONCOS norm, solver exact) or ``linked_p_median``
(``--linked a,b``) with the time limit, and prints status, objective, bound, gap and the
tree's node and priced-set counts (from ``norm_tree``'s log line) and its CPU seconds.
The configurations alternate round by round (A, B, A, B).

Usage: OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/bench_norm_tree.py
       [--care-type gastrectomy | --linked oesophagectomy,gastrectomy] [--k 15]
       [--time-limit 30] [--rounds 2] [--configs sparse:0,dense32:1:100:8000]
(a configuration: NORM_PASS:PRICE_ONCE[:ROOT_STALL_LIMIT:ROOT_ITERATIONS])
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import time


def child(args: argparse.Namespace) -> None:
    import numpy as np

    from analysis.locate import norm_bound, norm_tree
    from analysis.locate.linked import linked_p_median
    from analysis.locate.pmedian import p_median
    from app.repository.snapshot import snapshot_from_folder

    pass_, once, *root = args.child.split(":")
    norm_bound.NORM_PASS = pass_
    norm_tree.PRICE_ONCE = once == "1"
    if root:  # the root's stall limit and iterations
        norm_tree.ROOT_STALL_LIMIT, norm_tree.ROOT_ITERATIONS = int(root[0]), int(root[1])
    logs: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logs.append(record.getMessage())

    logger = logging.getLogger("analysis.locate.norm_tree")
    logger.setLevel(logging.INFO)
    logger.addHandler(Keep())
    snap = snapshot_from_folder()
    C = np.asarray(snap.minutes, dtype=float)
    t = time.process_time()
    if args.linked:
        types = args.linked.split(",")
        dem = [snap.demand_for(x)[0] for x in types]
        norms = [float(snap.care_types[x]["min_volume"]) for x in types]
        res = linked_p_median(C, np.asarray(dem), k=args.k, min_volume=norms,
                              solver="exact", time_limit=args.time_limit)
    else:
        w, _ = snap.demand_for(args.care_type)
        res = p_median(C, w, k=args.k, solver="exact", time_limit=args.time_limit,
                       min_volume=float(snap.care_types[args.care_type]["min_volume"]))
    cpu = time.process_time() - t
    nodes = [int(m.group(1)) for x in logs if (m := re.search(r"(\d+) nodes", x))]
    sets = [int(m.group(1)) for x in logs if (m := re.search(r"(\d+) sets", x))]
    print(json.dumps({"status": res.status, "objective": float(res.objective),
                      "bound": float(res.bound), "gap": float(res.gap), "cpu": cpu,
                      "nodes": nodes, "priced": sets}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--care-type", default="gastrectomy")
    parser.add_argument("--linked", default="")
    parser.add_argument("--k", type=int, default=15)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--configs", default="sparse:0,dense32:1")
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    what = args.linked or args.care_type
    for r in range(args.rounds):
        for cfg in args.configs.split(","):
            cmd = [sys.executable, __file__, "--child", cfg, "--k", str(args.k),
                   "--time-limit", str(args.time_limit), "--care-type", args.care_type,
                   "--linked", args.linked]
            out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ),
                                 timeout=10 * args.time_limit + 120)
            last = (out.stdout.strip().splitlines() or [out.stderr[-300:]])[-1]
            print(f"round {r} {what} k={args.k} {cfg}: {last}", flush=True)


if __name__ == "__main__":
    main()

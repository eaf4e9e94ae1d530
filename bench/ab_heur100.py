"""One 100x heuristic p-median call, measured in load-robust figures (issue 17; not a test).

Prints one JSON line for ``p_median(C, w, k=K, solver="heuristic", time_limit=60,
seed=0)`` on ``synthetic(150000, 1000, seed=S, dtype=np.float32)`` of bench_locate.py:
process user and system CPU seconds and minor page faults of the call
(``resource.getrusage(RUSAGE_SELF)``, every thread), wall seconds, peak RSS, and the
objective, bound (as float hex: bit-identity checks) and open set. The instance is cached
as .npy files under ``--cache`` (about 600 MB each). A/B runs interleave two code trees by
``PYTHONPATH`` in fresh processes (A B A B ...)::

    for i in 1 2 3; do for P in /tmp/base $PWD; do OPENBLAS_NUM_THREADS=1 PYTHONPATH=$P \\
        nice -n 10 .venv/bin/python bench/ab_heur100.py --seed 0 --k 25; done; done
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
from bench_locate import synthetic

import analysis
from analysis.locate import p_median


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=25)
    ap.add_argument("--cache", default="/tmp/ab_heur100")
    args = ap.parse_args()
    cache = Path(args.cache)
    fc, fw = cache / f"C{args.seed}.npy", cache / f"w{args.seed}.npy"
    if fc.exists() and fw.exists():
        C, w = np.load(fc), np.load(fw)
    else:
        C, w = synthetic(150_000, 1_000, seed=args.seed, dtype=np.float32)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(fc, C)
        np.save(fw, w)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    res = p_median(C, w, k=args.k, solver="heuristic", time_limit=60, seed=0)
    t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "code": os.path.dirname(os.path.dirname(analysis.__file__)),
        "seed": args.seed, "k": args.k,
        "user": round(r1.ru_utime - r0.ru_utime, 3),
        "sys": round(r1.ru_stime - r0.ru_stime, 3),
        "minflt": r1.ru_minflt - r0.ru_minflt, "wall": round(t1 - t0, 3),
        "maxrss_mb": round(r1.ru_maxrss / 1024),
        "objective": float(res.objective).hex(), "bound": float(res.bound).hex(),
        "open": [int(j) for j in res.open],
        "gap": float((res.objective - res.bound) / res.objective),
    }))


if __name__ == "__main__":
    main()

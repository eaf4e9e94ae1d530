"""Where a norm Lagrangian pass's time goes, by layout (issue 17): the same ascent with
each :data:`analysis.locate.norm_bound.NORM_PASS` in turn, interleaved, on one care type's
norm model (every hospital a candidate), and the node's other cost, pricing a chosen set.

For each round and layout: ``norm_lagrangian`` from the default start with the given
incumbent as target for ``--iterations`` iterations (no deadline), its process CPU seconds
per iteration, its bound; then the bound's float64 check (the sparse float64 function at
the multipliers returned). Then the CPU seconds of one ``Transport.solve`` of the chosen
set (what a tree node prices).

Usage: OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/profile_norm_pass.py
       [--care-type gastrectomy] [--k 15] [--iterations 300] [--rounds 3]
       [--upper 7359.8]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from analysis.locate import norm_bound
from analysis.locate.milp import finite_pairs
from analysis.locate.norm_bound import (
    NormBlock,
    _choose,
    _evaluate,
    chosen_centres,
    norm_lagrangian,
    norm_layout,
)
from analysis.locate.problem import prepare
from analysis.locate.transport import Transport
from app.repository.snapshot import snapshot_from_folder

PASSES = ("sparse", "dense64", "dense32")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--care-type", default="gastrectomy")
    parser.add_argument("--k", type=int, default=15)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--upper", type=float, default=7359.8)
    args = parser.parse_args()
    snap = snapshot_from_folder()
    w, _ = snap.demand_for(args.care_type)
    norm = float(snap.care_types[args.care_type]["min_volume"])
    prob = prepare(np.asarray(snap.minutes, dtype=float), w, k=args.k, min_volume=norm)
    pairs = finite_pairs(prob)
    mc, weights = prob.allowed.size, prob.w[prob.active]
    block = NormBlock(pairs.rows, pairs.cols, weights[pairs.rows] * pairs.cost,
                      weights[pairs.rows], prob.active.size, norm)
    keep = np.array([], np.int64)
    print(f"{args.care_type} k={args.k}: {pairs.rows.size:,} pairs, {prob.active.size} "
          f"areas x {mc} centres")
    per: dict[str, list[float]] = {p: [] for p in PASSES}
    for r in range(args.rounds):
        for p in PASSES:
            lay = norm_layout([block], mc, p)
            t = time.process_time()
            lag = norm_lagrangian([block], mc, k=args.k, keep=keep, upper=args.upper,
                                  deadline=math.inf, max_iter=args.iterations, layout=lay)
            cpu = time.process_time() - t
            assert lag.us is not None and lag.mus is not None and lag.lams is not None
            base, rho, _ = _evaluate([block], lag.us, lag.mus, lag.lams, mc)
            check = base + float(rho[_choose(rho, args.k, keep)].sum())
            per[p].append(cpu / args.iterations)
            print(f"round {r} {p:8s}: {1e3 * cpu / args.iterations:.2f} ms/iteration, "
                  f"bound {lag.value:.4f} (sparse float64 at its multipliers "
                  f"{check:.4f}, difference {lag.value - check:.1e}), best at iteration "
                  f"{lag.iterations}", flush=True)
    base_ms = np.median(per["sparse"])
    for p in PASSES:
        print(f"{p:8s}: median {1e3 * np.median(per[p]):.2f} ms/iteration, "
              f"{np.median(per[p]) / base_ms:.3f}x sparse")
    transport = Transport(prob, pairs)
    pos = chosen_centres(lag, args.k, keep)
    t = time.process_time()
    got = transport.solve(pos, 30.0)
    print(f"Transport.solve of the chosen set: {time.process_time() - t:.3f} CPU-s, "
          f"value {got.value:.1f}")
    t = time.process_time()
    for _ in range(5):
        norm_layout([block], mc, "dense32")
    print(f"norm_layout dense32: {(time.process_time() - t) / 5 * 1e3:.1f} ms")
    _ = norm_bound.NORM_PASS


if __name__ == "__main__":
    main()

"""The norm MILP of one care type run long on HiGHS, with its log: how far the plan of the
exact path is from the optimum and whether the bound moves under branching.

Builds the model :func:`analysis.locate.dispatch.kmedian` hands HiGHS with min_volume
(every hospital a candidate on the Dutch seed instance: x_ij <= y_j linking, the norm rows,
the k-row), takes the plan of ``p_median(..., min_volume=norm, solver="exact",
time_limit=--start-limit)`` as the MIP start and runs HiGHS's MIP for ``--time-limit``
seconds with its log written to ``--log`` (the log's lines give the dual bound and the
incumbent over time).

Usage: nice -n 10 .venv/bin/python bench/profile_norm_mip.py [--care-type gastrectomy]
       [--k 15] [--time-limit 900] [--start-limit 30] [--log /tmp/norm_mip.log]
"""

from __future__ import annotations

import argparse
import time

import highspy
import numpy as np
from profile_norm_lp import norm_model

from analysis.locate.pmedian import p_median
from app.repository.snapshot import snapshot_from_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--care-type", default="gastrectomy")
    parser.add_argument("--k", type=int, default=15)
    parser.add_argument("--time-limit", type=float, default=900.0)
    parser.add_argument("--start-limit", type=float, default=30.0)
    parser.add_argument("--log", default="/tmp/norm_mip.log")
    args = parser.parse_args()
    snap = snapshot_from_folder()
    w, _ = snap.demand_for(args.care_type)
    norm = float(snap.care_types[args.care_type]["min_volume"])
    C = np.asarray(snap.minutes, dtype=float)
    t = time.perf_counter()
    plan = p_median(C, w, k=args.k, min_volume=norm, solver="exact",
                    time_limit=args.start_limit)
    print(f"start plan: {time.perf_counter() - t:.1f} s, {plan.status}, objective "
          f"{plan.objective:.1f}, bound {plan.bound:.1f}, open {list(plan.open)}", flush=True)
    prob, pairs, lp = norm_model(C, w, args.k, norm)
    mc, P = prob.allowed.size, pairs.rows.size
    lp.integrality_ = [highspy.HighsVarType.kInteger] * mc + [
        highspy.HighsVarType.kContinuous] * P
    h = highspy.Highs()
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("log_file", args.log)
    h.passModel(lp)
    # the plan as a MIP start: its open flags and the shares of its assignment
    y0 = np.zeros(mc)
    y0[np.searchsorted(prob.allowed, np.asarray(plan.open))] = 1.0
    coo = plan.assignment.tocoo()
    share = {(int(r), int(c)): float(v) for r, c, v in zip(coo.row, coo.col, coo.data,
                                                           strict=True)}
    act = prob.active
    x0 = np.array([share.get((int(act[r]), int(prob.allowed[c])), 0.0)
                   for r, c in zip(pairs.rows, pairs.cols, strict=True)])
    sol = highspy.HighsSolution()
    sol.col_value = np.concatenate([y0, x0]).tolist()
    sol.value_valid = True
    h.setSolution(sol)
    t = time.perf_counter()
    c0 = time.process_time()
    h.run()
    info = h.getInfo()
    print(f"MIP: {time.perf_counter() - t:.1f} s wall, {time.process_time() - c0:.1f} CPU-s, "
          f"{h.modelStatusToString(h.getModelStatus())}, objective "
          f"{info.objective_function_value:.1f}, dual bound {info.mip_dual_bound:.1f}, "
          f"nodes {info.mip_node_count}; {P:,} pairs, {lp.num_row_:,} rows", flush=True)


if __name__ == "__main__":
    main()

"""Where the norm MILP's time goes: its root LP on HiGHS, every hospital a candidate.

Builds the assignment model with one care type's norm (what
:func:`analysis.locate.dispatch.kmedian` hands HiGHS with min_volume: x_ij <= y_j linking,
the norm rows, the k-row) on the Dutch seed instance and solves its LP relaxation with the
given HiGHS solver and HiGHS's log on, within the limit; then prints the norm Lagrangian
bound (:func:`analysis.locate.norm_bound.norm_lagrangian`) of the same model for
comparison.

Usage: nice -n 10 .venv/bin/python bench/profile_norm_lp.py [--care-type gastrectomy]
       [--k 15] [--solver simplex|ipm|pdlp] [--time-limit 90]
"""

from __future__ import annotations

import argparse
import math
import time

import highspy
import numpy as np
from scipy import sparse

from analysis.locate.milp import Pairs, Rows, finite_pairs
from analysis.locate.norm_bound import NormBlock, norm_lagrangian
from analysis.locate.problem import Problem, prepare
from app.repository.snapshot import snapshot_from_folder


def norm_model(C: np.ndarray, w: np.ndarray, k: int, norm: float
               ) -> tuple[Problem, Pairs, highspy.HighsLp]:
    """The norm model (y then one x per finite pair, every column in [0, 1]) as a HiGHS LP:
    assignment, x_ij <= y_j linking, the norm rows and the k-row; also used by
    profile_norm_mip.py, which makes the y integer."""
    prob = prepare(C, w, k=k, min_volume=norm)
    pairs = finite_pairs(prob)
    mc, P = prob.allowed.size, pairs.rows.size
    weights = prob.w[prob.active]
    xi = mc + np.arange(P)
    model = Rows(mc + P)
    model.assignment(pairs.rows, xi, prob.active.size)
    model.linking(xi, pairs.cols)
    model.volume(pairs.cols, xi, weights[pairs.rows], mc, np.arange(mc), np.full(mc, -norm),
                 0.0, np.inf)
    model.count(np.arange(mc), k, k)
    A, lo, hi = model.matrix()
    csc = sparse.csc_array(A)
    n = mc + P
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, int(csc.shape[0])
    lp.col_cost_ = np.concatenate([np.zeros(mc), weights[pairs.rows] * pairs.cost])
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = lo, hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    return prob, pairs, lp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--care-type", default="gastrectomy")
    parser.add_argument("--k", type=int, default=15)
    parser.add_argument("--solver", default="simplex")
    parser.add_argument("--time-limit", type=float, default=90.0)
    args = parser.parse_args()
    snap = snapshot_from_folder()
    w, _ = snap.demand_for(args.care_type)
    norm = float(snap.care_types[args.care_type]["min_volume"])
    prob, pairs, lp = norm_model(np.asarray(snap.minutes, dtype=float), w, args.k, norm)
    mc, P, weights = prob.allowed.size, pairs.rows.size, prob.w[prob.active]
    h = highspy.Highs()
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("solver", args.solver)
    h.passModel(lp)
    t = time.perf_counter()
    h.run()
    print(f"root LP ({args.solver}): {time.perf_counter() - t:.1f} s, "
          f"{h.modelStatusToString(h.getModelStatus())}, objective "
          f"{h.getInfo().objective_function_value:.1f}; {P:,} pairs, {lp.num_row_:,} rows")
    block = NormBlock(pairs.rows, pairs.cols, weights[pairs.rows] * pairs.cost,
                      weights[pairs.rows], prob.active.size, norm)
    t = time.perf_counter()
    lag = norm_lagrangian([block], mc, k=args.k, keep=np.array([], np.int64),
                          upper=math.inf, deadline=time.perf_counter() + args.time_limit)
    print(f"norm Lagrangian: {time.perf_counter() - t:.1f} s, {lag.iterations} "
          f"iterations, bound {lag.value:.1f}")


if __name__ == "__main__":
    main()

"""Benchmark of a trade-off sweep (app.services.sweeps) on the Dutch instance, ratios in one run.

k = 5..25 x 3 norms (default: none, 20, 30 patients/year) for one care type (default
pancreatic-resection, every hospital a candidate), the same 63 scenarios run three ways:

1. sequential, in this process (the baseline);
2. the local pool of 2 worker processes (app.executors.LocalPoolExecutor; process start-up
   and shipping the snapshot included);
3. a 2-worker dask.distributed LocalCluster on loopback (app.executors.DaskExecutor; the
   cluster's start-up reported separately, the connect and scatter included in the run).

Reports wall times, the ratios to sequential, and whether every executor found the same plans
(same open centres per combination). The Dutch instance is the seed folder read without a
database (app.repository.snapshot.snapshot_from_folder).
Usage: .venv/bin/python bench/bench_sweep.py [--care-type pancreatic-resection]
       [--norms none,20,30] [--solver heuristic] [--time-limit 10]
       [--out bench/results/sweep.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from app.executors import DaskExecutor, LocalPoolExecutor, SequentialExecutor
from app.localdb import PROJECT_ROOT
from app.repository.snapshot import snapshot_from_folder
from app.schemas import SweepCreate
from app.services.sweeps import plan_sweep, run_sweep


def plans(sweep) -> list[tuple]:
    return [(r.k, r.norm, r.feasible, tuple(r.centres)) for r in sweep.runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--care-type", default="pancreatic-resection")
    parser.add_argument("--k-min", type=int, default=5)
    parser.add_argument("--k-max", type=int, default=25)
    parser.add_argument("--norms", default="none,20,30")
    parser.add_argument("--candidates", default="all")
    parser.add_argument("--solver", default="heuristic")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench/results/sweep.md")
    args = parser.parse_args()
    norms = [None if n.strip().lower() == "none" else float(n) for n in args.norms.split(",")]

    snap = snapshot_from_folder()
    req = SweepCreate(care_type=args.care_type, k_min=args.k_min, k_max=args.k_max,
                      norms=norms, candidate_set=args.candidates, solver=args.solver,
                      time_limit=args.time_limit)
    plan = plan_sweep(snap, req, max_combinations=10_000)
    load_before = os.getloadavg()

    def timed(executor):
        t = time.perf_counter()
        result = run_sweep(snap, plan, executor, timeout=24 * 3600)
        return time.perf_counter() - t, result

    seq_s, seq = timed(SequentialExecutor())
    pool_s, pool = timed(LocalPoolExecutor(args.workers))
    from distributed import LocalCluster

    t = time.perf_counter()
    with LocalCluster(processes=True, n_workers=args.workers, threads_per_worker=1,
                      host="127.0.0.1", dashboard_address=None, silence_logs=40) as cluster:
        cluster_start_s = time.perf_counter() - t
        dask_s, dask = timed(DaskExecutor(cluster.scheduler_address))
    load_after = os.getloadavg()

    feasible = sum(r.feasible for r in seq.runs)
    pareto = [f"k={r.k}/{'none' if r.norm is None else f'{r.norm:g}'}"
              for r in seq.runs if r.pareto]
    lines = [
        "# Sweep benchmark (`bench/bench_sweep.py`)", "",
        f"Command: `.venv/bin/python bench/bench_sweep.py --care-type {args.care_type} "
        f"--norms {args.norms} --solver {args.solver} --time-limit {args.time_limit:g} "
        f"--workers {args.workers}`", "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"(shared with other work: load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after), Python {platform.python_version()}.", "",
        f"Instance: the Dutch seed ({len(snap.areas):,} areas x {len(snap.hospitals)} "
        f"hospitals), {args.care_type}, candidates `{args.candidates}` ({plan.candidates}), "
        f"k = {args.k_min}..{args.k_max} x norms {args.norms}: {len(plan.scenarios)} "
        f"scenarios, solver `{args.solver}`, time limit {args.time_limit:g} s each; "
        f"{feasible} feasible.", "",
        "| executor | wall s | ratio to sequential | same plans as sequential |",
        "| --- | ---: | ---: | --- |",
        f"| sequential (this process) | {seq_s:.1f} | 1.00 | - |",
        f"| local pool, {args.workers} processes | {pool_s:.1f} | {pool_s / seq_s:.2f} | "
        f"{plans(pool) == plans(seq)} |",
        f"| Dask LocalCluster, {args.workers} workers | {dask_s:.1f} | {dask_s / seq_s:.2f} | "
        f"{plans(dask) == plans(seq)} |", "",
        f"LocalCluster start-up (not in its row): {cluster_start_s:.1f} s. "
        f"Speed-up = 1 / ratio. Pareto-efficient plans ({', '.join(seq.pareto_criteria)}): "
        f"{', '.join(pareto) or 'none'}.", "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()

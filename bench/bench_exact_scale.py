"""Benchmark of the exact p-median at scale (issue 17; not a test).

Part "graph": random sparse connected graphs (a random spanning tree plus random extra
edges, mean degree about 4, integer edge lengths 1-100), costs = all-pairs shortest paths
(scipy.sparse.csgraph), every vertex a client (weight 1) and a candidate site, for n in
``--ns`` and k in {5, 10, n/10, n/5, n/3}, ``--seeds`` seeds. Each instance is solved by
``p_median(solver="exact")`` with the code of git ``--baseline`` ("current", default
``main``: its ``analysis/`` extracted by ``git archive``) and with this tree's code ("new"),
each solve in its own process (``--solve-worker``), one after the other, capped at
``--cap`` seconds: wall and process CPU seconds (all threads; the machine is shared, so
CPU is the fair figure), the threads the process had after the solve, the load average,
the ratio, the gap when not proven. ``--baseline lists`` instead compares the
restricted-list engine of this tree with its Benders engine in one process.

Part "postcode": 4,000 synthetic demand points over the Dutch area coordinates
(graph/seed/areas.csv: areas drawn with probability proportional to population, moved by a
normal offset of 2 km; demand = population share x 1,000 patients/yr; synthetic, modelled)
x the 114 hospitals of graph/seed/hospitals.csv, minutes from analysis.travel, k in {5, 10,
15, 25, 40}: both engines, and what ``solver="auto"`` picks.

Part "scale": the synthetic clustered 1x / 10x / 100x instances of bench/bench_locate.py,
heuristic only, each in its own process (bench_locate.py --scale-worker): time, RSS, gap,
growth.

Part "spopt": spopt PMedian + CBC (bench venv, bench_locate.py --spopt-worker) on a few
graph instances with the same cap; CBC's time-limited answers are flagged through PuLP's
``sol_status`` (PuLP reports "Optimal" for a CBC run stopped on time with an incumbent).

Writes bench/results/exact_scale.md (``--out``). ``--quick``: n in {100, 200}, one seed,
cap 20 s, 1x/10x only, one spopt instance.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_locate import _git_commit, baseline_env, loadavg, run_json
from scipy import sparse
from scipy.sparse.csgraph import shortest_path

from analysis.locate import dispatch, p_median
from analysis.locate.problem import prepare
from analysis.travel import travel_time_matrix

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def graph_instance(n: int, seed: int, degree: float = 4.0) -> np.ndarray:
    """All-pairs shortest paths of a random connected graph with integer edge lengths."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    # spanning tree: vertex perm[t] hangs below a random earlier one
    u = perm[1:]
    v = perm[(rng.random(n - 1) * np.arange(1, n)).astype(int)]
    extra = int(n * (degree / 2 - 1))
    a, b = rng.integers(0, n, extra), rng.integers(0, n, extra)
    U, V = np.concatenate([u, a]), np.concatenate([v, b])
    ok = U != V
    L = rng.integers(1, 101, int(ok.sum())).astype(float)
    G = sparse.coo_array((L, (U[ok], V[ok])), shape=(n, n)).tocsr()
    return shortest_path(G, directed=False)


def ks_for(n: int) -> list[int]:
    return sorted({5, 10, n // 10, n // 5, n // 3})


def postcode_instance(seed: int = 0, n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    A = list(csv.DictReader((ROOT / "graph/seed/areas.csv").open(encoding="utf-8")))
    H = list(csv.DictReader((ROOT / "graph/seed/hospitals.csv").open(encoding="utf-8")))
    lat = np.array([float(a["lat"]) for a in A])
    lon = np.array([float(a["lon"]) for a in A])
    pop = np.array([float(a["population"]) for a in A])
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(A), size=n, p=pop / pop.sum())
    plat = lat[pick] + rng.normal(0, 2.0, n) / 111.0
    plon = lon[pick] + rng.normal(0, 2.0, n) / (111.0 * np.cos(np.radians(plat)))
    share = rng.lognormal(0.0, 0.5, n)
    w = share / share.sum() * 1000.0
    C = travel_time_matrix(plat, plon, np.array([float(h["lat"]) for h in H]),
                           np.array([float(h["lon"]) for h in H]))
    return np.asarray(C, dtype=np.float64), w


def solve(C: np.ndarray, w: np.ndarray, k: int, engine: str, cap: float) -> dict:
    dispatch.exact_engine = lambda n, m: engine  # the bench picks the engine
    t0 = time.perf_counter()
    r = p_median(C, w, k=k, solver="exact", time_limit=cap)
    return {"t": time.perf_counter() - t0, "obj": r.objective, "gap": r.gap,
            "status": r.status}


def threads_now() -> int:
    """Threads of this process (HiGHS starts a worker pool on first use)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0  # pragma: no cover - not Linux


def solve_worker(npz: str, k: int, cap: float) -> None:
    """One exact solve of the instance in ``npz`` by whatever ``analysis`` is first on the
    path; JSON on stdout: wall and CPU seconds, threads, objective, gap, status."""
    from analysis.locate import p_median as pm

    data = np.load(npz)
    t0, c0 = time.perf_counter(), time.process_time()
    r = pm(data["C"], data["w"], k=k, solver="exact", time_limit=cap)
    out = {"t": time.perf_counter() - t0, "cpu": time.process_time() - c0,
           "threads": threads_now(), "obj": r.objective, "gap": r.gap, "status": r.status}
    print(json.dumps(out))


def solve_in_process(C: np.ndarray, w: np.ndarray, k: int, cap: float,
                     env: dict[str, str] | None) -> dict:
    """:func:`solve_worker` in a subprocess (``env``: the baseline's code, else this one)."""
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "inst.npz")
        np.savez(npz, C=C, w=w)
        out = run_json([sys.executable, str(HERE / "bench_exact_scale.py"), "--solve-worker",
                        npz, str(k), str(cap)], timeout=3 * cap + 120, env=env)
    if out is None or "error" in out:
        why = "no output" if out is None else out["error"]
        return {"t": np.nan, "cpu": np.nan, "threads": 0, "obj": np.nan, "gap": np.nan,
                "status": f"failed: {why}"}
    return out


def cell(d: dict) -> str:
    s = f"{d['t']:.2f}"
    return s if d["status"] == "optimal" else f"{s} ({d['status']}, gap {100 * d['gap']:.2f}%)"


def compare(C, w, k, cap, label, lines, rows):
    engine_rule = dispatch.exact_engine
    try:
        cur = solve(C, w, k, "lists", cap)
        new = solve(C, w, k, "benders", cap)
    finally:
        dispatch.exact_engine = engine_rule
    same = abs(cur["obj"] - new["obj"]) <= 1e-6 * max(abs(new["obj"]), 1.0)
    both = cur["status"] == new["status"] == "optimal"
    agree = "equal" if same else ("DIFFERENT" if both else f"{cur['obj']:.6g} vs {new['obj']:.6g}")
    ratio = cur["t"] / max(new["t"], 1e-9)
    lines.append(f"| {label} | {k} | {cell(cur)} | {cell(new)} | {ratio:.1f}x | "
                 f"{new['obj']:.6g} | {agree} | {loadavg()} |")
    rows.append((label, k, cur, new))
    print(lines[-1], flush=True)


def cpu_cell(d: dict) -> str:
    s = f"{d['t']:.2f} / {d['cpu']:.2f}"
    return s if d["status"] == "optimal" else f"{s} ({d['status']}, gap {100 * d['gap']:.2f}%)"


def compare_baseline(C, w, k, cap, label, lines, rows, env):
    """current = the baseline's code, new = this tree's, each in its own process."""
    cur = solve_in_process(C, w, k, cap, env)
    new = solve_in_process(C, w, k, cap, None)
    same = abs(cur["obj"] - new["obj"]) <= 1e-6 * max(abs(new["obj"]), 1.0)
    both = cur["status"] == new["status"] == "optimal"
    agree = "equal" if same else ("DIFFERENT" if both else f"{cur['obj']:.6g} vs {new['obj']:.6g}")
    ratio = cur["cpu"] / max(new["cpu"], 1e-9)
    lines.append(f"| {label} | {k} | {cpu_cell(cur)} | {cpu_cell(new)} | {ratio:.1f}x | "
                 f"{new['obj']:.6g} | {agree} | {cur['threads']} / {new['threads']} | "
                 f"{loadavg()} |")
    rows.append((label, k, cur, new))
    print(lines[-1], flush=True)


def seeds_of(args) -> list[int]:
    """The graph seeds of part 1: ``--seed-list``, else 0 .. ``--seeds`` - 1."""
    return args.seed_list if args.seed_list is not None else list(range(args.seeds))


def part_graph(args, lines):
    if args.baseline != "lists":
        return part_graph_baseline(args, lines)
    part_graph_lists(args, lines)


def part_graph_baseline(args, lines):
    lines += ["## 1. Graph instances (shortest paths on random sparse graphs)", "",
              f"Cap {args.cap:g} s per solve. current = `analysis/` of git {args.baseline} "
              f"(commit {_git_commit(args.baseline)}); new = this tree; each solve in its own "
              "process, current first. Cells: wall / process CPU seconds (all threads); "
              "ratio = current CPU / new CPU (a floor when current hit the cap); threads = "
              "the process's threads after the solve (current / new: numpy's BLAS pool and "
              "HiGHS's worker; the LP solves are serial); load = load average after the pair.", "",
              "| n, seed | k | current wall / CPU (s) | new wall / CPU (s) | CPU ratio | "
              "objective (new) | objectives | threads | load |",
              "|---|---|---|---|---|---|---|---|---|"]
    rows: list = []
    with tempfile.TemporaryDirectory() as base_dir:
        env = baseline_env(args.baseline, base_dir)
        for n in args.ns:
            for seed in seeds_of(args):
                D = graph_instance(n, seed)
                for k in ks_for(n):
                    compare_baseline(D, np.ones(n), k, args.cap, f"{n}, {seed}", lines, rows,
                                     env)
    for name, col in (("new", 3), ("current", 2)):
        got = [r[col] for r in rows]
        proven = sum(d["status"] == "optimal" for d in got)
        under10 = sum(d["status"] == "optimal" and d["t"] <= 10 for d in got)
        cpu10 = sum(d["status"] == "optimal" and d["cpu"] <= 10 for d in got)
        t = [d["t"] for d in got]
        c = [d["cpu"] for d in got]
        lines.append(f"{name}: {proven}/{len(rows)} proven optimal ({under10} within 10 s "
                     f"wall, {cpu10} within 10 CPU-s); wall median {np.nanmedian(t):.2f} s, "
                     f"max {np.nanmax(t):.2f} s; CPU median {np.nanmedian(c):.2f} s, max "
                     f"{np.nanmax(c):.2f} s.  ")
    lines.append("")


def part_graph_lists(args, lines):
    lines += ["## 1. Graph instances (shortest paths on random sparse graphs)", "",
              f"Cap {args.cap:g} s per solve. current = restricted-list MILP engine; new = "
              "Benders engine (both after the same heuristic and Lagrangian steps). Times in "
              "seconds; ratio = current / new (a floor when current hit the cap).", "",
              "| n, seed | k | current (s) | new (s) | ratio | objective (new) | objectives | "
              "load |", "|---|---|---|---|---|---|---|---|"]
    rows: list = []
    for n in args.ns:
        for seed in seeds_of(args):
            D = graph_instance(n, seed)
            for k in ks_for(n):
                compare(D, np.ones(n), k, args.cap, f"{n}, {seed}", lines, rows)
    new_t = [r[3]["t"] for r in rows]
    proven = sum(r[3]["status"] == "optimal" for r in rows)
    under10 = sum(r[3]["status"] == "optimal" and r[3]["t"] <= 10 for r in rows)
    cur_proven = sum(r[2]["status"] == "optimal" for r in rows)
    lines += ["", f"new: {proven}/{len(rows)} proven optimal ({under10} within 10 s), "
              f"median {np.median(new_t):.2f} s, max {max(new_t):.2f} s; current: "
              f"{cur_proven}/{len(rows)} proven within the cap.", ""]


def part_postcode(args, lines):
    C, w = postcode_instance()
    picked = dispatch.pick_solver(prepare(C, w, k=5), "auto")
    lines += ["## 2. Postcode scale: 4,000 synthetic demand points x 114 hospitals", "",
              f"Cap {args.cap:g} s. `solver=\"auto\"` picks **{picked}** here "
              f"(AUTO_EXACT_MAX_PAIRS = {dispatch.AUTO_EXACT_MAX_PAIRS:,}).", "",
              "| instance | k | current (s) | new (s) | ratio | objective (new) | objectives | "
              "load |", "|---|---|---|---|---|---|---|---|"]
    rows: list = []
    for k in (5, 10, 15, 25, 40):
        compare(C, w, k, args.cap, "4000 x 114", lines, rows)
    lines.append("")


def part_scale(args, lines):
    lines += ["## 3. Scale: heuristic only (synthetic clustered, k=15, own process each)", "",
              "| scale | n x m | time (s) | CPU (s) | objective | gap | peak RSS (MB) | load |",
              "|---|---|---|---|---|---|---|---|"]
    sizes = {1: (1500, 100), 10: (15000, 300), 100: (150000, 1000)}
    got = []
    for s in args.scales:
        n, m = sizes[s]
        out = run_json([sys.executable, str(HERE / "bench_locate.py"), "--scale-worker",
                        str(n), str(m), "15", str(args.scale_time_limit), "0"],
                       timeout=4 * args.scale_time_limit + 120)
        if out is None or "error" in out:
            lines.append(f"| {s}x | {n} x {m} | failed | | | | | {loadavg()} |")
            continue
        got.append((s, out))
        lines.append(f"| {s}x | {n} x {m} | {out['solve_s']:.2f} | {out['cpu_s']:.2f} | "
                     f"{out['objective']:.7g} | {100 * out['gap']:.2f}% | "
                     f"{out['rss_peak_mb']:.0f} | {loadavg()} |")
        print(lines[-1], flush=True)
    for (s0, a), (s1, b) in zip(got, got[1:], strict=False):
        lines.append(f"\ngrowth {s0}x -> {s1}x: time {b['solve_s'] / a['solve_s']:.1f}x, "
                     f"RSS {b['rss_peak_mb'] / a['rss_peak_mb']:.1f}x")
    lines.append("")


def part_spopt(args, lines):
    lines += ["## 4. spopt + CBC on graph instances (same cap)", ""]
    py = args.bench_python
    if not Path(py).exists():
        lines += [f"Not run: no bench venv at {py} (see bench/README.md).", ""]
        return
    lines += ["| n, seed | k | new (s) | spopt+CBC (s) | ratio | CBC status (sol_status) | "
              "objectives | load |", "|---|---|---|---|---|---|---|---|"]
    for n, k in args.spopt_instances:
        D = graph_instance(n, 0)
        w = np.ones(n)
        new = solve(D, w, k, "benders", args.cap)
        with tempfile.TemporaryDirectory() as tmp:
            npz = os.path.join(tmp, "inst.npz")
            np.savez(npz, C=D, w=w)
            sp = run_json([py, str(HERE / "bench_locate.py"), "--spopt-worker", npz, "--k",
                           str(k), "--spopt-time-limit", str(args.cap)],
                          timeout=3 * args.cap + 120)
        if sp is None or "error" in sp:
            why = "no output" if sp is None else sp["error"]
            lines.append(f"| {n}, 0 | {k} | {cell(new)} | failed: {why} | | | | "
                         f"{loadavg()} |")
            continue
        flag = ("proven optimal" if sp["sol_status"] == 1
                else "**stopped by the time limit** (incumbent only)" if sp["sol_status"] == 2
                else f"sol_status {sp['sol_status']}")
        same = abs(sp["objective"] - new["obj"]) <= 1e-6 * max(abs(new["obj"]), 1.0)
        agree = "equal" if same else f"{sp['objective']:.6g} vs {new['obj']:.6g}"
        lines.append(f"| {n}, 0 | {k} | {cell(new)} | {sp['total_s']:.2f} | "
                     f"{sp['total_s'] / max(new['t'], 1e-9):.1f}x | {sp['status']} "
                     f"({sp['sol_status']}: {flag}) | "
                     f"{agree} | "
                     f"{loadavg()} |")
        print(lines[-1], flush=True)
    lines.append("")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="graph,postcode,scale,spopt")
    ap.add_argument("--ns", type=lambda s: [int(x) for x in s.split(",")],
                    default=[100, 200, 400, 600, 800, 900])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--seed-list", type=lambda s: [int(x) for x in s.split(",")],
                    default=None, help="graph seeds to run (instead of 0 .. --seeds - 1)")
    ap.add_argument("--cap", type=float, default=60.0, help="seconds per solve")
    ap.add_argument("--scales", type=lambda s: [int(x) for x in s.split(",")],
                    default=[1, 10, 100])
    ap.add_argument("--scale-time-limit", type=float, default=60.0)
    ap.add_argument("--bench-python", default=str(ROOT / ".venv-bench/bin/python"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--baseline", default="main", metavar="GIT_REF",
                    help="code of the 'current' column of part 1 ('lists': this tree's "
                         "restricted-list engine, in process)")
    ap.add_argument("--solve-worker", nargs=3, metavar=("NPZ", "K", "CAP"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(ROOT / "bench/results/exact_scale.md"))
    args = ap.parse_args(argv)
    if args.solve_worker:
        npz, k, cap = args.solve_worker
        solve_worker(npz, int(k), float(cap))
        return
    args.spopt_instances = [(100, 5), (200, 10), (400, 5)]
    if args.quick:
        args.ns, args.seeds, args.cap, args.scales = [100, 200], 1, 20.0, [1, 10]
        args.spopt_instances = [(100, 5)]
    cmd = "python bench/bench_exact_scale.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    lines = ["# Benchmark: exact p-median at scale (issue 17)", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
             f"{platform.machine()}, {os.cpu_count()} cores (shared), Python "
             f"{platform.python_version()}, numpy {np.__version__}; load average "
             f"{loadavg()} at the start. Command: `{cmd.strip()}`", ""]
    parts = args.parts.split(",")
    for name, fn in (("graph", part_graph), ("postcode", part_postcode),
                     ("scale", part_scale), ("spopt", part_spopt)):
        if name in parts:
            fn(args, lines)
            Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")  # so far
    lines.append(f"Load average at the end: {loadavg()}.")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

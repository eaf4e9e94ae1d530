"""Benchmark of analysis.locate (not a test).

Part 1 ("dutch"): the Dutch instance from graph/seed (areas x hospitals, modelled car minutes,
pancreatic-resection demand), or a synthetic clustered instance of the same size when the
seed files are missing. Times the exact solver (proven optimum) and the heuristic, and
spopt ``PMedian.from_cost_matrix`` + ``pulp.PULP_CBC_CMD`` on the same matrix in the same
run. spopt is not a dependency of oncoregio: it runs in a subprocess with the interpreter of
a separate venv (``--bench-python``, default ``.venv-bench/bin/python``).

Part 2 ("scale"): synthetic clustered instances 1x, 10x, 100x (about 1,500 x 100, 15,000 x
300, 150,000 x 1,000), heuristic only, each in its own subprocess: time (search and bound
separately), peak memory and their growth from one scale to the next.

Writes a markdown table to bench/results/locate.md. See bench/README.md for the command.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from analysis.travel import CIRCUITY, SPEED_KMH, travel_time_matrix

ROOT = Path(__file__).resolve().parents[1]

PANCREAS_PER_PERSON = 1000 / 17.9e6  # ~1,000 pancreatic resections a year, 17.9 M people


# ------------------------------------------------------------------------------- instances


def dutch_instance() -> tuple[np.ndarray, np.ndarray, str]:
    areas, hosp = ROOT / "graph/seed/areas.csv", ROOT / "graph/seed/hospitals.csv"
    if areas.exists() and hosp.exists():
        A = list(csv.DictReader(areas.open(encoding="utf-8")))
        H = list(csv.DictReader(hosp.open(encoding="utf-8")))
        C = travel_time_matrix(np.array([float(a["lat"]) for a in A]),
                           np.array([float(a["lon"]) for a in A]),
                           np.array([float(h["lat"]) for h in H]),
                           np.array([float(h["lon"]) for h in H]))
        w = np.array([float(a["population"]) for a in A]) * PANCREAS_PER_PERSON
        return np.asarray(C, dtype=np.float64), w, "graph/seed (areas.csv x hospitals.csv)"
    C, w = synthetic(1522, 114, seed=0)
    return C.astype(np.float64), w, "synthetic clustered (seed files missing)"


def synthetic(n: int, m: int, seed: int = 0, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Clustered instance: areas around towns, hospitals in the larger towns.

    The square grows with n so that the density stays Dutch-like (~1,500 areas on
    ~250 x 250 km); minutes = euclidean km x 1.343 / 60 km/h.
    """
    rng = np.random.default_rng(seed)
    side = 250.0 * np.sqrt(n / 1500)
    towns = max(n // 15, 5)
    tc = rng.uniform(0, side, (towns, 2))
    tsize = rng.lognormal(0, 1.0, towns)
    which = rng.choice(towns, size=n, p=tsize / tsize.sum())
    pts = tc[which] + rng.normal(0, 4.0, (n, 2))
    pop = rng.lognormal(8.5, 1.0, n)
    big = np.argsort(-tsize)[:m]
    hosp = tc[big] + rng.normal(0, 1.0, (m, 2))
    C = np.empty((n, m), dtype=dtype)
    step = max(1, (1 << 22) // m)
    for s in range(0, n, step):
        d = pts[s:s + step, None, :] - hosp[None, :, :]
        C[s:s + step] = np.hypot(d[..., 0], d[..., 1]) * CIRCUITY / SPEED_KMH * 60.0
    w = pop / pop.mean() * (17.9e6 / 1500) * PANCREAS_PER_PERSON  # Dutch-like people per area
    return C, w


# ------------------------------------------------------------------------------- workers


def spopt_worker(npz: str, k: int, time_limit: float) -> None:
    """Run in the bench venv: spopt PMedian + CBC on the saved matrix; print JSON."""
    import pulp
    import spopt
    from spopt.locate import PMedian

    d = np.load(npz)
    C, w = d["C"], d["w"]
    t0 = time.perf_counter()
    mdl = PMedian.from_cost_matrix(C, w, p_facilities=k)
    t1 = time.perf_counter()
    mdl = mdl.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    t2 = time.perf_counter()
    open_sites = [j for j, cl in enumerate(mdl.fac2cli) if len(cl) > 0]
    obj = float(mdl.problem.objective.value())
    print(json.dumps({
        "build_s": t1 - t0, "solve_s": t2 - t1, "total_s": t2 - t0, "objective": obj,
        "open": open_sites, "version": spopt.__version__,
        "status": pulp.LpStatus[mdl.problem.status],
        "sol_status": int(mdl.problem.sol_status),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


class _Timings(logging.Handler):
    """Collects the search / bound timings that analysis.locate logs at DEBUG level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.search: dict = {}
        self.bound: dict = {}

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "locate_search"):
            self.search = record.locate_search  # the outermost search reports last
        if hasattr(record, "locate_bound"):
            self.bound = record.locate_bound


def scale_worker(n: int, m: int, k: int, time_limit: float, seed: int,
                 traced: bool = True) -> None:
    """Heuristic on one synthetic instance; print JSON with time and memory (``traced``:
    then also the peak traced allocations of a second, identical call)."""
    from analysis.locate import p_median

    t0 = time.perf_counter()
    C, w = synthetic(n, m, seed=seed, dtype=np.float32)
    gen_s = time.perf_counter() - t0
    rss_input = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log = logging.getLogger("analysis.locate")
    timings = _Timings()
    log.addHandler(timings)
    log.setLevel(logging.DEBUG)
    # the timed call runs untraced (tracemalloc hooks every allocation: at 100x it adds
    # about 0.7 CPU-s, a quarter of the solve); the same call again measures the peak
    # traced allocations (the same answer: the heuristic is deterministic)
    t0, c0 = time.perf_counter(), time.process_time()
    r = p_median(C, w, k=k, solver="heuristic", time_limit=time_limit, seed=seed)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    search, bound = timings.search, timings.bound
    cpu_traced, peak = float("nan"), float("nan")
    if traced:
        tracemalloc.start()
        c0 = time.process_time()
        again = p_median(C, w, k=k, solver="heuristic", time_limit=time_limit, seed=seed)
        cpu_traced = time.process_time() - c0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        timings.search, timings.bound = search, bound
        if again.objective != r.objective:  # only if a call was cut by the clock
            print(f"traced call: objective {again.objective} != {r.objective}",
                  file=sys.stderr)
    print(json.dumps({
        "n": n, "m": m, "k": k, "gen_s": gen_s, "solve_s": t, "cpu_s": cpu,
        "search_s": timings.search.get("seconds"), "starts": timings.search.get("starts"),
        "K": timings.search.get("K"), "bound_s": timings.bound.get("seconds"),
        "bound_iter": timings.bound.get("iterations"), "objective": r.objective,
        "search_groups": timings.search.get("groups"),
        "bound_groups": timings.bound.get("groups"),
        "bound": r.bound, "gap": r.gap, "status": r.status, "input_mb": C.nbytes / 2**20,
        "peak_traced_mb": peak / 2**20, "rss_before_mb": rss_input,
        "rss_peak_mb": rss_peak, "cpu_traced_s": cpu_traced,
        "loadavg": loadavg(), "code": _code_dir(),
    }))


def dutch_worker(k: int, repeats: int, time_limit: float, seed: int) -> None:
    """Part 1 timings of whatever ``analysis`` is first on the path (the baseline); JSON."""
    from analysis.locate import p_median

    C, w, _ = dutch_instance()
    p_median(C[:50, :10], w[:50], k=3, solver="exact")
    out = {"code": _code_dir()}
    for solver in ("exact", "heuristic"):
        runs = []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            r = p_median(C, w, k=k, solver=solver, time_limit=time_limit, seed=seed)
            runs.append((time.perf_counter() - t0, time.process_time() - c0, r))
        runs.sort(key=lambda x: x[0])
        t, cpu, r = runs[len(runs) // 2]
        out[solver] = {"t": t, "tmin": runs[0][0], "cpu": cpu, "objective": r.objective,
                       "bound": r.bound, "gap": r.gap, "status": r.status}
    print(json.dumps(out))


def _code_dir() -> str:
    import analysis

    return str(Path(analysis.__file__).resolve().parent.parent)


def baseline_env(ref: str, into: str) -> dict[str, str]:
    """Environment whose ``analysis`` package is the one of git ``ref`` (extracted into
    ``into``), to time the previous code in the same run."""
    tar = subprocess.run(["git", "archive", ref, "analysis"], cwd=ROOT, capture_output=True,
                         check=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=tar, check=True)
    return {**os.environ, "PYTHONPATH": into}


def _git_commit(ref: str) -> str:
    return subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # pragma: no cover - not Linux
        return "n/a"


# ------------------------------------------------------------------------------- parts


def run_json(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> dict | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                             cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"killed after {timeout:.0f} s"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def part_dutch(args, lines: list[str]) -> None:
    from analysis.locate import p_median

    C, w, source = dutch_instance()
    n, m = C.shape
    # warm-up on a tiny instance: one-time import/library loading is not solver time
    # (the spopt worker likewise starts its clock after its imports)
    p_median(C[:50, :10], w[:50], k=3, solver="exact")
    lines += [f"## 1. Dutch instance: p-median, {n} areas x {m} hospitals", "",
              f"Source: {source}; minutes = haversine km x 1.343 / 60 km/h; weights = "
              f"population x 1000 / 17.9e6 (total {w.sum():.1f} patients/yr). Our times are "
              f"the median of {args.repeats} calls (min in brackets, CPU = process time of "
              "the median call); spopt+CBC runs once. Load average at the start of this "
              f"part: {loadavg()}.", "",
              "| k | solver | time (s) | CPU (s) | objective (patient-min/yr) | vs optimum | "
              "bound | gap | status | vs spopt+CBC |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for k in args.ks:
        res = {}
        for solver in ("exact", "heuristic"):
            runs = []
            for _ in range(args.repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                r = p_median(C, w, k=k, solver=solver, time_limit=args.time_limit,
                             seed=args.seed)
                runs.append((time.perf_counter() - t0, time.process_time() - c0, r))
            runs.sort(key=lambda x: x[0])
            t, cpu, r = runs[len(runs) // 2]
            res[solver] = (t, runs[0][0], cpu, r)
        sp = None
        if not args.skip_spopt:
            with tempfile.TemporaryDirectory() as td:
                npz = os.path.join(td, "inst.npz")
                np.savez(npz, C=C, w=w)
                sp = run_json([args.bench_python, __file__, "--spopt-worker", npz, "--k",
                               str(k), "--spopt-time-limit", str(args.spopt_time_limit)],
                              timeout=args.spopt_time_limit * 2 + 120)
        opt = res["exact"][3].objective if res["exact"][3].status == "optimal" else None
        if args.baseline_env is not None:
            base = run_json([sys.executable, __file__, "--dutch-worker", str(k),
                             str(args.repeats), str(args.time_limit), str(args.seed)],
                            timeout=args.time_limit * 2 * args.repeats + 120,
                            env=args.baseline_env)
            for solver in ("exact", "heuristic"):
                if base is None or "error" in base:
                    lines.append(f"| {k} | {solver} ({args.baseline}) | "
                                 f"{base and base.get('error')} | - | - | - | - | - | - | - |")
                    continue
                b = base[solver]
                t_new, cpu_new = res[solver][0], res[solver][2]
                vs = "-" if opt is None else f"{b['objective'] / opt - 1:+.3%}"
                lines.append(
                    f"| {k} | {solver} ({args.baseline}) | {b['t']:.3f} ({b['tmin']:.3f}) | "
                    f"{b['cpu']:.3f} | {b['objective']:.6f} | {vs} | {b['bound']:.6f} | "
                    f"{b['gap']:.2e} | {b['status']} | this change: {b['t'] / t_new:.2f}x "
                    f"wall, {b['cpu'] / cpu_new:.2f}x CPU |")
        for solver, (t, tmin, cpu, r) in res.items():
            if sp and "error" not in sp:
                ratio = sp["total_s"] / t
                same = abs(sp["objective"] - r.objective) <= 1e-6 * abs(r.objective)
                cmp_ = (f"{ratio:.0f}x faster; objective "
                        + ("equal" if same else f"differs by {r.objective - sp['objective']:+.4g}"))
            else:
                cmp_ = "n/a" if sp is None else sp["error"]
            vs = "-" if opt is None else f"{r.objective / opt - 1:+.3%}"
            lines.append(f"| {k} | {solver} | {t:.3f} ({tmin:.3f}) | {cpu:.3f} | "
                         f"{r.objective:.6f} | {vs} | {r.bound:.6f} | {r.gap:.2e} | {r.status} "
                         f"| {cmp_} |")
        if sp and "error" not in sp:
            lines.append(f"| {k} | spopt {sp['version']} PMedian + CBC | "
                         f"{sp['total_s']:.2f} (build "
                         f"{sp['build_s']:.2f}, solve {sp['solve_s']:.2f}; RSS "
                         f"{sp['rss_mb']:.0f} MB) | - | {sp['objective']:.6f} | "
                         + ("-" if opt is None else f"{sp['objective'] / opt - 1:+.3%}")
                         + f" | - | - | {sp['status']} (sol_status {sp['sol_status']}) | - |")
        elif sp:
            lines.append(f"| {k} | spopt PMedian + CBC | - | - | - | - | - | - | {sp['error']} "
                         "| - |")
        print("\n".join(lines[-3:]), flush=True)
    lines += ["", f"Load average at the end of this part: {loadavg()}.", ""]


def _on_groups(groups: int | None) -> str:
    """' on N groups' when the step ran on an aggregated instance (the heuristic's log)."""
    return f" on {groups:,} groups" if groups else ""


def part_scale(args, lines: list[str]) -> None:
    sizes = {1: (1500, 100), 10: (15000, 300), 100: (150000, 1000)}
    lines += ["## 2. Scale: heuristic only", "",
              f"Synthetic clustered instances (float32 cost matrix), k={args.scale_k}, "
              f"time limit {args.scale_time_limit:.0f} s per instance, each run in its own "
              "process. time = wall clock of `p_median(solver=\"heuristic\")` (untraced), "
              "split into "
              "the search (candidate lists, starts, fast interchange) and the "
              "Lagrangian bound (both logged by analysis.locate at DEBUG level; \"on N "
              "groups\": starts or iterations ran on the aggregated instance of N demand "
              "points); the rest is input checks and the result. Peak traced = "
              "numpy/Python allocations during a second, identical call under tracemalloc "
              "(the input matrix is allocated before; CPU traced = that call's CPU: until "
              "2026-12-02 the one timed call was traced); RSS = process peak after the "
              "untraced call. "
              "Load = /proc/loadavg when the instance finished.", "",
              "| scale | n x m | input (MB) | time (s) | CPU (s) | CPU traced (s) | "
              "search (s) / starts | bound (s) / iterations | objective | status | "
              "gap (Lagrangian) | peak traced (MB) | peak RSS (MB) | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    outs, bases = {}, {}
    runs = [(s, "") for s in args.scales]
    if args.baseline_env is not None:  # the previous code first, then this one, per scale
        runs = [r for s in args.scales for r in ((s, args.baseline), (s, ""))]
    for s, code in runs:
        n, m = sizes[s]
        out = run_json([sys.executable, __file__, "--scale-worker", str(n), str(m),
                        str(args.scale_k), str(args.scale_time_limit), str(args.seed)],
                       timeout=args.scale_time_limit * 3 + 300,
                       env=args.baseline_env if code else None)
        label = f"{s}x" + (f" ({code})" if code else "")
        if out is None or "error" in out:
            lines.append(f"| {label} | {n} x {m} | - | - | - | - | - | - | - | "
                         f"{out and out.get('error')} | - | - | - | - |")
        else:
            (bases if code else outs)[s] = out
            lines.append(
                f"| {label} | {n} x {m} | {out['input_mb']:.0f} | {out['solve_s']:.2f} | "
                f"{out['cpu_s']:.2f} | {out['cpu_traced_s']:.2f} | "
                f"{out['search_s']:.2f} / {out['starts']}"
                f"{_on_groups(out.get('search_groups'))} | "
                f"{out['bound_s']:.2f} / {out['bound_iter']}"
                f"{_on_groups(out.get('bound_groups'))} | {out['objective']:.1f} | "
                f"{out['status']} | "
                f"{out['gap']:.2%} | {out['peak_traced_mb']:.0f} | {out['rss_peak_mb']:.0f} | "
                f"{out['loadavg']} |")
        print(lines[-1], flush=True)
    if bases:
        lines += ["", f"This change against {args.baseline} (same run; ratio > 1: "
                  "this change is faster):", "",
                  "| scale | time | CPU | objective | gap | peak RSS |",
                  "|---|---|---|---|---|---|"]
        for s in args.scales:
            if s in bases and s in outs:
                A, B = bases[s], outs[s]
                lines.append(
                    f"| {s}x | {A['solve_s'] / B['solve_s']:.2f}x | "
                    f"{A['cpu_s'] / B['cpu_s']:.2f}x | "
                    f"{B['objective'] / A['objective'] - 1:+.4%} | {A['gap']:.2%} -> "
                    f"{B['gap']:.2%} | {A['rss_peak_mb']:.0f} -> {B['rss_peak_mb']:.0f} MB |")
    steps = [(a, b) for a, b in zip(args.scales, args.scales[1:], strict=False)
             if a in outs and b in outs]
    if steps:
        lines += ["", "Growth between consecutive scales (ratio of the figures above):", "",
                  "| step | n x m | time | CPU | peak traced | peak RSS |",
                  "|---|---|---|---|---|---|"]
        for a, b in steps:
            A, B = outs[a], outs[b]
            lines.append(
                f"| {a}x -> {b}x | {B['n'] * B['m'] / (A['n'] * A['m']):.0f}x | "
                f"{B['solve_s'] / A['solve_s']:.1f}x | {B['cpu_s'] / A['cpu_s']:.1f}x | "
                f"{B['peak_traced_mb'] / A['peak_traced_mb']:.1f}x | "
                f"{B['rss_peak_mb'] / A['rss_peak_mb']:.1f}x |")
    lines.append("")


def part_grid(args, lines: list[str]) -> None:
    n, m = 150000, 1000
    lines += [f"## 3. 100x on seeds {', '.join(map(str, args.grid_seeds))} and k = "
              f"{', '.join(map(str, args.grid_ks))} (heuristic)", "",
              f"`synthetic({n}, {m}, seed=seed, dtype=np.float32)`, one untraced call of "
              f"`p_median(C, w, k=k, solver=\"heuristic\", time_limit="
              f"{args.scale_time_limit:.0f}, seed=seed)` per process"
              + (f", {args.baseline} first, then this code" if args.baseline_env else "")
              + f". Load average at the start: {loadavg()}.", "",
              "| seed | k | code | wall (s) | CPU (s) | objective | bound | gap | "
              "bound iterations / groups | peak RSS (MB) | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    ratios = []
    for seed in args.grid_seeds:
        for k in args.grid_ks:
            got = {}
            for code in ([args.baseline] if args.baseline_env else []) + [""]:
                out = run_json([sys.executable, __file__, "--scale-worker", str(n), str(m),
                                str(k), str(args.scale_time_limit), str(seed), "--untraced"],
                               timeout=args.scale_time_limit * 3 + 300,
                               env=args.baseline_env if code else None)
                label = code or "this"
                if out is None or "error" in out:
                    lines.append(f"| {seed} | {k} | {label} | {out and out.get('error')} "
                                 "| - | - | - | - | - | - | - |")
                else:
                    got[code] = out
                    lines.append(
                        f"| {seed} | {k} | {label} | {out['solve_s']:.2f} | "
                        f"{out['cpu_s']:.2f} | {out['objective']:,.1f} | "
                        f"{out['bound']:,.1f} | {out['gap']:.2%} | {out['bound_iter']}"
                        f"{_on_groups(out.get('bound_groups'))} | "
                        f"{out['rss_peak_mb']:.0f} | {out['loadavg']} |")
                print(lines[-1], flush=True)
            if len(got) == 2:
                A, B = got[args.baseline], got[""]
                ratios.append(f"| {seed} | {k} | {A['cpu_s'] / B['cpu_s']:.2f}x | "
                              f"{A['solve_s'] / B['solve_s']:.2f}x | "
                              f"{B['objective'] / A['objective'] - 1:+.4%} | "
                              f"{A['gap']:.2%} -> {B['gap']:.2%} |")
    if ratios:
        lines += ["", f"This change against {args.baseline} (ratio > 1: this change is "
                  "faster):", "", "| seed | k | CPU | wall | objective | gap |",
                  "|---|---|---|---|---|---|", *ratios]
    lines.append("")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["dutch", "scale", "grid", "all"], default="all",
                    help="all: dutch and scale (grid: 100x on seeds x ks, only by name)")
    ap.add_argument("--grid-seeds", type=lambda s: [int(x) for x in s.split(",")],
                    default=[0, 1, 2])
    ap.add_argument("--grid-ks", type=lambda s: [int(x) for x in s.split(",")],
                    default=[5, 15, 25])
    ap.add_argument("--ks", type=lambda s: [int(x) for x in s.split(",")], default=[15])
    ap.add_argument("--k", type=int, default=15, help=argparse.SUPPRESS)
    ap.add_argument("--time-limit", type=float, default=300.0, help="exact/heuristic, s")
    ap.add_argument("--spopt-time-limit", type=float, default=900.0, help="CBC, s")
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--bench-python", default=str(ROOT / ".venv-bench/bin/python"))
    ap.add_argument("--scales", type=lambda s: [int(x) for x in s.split(",")],
                    default=[1, 10, 100])
    ap.add_argument("--scale-k", type=int, default=15)
    ap.add_argument("--scale-time-limit", type=float, default=180.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5, help="calls per solver in part 1")
    ap.add_argument("--out", default=str(ROOT / "bench/results/locate.md"))
    ap.add_argument("--spopt-worker", metavar="NPZ")
    ap.add_argument("--scale-worker", nargs=5, metavar=("N", "M", "K", "TL", "SEED"))
    ap.add_argument("--untraced", action="store_true", help="scale worker: no traced call")
    ap.add_argument("--dutch-worker", nargs=4, metavar=("K", "REPEATS", "TL", "SEED"))
    ap.add_argument("--baseline", metavar="GIT_REF",
                    help="also time analysis/ of this git ref (e.g. main) in the same run")
    args = ap.parse_args(argv)
    if args.dutch_worker:
        k, reps, tl, seed = args.dutch_worker
        dutch_worker(int(k), int(reps), float(tl), int(seed))
        return
    if args.spopt_worker:
        spopt_worker(args.spopt_worker, args.k, args.spopt_time_limit)
        return
    if args.scale_worker:
        n, m, k, tl, seed = args.scale_worker
        scale_worker(int(n), int(m), int(k), float(tl), int(seed), not args.untraced)
        return
    import numpy
    import scipy

    lines = ["# Benchmark: analysis.locate", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, "
             f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy "
             f"{numpy.__version__}, scipy {scipy.__version__} (milp = HiGHS); load average "
             f"{loadavg()} at the start. Indicative. Command: `"
             + " ".join(["python", "bench/bench_locate.py"]
                        + (argv if argv is not None else sys.argv[1:]))
             + "`", ""]
    with tempfile.TemporaryDirectory() as base_dir:
        args.baseline_env = None if not args.baseline else baseline_env(args.baseline,
                                                                         base_dir)
        if args.baseline:
            lines += [f"Baseline: rows marked ({args.baseline}) run `analysis/` of git "
                      f"{args.baseline} (commit {_git_commit(args.baseline)}) in the same run, "
                      "each in its own process.", ""]
        if args.part in ("dutch", "all"):
            part_dutch(args, lines)
        if args.part in ("scale", "all"):
            part_scale(args, lines)
        if args.part == "grid":
            part_grid(args, lines)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

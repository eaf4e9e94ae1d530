"""Benchmark of the norm (minimum-volume) exact path at every hospital a candidate: the code
of a git revision (``--before``, e.g. ``main``) against this tree's, in the same run.

The planner's case (issue 17): concentrate gastrectomy / oesophagectomy / pancreatic
resection into k centres, every hospital a candidate (``candidate_set="all"``, 1,522 areas
x 114 hospitals, about 173,500 pairs per care type), each type's own SONCOS norm
(``apply_norm``), solver exact, a normal request time limit; single types and the linked
plans (oesophagectomy + gastrectomy, pancreatic + liver resection). Each scenario runs in a
fresh child process (``bench/bench_linked.py --case``, importing the code of the revision
through PYTHONPATH), before and after alternating; the table has wall time, the child's
CPU seconds (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``), status, gap and
objective of each, and the ratio after / before. The load average is recorded before and
after (the machine is shared).

Usage: nice -n 10 .venv/bin/python bench/bench_norms.py [--before main] [--k 5,8,10,15]
       [--time-limit 30] [--out bench/results/norms.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.localdb import PROJECT_ROOT
from app.schemas import ScenarioCreate

LINKED_BENCH = PROJECT_ROOT / "bench" / "bench_linked.py"
SINGLES = ("gastrectomy", "oesophagectomy", "pancreatic-resection")
LINKED = (("oesophagectomy", "gastrectomy"), ("pancreatic-resection", "liver-resection"))


def export_tree(ref: str, into: Path) -> Path:
    """The files of git revision ``ref`` of this repository, under ``into``/tree."""
    archive = into / "tree.tar"
    archive.write_bytes(subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", ref], check=True,
        capture_output=True).stdout)
    tree = into / "tree"
    tree.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(tree)], check=True)
    return tree


def in_child(code_root: Path, req: ScenarioCreate) -> dict[str, Any]:
    """Time ``req`` in a fresh process importing the code under ``code_root``; adds the
    child's CPU seconds."""
    env = dict(os.environ, PYTHONPATH=str(code_root))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, str(code_root / "bench" / "bench_linked.py"),
                          "--case", req.model_dump_json(), "--repeats", "1"],
                         capture_output=True, text=True, env=env, cwd=str(code_root))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:  # e.g. NoSolutionInTime: the answer "no solution"
        last = (out.stderr.strip().splitlines() or ["error"])[-1]
        return {"wall": time.perf_counter() - t0, "status": last.split(":")[0][-40:],
                "gap": None, "objective": None, "cpu": cpu}
    got: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(got["code"]).parent == code_root, got["code"]  # the intended code ran
    got["cpu"] = cpu
    return got


def desc(r: dict[str, Any]) -> str:
    gap = "-" if r["gap"] is None else f"{r['gap']:.1e}"
    obj = "-" if r["objective"] is None else f"{r['objective']:,.0f}"
    return f"{r['wall']:.1f} s, {r['cpu']:.0f} CPU-s, {r['status']}, gap {gap}, obj {obj}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main")
    parser.add_argument("--k", default="5,8,10,15")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--singles", default=",".join(SINGLES))
    parser.add_argument("--linked", default=";".join(",".join(p) for p in LINKED),
                        help="pairs a,b separated by ';' (empty: none)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench/results/norms.md")
    args = parser.parse_args()
    ks = [int(x) for x in args.k.split(",")]
    singles = [s for s in args.singles.split(",") if s]
    linked = [p.split(",") for p in args.linked.split(";") if p]
    common = {"solver": "exact", "candidate_set": "all", "time_limit": args.time_limit,
              "apply_norm": True}
    commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short",
                             args.before], check=True, capture_output=True,
                            text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
                          check=True, capture_output=True, text=True).stdout.strip()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-norms-") as tmp:
        roots = {"before": export_tree(args.before, Path(tmp)), "after": PROJECT_ROOT}
        for k in ks:
            reqs = [(t, ScenarioCreate(care_type=t, centres=k, **common)) for t in singles]
            reqs += [(f"{a} + {b} linked", ScenarioCreate(care_types=[a, b], centres=k,
                                                          **common)) for a, b in linked]
            for name, req in reqs:
                got = {v: in_child(root, req) for v, root in roots.items()}
                rows.append((k, name, got))
                print(f"k={k} {name}: " + "; ".join(f"{v} {desc(r)}" for v, r in got.items()),
                      flush=True)
    load_after = os.getloadavg()
    lines = [
        "# Norm exact path at every hospital a candidate (`bench/bench_norms.py`)", "",
        f"Command: `nice -n 10 .venv/bin/python bench/bench_norms.py --before {args.before} "
        f"--k {args.k} --time-limit {args.time_limit:g}`", "",
        f"Dutch seed instance (1,522 areas x 114 hospitals), every hospital a candidate, each "
        f"type's own norm (apply_norm: 20 a year for each of these), solver exact, time limit "
        f"{args.time_limit:g} s; one run of `run_scenario` per cell, each in a fresh process "
        f"(wall includes the evaluation, not the snapshot read; CPU-s = the child's user + "
        f"system time, snapshot read and imports included). before = `{args.before}` "
        f"({commit}), after = this tree ({head}), alternating.", "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f} (2 cores shared with other engineers).", "",
        "| k | plan | before | after | wall after / before | gap before -> after |",
        "|---|---|---|---|---|---|",
    ]
    for k, name, got in rows:
        b, a = got["before"], got["after"]
        gaps = " -> ".join("-" if r["gap"] is None else f"{r['gap']:.1e}" for r in (b, a))
        lines.append(f"| {k} | {name} | {desc(b)} | {desc(a)} | {a['wall'] / b['wall']:.2f}x "
                     f"| {gaps} |")
    lines.append("")
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

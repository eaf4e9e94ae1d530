"""Benchmark of a linked two-type plan (app.services.linked) against each single-type plan,
on the Dutch instance, in one run.

k = 15, solver exact, every hospital a candidate (``--candidates all``: today's providers of
the two types have fewer than 15 hospitals in common), the whole country. For each pair of
care types three scenarios are timed, each ``--repeats`` times (the median is reported):
care type A alone, care type B alone, and the linked plan A + B; first without norms (the
linked plan is then one p-median on the summed demand), then with each type's own norm
(``apply_norm``: the linked MILP with shared open flags against each type's single-type
norm MILP). Wall time of ``run_scenario`` (read snapshot excluded, evaluation included)
and the solver's own runtime, status and gap; the ratio linked / slower single type.
The Dutch instance is the seed folder read without a database
(app.repository.snapshot.snapshot_from_folder).

``--before REF`` (e.g. ``main``) times every scenario twice in the same run: once with the
code of the git revision REF (``git archive`` into a temporary folder, imported through
PYTHONPATH) and once with this tree's, each in a fresh child process (a HiGHS call that a
time limit abandoned keeps running in its process; a fresh process per scenario keeps it
from slowing the next one), alternating before/after; the table then has both and the
ratio after / before (the norm MILPs' warm start is what differs, issue 15).

Usage: .venv/bin/python bench/bench_linked.py [--pair oesophagectomy,gastrectomy]
       [--k 15] [--repeats 3] [--time-limit 300] [--out bench/results/linked.md]
       [--before main] [--case JSON]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from app.localdb import PROJECT_ROOT
from app.repository.snapshot import snapshot_from_folder
from app.schemas import ScenarioCreate, ScenarioPublic
from app.services.scenarios import run_scenario


def timed(snap, req: ScenarioCreate, repeats: int) -> tuple[float, ScenarioPublic]:
    walls, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = run_scenario(snap, req)
        walls.append(time.perf_counter() - t)
    assert result is not None
    return statistics.median(walls), result


def run_case(body: str, repeats: int) -> None:
    """Child mode: time one scenario (a ScenarioCreate as JSON), print the figures as JSON."""
    import analysis

    snap = snapshot_from_folder()
    wall, s = timed(snap, ScenarioCreate.model_validate_json(body), repeats)
    h = s.headline
    print(json.dumps({"wall": wall, "status": h.status, "gap": h.gap, "runtime": h.runtime_s,
                      "objective": h.objective, "code": str(Path(analysis.__file__).parent)}))


def export_tree(ref: str, into: Path) -> None:
    """The files of git revision ``ref`` of this repository, written under ``into``."""
    archive = subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", ref],
                             check=True, capture_output=True).stdout
    tar_path = into / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into / "tree", filter="data")


def in_child(code_root: Path, req: ScenarioCreate, repeats: int) -> dict[str, Any]:
    """Time ``req`` in a fresh process importing the code under ``code_root``."""
    env = dict(os.environ, PYTHONPATH=str(code_root))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--case",
                          req.model_dump_json(), "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True, env=env,
                         cwd=str(code_root))
    got: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(got["code"]).parent == code_root, got["code"]  # the intended code ran
    return got


def desc_child(r: dict[str, Any]) -> str:
    gap = "-" if r["gap"] is None else f"{r['gap']:.1e}"
    return f"{r['wall']:.1f} s ({r['status']}, gap {gap})"


def main_before(args: argparse.Namespace, pairs: list[list[str]], modes: list[bool]) -> None:
    """Before (``--before REF``) against after (this tree), alternating, one child each."""
    with tempfile.TemporaryDirectory(prefix="bench-linked-") as tmp:
        export_tree(args.before, Path(tmp))
        roots = {"before": Path(tmp) / "tree", "after": PROJECT_ROOT}
        commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short",
                                 args.before], check=True, capture_output=True,
                                text=True).stdout.strip()
        load_before = os.getloadavg()
        common = {"centres": args.k, "solver": "exact", "candidate_set": args.candidates,
                  "time_limit": args.time_limit}
        rows = []
        for a, b in pairs:
            for norm in modes:
                reqs = {a: ScenarioCreate(care_type=a, apply_norm=norm, **common),
                        b: ScenarioCreate(care_type=b, apply_norm=norm, **common),
                        "linked": ScenarioCreate(care_types=[a, b], apply_norm=norm,
                                                 **common)}
                got: dict[str, dict[str, dict[str, Any]]] = {}
                for name, req in reqs.items():
                    got[name] = {v: in_child(root, req, args.repeats)
                                 for v, root in roots.items()}
                    print(f"{name} norm={norm}: " + ", ".join(
                        f"{v} {desc_child(r)}" for v, r in got[name].items()), flush=True)
                rows.append((a, b, norm, got))
        load_after = os.getloadavg()
    lines = [
        *([] if args.append else ["# Linked plan benchmark (`bench/bench_linked.py`)", ""]),
        f"## Run: warm start, before ({args.before} = {commit}) and after in the same run: "
        f"k = {args.k}, norms {args.modes}, candidates '{args.candidates}'", "",
        "Command: `nice -n 10 .venv/bin/python bench/bench_linked.py "
        + " ".join(f"--pair {a},{b}" for a, b in pairs)
        + f" --k {args.k} --candidates {args.candidates} --modes {args.modes} --repeats "
        f"{args.repeats} --time-limit {args.time_limit:g} --before {args.before}"
        + (" --append" if args.append else "") + "`", "",
        f"Dutch seed instance, k = {args.k}, solver exact, candidates '{args.candidates}', "
        f"the whole country, time limit {args.time_limit:g} s; wall time of `run_scenario` "
        f"(median of {args.repeats}), each scenario in a fresh process, before and after "
        "alternating. before = the code of "
        f"`{args.before}` ({commit}): the norm MILPs on scipy.optimize.milp, no start; after "
        "= this tree: the same MILPs on highspy with the heuristic's plan as the MIP start "
        "(`Highs.setSolution`).", "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f} (2 cores shared with other engineers).", "",
        "| care types | norms | plan | before | after | after / before |",
        "|---|---|---|---|---|---|",
    ]
    for a, b, norm, got in rows:
        for name in (a, b, "linked"):
            r0, r1 = got[name]["before"], got[name]["after"]
            plan = f"{a} + {b} linked" if name == "linked" else f"{name} alone"
            lines.append(f"| {a} + {b} | {'own' if norm else 'none'} | {plan} | "
                         f"{desc_child(r0)} | {desc_child(r1)} | "
                         f"{r1['wall'] / r0['wall']:.2f}x |")
        for v in ("before", "after"):
            slower = max(got[a][v]["wall"], got[b][v]["wall"])
            lines.append(f"| {a} + {b} | {'own' if norm else 'none'} | ratio linked / "
                         f"slower single ({v}) | | | {got['linked'][v]['wall'] / slower:.2f}x |")
    lines.append("")
    text = "\n".join(lines)
    if args.append and args.out.exists():
        text = args.out.read_text().rstrip("\n") + "\n\n" + text
    args.out.write_text(text)
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", action="append",
                        help="two care type ids separated by a comma (repeat for more pairs)")
    parser.add_argument("--k", type=int, default=15)
    parser.add_argument("--candidates", default="all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--modes", default="none,own",
                        help="none: without norms; own: each type's own norm (apply_norm)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench/results/linked.md")
    parser.add_argument("--append", action="store_true",
                        help="append this run's section to --out instead of replacing it")
    parser.add_argument("--before", metavar="REF",
                        help="also time the code of git revision REF (e.g. main), alternating")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # child mode: one ScenarioCreate
    args = parser.parse_args()
    if args.case is not None:
        run_case(args.case, args.repeats)
        return
    modes = [m.strip() == "own" for m in args.modes.split(",")]
    pairs = [p.split(",") for p in (args.pair or ["oesophagectomy,gastrectomy",
                                                  "pancreatic-resection,liver-resection"])]
    if args.before is not None:
        main_before(args, pairs, modes)
        return
    snap = snapshot_from_folder()
    load_before = os.getloadavg()
    common = {"centres": args.k, "solver": "exact", "candidate_set": args.candidates,
              "time_limit": args.time_limit}
    rows = []
    for a, b in pairs:
        for norm in modes:
            singles = {}
            for t in (a, b):
                singles[t] = timed(snap, ScenarioCreate(care_type=t, apply_norm=norm,
                                                        **common), args.repeats)
            linked = timed(snap, ScenarioCreate(care_types=[a, b], apply_norm=norm, **common),
                           args.repeats)
            slower = max(w for w, _ in singles.values())
            rows.append((a, b, norm, singles, linked, slower))
            print(f"{a}+{b} norm={norm}: singles "
                  + ", ".join(f"{t} {w:.2f} s" for t, (w, _) in singles.items())
                  + f"; linked {linked[0]:.2f} s = {linked[0] / slower:.2f}x the slower",
                  flush=True)
    load_after = os.getloadavg()

    def desc(s: ScenarioPublic) -> str:
        h = s.headline
        gap = "-" if h.gap is None else f"{h.gap:.1e}"
        return f"{h.status}, gap {gap}, solver {h.runtime_s:.2f} s"

    lines = [
        *([] if args.append else ["# Linked plan benchmark (`bench/bench_linked.py`)", ""]),
        f"## Run: k = {args.k}, norms {args.modes}", "",
        "Command: `nice -n 10 .venv/bin/python bench/bench_linked.py "
        + " ".join(f"--pair {a},{b}" for a, b in pairs)
        + f" --k {args.k} --modes {args.modes} --repeats {args.repeats} "
        f"--time-limit {args.time_limit:g}" + (" --append" if args.append else "") + "`", "",
        f"Dutch seed instance ({len(snap.areas):,} areas x {len(snap.hospitals)} hospitals), "
        f"k = {args.k}, solver exact, candidates '{args.candidates}', the whole country; "
        f"median wall time of `run_scenario` over {args.repeats} runs (evaluation included, "
        "snapshot read excluded). Ratio = linked / the slower single-type plan (target "
        "<= 2).", "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f} (2 cores shared with other engineers).", "",
        "| care types | norms | A alone | B alone | linked A + B | ratio | linked status |",
        "|---|---|---|---|---|---|---|",
    ]
    for a, b, norm, singles, (lw, ls), slower in rows:
        (aw, asc), (bw, bsc) = singles[a], singles[b]
        lines.append(
            f"| {a} + {b} | {'own (20 + 20)' if norm else 'none'} | {aw:.2f} s ({desc(asc)}) "
            f"| {bw:.2f} s ({desc(bsc)}) | {lw:.2f} s | {lw / slower:.2f}x | {desc(ls)} |")
    lines += [
        "", "Without norms the linked plan is one p-median on the summed demand (the same "
        "engine and matrix as a single type), so its time is that of one single-type plan "
        "plus the per-type evaluation. With norms it is the MILP with shared open flags and "
        "one assignment block per care type (twice the assignment variables of one type), "
        "after the LP-priced swap heuristic.", ""]
    text = "\n".join(lines)
    if args.append and args.out.exists():
        text = args.out.read_text().rstrip("\n") + "\n\n" + text
    args.out.write_text(text)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

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

Usage: .venv/bin/python bench/bench_linked.py [--pair oesophagectomy,gastrectomy]
       [--k 15] [--repeats 3] [--time-limit 300] [--out bench/results/linked.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

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
    args = parser.parse_args()
    modes = [m.strip() == "own" for m in args.modes.split(",")]
    pairs = [p.split(",") for p in (args.pair or ["oesophagectomy,gastrectomy",
                                                  "pancreatic-resection,liver-resection"])]
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

"""Render cost of the maps with labels placed off other markers and the title kept clear of
the legend (``app.plots._place_labels``, ``_title_beside_legend``) against a baseline
checkout, in one run, interleaved.

Each measurement is one child process that imports ``app.plots`` from the checkout given
(``PYTHONPATH``), renders the oesophagectomy providers' survival map (the seed's providers,
kept in ``i mod 7`` of 6 plans: five classes, some named) and a scenario map (six open
centres, areas allocated to the nearest) ``--repeats`` times per format, and prints the
process CPU seconds per render. Children alternate baseline / change ``--rounds`` times;
the table has the median per render and the ratio change / baseline.

    PYTHONPATH=$PWD python bench/bench_map_labels.py --baseline /tmp/sweepfix_base
        --rounds 5 --out bench/results/pictures.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r'''
import csv, json, math, sys, time
from app import plots
seed = sys.argv[1]
H = [dict(r, lat=float(r["lat"]), lon=float(r["lon"]))
     for r in csv.DictReader(open(f"{seed}/hospitals.csv"))]
A = [dict(r, lat=float(r["lat"]), lon=float(r["lon"]), population=float(r["population"]))
     for r in csv.DictReader(open(f"{seed}/areas.csv"))]
providers = sorted({p["hospital"] for p in csv.DictReader(open(f"{seed}/provision.csv"))
                    if p["care_type"] == "oesophagectomy"})
keeps = {h: (i % 7, 6) for i, h in enumerate(providers)}
by = {h["id"]: h for h in H}
open_ids = providers[:6]
alloc = {a["id"]: min(open_ids, key=lambda h: math.hypot(by[h]["lat"] - a["lat"],
                                                         by[h]["lon"] - a["lon"]))
         for a in A}
out = {}
for fmt in ("svg", "png"):
    for name, call in (
            ("survival map", lambda: plots.provider_survival_map(
                H, A, keeps, fmt=fmt, title="oesophagectomy+gastrectomy: p_median k=5..7 x 2 "
                "norm(s)", subtitle="16 providers today")),
            ("scenario map", lambda: plots.scenario_map(
                H, A, alloc, open_ids=open_ids, fmt=fmt, title="oesophagectomy: p_median k=6",
                subtitle="bench"))):
        call()  # warm: fonts, outline, caches
        times = []
        for _ in range(int(sys.argv[2])):
            t = time.process_time()
            call()
            times.append(time.process_time() - t)
        out[f"{name} {fmt}"] = min(times)
print(json.dumps(out))
'''


def child(repo: Path, seed: Path, repeats: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(repo), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", CHILD, str(seed), str(repeats)], env=env,
                          capture_output=True, text=True, check=True, timeout=600)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="checkout of the baseline")
    ap.add_argument("--change", type=Path, default=Path.cwd(), help="checkout of the change")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    seed = args.change / "graph" / "seed"
    runs: dict[str, dict[str, list[float]]] = {"baseline": {}, "change": {}}
    for _ in range(args.rounds):
        for side, repo in (("baseline", args.baseline), ("change", args.change)):
            for key, value in child(repo, seed, args.repeats).items():
                runs[side].setdefault(key, []).append(value)
    rows = ["| render | baseline CPU-s | change CPU-s | change / baseline |", "|---|---|---|---|"]
    for key in runs["baseline"]:
        b, c = statistics.median(runs["baseline"][key]), statistics.median(runs["change"][key])
        rows.append(f"| {key} | {b:.3f} | {c:.3f} | {c / b:.2f} |")
    text = "\n".join(rows)
    print(text)
    if args.out:
        with args.out.open("a") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()

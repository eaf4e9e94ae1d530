"""Write the worked example examples/noord-synthetic/: SYNTHETIC demand and patient flows.

Not registry data. For the residents of one oncology region (default: Noord) and one care
type (default: oesophagectomy) it draws
- demand per area: the expected patients per year, population x the national rate (as the
  modelled default does), written to demand.csv;
- observed flows: over ``--years`` years, Poisson(years x demand) patients per area, each
  choosing a provider by a conditional logit with the coefficients in truth.json, written to
  flows.csv.
The choice features are computed by the application's own code from the seed folder
(:func:`app.services.scenarios.choice_features`), so an estimate on these flows should recover
truth.json within its standard errors. Seeded: the same command writes the same files.

Usage: python scripts/make_example_flows.py [--region noord] [--care-type oesophagectomy]
       [--years 5] [--seed 2026] [--out examples/noord-synthetic]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from analysis.choice import ChoiceParams, choice_shares
from app.localdb import PROJECT_ROOT
from app.repository.snapshot import snapshot_from_folder
from app.services.scenarios import choice_features

#: SYNTHETIC coefficients (chosen for the example, not estimated from any data).
TRUTH = {"beta_time": -0.05, "beta_volume": 0.5, "beta_region": 0.8, "beta_network": 0.0}
FEATURES = ["minutes", "log_volume", "same_region"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--region", default="noord")
    ap.add_argument("--care-type", default="oesophagectomy")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "examples" / "noord-synthetic")
    args = ap.parse_args()
    snap = snapshot_from_folder()
    care = args.care_type
    feats = choice_features(snap, care)
    rows = [i for i, g in enumerate(snap.area_region) if g == args.region]
    providers = sorted(snap.hospital_index[h] for h in snap.providers[care])
    demand, _ = snap.demand_for(care)
    params = ChoiceParams(**TRUTH)
    P = choice_shares(params.utility(feats.rows(rows)), providers)
    rng = np.random.default_rng(args.seed)
    label = (f"SYNTHETIC example (scripts/make_example_flows.py --seed {args.seed}): not "
             "registry data")
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "demand.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area", "care_type", "patients", "year", "source", "confidence"])
        for i in rows:
            w.writerow([snap.area_ids[i], care, f"{demand[i]:.4f}", "",
                        f"{label}; population x national rate", "modelled"])
    with open(args.out / "flows.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area", "hospital", "care_type", "patients", "year", "source",
                    "confidence"])
        for r, i in enumerate(rows):
            n = rng.poisson(args.years * demand[i])
            if n == 0:
                continue
            counts = rng.multinomial(n, P[r] / P[r].sum())
            for j in np.flatnonzero(counts):
                w.writerow([snap.area_ids[i], snap.hospital_ids[j], care, int(counts[j]), "",
                            f"{label}; {args.years} years pooled, logit truth.json",
                            "modelled"])
    (args.out / "truth.json").write_text(json.dumps(
        {"care_type": care, "region": args.region, "years": args.years, "seed": args.seed,
         "features": FEATURES, "params": TRUTH,
         "note": "SYNTHETIC coefficients chosen for the example, not a finding"},
        indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}/demand.csv, flows.csv, truth.json")


if __name__ == "__main__":
    main()

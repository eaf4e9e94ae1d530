"""Step 4 of the seed build: consistency checks and a confidence table.

First the seed goes through the loader's own validation (:func:`app.loader.read_directory`:
columns and types, ``source`` and ``confidence`` on every row, allowed values, unique ids and
keys, references between the files, coordinates inside the Netherlands, every region with a
hospital), so the seed is checked exactly as ``oncoregio load`` will check it. Then the checks
that only the seed promises: each file's exact header, no empty value outside the optional norm
columns, known provinces, norm columns all or none, provision volumes that add up to the
national annual cases of each care type, and every region, network and care type in use. Then
prints, per file, how many rows are found, recalled or modelled (the table in
``graph/seed/README.md``).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from app.loader import LoadError, read_directory

from . import SEED_DIR, read_csv

HEADERS = {
    "regions.csv": "id,name,lead_organisation,source,confidence",
    "hospitals.csv": "id,name,organisation,city,province,lat,lon,kind,region,source,confidence",
    "networks.csv": "id,name,scope,source,confidence",
    "network_members.csv": "network,hospital,role,source,confidence",
    "network_regions.csv": "network,region,source,confidence",
    "care_types.csv": (
        "id,name,tumour,modality,level,min_volume,norm_year,norm_source,annual_cases,"
        "cases_source,confidence"
    ),
    "network_care_types.csv": "network,care_type,source,confidence",
    "provision.csv": "hospital,care_type,volume,year,source,confidence",
    "areas.csv": "id,name,population,lat,lon,province,region,source,confidence",
}
CONFIDENCES = ("found", "recalled", "modelled")
OPTIONAL = {"min_volume", "norm_year", "norm_source"}  # empty when a care type has no norm
PROVINCES = {
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
}


def loader_problems(seed_dir: Path) -> list[str]:
    """What :func:`app.loader.read_directory` finds wrong with ``seed_dir`` (file:line: field:
    message), empty when the loader accepts it."""
    try:
        read_directory(seed_dir)
    except LoadError as e:
        return [str(p) for p in e.problems]
    return []


def read_all(seed_dir: Path) -> tuple[dict[str, list[dict[str, str]]], list[str]]:
    """All seed files as rows, and the errors of the seed's own row-level checks (exact
    header, no empty value outside the optional norm columns)."""
    tables: dict[str, list[dict[str, str]]] = {}
    errors: list[str] = []
    for name, header in HEADERS.items():
        with (seed_dir / name).open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
        tables[name] = rows
        if ",".join(reader.fieldnames or []) != header:
            errors.append(f"{name} header {reader.fieldnames}")
        for i, row in enumerate(rows):
            for k, v in row.items():
                if k is not None and (v is None or (k not in OPTIONAL and v == "")):
                    errors.append(f"{name}:{i} empty {k}")
    return tables, errors


def check(seed_dir: Path = SEED_DIR) -> list[str]:
    """All consistency errors of the seed files in ``seed_dir``: the loader's first (the
    seed's own checks need rows the loader accepts), else the seed-specific ones."""
    problems = loader_problems(seed_dir)
    if problems:
        return problems
    t, errors = read_all(seed_dir)
    regions = {x["id"] for x in t["regions.csv"]}
    networks = {x["id"] for x in t["networks.csv"]}

    for x in t["hospitals.csv"] + t["areas.csv"]:
        if x["province"] not in PROVINCES:
            errors.append(f"province {x['id']} {x['province']}")
    for c in t["care_types.csv"]:
        if len({c[k] == "" for k in OPTIONAL}) > 1:
            errors.append(f"norm columns {c['id']}: min_volume, norm_year, norm_source all or none")

    volume: defaultdict[str, int] = defaultdict(int)
    n_providers: Counter[str] = Counter()
    for p in t["provision.csv"]:
        volume[p["care_type"]] += int(p["volume"])
        n_providers[p["care_type"]] += 1
    for c in t["care_types.csv"]:
        annual = int(c["annual_cases"])
        if n_providers[c["id"]] == 0:
            errors.append(f"no provider {c['id']}")
        if abs(volume[c["id"]] - annual) > max(2, 0.01 * annual):
            errors.append(f"volume sum {c['id']} {volume[c['id']]} vs {annual}")

    networks_per_region = Counter(x["region"] for x in t["network_regions.csv"])
    for r in regions:
        if networks_per_region[r] < 1:
            errors.append(f"region {r}: no network")
    for network in networks:
        if not any(x["network"] == network for x in t["network_members.csv"]):
            errors.append(f"network without members {network}")
        if not any(x["network"] == network for x in t["network_regions.csv"]):
            errors.append(f"network without region {network}")
    return errors


def confidence_table(seed_dir: Path = SEED_DIR) -> str:
    """Markdown table: rows per file and how many of them are found, recalled or modelled."""
    lines = ["| file | rows | found | recalled | modelled |", "| --- | ---: | ---: | ---: | ---: |"]
    total: Counter[str] = Counter()
    n_total = 0
    # Same file order as the table in graph/seed/README.md.
    for name in (
        "regions.csv",
        "hospitals.csv",
        "networks.csv",
        "network_members.csv",
        "network_regions.csv",
        "care_types.csv",
        "network_care_types.csv",
        "provision.csv",
        "areas.csv",
    ):
        counts = Counter(r["confidence"] for r in read_csv(seed_dir, name))
        n = sum(counts.values())
        total += counts
        n_total += n
        cells = " | ".join(f"{counts[k]} ({100 * counts[k] / n:.0f} %)" for k in CONFIDENCES)
        lines.append(f"| `{name}` | {n} | {cells} |")
    cells = " | ".join(f"{total[k]} ({100 * total[k] / n_total:.0f} %)" for k in CONFIDENCES)
    lines.append(f"| **all** | {n_total} | {cells} |")
    return "\n".join(lines)


def main(seed_dir: Path = SEED_DIR) -> int:
    """Print the errors, a short summary and the confidence table; return the error count."""
    errors = check(seed_dir)
    print("errors:", len(errors))
    for e in errors[:30]:
        print(" ", e)
    hospitals = read_csv(seed_dir, "hospitals.csv")
    population = sum(int(a["population"]) for a in read_csv(seed_dir, "areas.csv"))
    print("hospitals per region", dict(sorted(Counter(h["region"] for h in hospitals).items())))
    print("hospital kinds", dict(Counter(h["kind"] for h in hospitals)))
    print("organisations", len({h["organisation"] for h in hospitals}))
    print("areas population", population)
    print(confidence_table(seed_dir))
    return len(errors)

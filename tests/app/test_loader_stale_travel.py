"""An update that moves an area or a hospital drops its imported travel pairs (real Neo4j).

Oracle: the pairs are counted by hand from the files; the pairs that lose their import fall back
to exactly the modelled matrix (``analysis.travel.travel_time_matrix`` on the new coordinates).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.travel import travel_time_matrix
from app.loader import load_directory
from app.repository.snapshot import read_snapshot
from tests.app.test_loader import tiny_dataset, write_csv

SRC = ["test", "found"]
AREA_HEADER = ["id", "name", "population", "lat", "lon", "province", "region", "source",
               "confidence"]
HOSPITAL_HEADER = ["id", "name", "organisation", "city", "province", "lat", "lon", "kind",
                   "region", "source", "confidence"]
TRAVEL_HEADER = ["area", "hospital", "minutes", "km", "source", "confidence"]


def travel(driver) -> dict[tuple[str, str], float]:
    records, _, _ = driver.execute_query(
        "MATCH (a:Area)-[t:TRAVEL]->(h:Hospital) RETURN a.id AS a, h.id AS h, t.minutes AS m")
    return {(r["a"], r["h"]): r["m"] for r in records}


def update(driver, d: Path, files: dict[str, tuple[list[str], list[list]]]):
    d.mkdir()
    for name, (header, rows) in files.items():
        write_csv(d / name, header, rows)
    return load_directory(driver, "neo4j", d, mode="update")


def test_moved_places_lose_their_imported_travel(empty_db, tmp_path):
    load_directory(empty_db, "neo4j", tiny_dataset(tmp_path / "mine"))
    a1 = ["a1", "Place", 5000, 52.1, 5.2, "Utrecht", "r1", *SRC]
    a2 = ["a2", "Other", 3000, 52.3, 5.6, "Utrecht", "r1", *SRC]
    pairs = [["a1", "h1", 11.0, 9.0], ["a1", "h2", 70.0, 80.0], ["a2", "h1", 33.0, 30.0],
             ["a2", "h2", 44.0, 50.0]]
    first = update(empty_db, tmp_path / "u1", {
        "areas.csv": (AREA_HEADER, [a1, a2]),
        "travel_times.csv": (TRAVEL_HEADER, [[*p, "GraphHopper", "found"] for p in pairs])})
    assert first.stale_travel == 0 and len(travel(empty_db)) == 4

    # h2 moves: its two pairs go, h1's stay; the report says so
    moved_h2 = ["h2", "H two", "Org2", "Zwolle", "Overijssel", 52.60, 6.20, "general", "r1", *SRC]
    summary = update(empty_db, tmp_path / "u2", {"hospitals.csv": (HOSPITAL_HEADER, [
        ["h1", "H one", "Org", "Utrecht", "Utrecht", 52.09, 5.12, "umc", "r1", *SRC], moved_h2])})
    assert summary.stale_travel == 2
    assert "dropped 2 imported travel pair(s) of moved areas or hospitals" in summary.describe()
    assert travel(empty_db) == {("a1", "h1"): 11.0, ("a2", "h1"): 33.0}
    snap = read_snapshot(empty_db, "neo4j")
    modelled = travel_time_matrix(*snap._coords())
    j = snap.hospital_ids.index("h2")
    for area in ("a1", "a2"):
        i = snap.area_ids.index(area)
        assert snap.minutes[i, j] == pytest.approx(modelled[i, j])
    assert snap.minutes[snap.area_ids.index("a1"), snap.hospital_ids.index("h1")] == 11.0

    # a2 moves; a1 is written again with the same coordinates and keeps its pair
    summary = update(empty_db, tmp_path / "u3", {"areas.csv": (AREA_HEADER, [
        a1, ["a2", "Other", 3000, 52.31, 5.6, "Utrecht", "r1", *SRC]])})
    assert summary.stale_travel == 1
    assert travel(empty_db) == {("a1", "h1"): 11.0}

    # a1 moves together with a new travel file for it: the new pair is kept, nothing is stale
    summary = update(empty_db, tmp_path / "u4", {
        "areas.csv": (AREA_HEADER, [["a1", "Place", 5000, 52.12, 5.2, "Utrecht", "r1", *SRC]]),
        "travel_times.csv": (TRAVEL_HEADER, [["a1", "h1", 12.5, 10.0, "GraphHopper", "found"]])})
    assert summary.stale_travel == 0 and "dropped" not in summary.describe()
    assert travel(empty_db) == {("a1", "h1"): 12.5}

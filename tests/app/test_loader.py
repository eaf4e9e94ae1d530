"""Seed loading against a real Neo4j: counts, idempotence, every bad-input class, rollback."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from neo4j.exceptions import ConstraintError

from app.loader import SEED_DIR, LoadError, load_directory

FINGERPRINT = """
MATCH (n)
WITH n ORDER BY labels(n)[0], n.id
WITH collect(labels(n)[0] + ':' + coalesce(n.id, '') + ':' + toString(size(keys(n)))) AS nodes
OPTIONAL MATCH (a)-[r]->(b)
WITH nodes, r, a, b ORDER BY type(r), a.id, b.id
RETURN nodes, collect(type(r) + ':' + a.id + '>' + b.id + ':' +
       toString(coalesce(r.volume, r.minutes, ''))) AS rels
"""


def fingerprint(driver) -> str:
    records, _, _ = driver.execute_query(FINGERPRINT)
    data = repr((records[0]["nodes"], records[0]["rels"])).encode()
    return hashlib.sha256(data).hexdigest()


def csv_rows(name: str, directory: Path = SEED_DIR) -> list[dict[str, str]]:
    with open(directory / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def count(driver, query: str) -> int:
    records, _, _ = driver.execute_query(query)
    return records[0][0]


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def rewrite(path: Path, edit) -> None:
    """Apply ``edit(rows)`` to a CSV file (list of dicts, header kept)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    header, rows = edit(header, rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def test_load_counts_equal_the_files(empty_db):
    load_directory(empty_db, "neo4j")
    files = {n: csv_rows(n) for n in ("regions.csv", "hospitals.csv", "networks.csv",
                                       "care_types.csv", "areas.csv", "network_members.csv",
                                       "network_regions.csv", "network_care_types.csv",
                                       "provision.csv")}
    for label, name in (("Region", "regions.csv"), ("Hospital", "hospitals.csv"),
                        ("Network", "networks.csv"), ("CareType", "care_types.csv"),
                        ("Area", "areas.csv")):
        assert count(empty_db, f"MATCH (n:{label}) RETURN count(n)") == len(files[name])
    assert count(empty_db, "MATCH (:Hospital)-[r:IN_REGION]->(:Region) RETURN count(r)") == \
        len(files["hospitals.csv"])
    assert count(empty_db, "MATCH (:Area)-[r:IN_REGION]->(:Region) RETURN count(r)") == \
        len(files["areas.csv"])
    for rel, name in (("MEMBER_OF", "network_members.csv"), ("COVERS", "network_regions.csv"),
                      ("FOR", "network_care_types.csv"), ("PROVIDES", "provision.csv")):
        assert count(empty_db, f"MATCH ()-[r:{rel}]->() RETURN count(r)") == len(files[name])
    # a spot check of values against the file, not against the loader
    row = files["hospitals.csv"][0]
    records, _, _ = empty_db.execute_query(
        "MATCH (h:Hospital {id: $id})-[:IN_REGION]->(g) RETURN h.lat AS lat, h.kind AS kind, "
        "g.id AS region, labels(h) AS labels", id=row["id"])
    assert records[0]["lat"] == pytest.approx(float(row["lat"]))
    assert records[0]["region"] == row["region"] and records[0]["kind"] == row["kind"]
    assert len(records[0]["labels"]) == 2  # Hospital + its kind label for Browser styling


def test_second_load_changes_nothing(empty_db):
    load_directory(empty_db, "neo4j")
    first = fingerprint(empty_db)
    load_directory(empty_db, "neo4j")
    assert fingerprint(empty_db) == first
    load_directory(empty_db, "neo4j", mode="update")
    assert fingerprint(empty_db) == first


BAD_INPUTS = {
    "missing column": ("hospitals.csv",
                       lambda h, rows: ([c for c in h if c != "lat"],
                                        [{k: v for k, v in r.items() if k != "lat"}
                                         for r in rows]),
                       "hospitals.csv:1: lat: required column is missing"),
    "bad number": ("areas.csv",
                   lambda h, rows: (h, [dict(r, population="12a") if i == 4 else r
                                        for i, r in enumerate(rows)]),
                   "areas.csv:6: population"),
    "duplicate id": ("hospitals.csv",
                     lambda h, rows: (h, rows + [rows[0]]),
                     "duplicate"),
    "unknown reference": ("provision.csv",
                          lambda h, rows: (h, [dict(r, care_type="no-such-care")
                                               if i == 2 else r for i, r in enumerate(rows)]),
                          "provision.csv:4: care_type: unknown care_types id 'no-such-care'"),
    "outside the Netherlands": ("hospitals.csv",
                                lambda h, rows: (h, [dict(r, lat="48.85", lon="2.35")
                                                     if i == 0 else r
                                                     for i, r in enumerate(rows)]),
                                "hospitals.csv:2: lat: Value error, latitude 48.85 is outside"),
    "negative count": ("care_types.csv",
                       lambda h, rows: (h, [dict(r, annual_cases="-5") if i == 1 else r
                                            for i, r in enumerate(rows)]),
                       "care_types.csv:3: annual_cases"),
    "hospital without region": ("hospitals.csv",
                                lambda h, rows: (h, [dict(r, region="") if i == 3 else r
                                                     for i, r in enumerate(rows)]),
                                "hospitals.csv:5: region: Field required"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_leaves_database_unchanged(empty_db, seed_copy, case):
    load_directory(empty_db, "neo4j")
    before = fingerprint(empty_db)
    name, edit, expected = BAD_INPUTS[case]
    rewrite(seed_copy / name, edit)
    with pytest.raises(LoadError) as info:
        load_directory(empty_db, "neo4j", seed_copy)
    assert expected in str(info.value)
    assert "nothing was written" in str(info.value)
    assert fingerprint(empty_db) == before


def test_non_utf8_file_is_named(empty_db, seed_copy):
    load_directory(empty_db, "neo4j")
    before = fingerprint(empty_db)
    path = seed_copy / "regions.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b",", "\u00eb,".encode("latin-1"), 1)  # latin-1 ë
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(LoadError, match=r"regions.csv:3: not UTF-8"):
        load_directory(empty_db, "neo4j", seed_copy)
    assert fingerprint(empty_db) == before


def test_all_errors_are_reported_at_once(seed_copy, empty_db):
    rewrite(seed_copy / "areas.csv", lambda h, rows: (h, [
        dict(r, population="-1") if i == 0 else dict(r, lon="9.5") if i == 1 else r
        for i, r in enumerate(rows)]))
    rewrite(seed_copy / "network_members.csv",
            lambda h, rows: (h, [dict(r, role="boss") if i == 0 else r
                                 for i, r in enumerate(rows)]))
    with pytest.raises(LoadError) as info:
        load_directory(empty_db, "neo4j", seed_copy)
    text = str(info.value)
    assert "areas.csv:2: population" in text
    assert "areas.csv:3: lon" in text
    assert "network_members.csv:2: role" in text
    assert len(info.value.problems) == 3


def test_failure_during_write_rolls_back_everything(empty_db):
    load_directory(empty_db, "neo4j")
    before = fingerprint(empty_db)
    # a constraint the seed violates only when care types are written, after regions,
    # hospitals and networks: the database must reject the whole transaction
    empty_db.execute_query("MATCH (n) DETACH DELETE n")
    emptied = fingerprint(empty_db)
    empty_db.execute_query("CREATE CONSTRAINT test_tumour IF NOT EXISTS "
                           "FOR (c:CareType) REQUIRE c.tumour IS UNIQUE")
    try:
        with pytest.raises(ConstraintError):
            load_directory(empty_db, "neo4j")
        assert fingerprint(empty_db) == emptied
    finally:
        empty_db.execute_query("DROP CONSTRAINT test_tumour IF EXISTS")
    load_directory(empty_db, "neo4j")
    assert fingerprint(empty_db) == before


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def tiny_dataset(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    src = ["test", "found"]
    write_csv(directory / "regions.csv", ["id", "name", "lead_organisation", "source",
                                          "confidence"], [["r1", "Region one", "", *src]])
    write_csv(directory / "hospitals.csv",
              ["id", "name", "organisation", "city", "province", "lat", "lon", "kind",
               "region", "source", "confidence"],
              [["h1", "H one", "Org", "Utrecht", "Utrecht", 52.09, 5.12, "umc", "r1", *src],
               ["h2", "H two", "Org2", "Zwolle", "Overijssel", 52.51, 6.09, "general", "r1",
                *src]])
    write_csv(directory / "networks.csv", ["id", "name", "scope", "source", "confidence"],
              [["n1", "Net", "regional", *src]])
    write_csv(directory / "care_types.csv",
              ["id", "name", "tumour", "modality", "level", "min_volume", "norm_year",
               "norm_source", "annual_cases", "cases_source", "confidence"],
              [["c1", "Care", "lung", "surgery", "expert", 20, 2024, "SONCOS", 100, "NKR",
                "found"]])
    write_csv(directory / "areas.csv", ["id", "name", "population", "lat", "lon", "province",
                                        "region", "source", "confidence"],
              [["a1", "Place", 5000, 52.1, 5.2, "Utrecht", "r1", *src]])
    write_csv(directory / "network_members.csv", ["network", "hospital", "role", "source",
                                                  "confidence"], [["n1", "h1", "hub", *src]])
    write_csv(directory / "network_regions.csv", ["network", "region", "source", "confidence"],
              [["n1", "r1", *src]])
    write_csv(directory / "provision.csv", ["hospital", "care_type", "volume", "year", "source",
                                            "confidence"], [["h1", "c1", 100, 2023, *src]])
    return directory


def test_user_dataset_replaces_the_seed(empty_db, tmp_path):
    load_directory(empty_db, "neo4j")
    load_directory(empty_db, "neo4j", tiny_dataset(tmp_path / "mine"))
    records, _, _ = empty_db.execute_query(
        "MATCH (n) WHERE NOT n:Dataset RETURN labels(n)[0] AS label, collect(n.id) AS ids "
        "ORDER BY label")
    got = {r["label"]: sorted(r["ids"]) for r in records}
    assert got == {"Area": ["a1"], "CareType": ["c1"], "Hospital": ["h1", "h2"],
                   "Network": ["n1"], "Region": ["r1"]}


def test_update_merges_real_volumes_and_travel_times(empty_db, tmp_path):
    load_directory(empty_db, "neo4j", tiny_dataset(tmp_path / "mine"))
    before = count(empty_db, "MATCH (n) RETURN count(n)")
    upd = tmp_path / "update"
    upd.mkdir()
    write_csv(upd / "provision.csv", ["hospital", "care_type", "volume", "year", "source",
                                      "confidence"],
              [["h1", "c1", 61, 2024, "registry", "found"],
               ["h2", "c1", 39, 2024, "registry", "found"]])
    write_csv(upd / "travel_times.csv", ["area", "hospital", "minutes", "source", "confidence"],
              [["a1", "h1", 12.5, "OSRM", "found"], ["a1", "h2", 80, "OSRM", "found"]])
    load_directory(empty_db, "neo4j", upd, mode="update")
    records, _, _ = empty_db.execute_query(
        "MATCH (h:Hospital)-[p:PROVIDES]->(:CareType {id: 'c1'}) "
        "RETURN h.id AS h, p.volume AS v, p.year AS y ORDER BY h")
    assert [(r["h"], r["v"], r["y"]) for r in records] == [("h1", 61, 2024), ("h2", 39, 2024)]
    assert count(empty_db, "MATCH (:Area)-[t:TRAVEL]->(:Hospital) RETURN count(t)") == 2
    assert count(empty_db, "MATCH (n) RETURN count(n)") == before
    # an update may reference ids already in the database, but not unknown ones
    write_csv(upd / "travel_times.csv", ["area", "hospital", "minutes", "source", "confidence"],
              [["a1", "h9", 5, "OSRM", "found"]])
    (upd / "provision.csv").unlink()
    with pytest.raises(LoadError, match="travel_times.csv:2: hospital: unknown hospitals id 'h9'"):
        load_directory(empty_db, "neo4j", upd, mode="update")

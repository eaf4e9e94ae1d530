"""outcomes.csv against a real Neo4j: the bands are stored as in the file, every bad table is
named by file:line: field and writes nothing, and an update replaces the tables of the care
types it names."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from app.loader import SEED_DIR, LoadError, load_directory
from app.repository.outcomes import read_outcome_bands, read_outcome_tables
from tests.helpers import seed_rows

STATE = """
MATCH (n) WHERE NOT n:Dataset
WITH n ORDER BY labels(n)[0], n.id
WITH collect([labels(n)[0], n.id, properties(n)]) AS nodes
OPTIONAL MATCH (a)-[r]->(b)
WITH nodes, a, r, b ORDER BY type(r), a.id, b.id
RETURN nodes, collect([type(r), a.id, b.id, properties(r)]) AS rels
"""


def state(driver) -> str:
    """A digest of every node and relationship with all properties (Dataset excluded)."""
    records, _, _ = driver.execute_query(STATE)
    return hashlib.sha256(repr((records[0]["nodes"], records[0]["rels"])).encode()).hexdigest()


def count(driver, query: str) -> int:
    records, _, _ = driver.execute_query(query)
    return records[0][0]


def edit_outcomes(directory: Path, edit) -> None:
    path = directory / "outcomes.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows = edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def change(index: int, **values):
    return lambda rows: [dict(r, **values) if i == index else r for i, r in enumerate(rows)]


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def test_seed_bands_are_stored_as_in_the_file(empty_db):
    load_directory(empty_db, "neo4j")
    rows = seed_rows("outcomes.csv")
    assert len(rows) == 8
    assert count(empty_db, "MATCH (b:OutcomeBand) RETURN count(b)") == len(rows)
    assert count(empty_db, "MATCH (:OutcomeBand)-[r:OUTCOME_FOR]->(:CareType) "
                           "RETURN count(r)") == len(rows)
    stored = {(b["care_type"], b["outcome"], b["min_volume"]): b
              for b in read_outcome_bands(empty_db, "neo4j")}
    for r in rows:  # values against the file, read independently of the loader
        b = stored[(r["care_type"], r["outcome"], int(r["min_volume"]))]
        assert b["max_volume"] == (int(r["max_volume"]) if r["max_volume"] else None)
        assert b["rate"] == pytest.approx(float(r["rate"]))
        assert b["patients"] == (int(r["patients"]) if r["patients"] else None)
        assert b["study_patients"] == int(r["study_patients"])
        assert (b["period"], b["source"], b["confidence"]) == \
            (r["period"], r["source"], r["confidence"])
        assert b["id"] == f"{r['care_type']}/{r['outcome']}/{r['min_volume']}"
    tables = read_outcome_tables(empty_db, "neo4j")
    assert sorted(tables) == [("pancreatic-resection", "in_hospital_mortality"),
                              ("pancreatic-resection", "mortality_90d")]
    de_wilde = tables[("pancreatic-resection", "in_hospital_mortality")]
    assert de_wilde.labels == ("0-4", "5-10", "11-19", "20+")
    assert de_wilde.rate == (0.147, 0.098, 0.063, 0.033)
    # a care type without a sourced table has no table, not a zero one
    assert read_outcome_tables(empty_db, "neo4j", "oesophagectomy") == {}


BAD_TABLES = {
    "overlap": (change(1, min_volume="4"),
                "outcomes.csv:3: min_volume: band 4..10 of pancreatic-resection/"
                "in_hospital_mortality overlaps band 0..4 on line 2"),
    "gap": (change(2, min_volume="12"),
            "outcomes.csv:4: min_volume: gap in pancreatic-resection/in_hospital_mortality: "
            "volumes 11..11 are in no band"),
    "rate above 1": (change(3, rate="1.2"),
                     "outcomes.csv:5: rate: Input should be less than or equal to 1"),
    "unknown care type": (change(0, care_type="no-such-care"),
                          "outcomes.csv:2: care_type: unknown care_types id 'no-such-care'"),
    "closed top band": (change(7, max_volume="99"),
                        "outcomes.csv:9: max_volume: the highest band of pancreatic-resection/"
                        "mortality_90d ends at 99; it must be open-ended"),
    "lowest band above 1": (lambda rows: rows[1:],
                            "outcomes.csv:2: min_volume: the lowest band of pancreatic-"
                            "resection/in_hospital_mortality starts at 5"),
    "max below min": (change(5, max_volume="3"),
                      "outcomes.csv:7: max_volume: Value error, max_volume 3 is below "
                      "min_volume 5"),
    "open band not last": (change(4, max_volume=""),
                           "outcomes.csv:7: min_volume: band 5..19 of pancreatic-resection/"
                           "mortality_90d overlaps band 0.. on line 6"),
    "two studies in one table": (change(6, source="another study"),
                                 "outcomes.csv:8: source: differs from the source of "
                                 "pancreatic-resection/mortality_90d on line 6"),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_table_is_named_and_nothing_is_written(empty_db, seed_copy, case):
    load_directory(empty_db, "neo4j")
    before = state(empty_db)
    edit, expected = BAD_TABLES[case]
    edit_outcomes(seed_copy, edit)
    for mode in ("replace", "update"):
        with pytest.raises(LoadError) as info:
            load_directory(empty_db, "neo4j", seed_copy, mode=mode)
        assert expected in str(info.value)
        assert "nothing was written" in str(info.value)
        assert len(info.value.problems) == 1, info.value.problems  # no follow-on errors
        assert state(empty_db) == before


def test_update_replaces_the_tables_of_the_care_types_it_names(empty_db, tmp_path):
    load_directory(empty_db, "neo4j")
    update = tmp_path / "update"
    update.mkdir()
    header = ["care_type", "outcome", "min_volume", "max_volume", "rate", "patients",
              "study_patients", "period", "source", "confidence"]
    with open(update / "outcomes.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerow(["pancreatic-resection", "in_hospital_mortality", 0, 9, 0.1, "", 100,
                    "2020", "test table", "modelled"])
        w.writerow(["pancreatic-resection", "in_hospital_mortality", 10, "", 0.02, "", 100,
                    "2020", "test table", "modelled"])
        w.writerow(["oesophagectomy", "mortality_90d", 0, "", 0.05, "", 50, "2021",
                    "other test table", "modelled"])
    load_directory(empty_db, "neo4j", update, mode="update")
    tables = read_outcome_tables(empty_db, "neo4j")
    # the file is the whole outcome data of the care types it names: none of the eight seed
    # bands of pancreatic-resection is left, and no band mixes the two studies
    assert sorted(tables) == [("oesophagectomy", "mortality_90d"),
                              ("pancreatic-resection", "in_hospital_mortality")]
    new = tables[("pancreatic-resection", "in_hospital_mortality")]
    assert (new.min_volume, new.max_volume, new.rate) == ((0, 10), (9, None), (0.1, 0.02))
    assert count(empty_db, "MATCH (b:OutcomeBand) RETURN count(b)") == 3
    assert count(empty_db, "MATCH (:OutcomeBand)-[r:OUTCOME_FOR]->(:CareType) "
                           "RETURN count(r)") == 3


def test_replace_without_outcomes_file_removes_the_bands(empty_db, seed_copy):
    load_directory(empty_db, "neo4j")
    assert count(empty_db, "MATCH (b:OutcomeBand) RETURN count(b)") > 0
    (seed_copy / "outcomes.csv").unlink()
    load_directory(empty_db, "neo4j", seed_copy)
    assert count(empty_db, "MATCH (b:OutcomeBand) RETURN count(b)") == 0
    assert count(empty_db, "MATCH (c:CareType) RETURN count(c)") == \
        len(seed_rows("care_types.csv"))

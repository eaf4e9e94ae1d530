"""The secondary labels the loader sets from the vocabulary: exactly one per hospital kind and
care level, replaced (never added to) when an update changes the kind."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from app.loader import load_directory
from app.localdb import PROJECT_ROOT
from app.vocabulary import CARE_LEVEL_LABELS, HOSPITAL_KIND_LABELS, CareLevel, HospitalKind
from tests.helpers import seed_rows

LABELS_OF = """
MATCH (n) WHERE n:Hospital OR n:CareType
RETURN n.id AS id, [l IN labels(n) WHERE NOT l IN ['Hospital', 'CareType']] AS extra
"""


def extra_labels(driver) -> dict[str, list[str]]:
    records, _, _ = driver.execute_query(LABELS_OF)
    return {r["id"]: sorted(r["extra"]) for r in records}


def test_every_vocabulary_value_has_a_label_styled_for_browser():
    style = (PROJECT_ROOT / "graph" / "browser" / "style.grass").read_text("utf-8")
    styled = set(re.findall(r"^node\.(\w+)", style, re.M))
    assert set(HOSPITAL_KIND_LABELS) == set(HospitalKind)
    assert set(CARE_LEVEL_LABELS) == set(CareLevel)
    assert set(HOSPITAL_KIND_LABELS.values()) | set(CARE_LEVEL_LABELS.values()) <= styled


def test_each_row_gets_the_label_of_its_kind_or_level(empty_db):
    load_directory(empty_db, "neo4j")
    got = extra_labels(empty_db)
    for h in seed_rows("hospitals.csv"):
        assert got[h["id"]] == [HOSPITAL_KIND_LABELS[HospitalKind(h["kind"])]], h["id"]
    for c in seed_rows("care_types.csv"):
        assert got[c["id"]] == [CARE_LEVEL_LABELS[CareLevel(c["level"])]], c["id"]


def test_update_replaces_the_kind_label(empty_db, tmp_path: Path):
    load_directory(empty_db, "neo4j")
    rows = seed_rows("hospitals.csv")
    first = rows[0]
    new_kind = next(k for k in HospitalKind if k != first["kind"])
    rows[0] = dict(first, kind=new_kind.value)
    with open(tmp_path / "hospitals.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(first))
        writer.writeheader()
        writer.writerows(rows)
    load_directory(empty_db, "neo4j", tmp_path, mode="update")
    got = extra_labels(empty_db)
    assert got[first["id"]] == [HOSPITAL_KIND_LABELS[new_kind]]
    assert got[rows[1]["id"]] == [HOSPITAL_KIND_LABELS[HospitalKind(rows[1]["kind"])]]

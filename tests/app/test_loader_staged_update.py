"""Staged update loads of any files (issue 13, left for the next work): an update of more than
``staged_above`` rows that is not travel-only is journalled in batches (``StagedBatch`` nodes
no reader matches) and applied under the switch mark, one transaction per batch. Against the
real test Neo4j.

Oracles: the one-transaction update of the same folder on the same starting graph (the same
visible graph node by node and relationship by relationship, the same count of stale travel
pairs dropped); a cut in the apply (the loader's own batch step dies) finished by
``oncoregio load --recover``'s function into that same graph, readers refused meanwhile.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app import loader
from app.db import DatabaseUnavailable
from app.loader import SEED_DIR, load_directory, recover
from app.repository.revision import read_consistent
from app.repository.snapshot import read_snapshot
from tests.app.test_loader_staged import ONE_TRANSACTION, one, travel_folder, visible_graph

DB = "neo4j"
CARE = "gastrectomy"
MOVED = 10  # areas whose coordinates the update changes (their imported pairs go stale)
JOURNAL = "MATCH (b:StagedBatch) RETURN count(b) AS n"


def update_folder(target: Path) -> Path:
    """areas.csv (every seed area: population + 1, the first MOVED moved a little, all
    relabelled to a modelled source) and demand.csv (every area, one care type)."""
    with open(SEED_DIR / "areas.csv", encoding="utf-8", newline="") as f:
        areas = list(csv.DictReader(f))
    target.mkdir(parents=True)
    with open(target / "areas.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(areas[0]))
        w.writeheader()
        for i, a in enumerate(areas):
            a = {**a, "population": int(a["population"]) + 1,
                 "source": "synthetic: tests/app/test_loader_staged_update.py"}
            if i < MOVED:
                a["lat"] = f"{float(a['lat']) + 0.001:.5f}"
            w.writerow(a)
    with open(target / "demand.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "care_type", "patients", "year", "source", "confidence"])
        for i, a in enumerate(areas):
            w.writerow([a["id"], CARE, i % 5, 2023,
                        "synthetic: tests/app/test_loader_staged_update.py", "modelled"])
    return target


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("staged-update")
    return travel_folder(base / "travel", 3, 1.0), update_folder(base / "update")


def start(driver, travel: Path) -> None:
    """The seed with imported travel pairs (some of moved areas) and demand to replace."""
    load_directory(driver, DB)
    load_directory(driver, DB, travel, mode="update")


def test_a_staged_update_gives_the_graph_of_the_one_transaction_update(empty_db, folders):
    travel, update = folders
    graphs, stale = [], []
    for staged_above in (ONE_TRANSACTION, 0):
        start(empty_db, travel)
        summary = load_directory(empty_db, DB, update, mode="update", staged_above=staged_above)
        assert summary.rows == {"areas.csv": 1522, "demand.csv": 1522}
        graphs.append(visible_graph(empty_db))
        stale.append(summary.stale_travel)
        assert one(empty_db, JOURNAL)["n"] == 0
        assert one(empty_db, "MATCH (d:DatasetSwitch) RETURN count(d) AS n")["n"] == 0
    assert graphs[0] == graphs[1]
    assert stale[0] == stale[1] == MOVED * 3  # each moved area had 3 imported pairs
    snap = read_snapshot(empty_db, DB)
    assert snap.demand[CARE][1] and sum(snap.demand[CARE][1]) == sum(i % 5 for i in range(1522))


def test_a_staged_update_cut_in_its_apply_is_finished_by_recover(empty_db, folders,
                                                                 monkeypatch):
    travel, update = folders
    start(empty_db, travel)
    load_directory(empty_db, DB, update, mode="update", staged_above=ONE_TRANSACTION)
    expected = visible_graph(empty_db)
    start(empty_db, travel)
    before = visible_graph(empty_db)
    real = loader._apply_batch
    applied = []

    class Died(RuntimeError):
        pass

    def apply(tx, seq, batch):  # two batches applied, then the loader dies
        if len(applied) == 2:
            raise Died("cut in the apply")
        applied.append(seq)
        return real(tx, seq, batch)

    monkeypatch.setattr(loader, "_apply_batch", apply)
    with pytest.raises(Died):
        load_directory(empty_db, DB, update, mode="update", staged_above=0)
    monkeypatch.undo()
    assert one(empty_db, JOURNAL)["n"] > 0  # the rest waits, under the mark
    assert visible_graph(empty_db) != before  # part of it is applied: readers must wait
    with pytest.raises(DatabaseUnavailable, match="being switched in"):
        read_consistent(empty_db, DB, lambda tx: tx.run("RETURN 1").consume(), seconds=1)
    assert recover(empty_db, DB)[0]
    assert one(empty_db, JOURNAL)["n"] == 0
    assert visible_graph(empty_db) == expected


def test_an_update_that_fails_before_the_mark_leaves_the_graph_as_it_was(empty_db, folders,
                                                                        monkeypatch):
    travel, update = folders
    start(empty_db, travel)
    before = visible_graph(empty_db)
    real = loader._put_batch
    put = []

    def dies(tx, *args):
        if len(put) == 3:
            raise RuntimeError("the journal write dies")
        put.append(args[0])
        return real(tx, *args)

    monkeypatch.setattr(loader, "_put_batch", dies)
    with pytest.raises(RuntimeError, match="journal write dies"):
        load_directory(empty_db, DB, update, mode="update", staged_above=0)
    monkeypatch.undo()
    assert one(empty_db, JOURNAL)["n"] == 0  # purged on the way out
    assert visible_graph(empty_db) == before
    read_snapshot(empty_db, DB)  # no mark: readers read

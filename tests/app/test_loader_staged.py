"""Staged loads (issue 13): a replace load too large for one transaction is written in batches
under shadow labels and switched in by a batched switch under a mark. Against the real test
Neo4j.

Oracles: the one-transaction path on the same folder (the same graph, node by node and
relationship by relationship, and the same nodes that survive a replace); the folder's own
row counts (what a reader may see: the old dataset's or the new one's, nothing between);
the graph before a load that was killed (still there, unchanged).
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from neo4j import Driver

from app import loader, localdb
from app.db import DatabaseUnavailable
from app.loader import (
    STAGED_LABELS,
    STAGED_WRITES,
    load_directory,
    purge_leftovers,
    read_directory,
    recover,
)
from app.repository.entities import get_region
from app.repository.revision import read_consistent, read_revision, switching
from app.repository.snapshot import read_snapshot
from tests.app.cli.conftest import database_env, oncoregio_running, run_oncoregio
from tests.app.live import wait_until
from tests.large_dataset import make_large_dataset

T = TypeVar("T")

DB = "neo4j"
#: modest for CI: enough rows for many batches (the threshold is lowered where it matters)
AREAS, PAIRS = 10_000, 3
ONE_TRANSACTION = 10**9  # a staged_above no folder reaches
VISIBLE_NODES = """
MATCH (n)
WHERE NOT n:Retired AND NOT n:Dataset AND NOT n:LoadLock AND NOT n:DatasetSwitch
  AND none(l IN labels(n) WHERE l STARTS WITH 'Staged')
RETURN n.id AS id, [l IN labels(n) | l] AS labels, properties(n) AS props
"""
VISIBLE_RELATIONSHIPS = """
MATCH (a)-[r]->(b)
WHERE NOT a:Retired AND none(l IN labels(a) WHERE l STARTS WITH 'Staged')
  AND NOT b:Retired AND none(l IN labels(b) WHERE l STARTS WITH 'Staged')
RETURN a.id AS a, type(r) AS type, b.id AS b, properties(r) AS props
"""
LEFTOVER_NODES = """
MATCH (n) WHERE n:Retired OR any(l IN labels(n) WHERE l STARTS WITH 'Staged')
RETURN count(n) AS n
"""
# what a reader of the app sees, in one read transaction: the Dataset's checksum, the areas and
# the travel pairs (as app/repository/snapshot.py reads them). Neo4j reads are read committed:
# one statement running while the switch is applied can see part of it (seen here: the old
# checksum with 0 areas), so readers that need one dataset go through read_consistent.
READER = """
OPTIONAL MATCH (d:Dataset {id: 'current'})
CALL () { MATCH (a:Area)-[:IN_REGION]->(:Region) RETURN count(a) AS areas }
CALL () { MATCH (:Area)-[t:TRAVEL]->(:Hospital) RETURN count(t) AS pairs }
RETURN d.checksum AS checksum, areas, pairs
"""
# what survives a replace load besides the dataset: made before each load
EXTRAS = """
MATCH (h:Hospital) WITH h ORDER BY h.id LIMIT 2
WITH collect(h) AS hs
CREATE (t:ApiToken {name: 'staged-test', role: 'reader', hash: 'x'})
CREATE (s:Sweep {id: 'sw-staged'})
CREATE (c:Scenario {id: 'sc-staged'})
FOREACH (h IN hs | CREATE (s)-[:PARETO {k: 1}]->(h) CREATE (c)-[:KEEPS]->(h))
"""
EXTRAS_LEFT = """
RETURN COUNT { (:ApiToken {name: 'staged-test'}) } AS tokens,
       COUNT { (:Sweep {id: 'sw-staged'}) } AS sweeps,
       COUNT { (:Scenario {id: 'sc-staged'}) } AS scenarios,
       COUNT { (:Sweep {id: 'sw-staged'})-[:PARETO]->() } AS pareto
"""


def visible_graph(driver: Driver) -> str:
    """A digest of every visible node and relationship (ids, sorted labels, properties)."""
    nodes, _, _ = driver.execute_query(VISIBLE_NODES, database_=DB)
    rels, _, _ = driver.execute_query(VISIBLE_RELATIONSHIPS, database_=DB)
    node_keys = sorted(repr((r["id"], sorted(r["labels"]), sorted(r["props"].items())))
                       for r in nodes)
    rel_keys = sorted(repr((r["a"], r["type"], r["b"], sorted(r["props"].items())))
                      for r in rels)
    return hashlib.sha256(repr((node_keys, rel_keys)).encode()).hexdigest()


def answers(driver: Driver) -> bool:
    try:
        driver.execute_query("RETURN 1 AS one", database_=DB)
    except Exception:  # noqa: BLE001 - still down
        return False
    return True


def one(driver: Driver, query: str) -> dict:
    records, _, _ = driver.execute_query(query, database_=DB)
    return records[0].data()


@contextmanager
def reading(read_once: Callable[[], T], seconds: float = 30) -> Iterator[list[T]]:
    """``read_once()`` again and again in a thread (at most 5,000 times and 300 s) for the
    block, which starts once it read three times: yields the list of what it read so far.
    At the end the reader stops, and an error it met fails the test."""
    seen: list[T] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        deadline = time.monotonic() + 300
        try:
            for _ in range(5000):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                seen.append(read_once())
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_until(lambda: len(seen) >= 3, "the reader reads", seconds=seconds)
    try:
        yield seen
    finally:
        stop.set()
        reader.join(60)
    assert not errors, errors


class Died(RuntimeError):
    """The loader "dies" (the database gone, the process killed) where a test cuts it."""


def die_in(monkeypatch, cut: str, partial: str, message: str) -> None:
    """The loader's session runs ``partial`` (a part of the work) instead of the statement
    ``cut``, then raises :class:`Died` (``message``); every other statement runs as it is."""
    assert partial != cut
    real_run = loader.Session.run

    def run(self, query, parameters=None, **kwargs):
        if query == cut:
            real_run(self, partial, parameters, **kwargs).consume()
            raise Died(message)
        return real_run(self, query, parameters, **kwargs)

    monkeypatch.setattr(loader.Session, "run", run)


def staged_cli_load(folder: Path, neo4j_server):
    """``oncoregio load FOLDER --staged-above 0`` running in the background for the block."""
    return oncoregio_running("load", str(folder), "--quiet", "--staged-above", "0",
                             env=database_env(neo4j_server))


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    return make_large_dataset(tmp_path_factory.mktemp("large") / "data", areas=AREAS,
                              pairs_per_area=PAIRS)


def test_staged_load_gives_the_graph_of_the_one_transaction_load(empty_db, large):
    graphs, extras = [], []
    for staged_above in (ONE_TRANSACTION, 0):
        load_directory(empty_db, DB)  # an old dataset to replace, with what hangs on it
        empty_db.execute_query(EXTRAS, database_=DB)
        summary = load_directory(empty_db, DB, large, staged_above=staged_above)
        assert summary.rows["areas.csv"] == AREAS
        graphs.append(visible_graph(empty_db))
        extras.append(one(empty_db, EXTRAS_LEFT))
        assert one(empty_db, LEFTOVER_NODES)["n"] == 0
        empty_db.execute_query("MATCH (t:ApiToken {name: 'staged-test'}) DELETE t "
                               "WITH 1 AS x MATCH (s:Sweep {id: 'sw-staged'}) DETACH DELETE s",
                               database_=DB)
    assert graphs[0] == graphs[1]
    assert extras[0] == extras[1]
    # and the counts are the folder's
    seen = one(empty_db, READER)
    assert (seen["areas"], seen["pairs"]) == (AREAS, AREAS * PAIRS)
    assert seen["checksum"] == read_directory(large, stream=True).checksum


def test_readers_see_the_old_dataset_or_the_new_one_never_a_mix(empty_db, large):
    load_directory(empty_db, DB)
    old = one(empty_db, READER)
    old_snapshot = read_snapshot(empty_db, DB)
    new_checksum = read_directory(large, stream=True).checksum
    expected = {old["checksum"]: (old["areas"], old["pairs"]),
                new_checksum: (AREAS, AREAS * PAIRS)}
    snapshots: list[tuple[int, int, int]] = []
    reads = [0]

    def read_once() -> tuple[str, int, int]:
        r = read_consistent(empty_db, DB, lambda tx: tx.run(READER).single(strict=True).data())
        if reads[0] % 10 == 0:  # the app's own read path too (one read transaction)
            s = read_snapshot(empty_db, DB)
            snapshots.append((s.revision.number, len(s.areas), len(s.travel_pairs)))
        reads[0] += 1
        return r["checksum"], r["areas"], r["pairs"]

    with reading(read_once) as seen:
        load_directory(empty_db, DB, large, staged_above=0)
        wait_until(lambda: seen and seen[-1][0] == new_checksum, "the reader sees the new one",
                   seconds=30)
    mixed = [s for s in seen if expected.get(s[0]) != s[1:]]
    assert not mixed, f"{len(mixed)} of {len(seen)} reads saw a mix, e.g. {mixed[:3]}"
    assert seen[0][0] == old["checksum"]
    assert sum(s[0] == old["checksum"] for s in seen) > 3  # it read while the load ran
    revisions = {old_snapshot.revision.number: (len(old_snapshot.areas),
                                                len(old_snapshot.travel_pairs)),
                 old_snapshot.revision.number + 1: (AREAS, AREAS * PAIRS)}
    assert snapshots and all(revisions.get(s[0]) == s[1:] for s in snapshots), (
        revisions, [s for s in snapshots if revisions.get(s[0]) != s[1:]])


def test_kill_9_during_a_staged_cli_load_leaves_the_old_dataset(empty_db, large,
                                                                  neo4j_server):
    inst = neo4j_server.instance
    if neo4j_server.kind != "local" or inst is None:
        pytest.skip("kills the project's local test instance; "
                    f"the database here is {neo4j_server.kind}")
    load_directory(empty_db, DB)
    before_graph, before = visible_graph(empty_db), one(empty_db, READER)
    try:
        with staged_cli_load(large, neo4j_server) as cli:
            wait_until(lambda: one(empty_db, "MATCH (n:StagedArea) RETURN count(n) AS n")["n"]
                       > 0, "the load stages areas", seconds=120)
            pid = localdb.pid_from_file(inst.pid_file, localdb.ENTRY_POINT)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            out, err = cli.communicate(timeout=180)
    finally:
        wait_until(lambda: localdb.pid_from_file(inst.pid_file, localdb.ENTRY_POINT) is None,
                   "the killed server is gone", seconds=30)
        localdb.start(inst)
    wait_until(lambda: answers(empty_db), "the test database answers again", seconds=60)
    # the CLI: one clear line, a non-zero exit, no traceback
    lines = err.strip().splitlines()
    assert cli.returncode != 0
    assert "Traceback" not in err + out
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Neo4j" in lines[0], err
    # the old dataset, exactly, as every reader sees it (staged nodes may be left: invisible)
    assert one(empty_db, READER) == before
    assert visible_graph(empty_db) == before_graph
    snapshot = read_snapshot(empty_db, DB)
    assert (len(snapshot.areas), len(snapshot.travel_pairs)) == (before["areas"], 0)
    # the next load cleans up and succeeds
    load_directory(empty_db, DB, large, staged_above=0)
    assert one(empty_db, LEFTOVER_NODES)["n"] == 0
    now = one(empty_db, READER)
    assert (now["areas"], now["pairs"]) == (AREAS, AREAS * PAIRS)


def test_purge_leftovers_removes_only_staged_and_retired_nodes(empty_db):
    load_directory(empty_db, DB)
    graph = visible_graph(empty_db)
    empty_db.execute_query("CREATE (:StagedArea {id: 'x'})-[:IN_REGION]->(:StagedRegion "
                           "{id: 'r'}), (:Retired {id: 'y'})", database_=DB)
    assert purge_leftovers(empty_db, DB) == 3
    assert one(empty_db, LEFTOVER_NODES)["n"] == 0
    assert visible_graph(empty_db) == graph


def test_staged_statements_name_no_label_a_reader_matches():
    real = "|".join(STAGED_LABELS)
    for name, query in STAGED_WRITES:
        assert not re.search(rf":({real})\b", query), (name, query)
        assert ":Staged" in query, name


def test_read_consistent_waits_for_a_marked_switch(empty_db):
    load_directory(empty_db, DB)
    work = lambda tx: tx.run(READER).single(strict=True).data()  # noqa: E731
    with switching(empty_db, DB):
        with pytest.raises(DatabaseUnavailable, match="being switched in"):
            read_consistent(empty_db, DB, work, seconds=0.5)
        result: list[dict] = []
        reader = threading.Thread(target=lambda: result.append(
            read_consistent(empty_db, DB, work, seconds=30)), daemon=True)
        reader.start()
        time.sleep(1.0)
        assert not result  # still waiting while the switch is marked
    reader.join(30)
    assert result and result[0]["areas"] > 0
    assert one(empty_db, "RETURN COUNT { (:DatasetSwitch) } AS n")["n"] == 0


def test_a_load_that_fails_before_the_switch_leaves_the_old_dataset(empty_db, large,
                                                                     monkeypatch):
    load_directory(empty_db, DB)
    before, revision = visible_graph(empty_db), read_revision(empty_db, DB)
    writes = list(STAGED_WRITES)
    # the travel pairs fail (after the staged areas were written)
    writes[[n for n, _ in writes].index("travel_times.csv")] = ("travel_times.csv",
                                                                "RETURN 1/0 AS boom")
    monkeypatch.setattr(loader, "STAGED_WRITES", tuple(writes))
    with pytest.raises(Exception, match="/ by zero"):
        load_directory(empty_db, DB, large, staged_above=0)
    assert visible_graph(empty_db) == before
    assert read_revision(empty_db, DB) == revision
    assert one(empty_db, LEFTOVER_NODES)["n"] == 0
    assert one(empty_db, "RETURN COUNT { (:DatasetSwitch) } AS n")["n"] == 0
    assert one(empty_db, "RETURN COUNT { (:LoadLock) } AS n")["n"] == 0


@pytest.mark.parametrize("dies_in", ["retire", "promote", "end"])
def test_a_switch_cut_anywhere_is_finished_by_the_next_load(empty_db, large, monkeypatch,
                                                            dies_in):
    """The switch dies after some of its batches (the database gone, the process killed):
    readers through read_consistent wait for it (entity routes included), and the next load
    finishes it first; the graph is then exactly the one-transaction load's."""
    load_directory(empty_db, DB, large, staged_above=ONE_TRANSACTION)
    expected = visible_graph(empty_db)
    load_directory(empty_db, DB)  # the old dataset, which the staged load replaces
    old_revision = read_revision(empty_db, DB)
    monkeypatch.setattr(loader, "SWITCH_ROWS", 700)  # several batches per label
    # the Area statement of the step does 3,000 nodes (five batches), then the process dies
    cut = {"retire": loader.RETIRE_DATASET[4], "promote": loader.PROMOTE_STAGED[4]}.get(dies_in)
    if cut is not None:
        assert ":Area)" in cut or ":StagedArea)" in cut
        die_in(monkeypatch, cut, cut.replace(") CALL (n)", ") WITH n LIMIT 3000 CALL (n)", 1),
               f"cut in the {dies_in} step")

    def end(tx, mark):
        raise Died("cut in the last transaction")

    monkeypatch.setattr(loader, "_end_switch", end if dies_in == "end" else loader._end_switch)
    with pytest.raises(Died):
        load_directory(empty_db, DB, large, staged_above=0)
    monkeypatch.undo()
    # the graph is a mix now (phase and batches done): readers that honour the mark wait
    mark = one(empty_db, "MATCH (m:DatasetSwitch) RETURN m.phase AS phase")
    assert mark["phase"] == ("retire" if dies_in == "retire" else "promote")
    assert read_revision(empty_db, DB) == old_revision
    retired = one(empty_db, "MATCH (n:Retired) RETURN count(n) AS n")["n"]
    assert retired > 0
    work = lambda tx: tx.run(READER).single(strict=True).data()  # noqa: E731
    with pytest.raises(DatabaseUnavailable, match="being switched in .*--recover"):
        read_consistent(empty_db, DB, work, seconds=0.3)
    if dies_in == "promote":  # an entity route's read waits too (its full 30 s: once)
        with pytest.raises(DatabaseUnavailable, match="being switched in"):
            get_region(empty_db, DB, "noord")
    # the next load (here: --recover's function) finishes the switch, then cleans up
    finished, left = recover(empty_db, DB)
    assert finished and left >= retired
    assert visible_graph(empty_db) == expected
    assert one(empty_db, LEFTOVER_NODES)["n"] == 0
    assert one(empty_db, "RETURN COUNT { (:DatasetSwitch) } AS n")["n"] == 0
    assert read_revision(empty_db, DB).number == old_revision.number + 1
    assert recover(empty_db, DB) == (False, 0)  # nothing left to do


def test_kill_9_of_the_loader_at_the_switch_is_finished_by_load_recover(empty_db, large,
                                                                        neo4j_server):
    inst = neo4j_server.instance
    if neo4j_server.kind != "local" or inst is None:
        pytest.skip(f"runs the CLI against the local test instance; here {neo4j_server.kind}")
    load_directory(empty_db, DB, large, staged_above=ONE_TRANSACTION)
    expected = visible_graph(empty_db)
    load_directory(empty_db, DB)
    phases: list[str] = []
    with staged_cli_load(large, neo4j_server) as cli:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and cli.poll() is None:  # bounded
            records, _, _ = empty_db.execute_query(
                "MATCH (m:DatasetSwitch) WHERE m.phase IS NOT NULL RETURN m.phase AS p",
                database_=DB)
            if records:
                os.kill(cli.pid, signal.SIGKILL)  # in the switch: after the mark
                phases.append(records[0]["p"])
                break
            time.sleep(0.01)
    assert phases, "the load ended before its switch was seen"
    left = one(empty_db, "MATCH (m:DatasetSwitch) RETURN count(m) AS n, "
                         "collect(m.phase)[0] AS phase")
    if left["n"] == 0:  # killed between the mark check and the signal, after the last step
        pytest.skip("the switch finished before the kill landed; nothing to recover")
    with pytest.raises(DatabaseUnavailable, match="being switched in"):
        consistent_read(empty_db)
    # the killed load's lock is stale (its pid is gone on this host): --recover takes it over
    assert one(empty_db, "RETURN COUNT { (:LoadLock) } AS n")["n"] == 1
    rec = run_oncoregio("load", "--recover", env=database_env(neo4j_server))
    assert rec.code == 0, rec.stderr
    assert "finished the dataset switch" in rec.stdout
    assert visible_graph(empty_db) == expected
    assert one(empty_db, LEFTOVER_NODES)["n"] == 0
    assert one(empty_db, "RETURN COUNT { (:LoadLock) } + COUNT { (:DatasetSwitch) } AS n"
               )["n"] == 0


def consistent_read(driver: Driver) -> object:
    return read_consistent(driver, DB, lambda tx: tx.run(READER).single(strict=True).data(),
                           seconds=0.3)


def one_in(tx, query: str) -> int:
    return tx.run(query).single(strict=True)["n"]


# ---- staged update loads: the travel matrix (issue 14's 173,508 pairs) in batches
def travel_folder(target: Path, hospitals: int, minutes: float | None) -> Path:
    """travel_times.csv only: every seed area to the first ``hospitals`` seed hospitals;
    minutes = ``minutes`` or a value made from the pair (so a re-load changes them)."""
    import csv

    from app.loader import SEED_DIR

    with open(SEED_DIR / "areas.csv", encoding="utf-8", newline="") as f:
        areas = [r["id"] for r in csv.DictReader(f)]
    with open(SEED_DIR / "hospitals.csv", encoding="utf-8", newline="") as f:
        ids = [r["id"] for r in csv.DictReader(f)][:hospitals]
    target.mkdir(parents=True)
    with open(target / "travel_times.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "hospital", "minutes", "km", "source", "confidence"])
        for i, a in enumerate(areas):
            for j, h in enumerate(ids):
                w.writerow([a, h, minutes if minutes is not None else (i * 7 + j) % 97 + 1,
                            "", "synthetic: tests/app/test_loader_staged.py", "modelled"])
    return target


@pytest.fixture(scope="module")
def travel(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("travel")
    return travel_folder(base / "old", 4, 1.0), travel_folder(base / "new", 10, None)


def load_old_travel(driver: Driver, old: Path) -> None:
    """The seed, then the old travel matrix: the pairs that the update of the tests
    overwrites."""
    load_directory(driver, DB)
    load_directory(driver, DB, old, mode="update")


def test_a_staged_travel_update_gives_the_graph_of_the_one_transaction_update(empty_db,
                                                                              travel):
    old, new = travel
    graphs = []
    for staged_above in (ONE_TRANSACTION, 0):
        load_old_travel(empty_db, old)
        summary = load_directory(empty_db, DB, new, mode="update", staged_above=staged_above)
        assert summary.rows == {"travel_times.csv": 1522 * 10}
        graphs.append(visible_graph(empty_db))
        assert one(empty_db, "MATCH ()-[s:STAGED_TRAVEL]->() RETURN count(s) AS n")["n"] == 0
    assert graphs[0] == graphs[1]
    assert one(empty_db, READER)["pairs"] == 1522 * 10


def test_readers_see_the_old_travel_matrix_or_the_new_one(empty_db, travel, monkeypatch):
    old, new = travel
    load_old_travel(empty_db, old)
    monkeypatch.setattr(loader, "SWITCH_ROWS", 500)  # many apply batches
    pairs = "MATCH (:Area)-[t:TRAVEL]->(:Hospital) RETURN count(t) AS n, sum(t.minutes) AS m"
    before = one(empty_db, pairs)

    def read_once() -> tuple[int, float]:
        r = read_consistent(empty_db, DB, lambda tx: tx.run(pairs).single(strict=True).data())
        return r["n"], r["m"]

    with reading(read_once) as seen:
        load_directory(empty_db, DB, new, mode="update", staged_above=0)
        after = one(empty_db, pairs)
        wait_until(lambda: seen and seen[-1] == (after["n"], after["m"]),
                   "the reader sees the new matrix", seconds=30)
    allowed = {(before["n"], before["m"]), (after["n"], after["m"])}
    assert after["n"] == 1522 * 10 and before["n"] == 1522 * 4
    mixed = [s for s in seen if s not in allowed]
    assert not mixed, f"{len(mixed)} of {len(seen)} reads saw a mix, e.g. {mixed[:3]}"


def test_a_travel_update_cut_in_its_apply_is_finished_by_the_next_load(empty_db, travel,
                                                                       monkeypatch):
    old, new = travel
    load_old_travel(empty_db, old)
    load_directory(empty_db, DB, new, mode="update", staged_above=ONE_TRANSACTION)
    expected = visible_graph(empty_db)
    load_old_travel(empty_db, old)
    monkeypatch.setattr(loader, "SWITCH_ROWS", 500)
    apply = loader.APPLY_STAGED_TRAVEL  # 2,000 pairs applied, then it dies
    die_in(monkeypatch, apply,
           apply.replace("(h:Hospital)\n", "(h:Hospital) WITH a, s, h LIMIT 2000\n", 1),
           "cut in the apply")
    with pytest.raises(Died):
        load_directory(empty_db, DB, new, mode="update", staged_above=0)
    monkeypatch.undo()
    staged = one(empty_db, "MATCH ()-[s:STAGED_TRAVEL]->() RETURN count(s) AS n")["n"]
    assert staged == 1522 * 10 - 2000  # the rest waits for the next load
    with pytest.raises(DatabaseUnavailable, match="being switched in"):
        consistent_read(empty_db)
    assert recover(empty_db, DB)[0]
    assert visible_graph(empty_db) == expected


def test_entity_routes_see_the_old_dataset_or_the_new_one_during_a_staged_load(empty_db, large,
                                                                              client_for,
                                                                              monkeypatch):
    load_directory(empty_db, DB)
    monkeypatch.setattr(loader, "SWITCH_ROWS", 500)  # a longer switch, in many batches
    client = client_for()

    calls = [0]

    def region_areas() -> tuple[int, int]:  # GET /regions and GET /regions/{id}
        # answers are cached per revision (which moves at the switch's end only): a new limit
        # each time makes every list a database read
        calls[0] += 1
        page = client.get("/regions", params={"limit": 8 + calls[0] % 900})
        assert page.status_code == 200, page.text
        one_region = client.get("/regions/noord")
        assert one_region.status_code == 200, one_region.text
        return sum(r["areas"] for r in page.json()["data"]), one_region.json()["areas"]

    old_areas = one(empty_db, "MATCH (a:Area) RETURN count(a) AS n")["n"]
    assert old_areas == 1522 and region_areas()[0] == 1522
    with reading(region_areas, seconds=60) as seen:
        load_directory(empty_db, DB, large, staged_above=0)
        wait_until(lambda: seen and seen[-1][0] == AREAS, "the routes show the new dataset",
                   seconds=60)
    new_noord = one(empty_db, "MATCH (:Area)-[:IN_REGION]->(g:Region {id: 'noord'}) "
                              "RETURN count(*) AS n")["n"]
    old_noord = seen[0][1]
    allowed = {(1522, old_noord), (AREAS, new_noord)}
    mixed = [s for s in seen if s not in allowed]
    assert not mixed, f"{len(mixed)} of {len(seen)} answers were a mix, e.g. {mixed[:3]}"

"""Scenario, sweep and calibration writes meet a load (issue 13, left for the next work).

A write computed on the dataset is stored only while that dataset is current, no load holds
the lock and no switch is marked (:func:`app.repository.load_lock.write_on_dataset`);
otherwise 503 with Retry-After (the CLI: one line, a non-zero exit) and nothing written.

Oracles: the graph itself (counts of Scenario, Sweep and ChoiceModel nodes and their links
before and after the refused write), a real staged load held at its own progress hook, the
loader's own switch mark, and a positive control for each refusal (the same write stored
once the load is done, or on the current dataset), so a check that refuses everything fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest
from neo4j import Driver

from app.loader import END_STAGED_SWITCH, MARK_STAGED_SWITCH, load_directory
from app.repository.choice_models import save_choice_model
from app.repository.load_lock import DatasetChanged
from app.repository.scenarios import save_scenario
from app.repository.snapshot import read_snapshot
from app.schemas import ScenarioCreate
from app.services.calibrations import CalibrationCreate, run_calibration
from app.services.scenarios import run_scenario
from tests.app.live import wait_until

DB = "neo4j"
CARE = "gastrectomy"
SCENARIO = {"care_type": CARE, "centres": 4}
SWEEP = {"care_type": CARE, "k_min": 3, "k_max": 4, "solver": "heuristic"}
GIVEN = {"care_type": CARE, "method": "given", "name": "from a study",
         "params": {"beta_time": -0.05}, "source": "a test", "confidence": "modelled"}
STORED = """
RETURN COUNT { (:Scenario) } AS scenarios, COUNT { (:Sweep) } AS sweeps,
       COUNT { (:ChoiceModel) } AS models,
       COUNT { (:Scenario)-[]->() } + COUNT { (:Sweep)-[]->() }
       + COUNT { (:ChoiceModel)-[]->() } AS links
"""


def stored(driver: Driver) -> dict[str, int]:
    records, _, _ = driver.execute_query(STORED, database_=DB)
    return dict(records[0])


@pytest.fixture
def loaded(empty_db: Driver) -> Driver:
    load_directory(empty_db, DB)
    return empty_db


class HeldLoad:
    """A real staged replace load of the seed, held at its first progress report (the lock
    taken, staged nodes written) until :meth:`release`."""

    def __init__(self, driver: Driver) -> None:
        self.reached, self.go = threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(driver,), daemon=True)

    def _progress(self, done: int, total: int, name: str) -> None:
        self.reached.set()
        self.go.wait(120)  # bounded: the test releases it long before

    def _run(self, driver: Driver) -> None:
        try:
            load_directory(driver, DB, staged_above=0, progress=self._progress)
        except BaseException as e:  # handed to the test
            self.error = e

    def release(self) -> None:
        self.go.set()
        self.thread.join(300)
        assert not self.thread.is_alive(), "the held load did not finish"
        assert self.error is None, self.error


@pytest.fixture
def held_load(loaded: Driver) -> Iterator[HeldLoad]:
    load = HeldLoad(loaded)
    load.thread.start()
    wait_until(lambda: load.reached.is_set() or not load.thread.is_alive(),
               "the staged load reaches its first batch", seconds=120)
    assert load.reached.is_set(), load.error
    yield load
    load.go.set()
    load.thread.join(300)


def assert_refused(r, *expected: str) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["retry-after"]) >= 1
    detail = r.json()["detail"]
    for text in expected:
        assert text in detail, detail


def test_writes_during_a_staged_load_are_503_and_store_nothing(held_load, client_for, driver):
    client = client_for()
    before = stored(driver)
    for path, body, what in (("/scenarios", SCENARIO, "scenario"),
                             ("/sweeps", SWEEP, "sweep"),
                             ("/calibrations", GIVEN, "choice model")):
        r = client.post(path, json=body)
        assert_refused(r, f"{what} '", "not stored: a load is running (oncoregio load "
                       "(replace)", "nothing was written")
    assert stored(driver) == before
    held_load.release()
    # the control: the same writes are stored once the load is done (on the new dataset)
    assert client.post("/scenarios", json=SCENARIO).status_code == 201
    assert client.post("/calibrations", json=GIVEN).status_code == 201
    after = stored(driver)
    assert (after["scenarios"], after["models"]) == (1, 1) and after["links"] > 0


def test_a_store_computed_before_a_load_is_refused(loaded):
    snap = read_snapshot(loaded, DB)
    result = run_scenario(snap, ScenarioCreate.model_validate(SCENARIO))
    model = run_calibration(snap, CalibrationCreate.model_validate(GIVEN))
    load_directory(loaded, DB)  # the same folder, loaded again: a new dataset all the same
    for write in (lambda: save_scenario(loaded, DB, result, dataset=snap.dataset),
                  lambda: save_choice_model(loaded, DB, model, dataset=snap.dataset)):
        with pytest.raises(DatasetChanged, match="a load changed the dataset while it was "
                                                 "computed; nothing was written"):
            write()
    assert stored(loaded) == {"scenarios": 0, "sweeps": 0, "models": 0, "links": 0}
    # the control: computed on the current dataset, it is stored with all its links
    current = read_snapshot(loaded, DB)
    assert current.dataset is not None and current.dataset != snap.dataset
    save_scenario(loaded, DB, result, dataset=current.dataset)
    records, _, _ = loaded.execute_query(
        "MATCH (:Scenario {id: $id})-[:KEEPS]->(h:Hospital) RETURN count(h) AS kept",
        id=result.id, database_=DB)
    assert records[0]["kept"] == len(result.centres)


def test_other_writes_meanwhile_do_not_refuse_a_store(loaded):
    """Writes are not serialised against each other: a calibration stored (it bumps the
    revision) while a scenario computes does not refuse the scenario."""
    snap = read_snapshot(loaded, DB)
    result = run_scenario(snap, ScenarioCreate.model_validate(SCENARIO))
    model = run_calibration(snap, CalibrationCreate.model_validate(GIVEN))
    save_choice_model(loaded, DB, model, dataset=snap.dataset)
    assert read_snapshot(loaded, DB).revision != snap.revision
    save_scenario(loaded, DB, result, dataset=snap.dataset)
    assert stored(loaded)["scenarios"] == 1


def test_a_store_during_a_dataset_switch_is_refused(loaded):
    snap = read_snapshot(loaded, DB)
    result = run_scenario(snap, ScenarioCreate.model_validate(SCENARIO))
    # the loader's own mark, as a staged load sets it before its switch
    loaded.execute_query(MARK_STAGED_SWITCH, token="test", phase="promote", mode="replace",
                         directory="a test", checksum="x", files=[], database_=DB)
    try:
        with pytest.raises(DatasetChanged, match="a new dataset is being switched in"):
            save_scenario(loaded, DB, result, dataset=snap.dataset)
        assert stored(loaded)["scenarios"] == 0
    finally:
        loaded.execute_query(END_STAGED_SWITCH, database_=DB)
    save_scenario(loaded, DB, result, dataset=snap.dataset)
    assert stored(loaded)["scenarios"] == 1



HAND_LOCK = """
CREATE (:LoadLock {id: 'load', token: 'by-hand', what: 'a hand-made lock', pid: $pid,
                   host: $host, started: datetime(), heartbeat: datetime()})
"""


@pytest.mark.parametrize("holder", ["dead here", "alive here", "elsewhere"])
def test_a_lock_left_by_a_dead_process_here_does_not_refuse_a_store(loaded, holder):
    """A load killed on this host leaves its lock with a fresh heartbeat: a store is not
    refused for up to a minute for it (its pid is gone); a live holder, here or on another
    host (whose pid cannot be checked), still refuses it."""
    snap = read_snapshot(loaded, DB)
    result = run_scenario(snap, ScenarioCreate.model_validate(SCENARIO))
    gone = subprocess.Popen(["true"])
    gone.wait()
    pid, host = {"dead here": (gone.pid, socket.gethostname()),
                 "alive here": (os.getpid(), socket.gethostname()),
                 "elsewhere": (gone.pid, "elsewhere.invalid")}[holder]
    loaded.execute_query(HAND_LOCK, pid=pid, host=host, database_=DB)
    if holder == "dead here":
        save_scenario(loaded, DB, result, dataset=snap.dataset)
        assert stored(loaded)["scenarios"] == 1
    else:
        with pytest.raises(DatasetChanged, match="a load is running \\(a hand-made lock\\)"):
            save_scenario(loaded, DB, result, dataset=snap.dataset)
        assert stored(loaded)["scenarios"] == 0

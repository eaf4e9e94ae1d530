"""``oncoregio scenario`` while a load holds the lock: one clear line, a non-zero exit,
nothing stored (:func:`app.repository.load_lock.write_on_dataset`).

Oracles: the graph (no Scenario node after the refusal) and the control run after the lock
is released (stored).
"""

from __future__ import annotations

from app.loader import load_directory
from app.repository.load_lock import load_lock
from tests.app.cli.conftest import assert_one_error_line

DB = "neo4j"
CARE = "gastrectomy"
SCENARIOS = "RETURN COUNT { (:Scenario) } AS n"


def scenarios(driver) -> int:
    records, _, _ = driver.execute_query(SCENARIOS, database_=DB)
    return int(records[0]["n"])


def test_scenario_during_a_load_is_one_line(empty_db, oncoregio_db):
    load_directory(empty_db, DB)
    loaded = empty_db
    with load_lock(loaded, DB, "a test holding the load lock"):
        run = oncoregio_db("scenario", CARE, "-k", "4")
        assert_one_error_line(run, "not stored: a load is running (a test holding the load "
                              "lock)", "nothing was written")
    assert scenarios(loaded) == 0
    assert oncoregio_db("scenario", CARE, "-k", "4").code == 0
    assert scenarios(loaded) == 1


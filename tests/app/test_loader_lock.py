"""One load at a time (issue 13): the load lock in Neo4j, with two real processes.

Oracles: the holder's own pid and command (named in the second load's error line), the
graph before the refused write (unchanged), and locks made by hand with a dead pid, another
host or an old heartbeat (stale or not, as :mod:`app.repository.load_lock` defines).
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from neo4j import Driver

from app.loader import load_directory
from app.repository.flows import replace_modelled_flows
from app.repository.load_lock import LoadLocked, break_lock, load_lock, read_lock
from app.repository.revision import read_revision
from tests.app.cli.conftest import database_env, oncoregio_running, run_oncoregio
from tests.app.live import wait_until
from tests.large_dataset import make_large_dataset

DB = "neo4j"
HAND_LOCK = """
CREATE (:LoadLock {id: 'load', token: 'by-hand', what: 'a hand-made lock', pid: $pid,
                   host: $host, started: datetime() - duration({minutes: 5}),
                   heartbeat: datetime() - duration({seconds: $age})})
"""


def locks(driver: Driver) -> int:
    records, _, _ = driver.execute_query("RETURN COUNT { (:LoadLock) } AS n", database_=DB)
    return int(records[0]["n"])


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    return make_large_dataset(tmp_path_factory.mktemp("lock") / "data", areas=20_000,
                              pairs_per_area=2)


def test_a_second_load_fails_at_once_naming_the_first(empty_db, large, neo4j_server):
    load_directory(empty_db, DB)
    env = database_env(neo4j_server)
    with oncoregio_running("load", str(large), "--quiet", "--staged-above", "0",
                           env=env) as first:
        wait_until(lambda: locks(empty_db) == 1 or first.poll() is not None,
                   "the first load takes the lock", seconds=120)
        holder = read_lock(empty_db, DB)
        assert holder is not None and holder.pid == first.pid, "the first load ended early"
        # a second process: one line naming the first, a non-zero exit, nothing written
        second = run_oncoregio("load", "--quiet", env=env, timeout=120)
        assert first.poll() is None, "the first load must still run for this test"
        assert second.code != 0
        lines = second.error_lines
        assert len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
        assert lines[0].startswith("error: another load is running: oncoregio load (replace)")
        assert f"pid {first.pid} on {socket.gethostname()}, since {holder.started}" in lines[0]
        # an API write of the flows is refused too (503 through DatabaseUnavailable)
        with pytest.raises(LoadLocked, match=f"pid {first.pid}"):
            replace_modelled_flows(empty_db, DB, [])
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert locks(empty_db) == 0  # released
    records, _, _ = empty_db.execute_query("MATCH (a:Area) RETURN count(a) AS n", database_=DB)
    assert records[0]["n"] == 20_000  # the first load's dataset, not the second's (the seed)


def test_a_stale_lock_is_taken_over_and_a_live_one_is_not(empty_db):
    # the holder ran on this host and its pid is gone: stale at once
    empty_db.execute_query(HAND_LOCK, pid=dead_pid(), host=socket.gethostname(), age=1,
                           database_=DB)
    with load_lock(empty_db, DB, "test") as taken_over:
        assert [h.what for h in taken_over] == ["a hand-made lock"]
        assert read_lock(empty_db, DB).what == "test"
    assert locks(empty_db) == 0
    # another host, heartbeat 10 minutes old: stale
    empty_db.execute_query(HAND_LOCK, pid=1, host="elsewhere.invalid", age=600, database_=DB)
    load_directory(empty_db, DB)
    assert locks(empty_db) == 0
    # another host, fresh heartbeat: a live holder; refused at once, nothing written
    empty_db.execute_query(HAND_LOCK, pid=1, host="elsewhere.invalid", age=1, database_=DB)
    revision = read_revision(empty_db, DB)
    with pytest.raises(LoadLocked, match=r"a hand-made lock \(pid 1 on elsewhere.invalid, "
                                         r"since .*--break-lock"):
        load_directory(empty_db, DB)
    assert read_revision(empty_db, DB) == revision
    # --break-lock's function removes it, whoever holds it
    assert break_lock(empty_db, DB).host == "elsewhere.invalid"
    assert locks(empty_db) == 0 and break_lock(empty_db, DB) is None


def test_the_lock_is_released_when_the_load_fails(empty_db, tmp_path):
    (tmp_path / "regions.csv").write_text("id,name,source,confidence\n", encoding="utf-8")
    with pytest.raises(Exception, match="problem"):
        load_directory(empty_db, DB, tmp_path)
    assert locks(empty_db) == 0


def test_the_holder_refreshes_its_heartbeat(empty_db, monkeypatch):
    from app.repository import load_lock as lock_module

    monkeypatch.setattr(lock_module, "HEARTBEAT_SECONDS", 0.2)
    with load_lock(empty_db, DB, "test"):
        first = empty_db.execute_query("MATCH (l:LoadLock) RETURN l.heartbeat AS t",
                                       database_=DB)[0][0]["t"]
        wait_until(lambda: empty_db.execute_query(
            "MATCH (l:LoadLock) RETURN l.heartbeat AS t", database_=DB)[0][0]["t"] > first,
            "the heartbeat moves", seconds=20)

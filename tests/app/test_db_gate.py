"""The database circuit breaker and the token check's last good copy, as state machines.

The probe here is a plain callable the test controls (what the gate calls, not a database);
the breaker against the real Neo4j stopped and started is tests/app/test_fault_neo4j.py.
"""

from __future__ import annotations

import hashlib
import threading
import time

import pytest

from app.auth import TokenCache
from app.db import DatabaseGate, DatabaseUnavailable
from tests.app.live import wait_until


class Probe:
    """Fails while ``down`` is set; counts its calls."""

    def __init__(self) -> None:
        self.down = threading.Event()
        self.down.set()
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.down.is_set():
            raise DatabaseUnavailable("still down")


def test_gate_opens_on_trip_and_closes_on_the_first_answered_probe():
    probe = Probe()
    gate = DatabaseGate(probe, interval=0.01, probe_timeout=0.2)
    try:
        gate.check()  # closed: passes
        gate.trip("Neo4j is unreachable")
        with pytest.raises(DatabaseUnavailable, match="unreachable"):
            gate.check()
        wait_until(lambda: probe.calls >= 3, "the probe keeps trying while it fails", 5)
        assert gate.is_open
        probe.down.clear()
        wait_until(lambda: not gate.is_open, "the gate closes once a probe is answered", 5)
        gate.check()
        assert gate.opened == 1
    finally:
        gate.close()


def test_gate_ignores_a_failure_of_a_call_older_than_its_last_close():
    probe = Probe()
    clock = [100.0]
    gate = DatabaseGate(probe, interval=0.01, probe_timeout=0.2, clock=lambda: clock[0])
    try:
        gate.trip("down")
        probe.down.clear()
        wait_until(lambda: not gate.is_open, "closed", 5)
        # a call that started before the close and fails now says nothing new
        gate.trip("late failure", call_started=99.0)
        assert not gate.is_open
        gate.trip("new failure", call_started=101.0)
        assert gate.is_open and gate.opened == 2
    finally:
        gate.close()


def test_token_cache_serves_its_last_good_copy_while_the_database_is_down_for_a_bounded_time():
    now = [0.0]
    stored = [{"name": "a", "role": "planner", "hash": hashlib.sha256(b"tok").hexdigest()}]
    down = [False]

    def load():
        if down[0]:
            raise DatabaseUnavailable("Neo4j is unreachable")
        return list(stored)

    cache = TokenCache(load, ttl=1.0, clock=lambda: now[0], stale=10.0)
    assert cache.principal("tok").role == "planner"
    down[0] = True
    now[0] = 5.0  # past the ttl: the re-read fails, the copy read at 0 s is used
    assert cache.principal("tok").role == "planner"
    assert cache.principal("other") is None  # still a real check against the copy
    now[0] = 11.5  # past ttl + stale: no copy is good enough any more
    with pytest.raises(DatabaseUnavailable):
        cache.principal("tok")
    down[0] = False
    stored.clear()  # revoked while the copy was in use: seen at the first good read
    now[0] = 13.0
    assert cache.principal("tok") is None


def test_token_cache_without_a_good_read_answers_unavailable():
    cache = TokenCache(lambda: (_ for _ in ()).throw(DatabaseUnavailable("down")), ttl=1.0)
    with pytest.raises(DatabaseUnavailable):
        cache.principal("tok")  # nothing read yet: no copy to serve


def test_gate_retry_after_is_the_time_to_its_next_probe():
    clock = [100.0]
    held = threading.Event()
    started = threading.Event()

    def probe() -> None:  # a probe that waits, as one does on a server that is starting
        started.set()
        held.wait(5)
        raise DatabaseUnavailable("still starting")

    gate = DatabaseGate(probe, interval=0.01, probe_timeout=20.0, max_probes=4,
                        clock=lambda: clock[0])
    try:
        assert gate.retry_after() is None  # closed: nothing to wait for
        gate.trip("down")
        # no probe in flight yet: the next one is due at the scheduler's next tick
        assert gate.retry_after() in (1, 5)  # 1 unless the first probe already started
        wait_until(started.is_set, "the first probe started", 5)
        # a probe waiting since 100.0: the next starts 20 / 4 = 5 s after it
        assert gate.retry_after() == 5
        clock[0] = 102.5
        assert gate.retry_after() == 3  # ceil(105.0 - 102.5)
        clock[0] = 104.9
        assert gate.retry_after() == 1  # never less than a second
    finally:
        held.set()
        gate.close()


def test_gate_runs_on_close_once_each_time_it_closes():
    probe = Probe()
    closed: list[bool] = []
    gate = DatabaseGate(probe, interval=0.01, probe_timeout=0.2,
                        on_close=lambda: closed.append(gate.is_open))
    try:
        gate.trip("down")
        probe.down.clear()
        wait_until(lambda: closed, "on_close ran", 5)
        assert closed == [False]  # after the gate closed, requests already pass
        probe.down.set()
        gate.trip("down again")
        probe.down.clear()
        wait_until(lambda: len(closed) == 2, "on_close ran for the second close", 5)
        wait_until(lambda: not gate.is_open, "closed", 5)
        assert closed == [False, False] and gate.opened == 2
    finally:
        gate.close()


COUNTS = "MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels"


def test_scenario_store_warm_up_names_every_parameter_of_its_query():
    import re

    from app.repository.scenarios import CREATE_SCENARIO, WARM_UP

    assert WARM_UP.query is CREATE_SCENARIO
    assert set(WARM_UP.parameters) == set(re.findall(r"\$(\w+)", CREATE_SCENARIO))


def test_warm_up_runs_the_hot_queries_and_keeps_nothing(seeded, neo4j_server):
    from app.db import PROBE, GuardedDriver, WarmUp, create_driver
    from app.repository.revision import READ_REVISION
    from app.repository.scenarios import WARM_UP
    from app.repository.tokens import TOKEN_HASHES
    from tests.conftest import make_settings

    before = seeded.execute_query(COUNTS, database_="neo4j").records[0].data()
    guarded = GuardedDriver(create_driver(make_settings(neo4j_server)), database="neo4j",
                            call_timeout=30.0, probe_interval=0.5,
                            warm_ups=(WarmUp(READ_REVISION, {}), WarmUp(TOKEN_HASHES, {}),
                                      WARM_UP))
    try:
        called = time.monotonic()
        guarded._warm_up()  # noqa: SLF001 - the run the gate starts in the background
        assert guarded.warm_ups_done == 1
        ((started, finished),) = guarded.warm_up_times
        assert called <= started <= finished <= time.monotonic()
        # the store ran (rolled back): nothing of it remains
        after = seeded.execute_query(COUNTS, database_="neo4j").records[0].data()
        assert after == before
        assert not seeded.execute_query("MATCH (s:Scenario {id: 'warm-up'}) RETURN s",
                                        database_="neo4j").records
        # a warm-up that does not fit its query (a parameter missing) is reported, not kept
        broken = GuardedDriver(guarded.driver, database="neo4j", call_timeout=30.0,
                               probe_interval=0.5,
                               warm_ups=(WarmUp(WARM_UP.query, {"id": "warm-up"}),))
        broken._warm_up()  # noqa: SLF001
        assert broken.warm_ups_done == 0 and not broken.warm_up_times
        assert guarded.bounded(lambda: guarded.driver.execute_query(
            PROBE, database_="neo4j").records[0]["one"]) == 1
    finally:
        guarded.close()


def test_openapi_documents_the_503_with_retry_after_wherever_the_database_is_asked():
    from app.main import create_app
    from app.settings import Settings

    schema = create_app(Settings(_env_file=None)).openapi()
    asks = {(m, p): op for p, item in schema["paths"].items() for m, op in item.items()
            if op.get("security") or "503" in op.get("responses", {})}
    # every operation behind the token check asks the database (the stored hashes)
    assert ("get", "/regions") in asks and ("post", "/scenarios") in asks
    for (method, path), op in asks.items():
        response = op["responses"].get("503")
        assert response is not None, f"{method.upper()} {path}: no 503 documented"
        header = response.get("headers", {}).get("Retry-After")
        assert header and header["schema"]["type"] == "integer", (
            f"{method.upper()} {path}: 503 without Retry-After")
        assert "application/problem+json" in response["content"]


def _guarded(uri: str, password: str = "unused"):
    from neo4j import GraphDatabase

    from app.db import GuardedDriver

    driver = GraphDatabase.driver(uri, auth=("neo4j", password), connection_timeout=3,
                                  max_transaction_retry_time=3)
    return GuardedDriver(driver, database="neo4j", call_timeout=15.0, probe_interval=0.5)


def test_a_call_waiting_on_a_stopped_server_answers_503_once_a_quick_check_is_refused():
    from tests.helpers import free_port

    guarded = _guarded(f"bolt://127.0.0.1:{free_port()}")  # nothing listens there
    stuck = threading.Event()  # a driver call spending its retry time: it never ends itself
    try:
        # released when the quick check was refused ("unreachable"), not at the call's 15 s
        # limit (which says "did not answer within 15 s")
        with pytest.raises(DatabaseUnavailable, match="unreachable"):
            guarded.bounded(lambda: stuck.wait(30))
        assert guarded.gate.is_open
    finally:
        stuck.set()
        guarded.close()


def test_a_slow_call_on_a_database_that_answers_is_waited_for(neo4j_server):
    import time

    from app.db import SUSPECT_AFTER

    guarded = _guarded(neo4j_server.uri, neo4j_server.password)
    try:
        # slower than the quick check's trigger: the check gets an answer, the call its value
        assert guarded.bounded(lambda: time.sleep(SUSPECT_AFTER + 1.0) or "value") == "value"
        assert not guarded.gate.is_open and guarded.gate.opened == 0
    finally:
        guarded.close()

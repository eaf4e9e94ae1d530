"""The database circuit breaker and the token check's last good copy, as state machines.

The probe here is a plain callable the test controls (what the gate calls, not a database);
the breaker against the real Neo4j stopped and started is tests/app/test_fault_neo4j.py.
"""

from __future__ import annotations

import hashlib
import threading

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

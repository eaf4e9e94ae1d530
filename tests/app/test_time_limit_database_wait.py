"""A time limit spent waiting for the database is a 503 with Retry-After, not a 422 (issue 13,
left for the next work).

The real test Neo4j is paused (SIGSTOP) for longer than the request's time limit can spare and
resumed (SIGCONT) by a timer: a paused server accepts connections and answers nothing, as a
cold or starting one does, so the database gate stays closed and the request waits for its
data. Oracles: the same request on the answering database is stored (201: the problem is
solvable within its limit), the paused one is a 503 problem naming the wait with nothing
stored, and once the database answers again the request is stored again. A real solver
time-out stays a 422 (tests/app/test_time_limits.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest

from app import localdb

DB = "neo4j"
TIME_LIMIT = 3.0
#: longer than the time limit less the evaluation's reserve: no time is left for the solve;
#: shorter than the driver's connection timeout (3 s), so the gate does not open
PAUSE = 2.6
SCENARIO = {"care_type": "pancreatic-resection", "method": "p_median", "centres": 5,
            "time_limit": TIME_LIMIT}


def scenarios(driver) -> int:
    records, _, _ = driver.execute_query("RETURN COUNT { (:Scenario) } AS n", database_=DB)
    return int(records[0]["n"])


def warm_up(client) -> None:
    """The compute pool, the driver's connections and the query plans warmed by a request
    with room to spare (a cold first request can spend more than the 0.75 s the 3 s limit
    leaves for the data before it, now that the limit counts from arrival, its token check
    included), then the request itself stored: solvable within its limit."""
    assert client.post("/scenarios", json={**SCENARIO, "time_limit": 60}).status_code == 201
    assert client.post("/scenarios", json=SCENARIO).status_code == 201


def local_pid(neo4j_server) -> int:
    inst = neo4j_server.instance
    if neo4j_server.kind != "local" or inst is None:
        pytest.skip("pauses the project's local test instance; "
                    f"the database here is {neo4j_server.kind}")
    pid = localdb.status(inst)["pid"]
    assert pid is not None
    return pid


@contextlib.contextmanager
def paused(pid: int, seconds: float):
    """Neo4j stopped (SIGSTOP) and resumed by a timer after ``seconds``; yields an event set
    at the resume. Resumed on the way out whatever happened: the other tests need it."""
    resumed = threading.Event()

    def resume() -> None:
        os.kill(pid, signal.SIGCONT)
        resumed.set()

    timer = threading.Timer(seconds, resume)
    os.kill(pid, signal.SIGSTOP)
    timer.start()
    try:
        yield resumed
    finally:
        timer.join(seconds + 5)
        os.kill(pid, signal.SIGCONT)


def test_time_limit_spent_waiting_for_the_database_is_503(seeded, neo4j_server, client_for):
    pid = local_pid(neo4j_server)
    # a long grace: the data arrive after the pause, well before the computation is stopped;
    # the token stays known for the whole test, so the paused request waits in its data read
    # (inside its time limit), not in the token check before it: with the default 1 s, a first
    # request that took longer (a cold compute pool) left the token to be checked again, the
    # wait went to authentication, and the request had its whole limit afterwards (a 201)
    client = client_for(compute_grace_seconds=10, token_cache_seconds=60)
    warm_up(client)
    before = scenarios(seeded)

    with paused(pid, PAUSE):
        r = client.post("/scenarios", json=SCENARIO)

    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["retry-after"]) >= 1
    detail = r.json()["detail"]
    assert f"no solution within the time limit of {TIME_LIMIT:g} s" in detail, detail
    assert "went to waiting for Neo4j's data" in detail, detail
    waited = float(detail.split(": ", 1)[1].split(" s of it", 1)[0])
    assert waited >= PAUSE - 0.1, detail  # the wait was the pause
    assert scenarios(seeded) == before
    # the database answers again: the same request has its whole limit and is stored
    assert client.post("/scenarios", json=SCENARIO).status_code == 201
    assert scenarios(seeded) == before + 1


def test_time_limit_counts_the_token_check_before_the_route(seeded, neo4j_server, client_for):
    """The limit runs from the request's arrival: a token check that waits for the paused
    database (its hashes older than the cache's 0.5 s) spends the request's limit as the data
    read would, so the same pause is a 503 here too (with the limit counted from the route's
    start the request had its whole limit after the pause and was stored: a 201)."""
    pid = local_pid(neo4j_server)
    client = client_for(compute_grace_seconds=10, token_cache_seconds=0.5)
    warm_up(client)
    before = scenarios(seeded)
    time.sleep(0.6)  # the token hashes are now older than the cache keeps them
    with paused(pid, PAUSE):
        r = client.post("/scenarios", json=SCENARIO)

    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) >= 1
    detail = r.json()["detail"]
    assert "went to waiting for Neo4j's data" in detail, detail
    waited = float(detail.split(": ", 1)[1].split(" s of it", 1)[0])
    assert waited >= PAUSE - 0.1, detail  # the token check's wait is counted
    assert scenarios(seeded) == before


def test_token_check_is_abandoned_at_the_time_limit(seeded, neo4j_server, client_for):
    """A database that stays paused past the whole limit: the token check gives up at the
    limit (503 naming it) instead of waiting for the driver's call timeout; the answer comes
    while the database is still paused, and nothing is stored."""
    pid = local_pid(neo4j_server)
    client = client_for(compute_grace_seconds=10, token_cache_seconds=0.5)
    warm_up(client)
    before = scenarios(seeded)
    time.sleep(0.6)
    limit = 1.0
    with paused(pid, 4.0) as resumed:
        r = client.post("/scenarios", json={**SCENARIO, "time_limit": limit})
        answered_while_paused = not resumed.is_set()

    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) >= 1
    detail = r.json()["detail"]
    assert f"the token check waited for Neo4j the whole time limit of {limit:g} s" in detail
    assert answered_while_paused, "the token check waited for the database past its limit"
    assert scenarios(seeded) == before

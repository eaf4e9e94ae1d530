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

import os
import signal
import threading

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


def test_time_limit_spent_waiting_for_the_database_is_503(seeded, neo4j_server, client_for):
    inst = neo4j_server.instance
    if neo4j_server.kind != "local" or inst is None:
        pytest.skip("pauses the project's local test instance; "
                    f"the database here is {neo4j_server.kind}")
    pid = localdb.status(inst)["pid"]
    assert pid is not None
    # a long grace: the data arrive after the pause, well before the computation is stopped;
    # the token stays known for the whole test, so the paused request waits in its data read
    # (inside its time limit), not in the token check before it: with the default 1 s, a first
    # request that took longer (a cold compute pool) left the token to be checked again, the
    # wait went to authentication, and the request had its whole limit afterwards (a 201)
    client = client_for(compute_grace_seconds=10, token_cache_seconds=60)
    assert client.post("/scenarios", json=SCENARIO).status_code == 201  # solvable, and warm
    before = scenarios(seeded)

    resume = threading.Timer(PAUSE, os.kill, (pid, signal.SIGCONT))
    os.kill(pid, signal.SIGSTOP)
    resume.start()
    try:
        r = client.post("/scenarios", json=SCENARIO)
    finally:
        resume.join(PAUSE + 5)
        os.kill(pid, signal.SIGCONT)  # whatever happened: the other tests need it running

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

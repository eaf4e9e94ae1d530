"""Sweeps run on the API's bounded compute pool (app/compute.py), shared with scenarios.

Real app on a loopback port, real Neo4j. Oracles: the pool's own counters (never more runs at
once than it has workers), the 429 problem of the scenarios for a sweep that finds no room,
the stored sweeps counted in the graph, and the worker processes' pids.
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from app.errors import BUSY
from app.main import create_app
from tests.app.live import live_app, raw_post, wait_until
from tests.conftest import admin_token, make_settings

CARE = "pancreatic-resection"
#: four exact runs: long enough on one worker to be watched while it runs
SWEEP = {"care_type": CARE, "k_min": 3, "k_max": 4, "norms": [None, 20], "solver": "exact",
         "time_limit": 60}
#: twelve runs: still running when its client gives up
LONG_SWEEP = SWEEP | {"k_min": 3, "k_max": 6, "norms": [None, 10, 20]}
SCENARIO = {"care_type": CARE, "method": "p_median", "centres": 5, "time_limit": 60}
#: how long any one request of these tests may take (bounded loops)
TIMEOUT = 120.0


@pytest.fixture(scope="module")
def token(seeded) -> str:
    return admin_token(seeded)


@pytest.fixture
def serve(seeded, neo4j_server, token):
    """A live app with one compute worker and a queue of one, and an httpx client."""
    with live_app(create_app(make_settings(neo4j_server, compute_workers=1,
                                           compute_queue_size=1))) as live, \
            httpx.Client(base_url=live.url, timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {token}"}) as client:
        yield live, client


def _stored_sweeps(driver, name: str) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (s:Sweep {name: $name}) RETURN count(s) AS n", {"name": name},
        database_="neo4j")
    return records[0]["n"]


def test_create_sweep_beyond_the_pool_answers_429_with_retry_after(serve, seeded) -> None:
    live, client = serve
    pool = live.app.state.compute
    names = [f"pool-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    answers: dict[str, httpx.Response] = {}
    most_running = [0]
    watching = threading.Event()

    def watch() -> None:  # the pool's own counters, while the sweeps run (bounded)
        end = time.monotonic() + TIMEOUT
        while not watching.is_set() and time.monotonic() < end:
            most_running[0] = max(most_running[0], pool.stats().running)
            time.sleep(0.01)

    def post(name: str) -> None:
        answers[name] = client.post("/sweeps", json=SWEEP | {"name": name})

    watcher = threading.Thread(target=watch)
    watcher.start()
    first = threading.Thread(target=post, args=(names[0],))
    first.start()
    try:
        wait_until(lambda: pool.stats().running == 1, "the first sweep runs", seconds=60)
        second = threading.Thread(target=post, args=(names[1],))
        second.start()
        # the second sweep's first run waits in the queue: the pool and its queue are full
        wait_until(lambda: pool.stats().queued >= 1 or names[1] in answers,
                   "the second sweep queued a run", seconds=60)
        if names[1] in answers or names[0] in answers:
            pytest.fail(f"a sweep ended before the pool was seen full: {answers}")
        third = client.post("/sweeps", json=SWEEP | {"name": "pool-refused"})
        assert third.status_code == 429, third.text
        assert third.headers["retry-after"] == "7"  # make_settings: retry_after_seconds 7
        assert third.headers["content-type"].startswith("application/problem+json")
        assert third.json()["type"] == BUSY
        # a scenario meets the same bound
        assert client.post("/scenarios", json=SCENARIO).status_code == 429
        second.join(TIMEOUT)
    finally:
        first.join(TIMEOUT)
        watching.set()
        watcher.join(5)
    for name in names:
        assert answers[name].status_code == 201, answers[name].text
        assert len(answers[name].json()["runs"]) == 4
        assert _stored_sweeps(seeded, name) == 1
    assert _stored_sweeps(seeded, "pool-refused") == 0
    assert most_running[0] == 1  # never more runs at once than the pool's one worker
    # room again: a sweep alone runs
    again = client.post("/sweeps", json=SWEEP | {"name": f"pool-{uuid.uuid4().hex[:8]}"})
    assert again.status_code == 201, again.text


def test_create_sweep_disconnected_client_stops_its_runs_and_stores_nothing(
        serve, token, seeded) -> None:
    live, client = serve
    pool = live.app.state.compute
    name = f"pool-gone-{uuid.uuid4().hex[:8]}"
    sock = raw_post(live.port, "/sweeps", token, LONG_SWEEP | {"name": name})
    wait_until(lambda: pool.stats().busy_pids, "the sweep's first run started", seconds=60)
    sock.close()  # the client gives up
    # its running run is stopped (its worker killed) and none of the others is started
    wait_until(lambda: pool.stats().running == 0 and pool.stats().queued == 0,
               "no run of the abandoned sweep left", seconds=30)
    for _ in range(20):  # and none starts later (bounded: 2 s)
        assert pool.stats().running == 0 and pool.stats().queued == 0
        time.sleep(0.1)
    assert _stored_sweeps(seeded, name) == 0
    r = client.post("/scenarios", json=SCENARIO)  # the pool still works
    assert r.status_code == 201, r.text

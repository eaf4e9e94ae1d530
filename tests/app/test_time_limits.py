"""POST /scenarios under time limits, load and disconnecting clients, on the real Neo4j
through a real uvicorn (loopback).

The only times asserted are the issue's explicit bounds, which are the correctness of a
limit: a request with ``time_limit`` t answers within t + 2 s.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
import pytest

from app.errors import BUSY, TIME_LIMIT
from app.main import create_app
from tests.app.live import live_app, raw_post, wait_until
from tests.conftest import admin_token, make_settings

#: the issue's slack: time_limit + this many seconds for the whole request
SLACK = 2.0
#: p-median over every hospital, exact, 30 centres of at least 30 patients: HiGHS alone takes
#: 10 s and more to set this model up (the issue saw 30.8 s for time_limit 1)
HARD = {"care_type": "pancreatic-resection", "method": "p_median", "candidate_set": "all",
        "solver": "exact", "centres": 30, "min_volume": 30, "time_limit": 1}
#: solved with a result in a few seconds (stored if not cancelled)
SLOW = {"care_type": "pancreatic-resection", "method": "p_median", "candidate_set": "all",
        "solver": "exact", "centres": 10, "time_limit": 4}
#: requests whose limit does not bind: their answers must not depend on load
NOT_BINDING = [
    {"care_type": "pancreatic-resection", "method": "p_median", "centres": 5,
     "time_limit": 60},
    {"care_type": "pancreatic-resection", "method": "p_median", "candidate_set": "all",
     "solver": "heuristic", "centres": 8, "time_limit": 60},
    {"care_type": "pancreatic-resection", "method": "max_covering", "minutes": 45,
     "centres": 6, "time_limit": 60},
    {"care_type": "pancreatic-resection", "method": "p_median", "centres": 4,
     "min_volume": 20, "solver": "exact", "time_limit": 60},
]


@pytest.fixture(scope="module")
def token(seeded) -> str:
    return admin_token(seeded)


@pytest.fixture
def serve(seeded, neo4j_server, token):
    """``serve(**settings)`` -> a live server and an httpx client with an admin token."""
    opened: list[Any] = []

    def start(**overrides: Any):
        cm = live_app(create_app(make_settings(neo4j_server, **overrides)))
        live = cm.__enter__()
        opened.append(cm)
        client = httpx.Client(base_url=live.url, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})
        opened.append(client)
        # the first read of a fresh database plans its queries: not what is measured here
        warm = client.post("/scenarios", json=NOT_BINDING[0])
        assert warm.status_code == 201, warm.text
        return live, client

    yield start
    for thing in reversed(opened):
        if isinstance(thing, httpx.Client):
            thing.close()
        else:
            thing.__exit__(None, None, None)


def timed_post(client: httpx.Client, body: dict[str, Any]) -> tuple[httpx.Response, float]:
    t = time.monotonic()
    r = client.post("/scenarios", json=body)
    return r, time.monotonic() - t


def check_limited(r: httpx.Response, elapsed: float, limit: float) -> None:
    """A time-limited answer: in time, and either a solution that says how it ended or the
    time-limit problem (never 'infeasible', never a server error)."""
    assert elapsed <= limit + SLACK, (
        f"time_limit {limit} s answered after {elapsed:.2f} s (> limit + {SLACK} s): "
        f"{r.status_code} {r.text[:300]}")
    if r.status_code == 201:
        head = r.json()["headline"]
        assert head["status"] in {"optimal", "time_limit", "heuristic"}, head
        if head["status"] == "time_limit":
            assert head["gap"] is not None and head["bound"] is not None, head
    else:
        assert r.status_code == 422, r.text
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["type"] == TIME_LIMIT, problem
        assert "infeasible" not in problem["detail"].replace("not proven infeasible", ""), \
            problem["detail"]
        assert problem["time_limit"] == limit


def test_create_scenario_hard_instance_time_limit_1_answers_within_3_s(serve) -> None:
    _, client = serve()
    r, elapsed = timed_post(client, HARD)
    check_limited(r, elapsed, HARD["time_limit"])


def test_create_scenario_8_concurrent_all_within_limit(serve) -> None:
    live, client = serve(compute_queue_size=8)
    bodies = [HARD, SLOW | {"time_limit": 1}] * 4
    out: list[tuple[httpx.Response, float] | BaseException] = [None] * 8  # type: ignore

    def one(i: int) -> None:
        try:
            out[i] = timed_post(client, bodies[i])
        except BaseException as e:  # recorded and reported below
            out[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for i, got in enumerate(out):
        assert not isinstance(got, BaseException) and got is not None, f"request {i}: {got}"
        check_limited(*got, limit=1)
    assert live.app.state.compute.stats().running == 0 or wait_until(
        lambda: live.app.state.compute.stats().running == 0, "pool idle afterwards")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _stored(driver, name: str) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (s:Scenario {name: $name}) RETURN count(s) AS n", {"name": name},
        database_="neo4j")
    return records[0]["n"]


def test_create_scenario_disconnected_client_stops_worker_and_stores_nothing(
        serve, token, seeded) -> None:
    live, client = serve()
    pool = live.app.state.compute
    # the same request, left to finish, is stored: what the cancelled one must not be
    kept = f"tl-kept-{uuid.uuid4().hex[:8]}"
    r = client.post("/scenarios", json=SLOW | {"name": kept})
    assert r.status_code == 201, r.text
    assert _stored(seeded, kept) == 1

    name = f"tl-gone-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    sock = raw_post(live.port, "/scenarios", token, SLOW | {"name": name})
    busy = wait_until(lambda: pool.stats().busy_pids, "the computation started")
    pid = busy[0]
    sock.close()  # the client gives up
    wait_until(lambda: _gone(pid), f"worker {pid} of the abandoned computation stopped",
               seconds=5)
    wait_until(lambda: pool.stats().running == 0, "no computation running", seconds=5)
    # past the time the computation would have needed, nothing was stored for it
    left = started + SLOW["time_limit"] + 3.0 - time.monotonic()
    if left > 0:
        time.sleep(left)
    assert _stored(seeded, name) == 0
    assert pid not in pool.stats().worker_pids
    r = client.post("/scenarios", json=NOT_BINDING[0])  # the pool still works
    assert r.status_code == 201, r.text


def test_create_scenario_pool_full_answers_429_with_retry_after(serve) -> None:
    live, client = serve(compute_workers=1, compute_queue_size=0)
    pool = live.app.state.compute
    first: list[httpx.Response] = []
    t = threading.Thread(target=lambda: first.append(client.post("/scenarios", json=SLOW)))
    t.start()
    try:
        wait_until(lambda: pool.stats().running == 1, "the first computation started")
        r = client.post("/scenarios", json=NOT_BINDING[0])
        assert r.status_code == 429, r.text
        assert r.headers["retry-after"] == "7"  # make_settings: retry_after_seconds 7
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == BUSY and r.json()["status"] == 429
    finally:
        t.join(60)
    assert first and first[0].status_code == 201, first
    assert client.post("/scenarios", json=NOT_BINDING[0]).status_code == 201


def _answer(r: httpx.Response) -> tuple[Any, ...]:
    assert r.status_code == 201, r.text
    s = r.json()
    return (sorted(c["hospital"] for c in s["centres"]), s["headline"]["objective"],
            s["headline"]["status"])


def test_create_scenario_same_answer_alone_and_under_load(serve) -> None:
    _, client = serve(compute_queue_size=16)
    alone = [_answer(client.post("/scenarios", json=b)) for b in NOT_BINDING]
    again = [_answer(client.post("/scenarios", json=b)) for b in NOT_BINDING]
    assert again == alone
    for (_, _, status), body in zip(alone, NOT_BINDING, strict=True):
        assert status != "time_limit", f"{body}: the limit was meant not to bind"
    # every request twice at once, with the hard instance burning CPU beside them
    bodies = NOT_BINDING * 2 + [HARD]
    got: list[Any] = [None] * len(bodies)

    def one(i: int) -> None:
        r = client.post("/scenarios", json=bodies[i])
        got[i] = r if bodies[i] is HARD else _answer(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert got[:len(NOT_BINDING) * 2] == alone * 2

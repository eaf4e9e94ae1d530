"""Cached reads against the real database: answers equal fresh computation, ETags follow the
dataset revision, 304s only for unchanged data, other processes' writes seen within the window,
and several worker processes agree."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.repository.revision import read_revision
from app.repository.snapshot import read_snapshot
from app.schemas import CoverageMatrix, Gaps, RegionCoverage
from app.services import coverage as svc
from app.services.cache import SnapshotCache
from tests.app.cli.conftest import ONCOREGIO
from tests.helpers import bump_revision, free_port, seed_rows

REGIONS = sorted(r["id"] for r in seed_rows("regions.csv"))
CARE_TYPES = sorted(c["id"] for c in seed_rows("care_types.csv"))

DROP_PROVISION = """
MATCH (:Hospital {id: $h})-[p:PROVIDES]->(:CareType {id: $c})
WITH p, properties(p) AS props DELETE p RETURN props
"""
RESTORE_PROVISION = """
MATCH (h:Hospital {id: $h}), (c:CareType {id: $c}) CREATE (h)-[p:PROVIDES]->(c) SET p = $props
"""


def fresh(model, payload) -> dict:
    """What the endpoint would answer computed now, without any cache, as JSON."""
    return json.loads(model(**payload).model_dump_json())


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(region=st.sampled_from(REGIONS),
       care_type=st.one_of(st.none(), st.sampled_from(CARE_TYPES)),
       minutes=st.sampled_from([15.0, 30.0, 45.0, 60.0, 90.5, 120.0]))
def test_cached_answers_equal_answers_computed_fresh(seeded, seeded_client, region, care_type,
                                                     minutes):
    snap = read_snapshot(seeded, "neo4j")
    for _ in range(2):  # the first may compute, the second is from the cache
        got = seeded_client.get(f"/regions/{region}/coverage", params={"minutes": minutes})
        assert got.status_code == 200
        assert got.json() == fresh(RegionCoverage, svc.region_coverage_rows(snap, region,
                                                                            minutes))
        params = {"minutes": minutes} | ({"care_type": care_type} if care_type else {})
        got = seeded_client.get("/coverage", params=params)
        assert got.json() == fresh(CoverageMatrix, svc.coverage_matrix(snap, minutes, care_type))
    got = seeded_client.get("/gaps", params={"minutes": minutes, "limit": 50})
    assert got.json() == fresh(Gaps, svc.gaps(snap, minutes, 50))


def test_etag_is_strong_stable_and_depends_on_the_question(seeded_client):
    a = seeded_client.get("/regions/noord/coverage")
    b = seeded_client.get("/regions/noord/coverage")
    c = seeded_client.get("/regions/noord/coverage", params={"minutes": 30})
    d = seeded_client.get("/regions/zuidwest/coverage")
    etags = [r.headers["etag"] for r in (a, b, c, d)]
    assert all(e.startswith('"') and e.endswith('"') for e in etags)  # strong, not W/
    assert etags[0] == etags[1] and len(set(etags[1:])) == 3
    assert a.headers["cache-control"] == "private, no-cache"


@pytest.mark.parametrize("path", ["/regions/noord/coverage", "/coverage", "/gaps",
                                  "/care-types/pancreatic-resection/concentration",
                                  "/hospitals", "/hospitals?region=noord", "/regions",
                                  "/regions/noord", "/networks", "/care-types",
                                  "/regions/map.svg"])
def test_if_none_match_gives_304_without_a_body(seeded_client, path):
    first = seeded_client.get(path)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = seeded_client.get(path, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["etag"] == etag
    other = seeded_client.get(path, headers={"If-None-Match": '"not-it"'})
    assert other.status_code == 200 and other.content == first.content


def test_errors_are_not_cached_and_carry_no_etag(seeded_client):
    r = seeded_client.get("/regions/atlantis/coverage")
    assert r.status_code == 404 and "etag" not in r.headers
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_hand_edit_with_a_revision_bump_changes_answer_and_etag(seeded, seeded_client):
    """A 304 is never served for changed data: the old ETag no longer matches."""
    path = "/regions/midden/coverage"
    before = seeded_client.get(path)
    row = {r["care_type"]: r for r in before.json()["data"]}["car-t"]
    assert not row["gap"] and "umcu-utrecht" in row["providers_in_region"]
    props = seeded.execute_query(DROP_PROVISION, h="umcu-utrecht", c="car-t").records[0]["props"]
    try:
        bump_revision(seeded)
        after = seeded_client.get(path, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        row = {r["care_type"]: r for r in after.json()["data"]}["car-t"]
        assert "umcu-utrecht" not in row["providers_in_region"]
    finally:
        seeded.execute_query(RESTORE_PROVISION, h="umcu-utrecht", c="car-t", props=props)
        bump_revision(seeded)
    restored = seeded_client.get(path)
    assert restored.json() == before.json()
    assert restored.headers["etag"] not in {before.headers["etag"], after.headers["etag"]}


def test_writes_that_answers_do_not_depend_on_leave_etags_alone(seeded, seeded_client):
    """Storing a scenario is not a dataset change: cached reads keep their ETag."""
    before = seeded_client.get("/coverage").headers["etag"]
    revision = read_revision(seeded, "neo4j")
    r = seeded_client.post("/scenarios", json={"care_type": "pancreatic-resection",
                                               "centres": 8, "solver": "heuristic"})
    assert r.status_code == 201, r.text
    assert read_revision(seeded, "neo4j") == revision
    assert seeded_client.get("/coverage").headers["etag"] == before


def test_a_calibration_through_the_api_bumps_the_revision_and_is_seen_at_once(
        seeded, client_for):
    client = client_for(revision_check_seconds=1)  # the window must not hide own writes
    before = read_revision(seeded, "neo4j")
    client.get("/coverage")
    r = client.post("/calibrations", json={"care_type": "pancreatic-resection",
                                           "method": "given", "name": "test",
                                           "params": {"beta_time": -0.05},
                                           "source": "test: a given coefficient",
                                           "confidence": "modelled"})
    assert r.status_code == 201, r.text
    after = read_revision(seeded, "neo4j")
    assert after.number == before.number + 1 and after.tag != before.tag
    # the scenario service reads the snapshot: it knows the new model at once
    s = client.post("/scenarios", json={"care_type": "pancreatic-resection", "centres": 8,
                                        "solver": "heuristic", "allocation": "choice",
                                        "choice_model": r.json()["id"]})
    assert s.status_code == 201, s.text
    assert client.delete(f"/calibrations/{r.json()['id']}").status_code == 204
    assert read_revision(seeded, "neo4j").number == after.number + 1


def test_another_process_write_is_seen_within_the_window(seeded, client_for):
    client = client_for(revision_check_seconds=0.5)
    path = "/regions/midden/coverage"
    first = client.get(path)
    props = seeded.execute_query(DROP_PROVISION, h="umcu-utrecht", c="car-t").records[0]["props"]
    try:
        bump_revision(seeded, "a load in another process")  # not through this app
        changed_at = time.monotonic()
        seen = None
        while time.monotonic() - changed_at < 3:
            r = client.get(path)
            if r.headers["etag"] != first.headers["etag"]:
                seen = time.monotonic() - changed_at
                row = {x["care_type"]: x for x in r.json()["data"]}["car-t"]
                assert "umcu-utrecht" not in row["providers_in_region"]
                break
            # until then the old answer, whole: never a mix
            assert r.content == first.content
            time.sleep(0.05)
        assert seen is not None, "the change was not seen within 3 s"
        assert seen <= 1.0, f"the change took {seen:.2f} s to be seen (window 0.5 s)"
    finally:
        seeded.execute_query(RESTORE_PROVISION, h="umcu-utrecht", c="car-t", props=props)
        bump_revision(seeded)


def test_concurrent_first_requests_build_the_snapshot_once(seeded):
    cache = SnapshotCache(lambda: read_revision(seeded, "neo4j"),
                          lambda: read_snapshot(seeded, "neo4j"), staleness=0.5)
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(cache.snapshot())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(got) == 8 and all(s is got[0] for s in got)
    assert cache.stats.snapshot_builds == 1
    assert got[0].revision == read_revision(seeded, "neo4j")


def test_the_answer_cache_stays_bounded(seeded, client_for):
    client = client_for(answer_cache_entries=20)
    for i in range(60):
        assert client.get("/coverage", params={"minutes": 10 + i}).status_code == 200
    cache = client.app.state.snapshots
    assert cache.answer_count == 20
    assert cache.stats.answer_evictions == 40


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()
    except OSError:
        return 0, {}, b""


def test_several_worker_processes_agree_through_the_revision(seeded, neo4j_server, tmp_path):
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_USER": neo4j_server.user,
           "NEO4J_PASSWORD": neo4j_server.password, "REVISION_CHECK_SECONDS": "0.5"}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(ONCOREGIO), "serve", "--port", str(port), "--workers", "2"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/regions/noord/coverage"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _get(url)[0] != 200:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        # new connections each time: requests are spread over both workers
        etags = {_get(url)[1]["etag"] for _ in range(20)}
        assert len(etags) == 1, etags
        bump_revision(seeded, "a load in another process")
        time.sleep(1.0)
        after = [_get(url) for _ in range(20)]
        assert all(s == 200 for s, _, _ in after)
        new = {h["etag"] for _, h, _ in after}
        assert len(new) == 1 and new != etags, (etags, new)
        assert {b for _, _, b in after} == {after[0][2]}
        text = log.read_text()
        assert text.count("Started server process") == 2, text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Traceback" not in log.read_text()

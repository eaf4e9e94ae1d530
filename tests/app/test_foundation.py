"""Foundation: provisioning, schema, /health against a real Neo4j."""

from __future__ import annotations

import math
import socket

import pytest
from neo4j.exceptions import ConstraintError

from app import localdb
from app.schema import apply_schema, schema_statements
from tests.app.live import wait_until
from tests.helpers import free_port

LABELS = ["Hospital", "Region", "Network", "CareType", "Area", "Scenario"]



def test_schema_applies_twice_without_error(empty_db):
    first = apply_schema(empty_db, "neo4j")
    second = apply_schema(empty_db, "neo4j")
    assert first == second == len(schema_statements())
    records, _, _ = empty_db.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] AS label, properties AS props")
    unique = {(r["label"], tuple(r["props"])) for r in records}
    for label in LABELS:
        assert (label, ("id",)) in unique


@pytest.mark.parametrize("label", LABELS)
def test_schema_rejects_duplicate_id(empty_db, label):
    # the label comes from the fixed list above, not from input; ids are parameters
    empty_db.execute_query(f"CREATE (:{label} {{id: $id}})", id="x1")
    with pytest.raises(ConstraintError):
        empty_db.execute_query(f"CREATE (:{label} {{id: $id}})", id="x1")


def test_health_reports_server_version(client_for, driver):
    client = client_for()
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, edition "
                                         "RETURN versions[0] AS v, edition AS e")
    assert body == {"status": "ok",
                    "neo4j": {"version": records[0]["v"], "edition": records[0]["e"]}}


def assert_retry_after_next_probe(r) -> None:
    """While the gate is open, Retry-After is the whole seconds to its next probe: at least
    1, at most the spacing of probes that wait (app.db.DatabaseGate.retry_after), with the
    default settings the test app has."""
    from app.db import PROBES_IN_FLIGHT
    from app.settings import Settings

    fields = Settings.model_fields
    spacing = max(fields["neo4j_probe_interval"].default,
                  fields["neo4j_call_timeout"].default / PROBES_IN_FLIGHT)
    assert 1 <= int(r.headers["retry-after"]) <= math.ceil(spacing)
    assert f"retry in {r.headers['retry-after']} s" in r.json()["detail"]


def test_health_is_503_problem_when_database_unreachable(client_for):
    client = client_for(neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    r = client.get("/health")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert_retry_after_next_probe(r)
    body = r.json()
    assert body["status"] == 503 and "unreachable" in body["detail"]


def test_health_is_503_when_credentials_are_wrong(client_for):
    client = client_for(neo4j_password="wrong-password-123")
    r = client.get("/health")
    assert r.status_code == 503
    assert "credentials" in r.json()["detail"]


def test_health_recovers_after_database_restart_without_api_restart(client_for, neo4j_server):
    if neo4j_server.instance is None:
        pytest.skip("only the project's own local server can be stopped by the tests")
    client = client_for()
    assert client.get("/health").status_code == 200
    localdb.stop(neo4j_server.instance)
    try:
        down = client.get("/health")
        assert down.status_code == 503
        assert_retry_after_next_probe(down)
    finally:
        localdb.start(neo4j_server.instance)
    # the API's circuit breaker closes when its background probe gets an answer: within a
    # probe interval or two of the server's start, and always within the 5 s
    wait_until(lambda: client.get("/health").status_code == 200,
               "/health answers 200 again after the database is back", seconds=5.0, step=0.1)


def test_provisioning_start_is_idempotent(neo4j_server):
    if neo4j_server.instance is None:
        pytest.skip("provisioning applies to the project's own local server")
    inst = neo4j_server.instance
    before = localdb.status(inst)
    again = localdb.start(inst)
    assert again["pid"] == before["pid"] and again["ready"]
    assert localdb.resolve_jars() == localdb.resolve_jars()
    assert (localdb.cache_dir() / "lib").is_dir()


def test_start_reports_port_taken(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        inst = localdb.instance("porttest", bolt_port=port, http_port=free_port(),
                                root=tmp_path)
        with pytest.raises(localdb.LocalDbError, match=f"port {port}.*already taken"):
            localdb.start(inst, timeout=5)


def test_status_of_never_started_instance(tmp_path):
    st = localdb.status(localdb.instance("nothing", root=tmp_path))
    assert st["running"] is False and st["pid"] is None


@pytest.mark.parametrize(("method", "path"), [("get", "/regions"), ("get", "/coverage"),
                                              ("get", "/analysis/resilience"),
                                              ("post", "/analysis/flows")])
def test_every_endpoint_is_503_when_database_unreachable(client_for, method, path):
    client = client_for(neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    r = getattr(client, method)(path)
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert_retry_after_next_probe(r)

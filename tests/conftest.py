"""Shared fixtures: a real Neo4j for every database test, never a fake.

Connection resolution, in order:
1. ``NEO4J_URI`` (+ ``NEO4J_USER``/``NEO4J_PASSWORD``) in the environment: the user's own server.
   The tests wipe it, so point this only at a throw-away database.
2. A testcontainers ``neo4j:5.26-community`` when a Docker engine answers.
3. The project's own local server, instance ``test`` (ports 17687/17474), provisioned from Maven
   Central and started by the session if it is not running (and stopped again afterwards).

A database that cannot be had is a test failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from neo4j import Driver, GraphDatabase

from app import localdb


@dataclass(frozen=True)
class Server:
    uri: str
    user: str
    password: str = field(repr=False)  # never in a failure report
    kind: str = "local"  # "env", "container" or "local"
    instance: localdb.Instance | None = None


def _docker_engine_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Server]:
    if os.environ.get("NEO4J_URI"):
        yield Server(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                     os.environ.get("NEO4J_PASSWORD", ""), "env")
        return
    if _docker_engine_available():
        from testcontainers.neo4j import Neo4jContainer

        with Neo4jContainer("neo4j:5.26-community", password="oncoregio-test") as c:
            yield Server(c.get_connection_url(), "neo4j", "oncoregio-test", "container")
        return
    inst = localdb.instance("test")
    was_running = localdb.status(inst)["running"]
    try:
        localdb.start(inst)
    except localdb.LocalDbError as e:
        pytest.fail(f"could not start the local test database: {e}", pytrace=False)
    password = localdb.ensure_password()
    yield Server(inst.bolt_uri, "neo4j", password, "local", inst)
    if not was_running:
        localdb.stop(inst)


@pytest.fixture(scope="session")
def driver(neo4j_server: Server) -> Iterator[Driver]:
    drv = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password),
                               connection_timeout=5, max_transaction_retry_time=5)
    drv.verify_connectivity()
    yield drv
    drv.close()


def wipe(driver: Driver) -> None:
    driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")


@pytest.fixture
def empty_db(driver: Driver) -> Driver:
    """A database with the schema applied and no data."""
    from app.schema import apply_schema

    wipe(driver)
    apply_schema(driver, "neo4j")
    return driver


def make_settings(server: Server, **overrides):
    from app.settings import Settings

    # revision_check_seconds 0: tests write to the database behind the app's back (fixtures,
    # a second driver) and read at once; the staleness window has its own tests
    values = {"neo4j_uri": server.uri, "neo4j_user": server.user,
                  "neo4j_password": server.password, "retry_after_seconds": 7,
                  "revision_check_seconds": 0}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def admin_token(driver: Driver, name: str | None = None) -> str:
    """A new admin token stored (hashed) in the test database."""
    import secrets

    from app.auth import create_token

    return create_token(driver, "neo4j", name=name or f"test-admin-{secrets.token_hex(4)}",
                        role="admin")


@pytest.fixture
def client_for(neo4j_server: Server, driver: Driver):
    """Build a TestClient (real lifespan) for the app against the test server, sending an
    admin token (stored in the test server; an app pointed elsewhere cannot check it and
    answers as its database does)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    clients: list[TestClient] = []

    def build(**overrides) -> TestClient:
        c = TestClient(create_app(make_settings(neo4j_server, **overrides)))
        c.__enter__()
        c.headers["Authorization"] = f"Bearer {admin_token(driver)}"
        clients.append(c)
        return c

    yield build
    for c in clients:
        c.__exit__(None, None, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failure: CI must prove everything, database included."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and "xfail" not in report.keywords:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which is not allowed: {report.longrepr}"


@pytest.fixture(scope="module")
def seeded(driver: Driver) -> Driver:
    """The full seed dataset, loaded once for a module whose tests only read."""
    from app.loader import load_directory
    from app.schema import apply_schema

    wipe(driver)
    apply_schema(driver, "neo4j")
    load_directory(driver, "neo4j")
    return driver


@pytest.fixture(scope="module")
def seeded_client(seeded: Driver, neo4j_server: Server):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(make_settings(neo4j_server))) as c:
        c.headers["Authorization"] = f"Bearer {admin_token(seeded)}"
        yield c

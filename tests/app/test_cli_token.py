"""``oncoregio token`` and ``oncoregio up``'s admin token, against the real test Neo4j."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from app.cli_token import ADMIN_TOKEN_KEY, ensure_local_admin_token
from tests.helpers import free_port


def oncoregio(server, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEO4J_URI=server.uri, NEO4J_USER=server.user,
               NEO4J_PASSWORD=server.password)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def stored(driver, name: str) -> dict | None:
    records, _, _ = driver.execute_query("MATCH (t:ApiToken {name: $name}) "
                                         "RETURN properties(t) AS p", name=name)
    return records[0]["p"] if records else None


def test_token_create_prints_once_list_never_shows_it_revoke_removes(empty_db, neo4j_server):
    made = oncoregio(neo4j_server, "token", "create", "--name", "cli-alice", "--role", "planner")
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("onc_")
    token = lines[0]
    assert token not in made.stderr and "only this once" in made.stderr
    props = stored(empty_db, "cli-alice")
    assert props["role"] == "planner"
    assert props["hash"] == hashlib.sha256(token.encode()).hexdigest()

    again = oncoregio(neo4j_server, "token", "create", "--name", "cli-alice", "--role", "admin")
    assert again.returncode == 2 and "exists already" in again.stderr
    assert "Traceback" not in again.stderr

    listed = oncoregio(neo4j_server, "token", "list")
    assert listed.returncode == 0 and "cli-alice" in listed.stdout and "planner" in listed.stdout
    assert token not in listed.stdout and props["hash"] not in listed.stdout

    bad_role = oncoregio(neo4j_server, "token", "create", "--name", "x", "--role", "root")
    assert bad_role.returncode != 0 and stored(empty_db, "x") is None

    gone = oncoregio(neo4j_server, "token", "revoke", "cli-alice")
    assert gone.returncode == 0 and stored(empty_db, "cli-alice") is None
    missing = oncoregio(neo4j_server, "token", "revoke", "cli-alice")
    assert missing.returncode == 2 and "no token named" in missing.stderr


def test_up_keeps_an_admin_token_in_env(empty_db, tmp_path, capsys):
    env = tmp_path / ".env"
    env.write_text("NEO4J_PASSWORD=secret-123\n")
    first = ensure_local_admin_token(empty_db, "neo4j", env)
    assert "created admin token" in first and str(env) in first
    values = dict(line.split("=", 1) for line in env.read_text().splitlines()
                  if "=" in line and not line.startswith("#"))
    token = values[ADMIN_TOKEN_KEY]
    assert values["NEO4J_PASSWORD"] == "secret-123"
    assert oct(env.stat().st_mode & 0o777) == "0o600"
    records, _, _ = empty_db.execute_query("MATCH (t:ApiToken) RETURN t.role AS role, "
                                           "t.hash AS hash")
    assert [(r["role"], r["hash"]) for r in records] == [
        ("admin", hashlib.sha256(token.encode()).hexdigest())]
    # a second `up` reuses it
    second = ensure_local_admin_token(empty_db, "neo4j", env)
    assert "is in" in second
    assert env.read_text().count(ADMIN_TOKEN_KEY + "=") == 1
    assert empty_db.execute_query("MATCH (t:ApiToken) RETURN count(t) AS n").records[0]["n"] == 1
    # a fresh database no longer knows it: replaced
    empty_db.execute_query("MATCH (t:ApiToken) DELETE t")
    third = ensure_local_admin_token(empty_db, "neo4j", env)
    assert "created admin token" in third
    assert env.read_text().count(ADMIN_TOKEN_KEY + "=") == 1
    assert token not in env.read_text()


@pytest.mark.parametrize("args", [["load"], ["token", "list"]])
def test_database_down_is_one_line_and_nonzero(neo4j_server, args):
    class Down:
        uri, user, password = f"bolt://127.0.0.1:{free_port()}", "neo4j", "whatever-123"

    r = oncoregio(Down, *args, *(["--quiet"] if args == ["load"] else []))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unreachable" in lines[0], r.stderr

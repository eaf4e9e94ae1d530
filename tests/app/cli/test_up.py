"""``oncoregio up`` against the test database: schema, seed, flows, then the API answers."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request

from tests.app.cli.conftest import ONCOREGIO
from tests.helpers import free_port, seed_rows


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except OSError:
        return 0


def test_up_loads_the_seed_stores_flows_and_serves(empty_db, neo4j_server, tmp_path):
    port = free_port()
    env = {**os.environ, "COLUMNS": "200", "NEO4J_URI": neo4j_server.uri,
           "NEO4J_USER": neo4j_server.user, "NEO4J_PASSWORD": neo4j_server.password}
    log = tmp_path / "up.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(ONCOREGIO), "up", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if _get(f"http://127.0.0.1:{port}/health") == 200:
                break
            time.sleep(1)
        assert _get(f"http://127.0.0.1:{port}/health") == 200, log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text
    records, _, _ = empty_db.execute_query(
        "MATCH (h:Hospital) WITH count(h) AS hospitals "
        "MATCH ()-[r:REFERS]->() RETURN hospitals, count(r) AS refers")
    assert records[0]["hospitals"] == len(seed_rows("hospitals.csv"))
    assert records[0]["refers"] > 0
    assert f"stored {records[0]['refers']:,} modelled REFERS relationships" in text

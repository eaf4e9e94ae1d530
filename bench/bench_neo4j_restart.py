"""How fast a restarted local Neo4j is usable: the server's start, and its first plan of the
scenario store (the query a restarted server takes longest to plan), with the project's JVM
options and with the optimising compiler (C2) enabled again, alternately in the same run.

Restarts the local *test* instance (``ONCOREGIO_TEST_BOLT_PORT``/``ONCOREGIO_TEST_HTTP_PORT``;
its data stays) ``--rounds`` times per variant::

    ONCOREGIO_TEST_BOLT_PORT=... ONCOREGIO_TEST_HTTP_PORT=... \\
        nice -n 10 .venv/bin/python bench/bench_neo4j_restart.py --rounds 2

Prints per run: start seconds, first scenario-store plan seconds (rolled back, nothing is
kept), then warm seconds for 200 stores and 500 revision reads; and the ratios of the
medians (project options / C2 on). Reports the load average: the figures depend on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from neo4j import GraphDatabase

from app import localdb
from app.repository.revision import READ_REVISION
from app.repository.scenarios import WARM_UP

TIERED = "-XX:TieredStopAtLevel=1"


def one_run(inst: localdb.Instance, password: str, *, c2: bool) -> dict[str, float]:
    localdb.stop(inst)
    options = list(localdb.JVM_OPTIONS)
    if c2:
        localdb.JVM_OPTIONS[:] = [o for o in options if o != TIERED]
    try:
        t = time.monotonic()
        localdb.start(inst)
        start = time.monotonic() - t
    finally:
        localdb.JVM_OPTIONS[:] = options
    with GraphDatabase.driver(inst.bolt_uri, auth=("neo4j", password),
                              notifications_min_severity="OFF") as drv:
        drv.execute_query("RETURN 1 AS one", database_="neo4j")

        def store() -> None:
            with drv.session(database="neo4j") as s, s.begin_transaction() as tx:
                tx.run(WARM_UP.query, dict(WARM_UP.parameters)).consume()
                tx.rollback()

        t = time.monotonic()
        store()
        first = time.monotonic() - t
        t = time.monotonic()
        for _ in range(200):
            store()
        stores = time.monotonic() - t
        t = time.monotonic()
        for _ in range(500):
            drv.execute_query(READ_REVISION, database_="neo4j")
        reads = time.monotonic() - t
    return {"start": start, "first_plan": first, "stores_200": stores, "reads_500": reads}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    inst = localdb.instance("test")
    password = localdb.ensure_password()
    runs: dict[str, list[dict[str, float]]] = {"project": [], "c2": []}
    try:
        for _ in range(args.rounds):
            for name in ("c2", "project"):
                r = one_run(inst, password, c2=name == "c2")
                runs[name].append(r)
                print(f"{name:8s} " + "  ".join(f"{k} {v:.2f} s" for k, v in r.items())
                      + f"  (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if not localdb.status(inst)["running"]:
            localdb.start(inst)
    for key in runs["project"][0]:
        p = statistics.median(r[key] for r in runs["project"])
        c = statistics.median(r[key] for r in runs["c2"])
        print(f"{key:12s} project {p:7.2f} s   C2 on {c:7.2f} s   ratio {p / c:.2f}")


if __name__ == "__main__":
    main()

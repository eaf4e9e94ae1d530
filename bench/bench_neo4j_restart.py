"""How fast a restarted local Neo4j is usable: the server's start, and its first plan of the
scenario store (the query a restarted server takes longest to plan), with the project's JVM
options, without the class-data-sharing archive (``ONCOREGIO_NEO4J_CDS=0``) and with the
optimising compiler (C2) enabled again, alternately in the same run. The project's first run
writes the archive if there is none (its stop is the slow one); the figures are of the runs
after.

Restarts the local *test* instance (``ONCOREGIO_TEST_BOLT_PORT``/``ONCOREGIO_TEST_HTTP_PORT``;
its data stays) ``--rounds`` times per variant::

    ONCOREGIO_TEST_BOLT_PORT=... ONCOREGIO_TEST_HTTP_PORT=... \\
        nice -n 10 .venv/bin/python bench/bench_neo4j_restart.py --rounds 2

Prints per run: start seconds, first scenario-store plan seconds (rolled back, nothing is
kept), then warm seconds for 200 stores and 500 revision reads; and the ratios of the
medians (project options / each other variant). Reports the load average: the figures
depend on it.
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


#: variant -> (the optimising compiler on, class-data sharing on)
VARIANTS = {"project": (False, True), "no-cds": (False, False), "c2": (True, True)}


def one_run(inst: localdb.Instance, password: str, *, c2: bool,
            cds: bool = True) -> dict[str, float]:
    localdb.stop(inst)
    options = list(localdb.JVM_OPTIONS)
    if c2:
        localdb.JVM_OPTIONS[:] = [o for o in options if o != TIERED]
    before = os.environ.get(localdb.CDS_ENV)
    os.environ[localdb.CDS_ENV] = "1" if cds else "0"
    try:
        t = time.monotonic()
        localdb.start(inst)
        start = time.monotonic() - t
    finally:
        localdb.JVM_OPTIONS[:] = options
        if before is None:
            os.environ.pop(localdb.CDS_ENV)
        else:
            os.environ[localdb.CDS_ENV] = before
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
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
    try:
        one_run(inst, password, c2=False)  # writes the archive at its stop if there is none
        for _ in range(args.rounds):
            for name, (c2, cds) in VARIANTS.items():
                r = one_run(inst, password, c2=c2, cds=cds)
                runs[name].append(r)
                print(f"{name:8s} " + "  ".join(f"{k} {v:.2f} s" for k, v in r.items())
                      + f"  (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if not localdb.status(inst)["running"]:
            localdb.start(inst)
    for key in runs["project"][0]:
        p = statistics.median(r[key] for r in runs["project"])
        others = []
        for name in VARIANTS:
            if name != "project":
                c = statistics.median(r[key] for r in runs[name])
                others.append(f"{name} {c:7.2f} s (ratio {p / c:.2f})")
        print(f"{key:12s} project {p:7.2f} s   " + "   ".join(others))


if __name__ == "__main__":
    main()

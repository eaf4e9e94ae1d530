"""Time loading the full seed into an empty database (wipe, then load; repeated), and a large
staged load against the seed in the same run.

    .venv/bin/python bench/bench_load.py [--repeat 5]
    nice -n 10 .venv/bin/python bench/bench_load.py --large 200000 --pairs 1 --instance test
    nice -n 10 .venv/bin/python bench/bench_load.py --large 200000 --pairs 1 --instance bench \
        --travel-update   # ONCOREGIO_BOLT_PORT / ONCOREGIO_HTTP_PORT: the bench instance's ports

``--large N``: a folder of N generated areas (``tests/large_dataset.py``) with ``--pairs``
travel pairs per area, loaded staged (issue 13), against the seed loaded in one transaction
in the same run: wall time, the client's peak RSS and the Neo4j server's, as ratios. It uses
(and WIPES) the local instance ``--instance``.

Uses the database of the settings (the local ``dev`` instance by default): it is WIPED.
The baseline in the same run is one bare ``UNWIND $rows AS r CREATE (:Tmp {id: r.id})`` of as
many rows as the seed has, so the ratio shows what validation, MERGE and relationships cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.large_dataset

from app.db import create_driver  # noqa: E402
from app.loader import load_directory, read_directory
from app.schema import apply_schema
from app.settings import get_settings

WIPE = "MATCH (n) DETACH DELETE n"
# in small transactions: a hospital or region of a large folder has ~10^5 relationships
WIPE_BATCHED = ("MATCH (n) CALL (n) { MATCH (n)-[r]->() DELETE r } IN TRANSACTIONS OF 50 ROWS",
                "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS")
BARE = "UNWIND $rows AS r CREATE (:Tmp {id: r.id})"
# the heap of the largest running transaction (what Neo4j's transaction memory pool bounds),
# sampled every 0.2 s by the parent while a phase runs
TX_MEMORY = """
SHOW TRANSACTIONS YIELD estimatedUsedHeapMemory AS bytes, currentQuery
WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS'
RETURN bytes
"""


def main() -> int:
    ap = argparse.ArgumentParser(epilog=LARGE_HELP)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--large", type=int, default=0, help="areas of the large folder")
    ap.add_argument("--pairs", type=int, default=1, help="travel pairs per area")
    ap.add_argument("--instance", default="dev", help="local instance of --large (WIPED)")
    ap.add_argument("--one-transaction", action="store_true",
                    help="also load the large folder in one transaction")
    ap.add_argument("--travel-update", action="store_true",
                    help="also an update load of a full travel matrix of the seed (every "
                         "area x every hospital: 173,508 pairs) over the seed, in one "
                         "transaction and staged")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--uri", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return _child(args.child, args.folder or None, args.uri, os.environ["BENCH_PASSWORD"])
    if args.large:
        return large(args)
    settings = get_settings()
    db = settings.neo4j_database
    with create_driver(settings) as driver:
        rows = sum(len(v) for v in read_directory().rows.values())
        validate, load, bare = [], [], []
        for _ in range(args.repeat):
            driver.execute_query(WIPE, database_=db)
            apply_schema(driver, db)
            t = time.perf_counter()
            read_directory()
            validate.append(time.perf_counter() - t)
            t = time.perf_counter()
            load_directory(driver, db)
            load.append(time.perf_counter() - t)
            t = time.perf_counter()
            driver.execute_query(BARE, rows=[{"id": i} for i in range(rows)], database_=db)
            bare.append(time.perf_counter() - t)
            driver.execute_query("MATCH (n:Tmp) DELETE n", database_=db)
    med = statistics.median
    print(f"seed rows: {rows}; repeats: {args.repeat}")
    print(f"validate only (read + pydantic + references): median {med(validate):.2f} s")
    print(f"full load into an empty database (validate + one write transaction): "
          f"median {med(load):.2f} s, min {min(load):.2f} s")
    print(f"baseline bare CREATE of {rows} nodes: median {med(bare):.3f} s; "
          f"load / baseline = {med(load) / med(bare):.1f}x")
    return 0


# ---- --large: the issue-13 staged load of a large folder, against the seed in the same run
LARGE_HELP = """Each phase runs in its own process (its peak RSS is the client's); the server's
RSS is sampled every 0.2 s while it runs. Phases: the seed in one transaction (the baseline),
the seed staged (is staging slower for the seed?), the large folder staged (replacing the
seed), the large folder again (replacing itself: the purge of a large retired dataset), and
with --one-transaction the large folder in one transaction (the path that failed on Neo4j's
transaction memory limit)."""


def _child(phase: str, folder: str | None, uri: str, password: str) -> int:
    """One load in this process; prints its figures as JSON."""
    import json
    import resource

    from neo4j import GraphDatabase

    staged_above = {"seed": 10**12, "seed-staged": 0, "large": 0, "large-again": 0,
                    "large-1tx": 10**12, "travel-update": 10**12, "travel-staged": 0}[phase]
    mode = "update" if phase.startswith("travel") else "replace"
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
        t = time.perf_counter()
        error = None
        try:
            summary = load_directory(driver, "neo4j", folder, staged_above=staged_above,
                                     mode=mode)
            rows = sum(summary.rows.values())
        except Exception as e:  # noqa: BLE001 - the figure to report
            error, rows = f"{type(e).__name__}: {str(e).splitlines()[0][:160]}", 0
        seconds = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "client_mb": rss_mb, "rows": rows, "error": error}))
    return 0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _phase(phase: str, folder: str | None, uri: str, password: str, server_pid: int) -> dict:
    import json
    import subprocess
    import threading

    from neo4j import GraphDatabase

    peak = [_rss_mb(server_pid)]
    tx_peak = [0]
    done = threading.Event()
    watcher = GraphDatabase.driver(uri, auth=("neo4j", password))

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _rss_mb(server_pid))
            with suppress(Exception):  # the figure is best effort: a sample may miss
                records, _, _ = watcher.execute_query(TX_MEMORY, database_="neo4j")
                tx_peak[0] = max([tx_peak[0], *(int(r["bytes"] or 0) for r in records)])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    env = {**os.environ, "BENCH_PASSWORD": password}
    p = subprocess.run([sys.executable, __file__, "--child", phase, "--folder", folder or "",
                        "--uri", uri], env=env, capture_output=True, text=True, check=False,
                       timeout=7200)
    done.set()
    sampler.join()
    watcher.close()
    if p.returncode != 0:
        raise SystemExit(f"{phase}: {p.stderr.strip().splitlines()[-1:]}")
    return {**json.loads(p.stdout.strip().splitlines()[-1]), "server_mb": peak[0],
            "tx_mb": tx_peak[0] / 2**20}


def make_travel_update(target: Path) -> Path:
    """A folder with only ``travel_times.csv``: every seed area to every seed hospital (the
    size of the routed matrix of issue 14), minutes modelled from the great-circle distance
    (marked synthetic: a bench input, not a travel time)."""
    import csv

    import numpy as np

    from analysis.travel import haversine_km
    from app.loader import SEED_DIR

    def rows(name: str) -> list[dict]:
        with open(SEED_DIR / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    areas, hospitals = rows("areas.csv"), rows("hospitals.csv")
    km = haversine_km(np.array([float(a["lat"]) for a in areas])[:, None],
                      np.array([float(a["lon"]) for a in areas])[:, None],
                      np.array([float(h["lat"]) for h in hospitals])[None, :],
                      np.array([float(h["lon"]) for h in hospitals])[None, :])
    target.mkdir(parents=True)
    source = "synthetic: bench/bench_load.py great-circle km x 1.3 / 60 km/h (not routed)"
    with open(target / "travel_times.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "hospital", "minutes", "km", "source", "confidence"])
        for i, a in enumerate(areas):
            for j, h in enumerate(hospitals):
                road = km[i, j] * 1.3
                w.writerow([a["id"], h["id"], round(road, 2), round(road, 2), source,
                            "modelled"])
    return target


def wipe(driver: Any) -> None:
    with driver.session(database="neo4j") as session:  # implicit: IN TRANSACTIONS
        for query in WIPE_BATCHED:
            session.run(query).consume()


def large(args: argparse.Namespace) -> int:
    import tempfile

    from neo4j import GraphDatabase

    from app import localdb
    from tests.large_dataset import make_large_dataset

    inst = localdb.instance(args.instance)
    pid = localdb.pid_from_file(inst.pid_file, localdb.ENTRY_POINT)
    if pid is None:
        raise SystemExit(f"the local {args.instance!r} instance does not run "
                         f"(oncoregio db start --instance {args.instance})")
    password = localdb.ensure_password()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        folder = make_large_dataset(Path(tmp) / "large", areas=args.large,
                                    pairs_per_area=args.pairs)
        made = time.perf_counter() - t
        phases = ["seed", "seed-staged", "large", "large-again"] + (
            ["large-1tx"] if args.one_transaction else []) + (
            ["travel-update", "travel-staged"] if args.travel_update else [])
        travel = make_travel_update(Path(tmp) / "travel") if args.travel_update else None
        results = {}
        with GraphDatabase.driver(inst.bolt_uri, auth=("neo4j", password)) as driver:
            for phase in phases:
                if phase != "large-again":  # that one replaces the large dataset itself
                    wipe(driver)
                    apply_schema(driver, "neo4j")
                if phase in ("large", "large-1tx", "travel-update", "travel-staged"):
                    load_directory(driver, "neo4j")  # over the seed, as a user does
                src = str(folder) if phase.startswith("large") else (
                    str(travel) if phase.startswith("travel") else None)
                results[phase] = _phase(phase, src, inst.bolt_uri, password, pid)
                print(phase, results[phase], flush=True)
            wipe(driver)
    base = results["seed"]
    names = {"seed": "seed, one transaction (baseline)", "seed-staged": "seed, staged",
             "large": f"{args.large:,} areas + {args.large * args.pairs:,} travel pairs, staged "
                      "(replacing the seed)",
             "large-again": "the same, staged, replacing itself (its purge deletes the old "
                            "large dataset)",
             "large-1tx": f"{args.large:,} areas + {args.large * args.pairs:,} pairs, one "
                          "transaction",
             "travel-update": "update load of a full seed travel matrix (1,522 x 114 pairs), "
                              "one transaction",
             "travel-staged": "the same update, staged (pairs in batches, applied in batches "
                              "under the switch mark)"}
    print(f"\nload average {os.getloadavg()[0]:.1f}; folder made in {made:.0f} s")
    print("| load | rows | wall s | x seed | client peak RSS MB | x seed | server peak RSS MB "
          "| x seed | largest transaction MiB (sampled) | outcome |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for phase, r in results.items():
        print(f"| {names[phase]} | {r['rows']:,} | {r['seconds']:.1f} | "
              f"{r['seconds'] / base['seconds']:.1f} | {r['client_mb']:.0f} | "
              f"{r['client_mb'] / base['client_mb']:.2f} | {r['server_mb']:.0f} | "
              f"{r['server_mb'] / base['server_mb']:.2f} | {r['tx_mb']:.0f} | "
              f"{r['error'] or 'loaded'} |")
    return 0

if __name__ == "__main__":
    sys.exit(main())

"""Time loading the full seed into an empty database (wipe, then load; repeated).

    .venv/bin/python bench/bench_load.py [--repeat 5]

Uses the database of the settings (the local ``dev`` instance by default): it is WIPED.
The baseline in the same run is one bare ``UNWIND $rows AS r CREATE (:Tmp {id: r.id})`` of as
many rows as the seed has, so the ratio shows what validation, MERGE and relationships cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from app.db import create_driver
from app.loader import load_directory, read_directory
from app.schema import apply_schema
from app.settings import get_settings

WIPE = "MATCH (n) DETACH DELETE n"
BARE = "UNWIND $rows AS r CREATE (:Tmp {id: r.id})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
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


if __name__ == "__main__":
    sys.exit(main())

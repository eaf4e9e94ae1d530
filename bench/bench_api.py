"""Latency of the coverage endpoints under concurrent clients, against the raw Cypher baseline.

Loopback only, bounded in count and time. Needs a database with the seed loaded (the local
``dev`` instance after ``./scripts/up.sh``, or ``NEO4J_URI``). Starts its own API server
(uvicorn, one process) on a free loopback port.

    .venv/bin/python bench/bench_api.py [--requests 200] [--max-seconds 60]

The baseline is the Cypher the endpoints run (the snapshot read of ``app.repository.snapshot``)
issued through the driver at the same concurrency, so the ratio shows what the API adds on top
of the database: travel matrix, coverage analysis, JSON.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from app.db import create_driver
from app.repository.snapshot import read_snapshot
from app.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


CONCURRENCY = (1, 8, 32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def run(fn: Callable[[], None], *, clients: int, requests: int, max_seconds: float) -> dict:
    """Issue ``requests`` calls from ``clients`` threads; stop early at ``max_seconds``."""
    deadline = time.monotonic() + max_seconds
    latencies: list[float] = []
    errors = 0

    def worker(n: int) -> None:
        nonlocal errors
        for _ in range(n):
            if time.monotonic() > deadline:
                return
            t = time.perf_counter()
            try:
                fn()
            except Exception:
                errors += 1
                continue
            latencies.append(time.perf_counter() - t)

    per = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, per))
    wall = time.perf_counter() - started
    return {"n": len(latencies), "errors": errors,
            "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "p99": percentile(latencies, 0.99) * 1000 if latencies else float("nan"),
            "rps": len(latencies) / wall if wall else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200, help="calls per scenario (bounded)")
    ap.add_argument("--max-seconds", type=float, default=60.0, help="time bound per scenario")
    ap.add_argument("--region", default="noord")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "api.md")
    args = ap.parse_args()

    settings = get_settings()
    driver = create_driver(settings)
    driver.verify_connectivity()
    snap = read_snapshot(driver, settings.neo4j_database)
    if not snap.areas:
        print("no data loaded: run ./scripts/up.sh (or oncoregio load) first", file=sys.stderr)
        return 2

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app",
                               "--factory", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            print("API did not start", file=sys.stderr)
            return 2
        client = httpx.Client(base_url=base, timeout=30.0,
                              limits=httpx.Limits(max_connections=64))
        db = settings.neo4j_database
        targets: dict[str, Callable[[], None]] = {
            "cypher: snapshot read (baseline)": lambda: read_snapshot(driver, db),
            f"GET /regions/{args.region}/coverage": lambda: client.get(
                f"/regions/{args.region}/coverage", params={"minutes": 45}).raise_for_status(),
            "GET /coverage": lambda: client.get(
                "/coverage", params={"minutes": 45}).raise_for_status(),
        }
        for fn in targets.values():  # warm-up: JIT, query plans, connection pools
            for _ in range(3):
                fn()
        results = {}
        for name, fn in targets.items():
            for c in CONCURRENCY:
                results[(name, c)] = run(fn, clients=c, requests=args.requests,
                                         max_seconds=args.max_seconds)
                r = results[(name, c)]
                print(f"{name:<40} c={c:<3} n={r['n']:<5} p50={r['p50']:8.1f} ms "
                      f"p99={r['p99']:8.1f} ms  {r['rps']:7.1f} req/s  errors={r['errors']}")
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        driver.close()

    baseline = "cypher: snapshot read (baseline)"
    lines = ["| target | clients | n | p50 ms | p99 ms | req/s | p50 / baseline p50 |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for (name, c), r in results.items():
        ratio = r["p50"] / results[(baseline, c)]["p50"]
        lines.append(f"| {name} | {c} | {r['n']} | {r['p50']:.1f} | {r['p99']:.1f} | "
                     f"{r['rps']:.1f} | {ratio:.2f} |")
    table = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# API latency (loopback, {os.cpu_count()} cores)\n\n"
                        f"Command: `.venv/bin/python bench/bench_api.py --requests "
                        f"{args.requests}`\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

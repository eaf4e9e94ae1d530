"""HTTP load on the read endpoints with a real load generator (wrk), ratios to ``/health``.

Loopback only, bounded in time (``--seconds`` per cell). Provisions its own Neo4j instance
``bench`` (loopback ports 27687/27474 unless ``NEO4J_URI`` is set), loads the seed, starts the
API (uvicorn, ``--workers`` processes) on a free loopback port, and measures:

1. ``wrk`` at 1, 8 and 32 connections on ``/health`` (one database round trip: the baseline),
   ``/regions/{id}/coverage``, ``/coverage``, ``/gaps`` and ``/hospitals``, warm cache:
   p50, p99, req/s, and each as a ratio to ``/health`` in the same run; and the same
   coverage request revalidated (``If-None-Match`` -> 304).
2. The first request after a new revision (snapshot build + answer) against the uncached
   path of before the cache (graph read, travel matrix, coverage, JSON: what every request
   cost), timed in this process, median of ``--cold-repeats``.
3. RSS of the API after the load, and after ``--scenarios`` scenario runs.
4. Encoding the ``/coverage`` answer (88 kB): FastAPI's default path (``jsonable_encoder`` +
   ``json.dumps``), pydantic-core's ``to_json`` (what the cached routes use), and orjson over
   ``model_dump()`` (when orjson is installed): median of 50, ratios to the default.

    .venv/bin/python bench/bench_http.py [--seconds 10] [--workers 1] [--scenarios 1000]

``--compare-root DIR`` measures instead ``/hospitals`` on this tree's API against the API of
another tree of the project (e.g. ``git archive main | tar -x -C DIR``), both served from the
same database, in the same run, in turns (A, B, A, B per cell): one URL (warm: the answer
cache) and distinct questions (a wrk script drawing ``limit`` and ``offset`` at random, so
most requests miss the answer cache and are computed: a database read on a tree without the
snapshot route). The section is appended to ``--out``.

``wrk`` comes from Debian (``apt-get install wrk``): the script installs it when it runs as
root with apt, as the CI scripts do with Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import localdb  # noqa: E402
from app.auth import create_token  # noqa: E402
from app.db import create_driver  # noqa: E402
from app.loader import load_directory  # noqa: E402
from app.repository.revision import BUMP_REVISION  # noqa: E402
from app.repository.snapshot import read_snapshot  # noqa: E402
from app.schema import apply_schema  # noqa: E402
from app.schemas import RegionCoverage  # noqa: E402
from app.services import coverage as svc  # noqa: E402
from app.settings import Settings  # noqa: E402

CONNECTIONS = (1, 8, 32)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("[bench] installing wrk from Debian", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                       stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    return found


UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(f"cannot read a wrk latency: {text!r}")
    return float(m.group(1)) * UNIT[m.group(2)]


def wrk(binary: str, url: str, connections: int, seconds: float,
        headers: dict[str, str] | None = None, script: Path | None = None) -> dict:
    threads = min(connections, 2)
    cmd = [binary, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
           "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                         timeout=seconds + 30).stdout
    p = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "50" not in p or "99" not in p:
        raise RuntimeError(f"cannot read wrk's latency distribution:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"p50": _ms(p["50"]), "p99": _ms(p["99"]), "rps": rps,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else ""}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn workers), MB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None
        ) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read()


def encoders(repeats: int = 50) -> str:
    """Median encode time of the /coverage answer by three encoders, as a markdown line."""
    from fastapi.encoders import jsonable_encoder

    from app.api.caching import json_bytes
    from app.repository.snapshot import snapshot_from_folder
    from app.schemas import CoverageMatrix

    model = CoverageMatrix(**svc.coverage_matrix(snapshot_from_folder(), 45.0, None))

    def median_ms(fn) -> float:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1e3

    default = median_ms(lambda: json.dumps(jsonable_encoder(model)).encode())
    core = median_ms(lambda: json_bytes(model))
    parts = [f"FastAPI default {default:.2f} ms", f"pydantic-core to_json {core:.2f} ms "
             f"({default / core:.0f}x faster)"]
    try:
        import orjson

        fast = median_ms(lambda: orjson.dumps(model.model_dump()))
        parts.append(f"orjson(model_dump()) {fast:.2f} ms ({default / fast:.0f}x)")
    except ImportError:
        parts.append("orjson not installed")
    return f"Encoding `/coverage` ({len(json_bytes(model)):,} bytes): " + "; ".join(parts) + "."


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="wrk duration per cell")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--region", default="noord")
    ap.add_argument("--cold-repeats", type=int, default=7)
    ap.add_argument("--scenarios", type=int, default=1000, help="scenario runs for the RSS")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "http.md")
    ap.add_argument("--bolt-port", type=int, default=27687, help="of the bench instance")
    ap.add_argument("--http-port", type=int, default=27474, help="of the bench instance")
    ap.add_argument("--compare-root", type=Path, default=None, metavar="DIR",
                    help="measure /hospitals here against the tree in DIR (see above)")
    args = ap.parse_args()
    binary = ensure_wrk()
    if args.compare_root is not None:
        return compare_hospitals(args, binary)
    encoding = encoders()
    print(encoding)

    if "NEO4J_URI" in os.environ:
        settings = Settings()
    else:
        inst = localdb.instance("bench", bolt_port=args.bolt_port, http_port=args.http_port)
        localdb.start(inst)
        settings = Settings(neo4j_uri=inst.bolt_uri, neo4j_password=localdb.ensure_password())
    driver = create_driver(settings)
    db = settings.neo4j_database
    apply_schema(driver, db)
    load_directory(driver, db)
    token = create_token(driver, db, name=f"bench-{os.getpid()}", role="planner")
    reader = create_token(driver, db, name=f"bench-reader-{os.getpid()}", role="reader")

    env = {**os.environ, "NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
           "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value()
           if settings.neo4j_password else ""}
    port = localdb_free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "oncoregio"), "serve",
                               "--port", str(port), "--workers", str(args.workers)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results: dict[tuple[str, int], dict] = {}
    try:
        for _ in range(300):
            try:
                get(base + "/health")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("the API did not start")
        coverage = f"/regions/{args.region}/coverage"
        targets = ["/health", coverage, "/coverage", "/gaps", "/hospitals"]
        for path in targets:  # warm: snapshot, answers, connection pools
            for _ in range(3):
                get(base + path)
        _, _ = get(base + coverage)
        etag = urllib.request.urlopen(base + coverage, timeout=30).headers["ETag"]
        cells = [(path, path, None) for path in targets]
        cells.append((f"{coverage} (If-None-Match: 304)", coverage, {"If-None-Match": etag}))
        # a dashboard with a reader token: the token check on every request
        cells.append((f"{coverage} (reader token)", coverage,
                      {"Authorization": f"Bearer {reader}"}))
        for name, path, headers in cells:
            for c in CONNECTIONS:
                r = results[(name, c)] = wrk(binary, base + path, c, args.seconds, headers)
                print(f"{name:<48} c={c:<3} p50={r['p50']:8.2f} ms p99={r['p99']:8.2f} ms "
                      f"{r['rps']:9.1f} req/s non2xx={r['non2xx']} {r['socket_errors']}",
                      flush=True)
        rss_after_load = rss_mb(server.pid)

        # first request after a new revision vs the uncached path of before
        cold, old = [], []
        for _ in range(args.cold_repeats):
            driver.execute_query(BUMP_REVISION, what="bench", database_=db)
            time.sleep(1.1)  # past the staleness window
            t = time.perf_counter()
            get(base + coverage)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            snap = read_snapshot(driver, db)
            RegionCoverage(**svc.region_coverage_rows(snap, args.region, 45.0)).model_dump_json()
            old.append(time.perf_counter() - t)

        # memory after many scenario runs (heuristic, bounded)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.monotonic()
        runs = 0
        ids = []
        for i in range(args.scenarios):
            body = json.dumps({"care_type": "pancreatic-resection", "centres": 3 + i % 10,
                               "solver": "heuristic", "time_limit": 10}).encode()
            try:
                status, text = get(base + "/scenarios", auth, body)
            except urllib.error.HTTPError as e:
                raise SystemExit(f"scenario run {i} failed: {e.code} {e.read()[:500]!r}") from e
            ids.append(json.loads(text)["id"])
            runs += 1
            if time.monotonic() - started > 1800:
                break
        scenario_seconds = time.monotonic() - started
        rss_after_scenarios = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    driver.execute_query("MATCH (s:Scenario) WHERE s.id IN $ids DETACH DELETE s", ids=ids,
                         database_=db)
    driver.execute_query("MATCH (t:ApiToken {name: $n}) DELETE t", n=f"bench-{os.getpid()}",
                         database_=db)
    driver.close()

    load = os.getloadavg()
    lines = ["| endpoint | connections | p50 ms | p99 ms | req/s | p50 / health p50 | "
             "req/s / health req/s |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for (name, c), r in results.items():
        h = results[("/health", c)]
        lines.append(f"| `{name}` | {c} | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps']:.0f} | "
                     f"{r['p50'] / h['p50']:.2f} | {r['rps'] / h['rps']:.1f} |")
    cold_ms, old_ms = statistics.median(cold) * 1e3, statistics.median(old) * 1e3
    text = (f"# HTTP load (wrk, loopback, {os.cpu_count()} cores, {args.workers} worker(s))\n\n"
            f"Command: `.venv/bin/python bench/bench_http.py --seconds {args.seconds:g} "
            f"--workers {args.workers} --scenarios {args.scenarios}`\n\n"
            f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n\n"
            + "\n".join(lines) +
            f"\n\nFirst request after a new revision (snapshot build + answer), median of "
            f"{len(cold)}: **{cold_ms:.0f} ms**; the uncached path every request took before "
            f"(graph read + matrix + coverage + JSON, in-process): {old_ms:.0f} ms; ratio "
            f"**{cold_ms / old_ms:.2f}**.\n\n"
            f"RSS of the API after the load: {rss_after_load:.0f} MB; after {runs} scenario "
            f"runs ({scenario_seconds:.0f} s): {rss_after_scenarios:.0f} MB.\n\n{encoding}\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


#: distinct /hospitals questions: 200 limits x 101 offsets, far more than the answer cache
#: holds in the seconds of a cell (each wrk thread draws its own)
DISTINCT_HOSPITALS = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
end
request = function()
  local q = "/hospitals?limit=" .. math.random(1, 200) .. "&offset=" .. math.random(0, 100)
  return wrk.format("GET", q)
end
"""


def _serve(root: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """The API of the tree at ``root`` (its own ``app``: the module run from that folder)."""
    return subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port),
                             "--workers", "1"], env={**env, "PYTHONPATH": str(root)},
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def compare_hospitals(args: argparse.Namespace, binary: str) -> int:
    """``/hospitals`` on this tree's API (B) against ``--compare-root``'s (A), same database,
    same run, in turns; a markdown section appended to ``--out``."""
    import tempfile

    other = args.compare_root.resolve()
    if "NEO4J_URI" in os.environ:
        settings = Settings()
    else:
        inst = localdb.instance("bench", bolt_port=args.bolt_port, http_port=args.http_port)
        localdb.start(inst)
        settings = Settings(neo4j_uri=inst.bolt_uri, neo4j_password=localdb.ensure_password())
    driver = create_driver(settings)
    db = settings.neo4j_database
    apply_schema(driver, db)
    load_directory(driver, db)
    driver.close()
    env = {**os.environ, "NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
           "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value()
           if settings.neo4j_password else ""}
    trees = {"A": other, "B": ROOT}
    ports = {name: localdb_free_port() for name in trees}
    servers = {name: _serve(root, ports[name], env) for name, root in trees.items()}
    script = Path(tempfile.mkdtemp()) / "distinct_hospitals.lua"
    script.write_text(DISTINCT_HOSPITALS)
    rows: list[str] = []
    try:
        for name in trees:
            base = f"http://127.0.0.1:{ports[name]}"
            for _ in range(300):
                try:
                    get(base + "/health")
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit(f"the API of {trees[name]} did not start")
            for _ in range(3):
                get(base + "/hospitals")
        for label, path, lua in (("one URL (warm)", "/hospitals", None),
                                 ("distinct questions", "/", script)):
            for c in CONNECTIONS:
                seen: dict[str, list[dict]] = {"A": [], "B": []}
                for _ in range(2):
                    for name in trees:
                        r = wrk(binary, f"http://127.0.0.1:{ports[name]}{path}", c,
                                args.seconds, script=lua)
                        seen[name].append(r)
                        print(f"{label:<20} {name} c={c:<3} p50={r['p50']:8.2f} ms "
                              f"p99={r['p99']:8.2f} ms {r['rps']:9.1f} req/s "
                              f"non2xx={r['non2xx']} {r['socket_errors']}", flush=True)
                a = {k: statistics.median(r[k] for r in seen["A"]) for k in ("p50", "p99", "rps")}
                b = {k: statistics.median(r[k] for r in seen["B"]) for k in ("p50", "p99", "rps")}
                rows.append(f"| {label} | {c} | {a['p50']:.2f} | {b['p50']:.2f} | "
                            f"{a['p99']:.2f} | {b['p99']:.2f} | {b['p99'] / a['p99']:.2f} | "
                            f"{a['rps']:.0f} | {b['rps']:.0f} | {b['rps'] / a['rps']:.2f} |")
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
    load = os.getloadavg()
    text = (f"\n## `/hospitals`: {other.name} (A) against this tree (B), same run\n\n"
            f"Command: `nice -n 10 .venv/bin/python bench/bench_http.py --compare-root DIR "
            f"--seconds {args.seconds:g}` (DIR: `git archive main | tar -x -C DIR`); "
            f"{os.cpu_count()} cores, 1 worker each, the same database; each cell the median "
            f"of two turns (A, B, A, B). Load average at the end: {load[0]:.1f} / "
            f"{load[1]:.1f} / {load[2]:.1f}.\n\n"
            "| requests | connections | A p50 ms | B p50 ms | A p99 ms | B p99 ms | "
            "B / A p99 | A req/s | B req/s | B / A req/s |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            + "\n".join(rows) + "\n")
    with args.out.open("a") as f:
        f.write(text)
    print(text)
    return 0


def localdb_free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())

"""Provision and run a real GraphHopper routing server from Maven Central, like the local Neo4j.

The server is the self-contained ``com.graphhopper:graphhopper-web`` jar, resolved by Maven into
the same cache as the Neo4j jars (``$ONCOREGIO_CACHE`` or ``~/.cache/oncoregio``), pinned and
reused when present. An OpenStreetMap extract is imported once into a graph folder of that cache
keyed on the file's content hash and the profile, so a second build on the same file reuses it.
The server runs on loopback on a free port only while a matrix is computed and is stopped by PID
afterwards, also when the run fails or is interrupted.

Layout
------
``<cache>/graphhopper-<version>/``: ``graphhopper-web-<version>.jar`` and ``complete.json``;
beside it (or under ``$ONCOREGIO_GH_WORK``): ``graphs/<sha256[:16]>-<profile>/`` one imported
graph each (``graph/``, ``config.yml``, ``import.log``, ``server.log``, ``run/graphhopper.pid``,
``complete.json``) and ``runs/`` the resumable matrix runs (see :mod:`app.routing.build`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app import localdb
from app.localdb import LocalDbError

__all__ = ["GRAPHHOPPER_VERSION", "Graph", "PROFILES", "RoutingError", "Server", "file_sha256",
           "import_graph", "resolve_jar", "running", "start_server", "stop_server"]

# Newest graphhopper-web on Maven Central on 2026-12-01 (maven-metadata <release>); runs on 17.
GRAPHHOPPER_VERSION = "11.0"
ARTIFACT = f"com.graphhopper:graphhopper-web:{GRAPHHOPPER_VERSION}"
JAR_NAME = f"graphhopper-web-{GRAPHHOPPER_VERSION}.jar"
MAIN_CLASS = "com.graphhopper.application.GraphHopperApplication"
PRODUCT = f"GraphHopper {GRAPHHOPPER_VERSION}"
# Heap of the import and the server; the machine is shared, so keep well below its RAM.
DEFAULT_HEAP = "4g"
JVM_OPTIONS = ["-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8"]

# Profile name -> (custom model files shipped inside the jar, encoded values they need).
PROFILES: dict[str, tuple[tuple[str, ...], str]] = {
    "car": (("car.json",), "car_access, car_average_speed, road_access"),
}
# Ways a car never uses: left out at import to keep the graph small.
IGNORED_HIGHWAYS = "footway,cycleway,path,pedestrian,steps,bridleway,construction,proposed"
# GraphHopper removes islands of fewer edges than this (its own default is 200).
MIN_NETWORK_SIZE = 200


class RoutingError(LocalDbError):
    """Provisioning, import, server start or routing failed; the message says where and why."""


def _say(msg: str) -> None:
    import sys

    print(f"[oncoregio travel] {msg}", file=sys.stderr, flush=True)


def home() -> Path:
    return localdb.cache_root() / f"graphhopper-{GRAPHHOPPER_VERSION}"


def work_root() -> Path:
    """Graphs and matrix runs: ``$ONCOREGIO_GH_WORK`` or the jar's cache folder."""
    return Path(os.environ.get("ONCOREGIO_GH_WORK") or home())


def heap() -> str:
    """JVM heap for import and server: ``$ONCOREGIO_GH_HEAP`` or :data:`DEFAULT_HEAP`."""
    return os.environ.get("ONCOREGIO_GH_HEAP", DEFAULT_HEAP)


# --------------------------------------------------------------------------- provisioning
def check_java() -> str:
    """Java 17 or 21 on PATH, else :class:`RoutingError` naming what is missing."""
    try:
        return localdb.check_java(PRODUCT)
    except RoutingError:
        raise
    except LocalDbError as e:
        raise RoutingError(str(e)) from e


def resolve_jar(*, quiet: bool = False) -> Path:
    """Resolve the server jar into the cache once (Maven Central); return its path."""
    target = home()
    jar = target / JAR_NAME
    marker = target / "complete.json"
    if marker.exists() and jar.is_file():
        return jar
    target.mkdir(parents=True, exist_ok=True)
    staging = target / "jar.partial"
    shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        _say(f"resolving {ARTIFACT} from Maven Central into {target} (first time only)")
    started = time.monotonic()
    try:
        localdb.run_maven([f"{localdb.DEPENDENCY_PLUGIN}:copy", f"-Dartifact={ARTIFACT}",
                           f"-DoutputDirectory={staging}"], what="GraphHopper",
                          artifact=ARTIFACT)
    except LocalDbError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise RoutingError(str(e)) from e
    fetched = staging / JAR_NAME
    try:
        with zipfile.ZipFile(fetched) as z:
            manifest = z.read("META-INF/MANIFEST.MF").decode(errors="replace")
            has_car = "com/graphhopper/custom_models/car.json" in z.namelist()
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise RoutingError(f"the resolved {fetched} is not a usable jar: {e}") from e
    if MAIN_CLASS not in manifest or not has_car:
        raise RoutingError(f"the resolved {fetched} is not the GraphHopper server jar "
                           f"(no {MAIN_CLASS} or car.json)")
    fetched.replace(jar)
    shutil.rmtree(staging, ignore_errors=True)
    marker.write_text(json.dumps({"artifact": ARTIFACT, "bytes": jar.stat().st_size,
                                  "seconds": round(time.monotonic() - started, 1)}))
    return jar


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- graphs
@dataclass(frozen=True)
class Graph:
    """One imported extract: ``folder`` holds GraphHopper's files, config and logs."""

    osm: Path
    sha256: str
    profile: str
    folder: Path

    @property
    def graph_dir(self) -> Path:
        return self.folder / "graph"

    @property
    def marker(self) -> Path:
        return self.folder / "complete.json"

    @property
    def pid_file(self) -> Path:
        return self.folder / "run" / "graphhopper.pid"

    @property
    def ready(self) -> bool:
        return self.marker.exists() and self.graph_dir.is_dir()

    @property
    def key(self) -> str:
        return self.folder.name


def graph_for(osm: Path, profile: str, sha256: str | None = None) -> Graph:
    if profile not in PROFILES:
        raise RoutingError(f"--profile: unknown profile {profile!r} (choose: "
                           f"{', '.join(PROFILES)})")
    digest = sha256 or file_sha256(osm)
    return Graph(osm, digest, profile, work_root() / "graphs" / f"{digest[:16]}-{profile}")


def write_config(graph: Graph, location: Path, *, port: int = 0, admin_port: int = 0,
                 snap_radius_m: float = 1000.0) -> Path:
    """Write a config for ``graph`` (loopback only, one profile with CH); return its path."""
    models, encoded = PROFILES[graph.profile]
    # the location index searches rings of ~300 m tiles; reach a little beyond the threshold
    rings = max(4, int(snap_radius_m // 300) + 2)
    conf = location.parent / ("config.yml" if not port else f"server-{port}.yml")
    conf.write_text(
        "# Written by `oncoregio travel build`; regenerated on every run, do not edit.\n"
        "graphhopper:\n"
        f"  datareader.file: {json.dumps(str(graph.osm))}\n"
        f"  graph.location: {json.dumps(str(location))}\n"
        f"  graph.encoded_values: {encoded}\n"
        f"  import.osm.ignored_highways: {IGNORED_HIGHWAYS}\n"
        f"  prepare.min_network_size: {MIN_NETWORK_SIZE}\n"
        f"  index.max_region_search: {rings}\n"
        "  graph.dataaccess.default_type: RAM_STORE\n"
        "  profiles:\n"
        f"    - name: {graph.profile}\n"
        f"      custom_model_files: [{', '.join(models)}]\n"
        "  profiles_ch:\n"
        f"    - profile: {graph.profile}\n"
        "server:\n"
        "  application_connectors:\n"
        "    - type: http\n"
        f"      port: {port}\n"
        "      bind_host: 127.0.0.1\n"
        "  admin_connectors:\n"
        "    - type: http\n"
        f"      port: {admin_port}\n"
        "      bind_host: 127.0.0.1\n"
        "  request_log:\n"
        "    appenders: []\n"
        "logging:\n"
        "  level: INFO\n"
        "  loggers:\n"
        "    # one INFO line per route request would cost more than the route itself\n"
        "    com.graphhopper.resources.RouteResource: WARN\n"
    )
    return conf


# import phases as GraphHopper logs them, with the share of import time they roughly take
PHASES = (("pass1", "reading ways (pass 1)"), ("pass2", "reading nodes and ways (pass 2)"),
          ("subnetwork", "removing small islands"), ("Creating CH preparations", "contracting"),
          ("flushing graph", "writing the graph"))


def _log_tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return "(no log written)"
    text = path.read_text(errors="replace").strip().splitlines()[-lines:]
    return f"--- last lines of {path}:\n" + "\n".join(text)


def _failure_cause(log: Path) -> str | None:
    """The one line in a GraphHopper log that says why it stopped, if there is one."""
    if not log.exists():
        return None
    text = log.read_text(errors="replace")
    if "OutOfMemoryError" in text:
        return "out of memory"
    if "Address already in use" in text or "Failed to bind" in text:
        return "port taken"
    causes = re.findall(r"^(?:Caused by: |Exception in thread \S+ )?"
                        r"((?:[\w$]+\.)+[\w$]*(?:Exception|Error)\b.*)$", text, re.M)
    return causes[-1].strip() if causes else None


def _spawn(graph: Graph, jar: Path, command: str, conf: Path,
           log: Path) -> subprocess.Popen[bytes]:
    """Start GraphHopper ``command`` (``import`` or ``server``) in its own session, output to
    ``log``, and record its pid in the graph's pid file."""
    java = shutil.which("java") or "java"
    cmd = [java, f"-Xmx{heap()}", *JVM_OPTIONS, "-jar", str(jar), command, str(conf)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=graph.folder,
                                start_new_session=True)
    graph.pid_file.parent.mkdir(parents=True, exist_ok=True)
    graph.pid_file.write_text(str(proc.pid))
    return proc


def import_graph(graph: Graph, *, progress: Callable[[str], None] | None = None,
                 timeout: float = 4 * 3600) -> dict:
    """Import ``graph.osm`` into ``graph.folder`` unless already there; return its marker.

    The import runs into a staging folder that is renamed when GraphHopper succeeded, so an
    interrupted or failed import leaves nothing that a later run would take for a graph.
    """
    if graph.ready:
        return json.loads(graph.marker.read_text())
    if not graph.osm.is_file():
        raise RoutingError(f"{graph.osm}: no such OSM file")
    check_java()
    jar = resolve_jar()
    graph.folder.mkdir(parents=True, exist_ok=True)
    staging = graph.folder / "graph.partial"
    shutil.rmtree(staging, ignore_errors=True)
    conf = write_config(graph, staging)
    log = graph.folder / "import.log"
    started = time.monotonic()
    proc = _spawn(graph, jar, "import", conf, log)
    try:
        phase = ""
        while proc.poll() is None:
            if time.monotonic() - started > timeout:
                raise RoutingError(f"GraphHopper import of {graph.osm} did not finish within "
                                   f"{timeout / 60:.0f} minutes")
            if progress is not None:
                text = log.read_text(errors="replace") if log.exists() else ""
                for needle, label in PHASES:
                    if needle in text:
                        phase = label
                progress(phase or "starting")
            time.sleep(0.5)
    except BaseException:
        localdb.terminate(proc.pid, timeout=10, name="GraphHopper import")
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        graph.pid_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        cause = _failure_cause(log)
        if cause == "out of memory":
            raise RoutingError(f"GraphHopper ran out of memory importing {graph.osm.name} with "
                               f"-Xmx{heap()}; give it more heap (ONCOREGIO_GH_HEAP=8g) or use a "
                               f"smaller extract (log: {log})")
        raise RoutingError(f"GraphHopper could not import {graph.osm.name} (is it a complete "
                           f"OpenStreetMap .osm.pbf or .osm file?): {cause or 'exit code '}"
                           f"{'' if cause else proc.returncode} (log: {log})")
    shutil.rmtree(graph.graph_dir, ignore_errors=True)
    staging.rename(graph.graph_dir)
    info = {"version": GRAPHHOPPER_VERSION, "profile": graph.profile, "osm": graph.osm.name,
            "sha256": graph.sha256, "seconds": round(time.monotonic() - started, 1)}
    graph.marker.write_text(json.dumps(info))
    return info


# --------------------------------------------------------------------------- server
@dataclass(frozen=True)
class Server:
    """A running GraphHopper on loopback."""

    pid: int
    port: int
    graph: Graph

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_server(graph: Graph, *, port: int | None = None, snap_radius_m: float = 1000.0,
                 timeout: float = 600.0) -> Server:
    """Start GraphHopper on ``graph`` and wait until it answers; raise naming the cause."""
    if not graph.ready:
        raise RoutingError(f"no imported graph in {graph.folder}; import it first")
    check_java()
    jar = resolve_jar()
    port = port or _free_port()
    if not localdb.port_free(port):
        raise RoutingError(f"GraphHopper port {port} on 127.0.0.1 is already taken by another "
                           "process; stop it or choose another port")
    admin_port = _free_port()
    conf = write_config(graph, graph.graph_dir, port=port, admin_port=admin_port,
                        snap_radius_m=snap_radius_m)
    log = graph.folder / "server.log"
    proc = _spawn(graph, jar, "server", conf, log)
    server = Server(proc.pid, port, graph)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise _start_failure(proc.returncode, log, port)
            if _healthy(port):
                return server
            time.sleep(0.5)
        raise RoutingError(f"GraphHopper did not answer on {server.url} within {timeout:.0f} s"
                           f"\n{_log_tail(log)}")
    except BaseException:
        stop_server(server)
        raise


def _start_failure(code: int, log: Path, port: int) -> RoutingError:
    cause = _failure_cause(log)
    if cause == "out of memory":
        return RoutingError(f"GraphHopper ran out of memory loading the graph with -Xmx{heap()}; "
                            f"give it more heap (ONCOREGIO_GH_HEAP=8g)\n{_log_tail(log)}")
    if cause == "port taken":
        return RoutingError(f"GraphHopper could not bind 127.0.0.1:{port}: the port is already "
                            f"taken by another process\n{_log_tail(log)}")
    return RoutingError(f"GraphHopper exited with code {code} during start "
                        f"({cause or 'config rejected or graph unreadable?'})\n{_log_tail(log)}")


def stop_server(server: Server, *, timeout: float = 30.0) -> bool:
    """Stop the server by its PID (SIGTERM, then SIGKILL); True if it was running."""
    pid = localdb.pid_from_file(server.graph.pid_file, JAR_NAME)
    if pid != server.pid:
        pid = server.pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        server.graph.pid_file.unlink(missing_ok=True)
        return False
    if _exited(pid):
        server.graph.pid_file.unlink(missing_ok=True)
        return False
    localdb.terminate(pid, timeout=timeout, name="GraphHopper")
    server.graph.pid_file.unlink(missing_ok=True)
    return True


def _exited(pid: int) -> bool:
    """Reap our own child if it already exited (a zombie still answers ``kill(pid, 0)``)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


@contextmanager
def running(graph: Graph, *, port: int | None = None,
            snap_radius_m: float = 1000.0) -> Iterator[Server]:
    """GraphHopper on ``graph`` for the duration of the ``with`` block, stopped by PID after."""
    server = start_server(graph, port=port, snap_radius_m=snap_radius_m)
    try:
        yield server
    finally:
        stop_server(server)

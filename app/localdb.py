"""Provision and run a real local Neo4j Community server from Maven Central.

No Docker and no tarball: the server is the runtime closure of ``org.neo4j:neo4j`` plus the
``neo4j-browser`` jar, resolved by Maven into a cache outside the repository and started as one
JVM on loopback. See ``../shared/NEO4J-LOCAL.md`` for the background of every choice here.

Layout
------
- jars (shared by every checkout and instance): ``$ONCOREGIO_CACHE`` or
  ``~/.cache/oncoregio/neo4j-<version>/lib``; Maven's own cache is ``~/.m2``.
- one instance per name inside the project (git-ignored): ``.neo4j/<name>/{conf,data,logs,run,
  import,plugins}``. ``dev`` serves the app on 7687/7474, ``test`` serves the test suite on
  17687/17474 so the tests never wipe the data a user is looking at.
- credentials: user ``neo4j`` and a generated password in the git-ignored ``.env``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "NEO4J_VERSION",
    "BROWSER_VERSION",
    "Instance",
    "LocalDbError",
    "PROJECT_ROOT",
    "cache_root",
    "check_java",
    "ensure_password",
    "instance",
    "pid_from_file",
    "port_free",
    "resolve_jars",
    "run_maven",
    "start",
    "status",
    "stop",
    "terminate",
]

# Newest 5.26 LTS patch that resolved from Maven Central on 2026-11-23 (5.26.32/.33 did not).
NEO4J_VERSION = "5.26.31"
# Newest neo4j-browser on Maven Central (5.25+, 5.26 and 2025.x are not published there).
BROWSER_VERSION = "5.24.0"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
DEFAULT_PORTS = {"dev": (7687, 7474), "test": (17687, 17474)}
GUIDE_HOSTS = "127.0.0.1,localhost"

JVM_OPTIONS = [
    "-Xms1g",
    "-Xmx1g",
    # the client compiler only: a (re)started server is usable about twice as fast, because
    # the optimising compiler's threads no longer compete with its start and its first query
    # plans for the CPUs. On the 2-core development machine at load 8-11: start 16-23 s
    # instead of 32-51 s, first plan of the scenario store 2.9-5.7 s instead of 7.3-10 s,
    # and no measurable loss once warm on the Dutch instance (bench/bench_neo4j_restart.py)
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
]


#: ``ONCOREGIO_NEO4J_CDS=0`` starts the JVM without its class-data-sharing archive
CDS_ENV = "ONCOREGIO_NEO4J_CDS"


class LocalDbError(RuntimeError):
    """Provisioning or starting the local server failed; the message says where and why."""


@dataclass(frozen=True)
class Instance:
    """One local server: its folders and loopback ports."""

    name: str
    home: Path
    bolt_port: int
    http_port: int

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def log_files(self) -> tuple[Path, ...]:
        return (self.home / "logs" / "console.log", self.home / "logs" / "neo4j.log")

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"


def instance(name: str = "dev", *, bolt_port: int | None = None, http_port: int | None = None,
             root: Path | None = None) -> Instance:
    """Describe the instance ``name``; ports from arguments, env, or the per-name defaults.

    ``ONCOREGIO_BOLT_PORT``/``ONCOREGIO_HTTP_PORT`` override the dev ports,
    ``ONCOREGIO_TEST_BOLT_PORT``/``ONCOREGIO_TEST_HTTP_PORT`` the test ports.
    """
    default_bolt, default_http = DEFAULT_PORTS.get(name, (7687, 7474))
    prefix = "ONCOREGIO_TEST_" if name == "test" else "ONCOREGIO_"
    bolt = bolt_port or int(os.environ.get(prefix + "BOLT_PORT", default_bolt))
    http = http_port or int(os.environ.get(prefix + "HTTP_PORT", default_http))
    base = root or Path(os.environ.get("ONCOREGIO_INSTANCES", PROJECT_ROOT / ".neo4j"))
    return Instance(name=name, home=base / name, bolt_port=bolt, http_port=http)


def cache_root() -> Path:
    """The cache shared by every checkout: ``$ONCOREGIO_CACHE`` or ``~/.cache/oncoregio``."""
    return Path(os.environ.get("ONCOREGIO_CACHE") or Path.home() / ".cache" / "oncoregio")


def cache_dir() -> Path:
    return cache_root() / f"neo4j-{NEO4J_VERSION}"


def _say(msg: str) -> None:
    print(f"[oncoregio db] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- provisioning
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.oncoregio</groupId>
  <artifactId>neo4j-server-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{neo4j}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.client</groupId><artifactId>neo4j-browser</artifactId>
      <version>{browser}</version>
    </dependency>
  </dependencies>
</project>
"""


@functools.lru_cache(maxsize=8)
def java_version(java: str) -> str:
    """What ``java -version`` prints (read once per Java binary and process: the version
    check and the class-data-sharing archive's key both need it at each start)."""
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    return out.stderr + out.stdout


def check_java(product: str = "Neo4j 5.26") -> str:
    """Return the Java major version, or raise when Java is missing or unsupported."""
    java = shutil.which("java")
    if java is None:
        raise LocalDbError(f"Java is missing: {product} needs a JDK 17 or 21 on PATH "
                           "(Debian: apt-get install openjdk-17-jre-headless)")
    match = re.search(r'version "(\d+)', java_version(java))
    major = match.group(1) if match else "?"
    if major not in {"17", "21"}:
        raise LocalDbError(f"Java {major} found at {java}; {product} runs on Java 17 or 21")
    return major


def run_maven(args: list[str], *, what: str, artifact: str, timeout: float = 1200) -> None:
    """Run Maven in batch mode; raise :class:`LocalDbError` naming ``artifact`` on failure."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalDbError(f"Maven is missing: it resolves {what} from Maven Central "
                           "(Debian: apt-get install maven)")
    try:
        proc = subprocess.run([mvn, "-B", "-q", *args], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise LocalDbError(f"Maven did not finish resolving {what} within "
                           f"{timeout / 60:.0f} minutes") from e
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise LocalDbError(f"Maven could not resolve {artifact} "
                           f"(offline, or the version is not served?):\n{tail}")


def resolve_jars(*, quiet: bool = False) -> Path:
    """Resolve the server and Browser jars into the cache once; return the ``lib`` folder."""
    target = cache_dir()
    lib = target / "lib"
    marker = target / "complete.json"
    if marker.exists() and lib.is_dir():
        return lib
    target.mkdir(parents=True, exist_ok=True)
    (target / "pom.xml").write_text(POM.format(neo4j=NEO4J_VERSION, browser=BROWSER_VERSION))
    staging = target / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        _say(f"resolving Neo4j {NEO4J_VERSION} + Browser {BROWSER_VERSION} from Maven Central "
             f"into {target} (first time only)")
    started = time.monotonic()
    run_maven(["-f", str(target / "pom.xml"), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
               "-DincludeScope=runtime", "-Dmdep.prependGroupId=true",
               f"-DoutputDirectory={staging}"],
              what="Neo4j", artifact=f"org.neo4j:neo4j:{NEO4J_VERSION}")
    jars = sorted(p.name for p in staging.glob("*.jar"))
    _check_closure(staging, jars)
    shutil.rmtree(lib, ignore_errors=True)
    staging.rename(lib)
    marker.write_text(json.dumps({"neo4j": NEO4J_VERSION, "browser": BROWSER_VERSION,
                                  "jars": len(jars),
                                  "seconds": round(time.monotonic() - started, 1)}))
    if not quiet:
        _say(f"resolved {len(jars)} jars in {time.monotonic() - started:.0f} s")
    return lib


def _check_closure(lib: Path, jars: list[str]) -> None:
    """The cheap checks of NEO4J-LOCAL.md section 8 on a freshly resolved closure."""
    import zipfile

    def has(prefix: str, entry: str) -> bool:
        for name in jars:
            if name.startswith(prefix):
                with zipfile.ZipFile(lib / name) as z:
                    if any(n.endswith(entry) for n in z.namelist()):
                        return True
        return False

    checks = {
        "server entry point": ("org.neo4j.neo4j-", "server/CommunityEntryPoint.class"),
        "admin tool": ("org.neo4j.neo4j-command-line", "cli/AdminTool.class"),
        "Neo4j Browser": ("org.neo4j.client.neo4j-browser", "browser/index.html"),
    }
    missing = [what for what, (prefix, entry) in checks.items() if not has(prefix, entry)]
    if missing:
        raise LocalDbError(f"the resolved Neo4j closure lacks: {', '.join(missing)}")


# --------------------------------------------------------------------------- configuration
def write_config(inst: Instance, lib: Path) -> Path:
    """Write the instance's own neo4j.conf (loopback only, small memory, no telemetry)."""
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (inst.home / sub).mkdir(parents=True, exist_ok=True)
    conf = inst.home / "conf" / "neo4j.conf"
    conf.write_text(
        "# Written by `oncoregio db start`; regenerated on every start, do not edit.\n"
        "server.default_listen_address=127.0.0.1\n"
        "server.bolt.enabled=true\n"
        f"server.bolt.listen_address=127.0.0.1:{inst.bolt_port}\n"
        f"server.bolt.advertised_address=127.0.0.1:{inst.bolt_port}\n"
        "server.http.enabled=true\n"
        f"server.http.listen_address=127.0.0.1:{inst.http_port}\n"
        f"server.http.advertised_address=127.0.0.1:{inst.http_port}\n"
        "server.https.enabled=false\n"
        "dbms.security.auth_enabled=true\n"
        f"server.directories.lib={lib}\n"
        "server.directories.data=data\n"
        "server.directories.logs=logs\n"
        "server.directories.plugins=plugins\n"
        "server.directories.import=import\n"
        "server.directories.run=run\n"
        "server.memory.pagecache.size=512m\n"
        "dbms.memory.transaction.total.max=512m\n"
        "server.memory.heap.initial_size=1g\n"
        "server.memory.heap.max_size=1g\n"
        "dbms.usage_report.enabled=false\n"
        "client.allow_telemetry=false\n"
        "# the API serves a Browser guide: `:play http://127.0.0.1:8000/guide`\n"
        f"browser.remote_content_hostname_whitelist={GUIDE_HOSTS}\n"
        "db.tx_log.rotation.retention_policy=2 files\n"
    )
    return conf


# --------------------------------------------------------------------------- credentials
def _read_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def ensure_password(env_file: Path | None = None) -> str:
    """Return the local password from ``.env``; generate and store one when there is none."""
    env_file = env_file or PROJECT_ROOT / ".env"
    existing = _read_env(env_file).get("NEO4J_PASSWORD")
    if existing:
        if len(existing) < 8:
            raise LocalDbError(f"NEO4J_PASSWORD in {env_file} is shorter than the 8 characters "
                               "Neo4j requires")
        return existing
    # letters and digits only: a leading "-" would read as an option to the admin tool
    alphabet = string.ascii_letters + string.digits
    password = "".join(secrets.choice(alphabet) for _ in range(24))
    lines = [] if not env_file.exists() else env_file.read_text().splitlines()
    lines += ["# Generated by `oncoregio db start`: credentials of the local Neo4j (.neo4j/).",
              "NEO4J_USER=neo4j", f"NEO4J_PASSWORD={password}"]
    env_file.write_text("\n".join(lines) + "\n")
    env_file.chmod(0o600)
    _say(f"generated a password for the local database in {env_file}")
    return password


def _set_initial_password(inst: Instance, lib: Path, password: str) -> None:
    """Set the neo4j user's password once, before the first start of a fresh instance."""
    if (inst.home / "data" / "databases" / "system").exists():
        return
    java = shutil.which("java") or "java"
    env = dict(os.environ, NEO4J_HOME=str(inst.home), NEO4J_CONF=str(inst.home / "conf"))
    proc = subprocess.run([java, "-cp", f"{lib}/*", ADMIN_TOOL, "dbms", "set-initial-password",
                           "--", password], capture_output=True, text=True, env=env, timeout=180)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
        raise LocalDbError(f"setting the initial password failed:\n{tail}")


# --------------------------------------------------------------------------- process control
def _pid(inst: Instance) -> int | None:
    return pid_from_file(inst.pid_file, ENTRY_POINT)


def pid_from_file(pid_file: Path, marker: str) -> int | None:
    """The live pid recorded in ``pid_file`` whose command line holds ``marker``, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and marker.encode() not in cmdline.read_bytes():
        return None  # the pid was recycled by an unrelated process
    return pid


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _log_tail(inst: Instance, lines: int = 25) -> str:
    parts = []
    for path in inst.log_files:
        if path.exists():
            text = path.read_text(errors="replace").strip().splitlines()[-lines:]
            parts.append(f"--- last lines of {path}:\n" + "\n".join(text))
    return "\n".join(parts) or "(no log written)"


def _discovery(inst: Instance, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{inst.http_port}/", timeout=timeout) as r:
            return json.loads(r.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def status(inst: Instance) -> dict:
    """Report whether the instance runs, its pid, ports and the server's own version."""
    pid = _pid(inst)
    info = _discovery(inst) if pid else None
    return {"instance": inst.name, "running": pid is not None, "pid": pid,
            "ready": info is not None, "bolt": inst.bolt_uri, "browser": inst.browser_url,
            "version": (info or {}).get("neo4j_version"), "home": str(inst.home)}


def start(inst: Instance, *, timeout: float = 180.0) -> dict:
    """Start the instance in the background and wait until Bolt and HTTP answer and the
    default database answers a query.

    A second start while it runs is a no-op. Raises :class:`LocalDbError` naming the cause.
    """
    running = _pid(inst)
    if running is not None:
        st = status(inst)
        if not st["ready"]:
            _wait_ready(inst, running, timeout)
            st = status(inst)
        _say(f"{inst.name}: already running (pid {running}) at {inst.bolt_uri}")
        return st
    check_java()
    for port, what in ((inst.bolt_port, "Bolt"), (inst.http_port, "HTTP")):
        if not port_free(port):
            raise LocalDbError(f"{what} port {port} on 127.0.0.1 is already taken by another "
                               f"process; stop it or choose another port "
                               f"(ONCOREGIO_{'TEST_' if inst.name == 'test' else ''}"
                               f"{what.upper()}_PORT)")
    lib = resolve_jars()
    write_config(inst, lib)
    password = ensure_password()
    _set_initial_password(inst, lib, password)
    java = shutil.which("java") or "java"
    cp = os.pathsep.join([str(inst.home / "plugins" / "*"), str(inst.home / "conf" / "*"),
                          str(lib / "*")])
    cmd = [java, *JVM_OPTIONS, *class_sharing_options(inst, lib), "-cp", cp, ENTRY_POINT,
           f"--home-dir={inst.home}",
           f"--config-dir={inst.home / 'conf'}", "--console-mode"]
    console = (inst.home / "logs" / "console.log").open("ab")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, cwd=inst.home, start_new_session=True)
    inst.pid_file.write_text(str(proc.pid))
    _say(f"{inst.name}: starting Neo4j {NEO4J_VERSION} (pid {proc.pid})")
    _wait_ready(inst, proc.pid, timeout, proc=proc)
    reap_when_done(proc)
    _say(f"{inst.name}: ready in {time.monotonic() - started:.1f} s: Bolt {inst.bolt_uri}, "
         f"Browser {inst.browser_url}")
    return status(inst)


def _wait_ready(inst: Instance, pid: int, timeout: float,
                proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            inst.pid_file.unlink(missing_ok=True)
            raise LocalDbError(f"Neo4j exited with code {proc.returncode} during start "
                               f"(config rejected, port taken or out of memory?)\n"
                               f"{_log_tail(inst)}")
        if proc is None and _pid(inst) is None:
            raise LocalDbError(f"Neo4j (pid {pid}) stopped during start\n{_log_tail(inst)}")
        if (_discovery(inst) is not None and _bolt_open(inst.bolt_port)
                and _database_answers(inst)):
            return
        time.sleep(0.5)
    raise LocalDbError(f"Neo4j did not answer on {inst.bolt_uri} within {timeout:.0f} s "
                       f"(still running as pid {pid}; `oncoregio db stop` ends it)\n"
                       f"{_log_tail(inst)}")


def _database_answers(inst: Instance, timeout: float = 5.0) -> bool:
    """Whether the default database answers a query (over HTTP; the server opens its ports
    seconds before its database is available). A refused password counts as an answer: the
    server runs, and this check cannot tell more."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{inst.http_port}/db/neo4j/tx/commit",
        data=b'{"statements": [{"statement": "RETURN 1"}]}', method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json",
                 "Authorization": "Basic " + base64.b64encode(
                     f"neo4j:{ensure_password()}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return not json.loads(r.read().decode()).get("errors")
    except urllib.error.HTTPError as e:
        return e.code in (401, 403)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _bolt_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def stop(inst: Instance, *, timeout: float = 60.0) -> bool:
    """Stop the instance by PID (SIGTERM, then SIGKILL after ``timeout``); True if it ran.

    A server started to write its class-data-sharing archive (:func:`class_sharing_options`)
    writes it as it exits; a clean exit makes that archive the one the next start uses."""
    pid = _pid(inst)
    if pid is None:
        inst.pid_file.unlink(missing_ok=True)
        return False
    clean = terminate(pid, timeout=timeout, name=inst.name)
    inst.pid_file.unlink(missing_ok=True)
    for pending in (inst.home / "run").glob(f"*{PENDING_ARCHIVE}"):
        if clean and pending.stat().st_size > 0:
            pending.rename(pending.with_name(pending.name.removesuffix(PENDING_ARCHIVE)))
        else:
            pending.unlink(missing_ok=True)
    return True


def terminate(pid: int, *, timeout: float = 60.0, name: str = "server") -> bool:
    """End ``pid``: SIGTERM, then SIGKILL when it has not exited after ``timeout`` seconds.
    True when it exited of its own (no SIGKILL was needed)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        _reap(pid)
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not _alive(pid):
            return True
        time.sleep(0.3)
    _say(f"{name}: no clean shutdown within {timeout:.0f} s, killing pid {pid}")
    os.kill(pid, signal.SIGKILL)
    _reap(pid)
    return False


# --------------------------------------------------------------------------- class sharing
#: the suffix of an archive the JVM writes as it exits, until a clean stop makes it current
PENDING_ARCHIVE = ".pending"


def class_archive(inst: Instance, lib: Path) -> Path:
    """The instance's class-data-sharing archive for this Java build and these jars.

    The JVM maps the classes it loaded in an earlier run from this file instead of reading,
    parsing and verifying them from 214 jars again. The name keys on everything the JVM checks
    before it uses an archive (its own build, the class path's jars with their sizes and
    times), so a new Java or new jars get a new archive instead of a refused one."""
    key = hashlib.sha256((java_version(shutil.which("java") or "java")
                          + NEO4J_VERSION).encode())
    for folder in (inst.home / "plugins", lib):
        for jar in sorted(folder.glob("*.jar")):
            st = jar.stat()
            key.update(f"{jar}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return inst.home / "run" / f"classes-{key.hexdigest()[:16]}.jsa"


def class_sharing_options(inst: Instance, lib: Path) -> list[str]:
    """The JVM options of the instance's class-data sharing (JDK 13+ dynamic archives).

    With the archive in place the server maps its classes from it: on the 2-core development
    machine at load 2-4 a start took 0.59-0.64x as long (about 5 s instead of 8 s,
    ``bench/bench_neo4j_restart.py``). It does not shorten the first plans of a restarted
    server (the scenario store's: 0.98-1.00x; the JVM runs the planner's code cold either
    way), and the first few hundred reads after a restart were 1.25x slower, the ones after
    them 0.98x. Without it the server runs as before and writes the archive as it exits;
    :func:`stop` keeps it only after a clean exit (a killed JVM leaves a partial file).
    Archives of earlier Java builds or jars are removed.
    ``ONCOREGIO_NEO4J_CDS=0`` turns it off."""
    if os.environ.get(CDS_ENV, "1") == "0":
        return []
    archive = class_archive(inst, lib)
    archive.parent.mkdir(parents=True, exist_ok=True)
    for old in archive.parent.glob("classes-*.jsa*"):
        if old != archive:
            old.unlink(missing_ok=True)
    if archive.exists():
        return [f"-XX:SharedArchiveFile={archive}"]
    # the dump's warnings (some thousand classes it skips: signed jars, old class files)
    # stay out of the console log; its errors do not
    return [f"-XX:ArchiveClassesAtExit={archive}{PENDING_ARCHIVE}", "-Xlog:cds=error"]


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs. A zombie (state Z: it has exited and waits for its parent,
    e.g. the ``oncoregio up`` process, to collect it) has stopped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): signal 0 is all we know
    # "pid (comm) state ...": comm may hold spaces or parentheses, so split after the last ")"
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def reap_when_done(proc: subprocess.Popen) -> threading.Thread:
    """Wait for our child ``proc`` in a daemon thread so that, once it exits (for instance
    after ``oncoregio db stop`` from another shell), it does not stay a zombie of this process."""
    thread = threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True)
    thread.start()
    return thread


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass

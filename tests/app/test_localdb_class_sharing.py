"""The local server's class-data-sharing archive (app.localdb): written by a JVM as it exits,
kept only after a clean stop, used by the next start, replaced when Java or the jars change.

The process tests stand a sleeping Python process in for the server (its argv carries Neo4j's
entry point, so ``_pid`` takes it for one), as ``test_localdb_reap`` does: they check what
``stop`` does with the archive, not the JVM. The JVM test runs the real ``java`` on the real
Neo4j jars (the admin tool's ``--version``): it writes an archive as it exits, and a second run
with ``-Xshare:on``, which refuses to start on an archive it cannot map, uses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from app import localdb

#: ignores SIGTERM (the stand-in for a server that does not stop cleanly) when told to
STAND_IN = """
import signal, sys, time
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)  # its SIGTERM handling is in place
time.sleep(120)
"""


@pytest.fixture
def inst(tmp_path):
    instance = localdb.instance("sharing", root=tmp_path, bolt_port=1, http_port=2)
    (instance.home / "run").mkdir(parents=True)
    (instance.home / "plugins").mkdir()
    return instance


@pytest.fixture
def lib(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    for name in ("a.jar", "b.jar"):
        (folder / name).write_bytes(b"PK" + name.encode())
    return folder


def running(inst, kind: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", STAND_IN, kind, localdb.ENTRY_POINT],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    inst.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + 20  # its command line can lag its pid under load
    while localdb._pid(inst) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert localdb._pid(inst) == proc.pid
    return proc


def option_path(options: list[str], name: str) -> str:
    (value,) = [o.split("=", 1)[1] for o in options if o.startswith(f"-XX:{name}=")]
    return value


def test_first_start_writes_the_archive_and_a_clean_stop_keeps_it(inst, lib, monkeypatch):
    monkeypatch.delenv(localdb.CDS_ENV, raising=False)
    archive = localdb.class_archive(inst, lib)
    first = localdb.class_sharing_options(inst, lib)
    pending = option_path(first, "ArchiveClassesAtExit")
    assert pending == f"{archive}{localdb.PENDING_ARCHIVE}"
    assert not any(o.startswith("-XX:SharedArchiveFile") for o in first)
    proc = running(inst, "clean")
    try:
        with open(pending, "wb") as f:  # what the JVM does as it exits
            f.write(b"archive")
        assert localdb.stop(inst, timeout=30) is True
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert archive.read_bytes() == b"archive" and not os.path.exists(pending)
    assert localdb.class_sharing_options(inst, lib) == [f"-XX:SharedArchiveFile={archive}"]


def test_a_killed_server_leaves_no_archive(inst, lib, monkeypatch):
    monkeypatch.delenv(localdb.CDS_ENV, raising=False)
    pending = option_path(localdb.class_sharing_options(inst, lib), "ArchiveClassesAtExit")
    proc = running(inst, "stubborn")
    try:
        with open(pending, "wb") as f:  # possibly cut short by the SIGKILL
            f.write(b"part")
        assert localdb.stop(inst, timeout=1) is True
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert not os.path.exists(pending)
    assert not localdb.class_archive(inst, lib).exists()
    # the next start writes one again
    assert option_path(localdb.class_sharing_options(inst, lib), "ArchiveClassesAtExit")


def test_new_jars_get_a_new_archive_and_the_old_one_goes(inst, lib, monkeypatch):
    monkeypatch.delenv(localdb.CDS_ENV, raising=False)
    old = localdb.class_archive(inst, lib)
    old.write_bytes(b"old")
    assert localdb.class_sharing_options(inst, lib) == [f"-XX:SharedArchiveFile={old}"]
    jar = lib / "b.jar"
    jar.write_bytes(b"PK a newer build")  # another size and time: the JVM would refuse old
    new = localdb.class_archive(inst, lib)
    assert new != old
    assert option_path(localdb.class_sharing_options(inst, lib), "ArchiveClassesAtExit")
    assert not old.exists()
    (inst.home / "plugins" / "extra.jar").write_bytes(b"PK")
    assert localdb.class_archive(inst, lib) != new


def test_turned_off_by_the_environment(inst, lib, monkeypatch):
    monkeypatch.setenv(localdb.CDS_ENV, "0")
    assert localdb.class_sharing_options(inst, lib) == []


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java on PATH")
def test_the_real_jvm_writes_an_archive_it_can_then_map(inst, tmp_path, monkeypatch):
    monkeypatch.delenv(localdb.CDS_ENV, raising=False)
    lib = localdb.resolve_jars(quiet=True)
    java = shutil.which("java")
    cp = os.pathsep.join([str(inst.home / "plugins" / "*"), str(lib / "*")])

    def admin(options: list[str]) -> subprocess.CompletedProcess:
        env = dict(os.environ, NEO4J_HOME=str(inst.home), NEO4J_CONF=str(inst.home / "conf"))
        return subprocess.run([java, *options, "-cp", cp, localdb.ADMIN_TOOL, "--version"],
                              capture_output=True, text=True, timeout=300, env=env)

    first = localdb.class_sharing_options(inst, lib)
    out = admin(first)
    assert out.returncode == 0, out.stderr[-2000:]
    pending = option_path(first, "ArchiveClassesAtExit")
    assert os.path.getsize(pending) > 1_000_000  # the classes the run loaded
    os.rename(pending, localdb.class_archive(inst, lib))  # what a clean stop does
    second = localdb.class_sharing_options(inst, lib)
    assert second == [f"-XX:SharedArchiveFile={localdb.class_archive(inst, lib)}"]
    out = admin([*second, "-Xshare:on"])  # -Xshare:on: fail rather than run without it
    assert out.returncode == 0, out.stderr[-2000:]
    assert localdb.NEO4J_VERSION in out.stdout

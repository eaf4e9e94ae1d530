"""The local server's failure reports name the cause: Java, Maven, config, port."""

from __future__ import annotations

import pytest

from app import localdb
from tests.helpers import free_port


def test_missing_java_is_named(monkeypatch):
    monkeypatch.setattr(localdb.shutil, "which", lambda name: None)
    with pytest.raises(localdb.LocalDbError, match="Java is missing"):
        localdb.check_java()


def test_missing_maven_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ONCOREGIO_CACHE", str(tmp_path / "cache"))
    real_which = localdb.shutil.which
    monkeypatch.setattr(localdb.shutil, "which",
                        lambda name: None if name == "mvn" else real_which(name))
    with pytest.raises(localdb.LocalDbError, match="Maven is missing"):
        localdb.resolve_jars(quiet=True)


def test_maven_offline_is_named(monkeypatch, tmp_path):
    # an empty local repository and offline mode: nothing can be resolved
    monkeypatch.setenv("ONCOREGIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MAVEN_OPTS", f"-Dmaven.repo.local={tmp_path / 'm2'}")
    real_run = localdb.subprocess.run

    def offline(cmd, *a, **kw):
        if cmd and str(cmd[0]).endswith("mvn"):
            cmd = [cmd[0], "-o", *cmd[1:]]
        return real_run(cmd, *a, **kw)

    monkeypatch.setattr(localdb.subprocess, "run", offline)
    with pytest.raises(localdb.LocalDbError, match=r"Maven could not resolve org.neo4j:neo4j"):
        localdb.resolve_jars(quiet=True)
    assert not (tmp_path / "cache" / f"neo4j-{localdb.NEO4J_VERSION}" / "lib").exists()


def test_rejected_config_reports_the_log(monkeypatch, tmp_path):
    real_write = localdb.write_config

    def bad_config(inst, lib):
        conf = real_write(inst, lib)
        conf.write_text(conf.read_text() + "dbms.no_such_setting=1\n")
        return conf

    monkeypatch.setattr(localdb, "write_config", bad_config)
    monkeypatch.setattr(localdb, "_set_initial_password", lambda *a: None)
    inst = localdb.instance("badconf", bolt_port=free_port(), http_port=free_port(),
                            root=tmp_path)
    with pytest.raises(localdb.LocalDbError) as info:
        localdb.start(inst, timeout=120)
    text = str(info.value)
    assert "exited with code" in text and "last lines of" in text
    assert "dbms.no_such_setting" in text
    assert not localdb.status(inst)["running"]

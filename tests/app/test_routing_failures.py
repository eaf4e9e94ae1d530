"""Bad input and GraphHopper's own start failures: named in one clear line, nothing loaded, no
GraphHopper process left behind (checked by PID)."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from app.routing import graphhopper as gh
from app.routing.build import Progress, build_matrix
from app.routing.cli import travel_app
from tests.app.test_routing import (
    THRESHOLD_M,
    network,
    process_gone,
    reload,
    travel_rows,
    write_dataset,
)
from tests.synth_osm import Osm

pytestmark = [pytest.mark.routing]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("ghfail")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONCOREGIO_GH_WORK", str(root / "work"))
        yield {"root": root, "osm": network().write(root / "towns.osm"),
               "data": write_dataset(root / "data")}


@pytest.fixture
def dataset(driver, work):
    reload(driver, work["data"])
    return driver


class Pids(Progress):
    """Records every GraphHopper pid the build writes while it runs."""

    def __init__(self, graph: gh.Graph) -> None:
        self.graph, self.pids = graph, set()

    def _look(self) -> None:
        if self.graph.pid_file.exists():
            self.pids.add(int(self.graph.pid_file.read_text()))

    def phase(self, name, total=None):
        self._look()

    def status(self, text):
        self._look()

    def advance(self, n=1):
        self._look()


def test_cli_missing_file_is_one_error_line(dataset, neo4j_server, monkeypatch, tmp_path):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password)
    missing = tmp_path / "netherlands-latest.osm.pbf"
    result = CliRunner().invoke(travel_app, ["build", "--osm", str(missing)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {missing}: no such OSM file"]
    assert "Traceback" not in result.output
    assert travel_rows(dataset) == {}


@pytest.mark.db
def test_non_osm_file_is_refused_before_java(dataset, tmp_path):
    bad = tmp_path / "notes.osm.pbf"
    bad.write_text("these are not roads\n")
    with pytest.raises(gh.RoutingError, match=r"notes.osm.pbf: not an OpenStreetMap file"):
        build_matrix(dataset, "neo4j", bad)
    assert travel_rows(dataset) == {}


@pytest.mark.db
def test_truncated_file_fails_import_and_leaves_no_process(dataset, work, tmp_path):
    text = work["osm"].read_text()
    cut = tmp_path / "towns-cut.osm"
    cut.write_text(text[: len(text) // 2])
    graph = gh.graph_for(cut, "car")
    ui = Pids(graph)
    with pytest.raises(gh.RoutingError) as info:
        build_matrix(dataset, "neo4j", cut, progress=ui)
    message = str(info.value)
    assert message.startswith("GraphHopper could not import towns-cut.osm")
    assert "\n" not in message and "log:" in message
    assert ui.pids and all(process_gone(p) for p in ui.pids)
    assert not graph.ready and not (graph.folder / "graph.partial").exists()
    assert travel_rows(dataset) == {}


@pytest.mark.db
def test_extract_not_covering_the_areas(dataset, tmp_path):
    osm = Osm()
    osm.grid(52.135, 5.500, 16, 0.002, 0.003)  # only the disconnected town D
    path = osm.write(tmp_path / "elsewhere.osm")
    graph = gh.graph_for(path, "car")
    ui = Pids(graph)
    with pytest.raises(gh.RoutingError, match=r"elsewhere.osm does not cover the areas: only 1 "
                                              r"of 5 areas and 1 of 3 hospitals"):
        build_matrix(dataset, "neo4j", path, snap_threshold_m=THRESHOLD_M, progress=ui)
    assert ui.pids and all(process_gone(p) for p in ui.pids)
    assert not graph.pid_file.exists()
    assert travel_rows(dataset) == {}


@pytest.fixture(scope="module")
def imported(work):
    graph = gh.graph_for(work["osm"], "car")
    gh.import_graph(graph)
    return graph


def test_missing_java_is_named(imported, monkeypatch):
    monkeypatch.setattr(gh.shutil, "which", lambda name: None)
    with pytest.raises(gh.RoutingError, match=r"Java is missing: GraphHopper 11.0 needs a JDK"):
        gh.start_server(imported)
    assert not imported.pid_file.exists()


def test_port_taken_is_named(imported):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(gh.RoutingError, match=rf"GraphHopper port {port} on 127.0.0.1 is "
                                                  "already taken"):
            gh.start_server(imported, port=port)
    assert not imported.pid_file.exists()


def test_out_of_memory_is_named(imported, monkeypatch):
    monkeypatch.setenv("ONCOREGIO_GH_HEAP", "16m")
    pids = []
    real_popen = gh.subprocess.Popen

    def record(*a, **kw):
        proc = real_popen(*a, **kw)
        pids.append(proc.pid)
        return proc

    monkeypatch.setattr(gh.subprocess, "Popen", record)
    with pytest.raises(gh.RoutingError, match=r"GraphHopper ran out of memory loading the graph "
                                              r"with -Xmx16m"):
        gh.start_server(imported, timeout=120)
    assert pids and all(process_gone(p) for p in pids)
    assert not imported.pid_file.exists()


def test_server_starts_and_stops_by_pid(imported):
    with gh.running(imported) as server:
        assert gh._healthy(server.port)
        pid = server.pid
    assert process_gone(pid) and not imported.pid_file.exists()


def test_maven_offline_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ONCOREGIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MAVEN_OPTS", f"-Dmaven.repo.local={tmp_path / 'm2'}")
    real_run = gh.localdb.subprocess.run

    def offline(cmd, *a, **kw):
        if cmd and str(cmd[0]).endswith("mvn"):
            cmd = [cmd[0], "-o", *cmd[1:]]
        return real_run(cmd, *a, **kw)

    monkeypatch.setattr(gh.localdb.subprocess, "run", offline)
    with pytest.raises(gh.RoutingError, match=r"Maven could not resolve "
                                              r"com.graphhopper:graphhopper-web:11.0"):
        gh.resolve_jar(quiet=True)
    assert not (tmp_path / "cache" / "graphhopper-11.0" / gh.JAR_NAME).exists()

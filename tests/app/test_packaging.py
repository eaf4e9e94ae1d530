"""A normal (non-editable) install carries graph/: the wheel holds every file of it."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from app.localdb import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_wheel_carries_every_graph_file(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path), str(PROJECT_ROOT)], capture_output=True, text=True,
                           timeout=600, check=False)
    assert build.returncode == 0, build.stderr
    assert "deprecated" not in build.stderr.lower(), build.stderr
    (wheel,) = tmp_path.glob("oncoregio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    graph = PROJECT_ROOT / "graph"
    expected = {f"app/graph/{p.relative_to(graph).as_posix()}" for p in graph.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert {"app/graph/schema.cypher", "app/graph/seed/hospitals.csv",
            "app/graph/browser/guide.html"} <= expected
    assert expected <= names
    assert "app/cli/__init__.py" in names and "app/vocabulary.py" in names
    # installed (unpacked) away from the checkout, the package finds its own copy and reads it
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = ("import app.resources as r, app.schema as s, app.loader as l, app.geo as g; "
             "assert g.OUTLINE_PATH.is_file(), g.OUTLINE_PATH; "
             "print(r.GRAPH_DIR); print(len(s.schema_statements())); "
             "print(len(l.read_directory().rows))")
    run = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                          f"{str(site)!r}); {probe}"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    graph_dir, statements, files = run.stdout.split()
    assert graph_dir == str(site / "app" / "graph")
    assert int(statements) > 0 and int(files) == len(list((graph / "seed").glob("*.csv")))

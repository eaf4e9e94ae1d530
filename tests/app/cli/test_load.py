"""``oncoregio load``: a good folder loads with a summary; a bad one lists every problem, exits
non-zero and leaves the database as it was."""

from __future__ import annotations

import csv
import shutil

import pytest

from app.loader import SEED_DIR, LoadError, read_directory
from tests.helpers import seed_rows


def test_load_prints_the_rows_of_each_file(empty_db, oncoregio_db):
    run = oncoregio_db("load")
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    for name in ("regions.csv", "hospitals.csv", "provision.csv"):
        line = next(line for line in run.stdout.splitlines() if f" {name} " in line)
        assert int(line.split("│")[2].strip().replace(",", "")) == len(seed_rows(name))
    records, _, _ = empty_db.execute_query("MATCH (h:Hospital) RETURN count(h) AS n")
    assert records[0]["n"] == len(seed_rows("hospitals.csv"))


def test_failed_load_lists_every_problem_and_writes_nothing(empty_db, oncoregio_db, tmp_path):
    folder = tmp_path / "seed"
    shutil.copytree(SEED_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    path = folder / "hospitals.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows[0]["lat"] = "48.85"  # Paris: line 2
    rows[2]["kind"] = "clinic"  # line 4
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    run = oncoregio_db("load", str(folder))
    assert run.code == 2
    assert "Traceback" not in run.stderr
    with pytest.raises(LoadError) as problems:
        read_directory(folder)
    lines = run.error_lines
    assert lines[0] == (f"error: {len(problems.value.problems)} problem(s) in the data; "
                        "nothing was written")
    assert [line.strip() for line in lines[1:]] == [str(p) for p in problems.value.problems]
    assert any(line.strip().startswith("hospitals.csv:2: lat:") for line in lines[1:]), lines
    assert any(line.strip().startswith("hospitals.csv:4: kind:") for line in lines[1:]), lines
    records, _, _ = empty_db.execute_query("MATCH (n) RETURN count(n) AS n")
    assert records[0]["n"] == 0

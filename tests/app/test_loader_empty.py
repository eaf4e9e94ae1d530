"""A required file with only its header is an error naming the file; nothing is written."""

from __future__ import annotations

import shutil

import pytest

from app.loader import FILES, SEED_DIR, LoadError, load_directory, read_directory

REQUIRED = [spec.name for spec in FILES if spec.required]


@pytest.mark.parametrize("name", REQUIRED)
def test_header_only_required_file_is_an_error(tmp_path, name):
    d = tmp_path / "data"
    shutil.copytree(SEED_DIR, d)
    header = (d / name).read_text(encoding="utf-8").splitlines()[0]
    (d / name).write_text(header + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as e:
        read_directory(d)
    assert f"{name}: required file has no data rows" in str(e.value)


def test_header_only_file_writes_nothing(empty_db, tmp_path):
    d = tmp_path / "data"
    shutil.copytree(SEED_DIR, d)
    header = (d / "network_regions.csv").read_text(encoding="utf-8").splitlines()[0]
    (d / "network_regions.csv").write_text(header + "\n", encoding="utf-8")
    with pytest.raises(LoadError):
        load_directory(empty_db, "neo4j", d)
    assert empty_db.execute_query("MATCH (n) WHERE NOT n:ApiToken RETURN count(n) AS n"
                                  ).records[0]["n"] == 0

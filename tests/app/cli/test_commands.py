"""The commands against the real test Neo4j with the seed loaded: what they print is what the
services compute and what the seed files hold."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from app.repository.snapshot import read_snapshot
from app.schemas import ScenarioCreate
from app.services.scenarios import run_scenario
from tests.app.cli.conftest import assert_one_error_line
from tests.helpers import seed_rows


def cells(line: str) -> list[str]:
    """The cells of one row of a rich table (box-drawn with │)."""
    return [c.strip() for c in line.strip().strip("│┃").split("│")]


def rows_starting(text: str, first: str) -> list[list[str]]:
    return [cells(line) for line in text.splitlines()
            if "│" in line and cells(line)[0] == first]


def test_report_prints_every_region_with_its_hospitals(seeded, oncoregio_db):
    run = oncoregio_db("report")
    assert run.code == 0, run.stderr
    hospitals = Counter(h["region"] for h in seed_rows("hospitals.csv"))
    regions = seed_rows("regions.csv")
    assert regions
    for region in regions:
        row = rows_starting(run.stdout, region["id"])[0]  # first table: Regions
        assert row[1] == region["name"]
        assert int(row[2]) == hospitals[region["id"]]


def test_scenario_prints_the_objective_run_scenario_computes(seeded, oncoregio_db):
    run = oncoregio_db("scenario", "pancreatic-resection", "-k", "8", "--norm")
    assert run.code == 0, run.stderr
    expected = run_scenario(read_snapshot(seeded, "neo4j"),
                            ScenarioCreate(care_type="pancreatic-resection", centres=8,
                                           apply_norm=True))
    objective = rows_starting(run.stdout, "objective")[0]
    assert float(objective[2].replace(",", "")) == pytest.approx(
        expected.headline.objective, abs=0.05)
    centres = [r for r in (cells(line) for line in run.stdout.splitlines() if "│" in line)
               if len(r) == 6 and r[1] in ("kept", "new")]
    assert sorted(r[0] for r in centres) == sorted(c.name for c in expected.centres)
    # stored: the printed id is a Scenario in the graph with the same objective
    scenario_id = re.search(r"^scenario (\w+):", run.stdout, re.M)
    assert scenario_id is not None, run.stdout
    records, _, _ = seeded.execute_query("MATCH (s:Scenario {id: $id}) RETURN count(s) AS n",
                                         id=scenario_id.group(1))
    assert records[0]["n"] == 1


def test_scenario_dry_run_stores_nothing(seeded, oncoregio_db):
    before, _, _ = seeded.execute_query("MATCH (s:Scenario) RETURN count(s) AS n")
    run = oncoregio_db("scenario", "gastrectomy", "-k", "4", "--dry-run")
    assert run.code == 0, run.stderr
    after, _, _ = seeded.execute_query("MATCH (s:Scenario) RETURN count(s) AS n")
    assert after[0]["n"] == before[0]["n"]


def test_scenario_with_unknown_ids_names_them(seeded, oncoregio_db):
    run = oncoregio_db("scenario", "gastrectomy", "-k", "4", "--keep", "no-such-hospital")
    assert_one_error_line(run, "keep", "no-such-hospital")


def test_map_of_an_unknown_scenario_fails_in_one_line(seeded, oncoregio_db, tmp_path):
    target = tmp_path / "chart.svg"
    run = oncoregio_db("map", "chart", "--scenario", "no-such-id", "--out", str(target))
    assert_one_error_line(run, "no-such-id", "does not exist")
    assert not target.exists()


def test_map_regions_writes_an_svg(seeded, oncoregio_db, tmp_path):
    target = tmp_path / "regions.svg"
    run = oncoregio_db("map", "regions", "--out", str(target))
    assert run.code == 0, run.stderr
    assert "<svg" in target.read_text("utf-8")[:2000]

"""``oncoregio scenario A B``: a linked plan from the command line, against the real test
Neo4j with the seed loaded; what it prints is what the service computes."""

from __future__ import annotations

import pytest

from app.repository.snapshot import read_snapshot
from app.schemas import ScenarioCreate
from app.services.scenarios import run_scenario
from tests.app.cli.conftest import assert_one_error_line
from tests.app.cli.test_commands import rows_starting


def test_scenario_with_two_care_types_runs_a_linked_plan(seeded, oncoregio_db):
    run = oncoregio_db("scenario", "oesophagectomy", "gastrectomy", "-k", "6", "--norm",
                       "--weight", "1", "--weight", "2", "--dry-run")
    assert run.code == 0, run.stderr
    expected = run_scenario(read_snapshot(seeded, "neo4j"), ScenarioCreate(
        care_types=["oesophagectomy", "gastrectomy"], centres=6, apply_norm=True,
        weights=[1, 2]))
    objective = rows_starting(run.stdout, "objective")[0]
    assert float(objective[2].replace(",", "")) == pytest.approx(
        expected.headline.objective, abs=0.05)
    assert expected.linked is not None
    for part in expected.linked:
        row = rows_starting(run.stdout, part.care_type)[0]
        assert row[1] == f"{part.weight:g}" and row[2] == f"{part.norm:g}"
        assert float(row[4].replace(",", "")) == pytest.approx(part.objective, abs=0.5)


def test_scenario_linked_with_an_unknown_care_type_names_it(seeded, oncoregio_db):
    run = oncoregio_db("scenario", "gastrectomy,no-such-type", "-k", "3")
    assert_one_error_line(run, "care_types", "no-such-type")  # found in the graph


def test_scenario_linked_duplicate_care_types_is_one_error_line(seeded, oncoregio_db):
    run = oncoregio_db("scenario", "gastrectomy", "gastrectomy", "-k", "3")
    line = assert_one_error_line(run, "CARE_TYPE", "duplicate", "gastrectomy")
    assert "care_types" not in line  # the message names the argument, not the field


def test_scenario_weight_with_one_care_type_is_refused_not_dropped(seeded, oncoregio_db):
    # a weight only means something between linked care types; with one it used to be
    # silently ignored
    assert_one_error_line(oncoregio_db("scenario", "gastrectomy", "-k", "6", "--weight", "2",
                                       "--dry-run"), "--weight", "care_types")

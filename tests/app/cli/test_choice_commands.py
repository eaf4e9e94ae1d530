"""``oncoregio calibrate`` and a regional choice scenario from the command line: the printed
figures are the stored ones."""

from __future__ import annotations

import re

import pytest

from app.loader import load_directory
from app.localdb import PROJECT_ROOT
from app.repository.scenarios import get_scenario
from tests.app.cli.test_commands import rows_starting

EXAMPLE = PROJECT_ROOT / "examples" / "noord-synthetic"


def test_calibrate_then_regional_choice_scenario_prints_what_is_stored(seeded, oncoregio_db):
    load_directory(seeded, "neo4j", EXAMPLE, mode="update")
    run = oncoregio_db("calibrate", "oesophagectomy", "--feature",
                       "minutes,log_volume,same_region")
    assert run.code == 0, run.stderr
    model_id = re.search(r"choice model (cm-[0-9a-f]+)", run.stdout).group(1)
    records, _, _ = seeded.execute_query("MATCH (m:ChoiceModel {id: $id}) RETURN m.beta_time "
                                         "AS b", id=model_id, database_="neo4j")
    printed = float(rows_starting(run.stdout, "minutes")[0][1])
    assert printed == pytest.approx(records[0]["b"], abs=5e-6)

    run = oncoregio_db("scenario", "oesophagectomy", "--method", "p_median_choice", "-k", "2",
                       "--region", "noord", "--allocation", "choice", "--choice-model",
                       model_id)
    assert run.code == 0, run.stderr
    scenario_id = re.search(r"scenario ([0-9a-f]{12})", run.stdout).group(1)
    stored = get_scenario(seeded, "neo4j", scenario_id)
    mean = rows_starting(run.stdout, "mean travel (min)")[0]
    assert float(mean[2]) == pytest.approx(stored.headline.mean_minutes, abs=0.05)
    bypass = rows_starting(run.stdout, "patients bypassing nearest")[0]
    assert float(bypass[2].rstrip("%")) == pytest.approx(100 * stored.headline.bypass_share,
                                                         abs=0.05)
    assert "scope: noord; allocation: choice" in run.stdout


def test_calibrate_without_flows_is_one_error_line(seeded, oncoregio_db):
    from tests.app.cli.conftest import assert_one_error_line

    assert_one_error_line(oncoregio_db("calibrate", "gastrectomy"), "no observed flows")

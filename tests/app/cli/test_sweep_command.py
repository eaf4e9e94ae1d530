"""``oncoregio sweep`` as a user runs it: the printed table equals run_sweep's result, the
sweep is stored, bad input ends in one error line."""

from __future__ import annotations

import re

import pytest

from app.executors import SequentialExecutor
from app.repository.snapshot import read_snapshot
from app.schemas import SweepCreate
from app.services.sweeps import plan_sweep, run_sweep
from tests.app.cli.conftest import assert_one_error_line


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("┃│").split("│")]


def test_sweep_prints_the_combinations_run_sweep_computes(seeded, oncoregio_db):
    run = oncoregio_db("sweep", "pancreatic-resection", "--k-min", "3", "--k-max", "4",
                       "--norm", "none,20", "--solver", "exact")
    assert run.code == 0, run.stderr
    snap = read_snapshot(seeded, "neo4j")
    req = SweepCreate(care_type="pancreatic-resection", k_min=3, k_max=4, norms=[None, 20],
                      solver="exact")
    expected = run_sweep(snap, plan_sweep(snap, req, max_combinations=200),
                         SequentialExecutor(), timeout=600)
    rows = [cells(line) for line in run.stdout.splitlines()
            if re.match(r"^\s*│\s*\d+\s*│", line)]
    combos = [r for r in rows if r[1] in ("none", "20")]
    assert [(int(r[0]), r[1]) for r in combos] == [
        (e.k, "none" if e.norm is None else f"{e.norm:g}") for e in expected.runs]
    for r, e in zip(combos, expected.runs, strict=True):
        assert float(r[2]) == pytest.approx(e.mean_minutes, abs=0.05)
        assert (r[-1] == "*") == e.pareto
    sweep_id = re.search(r"^sweep (\w+):", run.stdout, re.M)
    assert sweep_id is not None, run.stdout
    records, _, _ = seeded.execute_query("MATCH (s:Sweep {id: $id}) RETURN s.combinations AS n",
                                         id=sweep_id.group(1))
    assert records[0]["n"] == 4
    assert "Hospitals losing the care type" in run.stdout


def test_sweep_with_bad_input_fails_in_one_line(seeded, oncoregio_db):
    assert_one_error_line(oncoregio_db("sweep", "pancreatic-resection", "--k-min", "5",
                                       "--k-max", "3"), "--k-max", "below k_min")
    assert_one_error_line(oncoregio_db("sweep", "pancreatic-resection", "--k-min", "3",
                                       "--k-max", "99"), "outside 1..15")
    assert_one_error_line(oncoregio_db("sweep", "pancreatic-resection", "--k-min", "3",
                                       "--k-max", "4", "--norm", "twenty"), "--norm", "twenty")
    assert_one_error_line(oncoregio_db("sweep", "no-such-care", "--k-min", "3", "--k-max",
                                       "4"), "care_type", "no-such-care")


def test_sweep_over_two_care_types_runs_linked_plans(seeded, oncoregio_db):
    types = ["pancreatic-resection", "liver-resection"]
    run = oncoregio_db("sweep", *types, "--k-min", "3", "--k-max", "4", "--weight", "1",
                       "--weight", "2", "--dry-run")
    assert run.code == 0, run.stderr
    assert ("linked plans of pancreatic-resection (weight 1), liver-resection (weight 2); "
            "expected in_hospital_mortality summed over pancreatic-resection") in run.stdout
    snap = read_snapshot(seeded, "neo4j")
    req = SweepCreate(care_types=types, weights=[1, 2], k_min=3, k_max=4)
    expected = run_sweep(snap, plan_sweep(snap, req, max_combinations=200),
                         SequentialExecutor(), timeout=600)
    combos = [cells(line) for line in run.stdout.splitlines()
              if re.match(r"^\s*│\s*\d+\s*│", line)]
    combos = [r for r in combos if r[1] == "none"]
    assert [int(r[0]) for r in combos] == [e.k for e in expected.runs]
    for r, e in zip(combos, expected.runs, strict=True):
        assert float(r[2]) == pytest.approx(e.mean_minutes, abs=0.05)
        assert float(r[-3]) == pytest.approx(e.expected_events, abs=0.005)
        assert e.centres_below_norm_by_type is not None
        assert r[6] == f"{e.centres_below_norm} (" + "/".join(
            str(e.centres_below_norm_by_type[t]) for t in types) + ")"
    # every plan against one volume per type, named once above the table
    assert expected.norm_references == dict.fromkeys(types, 20.0)
    assert ("centres below a norm (pancreatic-resection 20, liver-resection 20 / year), every "
            "plan") in " ".join(run.stdout.split())


def test_sweep_over_care_types_with_bad_input_fails_in_one_line(seeded, oncoregio_db):
    line = assert_one_error_line(oncoregio_db("sweep", "gastrectomy", "gastrectomy",
                                              "--k-min", "3", "--k-max", "4"),
                                 "CARE_TYPE", "duplicate", "gastrectomy")
    assert "care_types" not in line
    assert_one_error_line(oncoregio_db("sweep", "gastrectomy,no-such-type", "--k-min", "3",
                                       "--k-max", "4"), "care_types", "no-such-type")
    assert_one_error_line(oncoregio_db("sweep", "gastrectomy", "--weight", "2", "--k-min",
                                       "3", "--k-max", "4"), "--weight", "care_types")

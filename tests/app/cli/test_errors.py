"""Every way a command can fail ends in one clear stderr line and a non-zero exit code."""

from __future__ import annotations

import pytest

from tests.app.cli.conftest import assert_one_error_line, run_oncoregio
from tests.helpers import free_port

GROUPS = ("db", "schema", "load", "report", "scenario", "analysis", "map", "serve", "up", "travel",
          "token")


@pytest.fixture
def down() -> dict[str, str]:
    """Settings for a Neo4j that is not there: a loopback port nothing listens on."""
    return {"NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", "NEO4J_PASSWORD": "not-used-here"}


def test_help_lists_every_group(down):
    run = run_oncoregio("--help", env=down)
    assert run.code == 0, run
    for group in GROUPS:
        assert f" {group} " in run.stdout, group
    for group, commands in (("db", ("start", "stop", "status", "fetch")),
                            ("analysis", ("communities", "centrality", "resilience", "flows")),
                            ("map", ("regions", "scenario", "chart"))):
        sub = run_oncoregio(group, "--help", env=down)
        assert sub.code == 0 and all(f" {c} " in sub.stdout for c in commands), sub


def test_scenario_without_centres_names_the_option(down):
    run = run_oncoregio("scenario", "pancreatic-resection", env=down)
    line = assert_one_error_line(run, "-k/--centres", "required", "p_median")
    assert run.code == 2 and "unreachable" not in line  # checked before any database call


@pytest.mark.parametrize("args, expected", [
    (("scenario",), "Missing argument"),
    (("scenario", "gastrectomy", "--method", "p_mean", "-k", "3"), "--method"),
    (("scenario", "gastrectomy", "-k", "0"), "-k/--centres"),
    (("scenario", "gastrectomy", "-k", "three"), "--centres"),
    (("load", "/no/such/folder"), "/no/such/folder"),
    (("load", "--mode", "merge"), "--mode"),
    (("map", "chart", "--out", "chart.svg"), "--scenario"),
    (("map", "regions", "--out", "map.pdf"), ".svg or .png"),
    (("no-such-command",), "no-such-command"),
    (("analysis", "communities", "--seed", "x"), "--seed"),
])
def test_invalid_input_fails_in_one_line(down, args, expected):
    run = run_oncoregio(*args, env=down)
    line = assert_one_error_line(run, expected)
    assert run.code == 2 and "unreachable" not in line


@pytest.mark.parametrize("args", [
    ("report",), ("schema",), ("load",), ("scenario", "gastrectomy", "-k", "3"),
    ("analysis", "flows"), ("analysis", "resilience"), ("map", "regions", "--out", "m.svg"),
])
def test_database_down_fails_in_one_line(down, args):
    run = run_oncoregio(*args, env=down)
    assert_one_error_line(run, "Neo4j is unreachable", down["NEO4J_URI"])
    assert run.code == 1

"""Fixtures of the locate tests."""

import os

import pytest

from analysis.locate import candidates, pmcuts

#: ONCOREGIO_TEST_ZCUTS=1: the explicit-z cuts forced on in every locate test
ZCUTS_FORCED = os.environ.get("ONCOREGIO_TEST_ZCUTS") == "1"


@pytest.fixture
def short_lists(monkeypatch):
    """Candidate lists of 3 entries per area, whatever m and k."""
    monkeypatch.setattr(candidates, "KNN_FULL", 0)
    monkeypatch.setattr(candidates, "KNN_MIN", 3)
    monkeypatch.setattr(candidates, "KNN_PER_CENTRE", 0.0)



@pytest.fixture(autouse=True)
def _zcuts_forced(monkeypatch):
    """With ONCOREGIO_TEST_ZCUTS=1 every locate test runs with the explicit-z odd-cycle
    cuts forced on (root rounds and the z-form rows at the nodes), so the brute-force
    oracles check the solver with them."""
    if ZCUTS_FORCED:
        monkeypatch.setattr(pmcuts, "Z_ROUNDS", 8)
        monkeypatch.setattr(pmcuts, "Z_NODES", True)

"""Fixtures of the locate tests."""

import pytest

from analysis.locate import candidates


@pytest.fixture
def short_lists(monkeypatch):
    """Candidate lists of 3 entries per area, whatever m and k."""
    monkeypatch.setattr(candidates, "KNN_FULL", 0)
    monkeypatch.setattr(candidates, "KNN_MIN", 3)
    monkeypatch.setattr(candidates, "KNN_PER_CENTRE", 0.0)


"""Pareto front and provider losses against brute force (plain loops over every pair)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.tradeoff import pareto_efficient, provider_losses


def brute_force_front(rows: list[list[float]]) -> list[bool]:
    """Definition, one pair at a time: i is efficient iff it is finite and no finite j is
    no worse everywhere and better somewhere."""
    def finite(r: list[float]) -> bool:
        return all(math.isfinite(x) for x in r)

    out = []
    for i, a in enumerate(rows):
        if not finite(a):
            out.append(False)
            continue
        dominated = False
        for j, b in enumerate(rows):
            if j == i or not finite(b):
                continue
            if all(y <= x for x, y in zip(a, b, strict=True)) and any(
                    y < x for x, y in zip(a, b, strict=True)):
                dominated = True
                break
        out.append(not dominated)
    return out


values = st.one_of(st.integers(0, 6).map(float), st.just(math.nan), st.just(math.inf))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3).flatmap(
    lambda d: st.lists(st.lists(values, min_size=d, max_size=d), min_size=0, max_size=25)))
def test_pareto_efficient_matches_brute_force(rows):
    got = pareto_efficient(np.array(rows, dtype=float).reshape(len(rows), -1) if rows
                           else np.zeros((0, 2)))
    assert got.tolist() == brute_force_front(rows)


def test_pareto_efficient_hand_case_travel_against_deaths():
    # (mean minutes, expected deaths): k=5 far but safe, k=25 near but more deaths
    costs = [[52.0, 20.1], [44.0, 21.5], [38.0, 24.0], [45.0, 22.0], [38.0, 23.0]]
    assert pareto_efficient(costs).tolist() == [True, True, False, False, True]


def test_pareto_efficient_ties_within_tol_are_equal():
    assert pareto_efficient([[1.0, 2.0], [1.0 + 1e-12, 2.0]]).tolist() == [True, True]
    assert pareto_efficient([[1.0, 2.0], [1.0 + 1e-12, 2.0]], tol=0).tolist() == [True, False]


def test_pareto_efficient_refuses_bad_shapes():
    with pytest.raises(ValueError, match="2-dimensional"):
        pareto_efficient([1.0, 2.0])
    with pytest.raises(ValueError, match="tol"):
        pareto_efficient([[1.0]], tol=-1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcdef"), unique=True, max_size=6),
       st.lists(st.one_of(st.none(), st.sets(st.sampled_from("abcdefgh"))), max_size=8))
def test_provider_losses_matches_membership(today, plans):
    got = provider_losses(today, plans)
    assert list(got) == today
    for h in today:
        assert got[h] == [i for i, p in enumerate(plans) if p is not None and h not in p]

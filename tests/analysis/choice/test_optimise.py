"""The choice optimiser against brute force over every open set on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analysis.choice import (
    ChoiceParams,
    ChoiceProblem,
    choice_location,
    choice_objective,
    choice_shares,
    displaced_allocation,
)
from tests.analysis.choice.synthetic import synthetic_features

PARAMS = ChoiceParams(beta_time=-0.04, beta_volume=0.3, beta_region=0.5, beta_network=0.2)


def _oracle(prob, open_set, fixed=(), min_volume=0.0, normed=None):
    """Figures of one open set, computed from the allocation matrix itself (no running sums)."""
    cols = sorted(set(open_set) | set(fixed))
    with np.errstate(divide="ignore"):
        P = choice_shares(np.log(prob.weights), cols)
    A = P if prob.baseline is None else displaced_allocation(prob.baseline, P, cols)
    w = prob.demand
    if prob.objective == "travel":
        cost = np.where(np.isfinite(prob.minutes), prob.minutes, 0.0)
        value = float((w[:, None] * A * cost).sum())
    else:
        value = float((w[:, None] * A * (prob.minutes <= prob.radius)).sum())
    unserved = float((w * (1 - A.sum(axis=1))).sum())
    if prob.objective == "travel":  # as documented: an unserved patient costs the penalty
        value += unserved * prob.penalty
    vol = (w[:, None] * A).sum(axis=0)
    normed = set(open_set) if normed is None else normed
    short = sum(max(0.0, min_volume - vol[j]) for j in open_set if j in normed)
    return value, short


def _brute(prob, k, candidates, fixed=(), min_volume=0.0, keep=()):
    best = None
    for combo in itertools.combinations(candidates, k):
        if not set(keep) <= set(combo):
            continue
        value, short = _oracle(prob, combo, fixed, min_volume)
        key = (round(short, 6), value if prob.objective == "travel" else -value)
        if best is None or key < best[0]:
            best = (key, combo, value - (_unserved(prob, combo, fixed) * prob.penalty
                                     if prob.objective == "travel" else 0.0))
    return best


def _unserved(prob, open_set, fixed=()):
    cols = sorted(set(open_set) | set(fixed))
    reach = (prob.weights[:, cols] > 0).any(axis=1)
    return float(prob.demand[~reach].sum())


def _problem(seed, n=25, m=9, objective="travel", baseline=False, radius=40.0):
    feats = synthetic_features(n, m, seed=seed, unreachable=0.1)
    rng = np.random.default_rng(seed)
    demand = rng.uniform(1, 30, n)
    B = None
    if baseline:
        B = choice_shares(PARAMS.utility(feats), rng.choice(m, size=m - 2, replace=False))
        flat = np.where(np.isfinite(feats.minutes), 0.0, -np.inf)
        B = 0.7 * B + 0.3 * choice_shares(flat, np.arange(m))
    return ChoiceProblem(PARAMS.weights(feats), feats.minutes, demand, B, objective, radius)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("objective", ["travel", "coverage"])
def test_choice_location_equals_brute_force(seed, objective):
    prob = _problem(seed, objective=objective, baseline=seed % 2 == 1)
    k = 2 + seed % 3
    res = choice_location(prob, k=k, seed=seed)
    (_, combo, value) = _brute(prob, k, range(9))
    assert res.objective == pytest.approx(value, rel=1e-9), (res.open, combo)
    assert res.objective == pytest.approx(choice_objective(prob, res.open)[0], rel=1e-12)
    assert res.status == "local_optimum"


@pytest.mark.parametrize("seed", range(6))
def test_choice_location_with_norm_fixed_and_keep_equals_brute_force(seed):
    prob = _problem(seed, n=30, m=10, baseline=seed % 2 == 0)
    fixed = (9,)
    candidates = list(range(9))
    keep = (seed % 9,)
    total = prob.demand.sum()
    min_volume = 0.2 * total
    res = choice_location(prob, k=3, candidates=candidates, fixed=fixed, keep=keep,
                          min_volume=min_volume, seed=seed)
    (key, combo, value) = _brute(prob, 3, candidates, fixed, min_volume, keep)
    assert res.shortfall == pytest.approx(key[0], abs=1e-6)
    assert res.objective == pytest.approx(value, rel=1e-9), (res.open, combo)
    assert 9 in res.open and keep[0] in res.open
    # expected volumes come from the choice allocation and sum to the served demand
    with np.errstate(divide="ignore"):
        P = choice_shares(np.log(prob.weights), res.open)
    A = P if prob.baseline is None else displaced_allocation(prob.baseline, P, res.open)
    np.testing.assert_allclose(res.volumes, (prob.demand[:, None] * A).sum(axis=0), atol=1e-9)


def test_choice_location_quotes_bad_k():
    prob = _problem(1)
    with pytest.raises(ValueError, match="k=20 exceeds the 9 candidate"):
        choice_location(prob, k=20)
    with pytest.raises(ValueError, match="keep has 3 hospitals but k=2"):
        choice_location(prob, k=2, keep=[0, 1, 2])


def test_choice_location_time_limit_returns_best_so_far():
    prob = _problem(2, n=40, m=12)
    res = choice_location(prob, k=4, time_limit=0.0)
    assert res.status == "time_limit"
    assert len(res.open) == 4
    assert res.objective == pytest.approx(choice_objective(prob, res.open)[0], rel=1e-12)

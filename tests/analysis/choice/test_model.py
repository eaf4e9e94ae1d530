"""Choice allocation: conservation, closed centres, IIA, the nearest-centre limit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.choice import (
    ChoiceParams,
    choice_shares,
    displaced_allocation,
    nearest_shares,
)
from tests.analysis.choice.synthetic import synthetic_features

PARAMS = ChoiceParams(beta_time=-0.05, beta_volume=0.4, beta_region=0.6, beta_network=0.3)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 8))
def test_choice_shares_sum_to_one_and_skip_closed(seed, k):
    feats = synthetic_features(30, 8, seed=seed, unreachable=0.3)
    rng = np.random.default_rng(seed)
    open_ = rng.choice(8, size=k, replace=False)
    P = choice_shares(PARAMS.utility(feats), open_)
    closed = np.setdiff1d(np.arange(8), open_)
    assert np.all(P[:, closed] == 0)
    assert np.all(P[~np.isfinite(feats.minutes)] == 0)  # never over an unreachable pair
    reach = np.isfinite(feats.minutes[:, open_]).any(axis=1)
    np.testing.assert_allclose(P.sum(axis=1)[reach], 1.0)
    assert np.all(P.sum(axis=1)[~reach] == 0)
    demand = rng.uniform(0, 50, 30)
    # patients are conserved per area: the allocation sums to the demand that can be served
    np.testing.assert_allclose((demand[:, None] * P).sum(axis=1), demand * reach)


def test_closing_a_centre_moves_its_patients_in_proportion_to_choice_probabilities():
    feats = synthetic_features(40, 6, seed=3)
    E = PARAMS.utility(feats)
    before = choice_shares(E, np.arange(6))
    after = choice_shares(E, [0, 1, 2, 4, 5])  # centre 3 closes
    moved = after - before
    np.testing.assert_allclose(moved[:, 3], -before[:, 3])
    others = [0, 1, 2, 4, 5]
    # IIA: each remaining centre gains the closed centre's share in proportion to its own
    expected = before[:, 3:4] * before[:, others] / before[:, others].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(moved[:, others], expected, atol=1e-12)
    # and the same through the displaced-patients rule with the model as baseline
    np.testing.assert_allclose(displaced_allocation(before, after, others), after, atol=1e-12)


def test_steep_time_coefficient_equals_nearest_allocation():
    feats = synthetic_features(60, 10, seed=5, unreachable=0.2)
    steep = ChoiceParams(beta_time=-200.0, beta_volume=0.5, beta_region=1.0)
    open_ = [1, 3, 4, 8]
    np.testing.assert_allclose(choice_shares(steep.utility(feats), open_),
                               nearest_shares(feats.minutes, open_), atol=1e-9)


def test_displaced_allocation_keeps_stayers_and_reallocates_only_the_displaced():
    B = np.array([[0.6, 0.4, 0.0], [0.0, 0.0, 1.0]])
    P = np.array([[0.5, 0.0, 0.5], [0.5, 0.0, 0.5]])
    out = displaced_allocation(B, P, [0, 2])
    np.testing.assert_allclose(out, [[0.6 + 0.4 * 0.5, 0.0, 0.4 * 0.5], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(out.sum(axis=1), 1.0)

"""Scenario evaluation: hand-computed travel, norm, region and CO2 figures."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.locate import p_median
from analysis.scenario import (
    CAR_CO2_KG_PER_KM,
    baseline_allocation,
    evaluate_scenario,
    travel_stats,
    weighted_quantile,
)

INF = np.inf
C = np.array([
    [10.0, 40.0, 25.0],
    [30.0, 10.0, 20.0],
    [50.0, 45.0, 5.0],
    [INF, 60.0, INF],
])
W = np.array([2.0, 1.0, 3.0, 0.5])
# scenario: hospital 0 stops; area 2 split 2/3 to hospital 2, 1/3 to hospital 1
A = np.array([
    [0.0, 0.0, 1.0],
    [0.0, 1.0, 0.0],
    [0.0, 1 / 3, 2 / 3],
    [0.0, 1.0, 0.0],
])
AREA_REGION = np.array(["N", "N", "S", "S"])
HOSP_REGION = np.array(["N", "S", "S"])


def evaluate(**kw):
    opts = {"current": [0, 1, 2], "distance_km": 0.5 * C, "area_region": AREA_REGION,
                "hospital_region": HOSP_REGION, "radius": 15.0, "min_volume": 3.0}
    opts.update(kw)
    return evaluate_scenario(C, W, A, **opts)


def test_weighted_quantile_hand_values():
    assert weighted_quantile([3, 1, 2], [1, 1, 1], 0.5) == 2
    assert weighted_quantile([3, 1, 2], [1, 1, 1], 1 / 3) == 1  # cumulative share reaches q
    assert weighted_quantile([1, 2, 3, 4], [1, 1, 1, 1], 0.5) == 2  # lower median
    assert weighted_quantile([10, 20, 30], [1, 1, 2], 0.51) == 30
    assert weighted_quantile([10, 99, 30], [1, 0, 1], 1.0) == 30  # zero weight ignored
    assert weighted_quantile([1, 2], [1, 1], 0) == 1  # q = 0: smallest weighted value
    with pytest.raises(ValueError):
        weighted_quantile([1.0], [0.0], 0.5)  # no positive weight
    with pytest.raises(ValueError):
        weighted_quantile([1, 2], [1, 1], 1.5)


def test_weighted_quantile_is_the_coverage_definition():
    import analysis.coverage

    assert weighted_quantile is analysis.coverage.weighted_quantile


def test_travel_stats_without_demand_is_nan():
    s = travel_stats([10.0, 20.0], [0.0, 0.0], unserved_demand=3.0)
    assert s.demand == 0 and math.isnan(s.median) and math.isnan(s.p90)
    assert s.unserved_demand == 3.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 5)), min_size=1, max_size=30),
       st.floats(0.01, 1.0))
def test_weighted_quantile_equals_inverted_cdf_of_replicated_sample(pairs, q):
    v = np.array([p[0] for p in pairs], float)
    c = np.array([p[1] for p in pairs])
    if c.sum() == 0:
        return
    expected = np.quantile(np.repeat(v, c), q, method="inverted_cdf")
    assert weighted_quantile(v, c, q) == expected


def test_travel_stats_hand_values():
    s = travel_stats([10, 20, 30], [1, 1, 2], radius=20)
    assert (s.demand, s.mean, s.median, s.p90, s.max, s.share_within) == (
        4.0, 22.5, 20.0, 30.0, 30.0, 0.5)


def test_baseline_is_nearest_current_provider():
    B = baseline_allocation(C, [0, 2]).toarray()
    np.testing.assert_array_equal(B.argmax(axis=1)[:3], [0, 2, 2])
    assert B[3].sum() == 0  # area 3 reaches neither 0 nor 2


def test_baseline_and_scenario_distribution():
    ev = evaluate()
    b, s = ev.baseline, ev.scenario
    # baseline masses: 10 min x 2, 10 x 1, 5 x 3, 60 x 0.5
    assert b.demand == 6.5
    assert b.mean == pytest.approx(75 / 6.5)
    assert (b.median, b.p90, b.max) == (10.0, 10.0, 60.0)
    assert b.share_within == pytest.approx(6 / 6.5)
    # scenario masses: 25 x 2, 10 x 1, 5 x 2, 45 x 1, 60 x 0.5
    assert s.mean == pytest.approx(145 / 6.5)
    assert (s.median, s.p90, s.max) == (25.0, 45.0, 60.0)
    assert s.share_within == pytest.approx(3 / 6.5)
    assert ev.mean_delta == pytest.approx((145 - 75) / 6.5)
    assert ev.median_delta == 15.0 and ev.p90_delta == 35.0 and ev.max_delta == 0.0


def test_area_delta_and_patients_worse():
    ev = evaluate(worse_threshold=12.0)
    np.testing.assert_allclose(ev.area_minutes_baseline, [10, 10, 5, 60])
    np.testing.assert_allclose(ev.area_minutes_scenario, [25, 10, 5 * 2 / 3 + 45 / 3, 60])
    np.testing.assert_allclose(ev.area_delta, [15, 0, 40 / 3, 0])
    assert ev.areas_worse == (0, 2) and ev.patients_worse == 5.0
    # 15 is not more than 15; 13.3 is not either
    assert evaluate(worse_threshold=15.0).areas_worse == ()
    assert evaluate(worse_threshold=15.0).patients_worse == 0.0


def test_volumes_and_norm():
    ev = evaluate()
    np.testing.assert_allclose(ev.baseline_volume, [2.0, 1.5, 3.0])
    np.testing.assert_allclose(ev.scenario_volume, [0.0, 2.5, 4.0])
    np.testing.assert_array_equal(ev.baseline_meets_norm, [False, False, True])
    np.testing.assert_array_equal(ev.scenario_meets_norm, [False, False, True])
    assert ev.baseline_providers == (0, 1, 2) and ev.scenario_providers == (1, 2)


def test_regions_left_without_centre():
    ev = evaluate()
    assert ev.regions_without_centre == ("N",)
    assert ev.regions_losing_all_centres == ("N",)
    base_n, scen_n = ev.by_region["N"]
    assert base_n.mean == 10.0 and scen_n.mean == pytest.approx(60 / 3)
    assert evaluate(hospital_region=None).regions_without_centre == ()


def test_patient_km_and_co2():
    ev = evaluate()
    assert ev.trips_per_patient == 2.0
    assert ev.patient_km_baseline == pytest.approx(0.5 * 75 * 2)
    assert ev.patient_km_scenario == pytest.approx(0.5 * 145 * 2)
    assert ev.co2_kg_baseline == pytest.approx(75 * CAR_CO2_KG_PER_KM)
    assert ev.co2_kg_delta == pytest.approx(70 * CAR_CO2_KG_PER_KM)
    one_way = evaluate(trips_per_patient=1.0, co2_kg_per_km=0.2)
    assert one_way.co2_kg_scenario == pytest.approx(0.5 * 145 * 0.2)
    assert math.isnan(evaluate(distance_km=None).co2_kg_baseline)


def test_losing_access_counts_as_worse():
    A2 = A.copy()
    A2[3] = 0.0  # area 3 no longer served
    ev = evaluate_scenario(C, W, A2, current=[0, 1, 2])
    assert ev.patients_losing_access == 0.5
    assert ev.scenario.unserved_demand == 0.5
    assert math.isnan(ev.area_delta[3])


def test_rejects_allocation_over_unreachable_pair():
    A2 = A.copy()
    A2[3] = [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="unreachable"):
        evaluate_scenario(C, W, A2, current=[0])


def test_evaluate_location_result_uses_its_norm():
    rng = np.random.default_rng(0)
    Cr = rng.uniform(5, 60, (12, 6))
    wr = rng.integers(1, 6, 12).astype(float)
    r = p_median(Cr, wr, k=2, min_volume=10.0, solver="exact")
    ev = evaluate_scenario(Cr, wr, r, current=range(6))
    assert ev.min_volume == 10.0
    assert ev.scenario_providers == r.open
    assert ev.scenario.mean == pytest.approx(r.objective / wr.sum())
    assert ev.scenario_meets_norm[list(r.open)].all()
    assert ev.baseline.mean <= ev.scenario.mean  # all six open is never worse


def test_inputs_not_mutated():
    C0, W0, A0 = C.copy(), W.copy(), A.copy()
    evaluate()
    np.testing.assert_array_equal(C, C0)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(A, A0)

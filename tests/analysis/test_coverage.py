"""Tests for analysis.coverage: weighted quantile, nearest provider, coverage figures, gaps."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.coverage import (
    AreaGap,
    coverage_figures,
    nearest,
    nearest_index,
    reachable_providers,
    region_coverage,
    weighted_quantile,
    worst_areas,
)

INF = math.inf


# ---------------------------------------------------------------- weighted_quantile


@pytest.mark.parametrize(
    ("q", "expected"),
    # values 10..40 with weights 1..4: cumulative shares 0.1, 0.3, 0.6, 1.0
    [(0.0, 10), (0.1, 10), (0.1001, 20), (0.3, 20), (0.31, 30), (0.6, 30), (0.9, 40), (1.0, 40)],
)
def test_weighted_quantile_hand_computed(q, expected):
    assert weighted_quantile([40, 10, 30, 20], [4, 1, 3, 2], q) == expected


def test_weighted_quantile_exact_share_survives_rounding():
    # 0.07 * 100 evaluates to 7.000000000000001; 7 of 100 equal weights still reach 7 %
    assert weighted_quantile(list(range(1, 101)), [1] * 100, 0.07) == 7
    assert weighted_quantile([1, 2, 3], [0.1, 0.1, 0.1], 1 / 3) == 1


def test_weighted_quantile_ignores_zero_weights():
    assert weighted_quantile([1, 100, 5], [1, 0, 1], 1.0) == 5
    assert weighted_quantile([100, 1], [0, 3], 0.0) == 1


def test_weighted_quantile_allows_infinite_values():
    assert weighted_quantile([5, INF], [1, 1], 0.9) == INF
    assert weighted_quantile([5, INF], [9, 1], 0.9) == 5


@pytest.mark.parametrize(
    ("values", "weights", "q"),
    [
        ([1, 2], [0, 0], 0.5),
        ([1, 2], [1, -1], 0.5),
        ([1, 2], [1, 1], 1.5),
        ([1, np.nan], [1, 1], 0.5),
        ([1, 2], [1], 0.5),
    ],
)
def test_weighted_quantile_rejects_invalid_input(values, weights, q):
    with pytest.raises(ValueError):
        weighted_quantile(values, weights, q)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5)), min_size=1, max_size=12).filter(
        lambda vw: any(w > 0 for _, w in vw)
    ),
    st.integers(0, 100),
)
def test_weighted_quantile_matches_expanded_sample(pairs, percent):
    # oracle: repeat each value by its integer weight; the quantile is the
    # ceil(q N)-th smallest element (1-based), the first for q = 0.
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    expanded = sorted(v for v, w in pairs for _ in range(w))
    n = len(expanded)
    rank = max(1, -(-percent * n // 100))  # exact integer ceil(percent * n / 100)
    got = weighted_quantile(values, weights, percent / 100)
    assert got == expanded[rank - 1]
    positive = [v for v, w in pairs if w > 0]
    assert min(positive) <= got <= max(positive)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e4), min_size=1, max_size=15),
    st.data(),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_weighted_quantile_monotone_in_q(values, data, q1, q2):
    weights = data.draw(st.lists(st.floats(0.01, 1e3), min_size=len(values), max_size=len(values)))
    lo, hi = sorted((q1, q2))
    assert weighted_quantile(values, weights, lo) <= weighted_quantile(values, weights, hi)


# ---------------------------------------------------------------- nearest


def test_nearest_takes_minimum_over_providers_only():
    cost = [[5.0, 3.0, 1.0], [1.0, 9.0, 2.0], [7.0, INF, INF]]
    assert np.array_equal(nearest(cost, [False, True, True]), [1.0, 2.0, INF])
    assert np.array_equal(nearest(cost, [True, False, False]), [5.0, 1.0, 7.0])
    assert np.array_equal(nearest(cost, [False, False, False]), [INF, INF, INF])


def test_nearest_index_agrees_with_nearest_and_breaks_ties_low():
    cost = [[4.0, 4.0, 9.0], [8.0, 2.0, 1.0], [INF, 3.0, INF]]
    assert np.array_equal(nearest_index(cost, [True, True, False]), [0, 1, 1])
    assert np.array_equal(nearest_index(cost, [True, False, True]), [0, 2, -1])
    assert np.array_equal(nearest_index(cost, [False, False, False]), [-1, -1, -1])


def test_nearest_rejects_bad_shapes_and_costs():
    with pytest.raises(ValueError, match="provider_mask"):
        nearest([[1.0, 2.0]], [True])
    with pytest.raises(ValueError, match="non-negative"):
        nearest([[-1.0]], [True])


# ---------------------------------------------------------------- coverage_figures


def test_coverage_figures_hand_computed():
    # pop 100 at 10', 200 at 20', 100 at 40', 50 unreachable, 0 at 90'
    f = coverage_figures([10, 20, 40, INF, 90], [100, 200, 100, 50, 0], minutes=20)
    assert f.population == 450
    assert f.unreachable_population == 50
    assert f.population_within == 300
    assert f.share_within == pytest.approx(300 / 450)
    assert f.mean == pytest.approx((10 * 100 + 20 * 200 + 40 * 100) / 400)  # 22.5
    assert f.p90 == 40  # cumulative shares 0.25, 0.75, 1.0
    assert f.max == 40  # the 90' area has no residents
    assert f.within_minutes == 20


def test_coverage_figures_threshold_is_inclusive():
    f = coverage_figures([30.0, 30.000001], [1, 1], minutes=30)
    assert f.share_within == 0.5


def test_coverage_figures_all_unreachable_reports_population():
    f = coverage_figures([INF, INF], [10, 30], minutes=45)
    assert (f.population, f.unreachable_population, f.share_within) == (40, 40, 0.0)
    assert f.mean is None and f.p90 is None and f.max is None


def test_coverage_figures_zero_population():
    f = coverage_figures([5.0], [0], minutes=45)
    assert f.population == 0 and f.share_within is None and f.mean is None


def test_coverage_figures_is_frozen():
    f = coverage_figures([5.0], [1], minutes=45)
    with pytest.raises(AttributeError):
        f.mean = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("t", "p", "minutes"),
    [([1.0], [-1], 10), ([np.nan], [1], 10), ([-1.0], [1], 10), ([1.0], [1], -1), ([1.0], [], 1)],
)
def test_coverage_figures_rejects_invalid_input(t, p, minutes):
    with pytest.raises(ValueError):
        coverage_figures(t, p, minutes)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(0, 300), st.just(INF)),
            st.one_of(st.just(0.0), st.floats(1e-3, 1e5)),  # residents, no subnormals
        ),
        min_size=1,
        max_size=15,
    ),
    st.floats(0, 400),
    st.floats(0, 400),
)
def test_coverage_figures_share_within_monotone_in_minutes(rows, m1, m2):
    t = [r[0] for r in rows]
    p = [r[1] for r in rows]
    lo, hi = sorted((m1, m2))
    a = coverage_figures(t, p, lo)
    b = coverage_figures(t, p, hi)
    if a.share_within is None:
        assert b.share_within is None
        return
    assert a.share_within <= b.share_within + 1e-12
    assert 0.0 <= a.share_within <= 1.0 + 1e-12
    if a.mean is not None:
        smallest = min(x for x, q in rows if q > 0)
        assert a.p90 <= a.max
        assert smallest - 1e-9 <= a.mean <= a.max + 1e-9


# ---------------------------------------------------------------- organisation and regions

# Regions N, O, M. h1 in N, h2 in O, h3 in M.
# netA covers N and O (member h2); netB covers M (member h3);
# netT, a proton network, covers N (member h3).
ORG = {
    "hospital_region": {"h1": "N", "h2": "O", "h3": "M"},
    "network_regions": {"netA": {"N", "O"}, "netB": {"M"}, "netT": {"N"}},
    "hospital_networks": {"h2": {"netA"}, "h3": {"netB", "netT"}},
    "providers": {"lung": {"h1", "h2"}, "proton": {"h3"}, "paeds": {"h3"}},
}
SCOPE = {"netT": {"proton"}}
HOSPITALS = ["h1", "h2", "h3"]
# a1 lives in N, a2 in M
COST = np.array([[10.0, 30.0, 60.0], [50.0, 25.0, 15.0]])
POP = np.array([1000.0, 500.0])


def test_reachable_providers_in_region_and_via_network():
    assert reachable_providers("N", "lung", **ORG) == ({"h1"}, {"h2"})
    assert reachable_providers("O", "lung", **ORG) == ({"h2"}, {"h2"})
    assert reachable_providers("M", "lung", **ORG) == (set(), set())


def test_reachable_providers_respects_network_care_type_scope():
    assert reachable_providers("N", "proton", **ORG, network_care_types=SCOPE) == (
        set(),
        {"h3"},
    )
    # netT is a proton network: it does not make paediatric oncology reachable for N
    assert reachable_providers("N", "paeds", **ORG, network_care_types=SCOPE) == (set(), set())
    # without the scope every network is general
    assert reachable_providers("N", "paeds", **ORG) == (set(), {"h3"})


def test_region_coverage_toy_instance():
    res = region_coverage(
        COST, POP, ["N", "M"], HOSPITALS, **ORG, minutes=20, network_care_types=SCOPE
    )
    assert set(res) == {(r, c) for r in "NOM" for c in ("lung", "proton", "paeds")}

    n_lung = res["N", "lung"]
    assert n_lung.providers_in_region == ("h1",)
    assert n_lung.providers_via_network == ("h2",)
    assert n_lung.gap is False
    assert n_lung.travel.mean == 10.0 and n_lung.travel.share_within == 1.0
    assert n_lung.travel_within_networks.mean == 10.0

    m_lung = res["M", "lung"]
    assert m_lung.gap is True
    assert m_lung.providers_in_region == () and m_lung.providers_via_network == ()
    # patients may cross borders: nearest lung provider for a2 is h2 in O at 25'
    assert m_lung.travel.mean == 25.0 and m_lung.travel.share_within == 0.0
    assert m_lung.travel.unreachable_population == 0
    # within its networks M has no lung provider at all
    assert m_lung.travel_within_networks.unreachable_population == 500
    assert m_lung.travel_within_networks.mean is None

    n_paeds = res["N", "paeds"]
    assert n_paeds.gap is True
    assert n_paeds.travel.mean == 60.0
    assert n_paeds.travel_within_networks.share_within == 0.0

    assert res["N", "proton"].gap is False
    assert res["N", "proton"].providers_via_network == ("h3",)

    o_lung = res["O", "lung"]  # a region without areas
    assert o_lung.gap is False
    assert o_lung.travel.population == 0 and o_lung.travel.mean is None


def test_region_coverage_restricted_to_requested_pairs():
    res = region_coverage(
        COST, POP, ["N", "M"], HOSPITALS, **ORG, minutes=20, regions=["M"], care_types=["lung"]
    )
    assert list(res) == [("M", "lung")]


def test_region_coverage_rejects_unknown_provider_and_bad_shape():
    org = {**ORG, "providers": {"lung": {"h9"}}}
    with pytest.raises(ValueError, match="h9"):
        region_coverage(COST, POP, ["N", "M"], HOSPITALS, **org, minutes=20)
    with pytest.raises(ValueError, match="cost has shape"):
        region_coverage(COST[:, :2], POP, ["N", "M"], HOSPITALS, **ORG, minutes=20)


# ---------------------------------------------------------------- worst areas


def test_worst_areas_sorted_by_minutes_then_population():
    t = [50, INF, 70, 50, 10, 45]
    p = [10, 1, 5, 20, 100, 99]
    got = worst_areas(t, p, threshold=45)
    assert [g.area for g in got] == [1, 2, 3, 0]  # 45 itself is within, not beyond
    assert got[0] == AreaGap(area=1, minutes=INF, population=1.0)


def test_worst_areas_uses_ids_and_limit():
    got = worst_areas([50, 70], [1, 1], threshold=45, area_ids=["x", "y"], limit=1)
    assert got == [AreaGap(area="y", minutes=70.0, population=1.0)]
    assert worst_areas([10.0], [5], threshold=45) == []

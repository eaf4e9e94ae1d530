"""Tests for analysis.concentration: HHI and volumes against the norm."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.concentration import ProviderVolume, concentration_figures, herfindahl


@pytest.mark.parametrize(
    ("volumes", "expected"),
    [
        ([100], 10_000.0),  # monopoly
        ([50, 50], 5_000.0),
        ([25, 25, 25, 25], 2_500.0),
        ([30, 30, 20, 20], 2_600.0),  # 900 + 900 + 400 + 400
        ([60, 20, 20], 4_400.0),  # 3600 + 400 + 400
        ([7, 0, 0], 10_000.0),  # zero-volume providers add nothing
    ],
)
def test_herfindahl_hand_computed(volumes, expected):
    assert herfindahl(volumes) == pytest.approx(expected)


def test_herfindahl_invariant_to_order_and_scale():
    assert herfindahl([3, 1, 2]) == pytest.approx(herfindahl([20, 30, 10]))


@pytest.mark.parametrize("volumes", [[0, 0], [], [5, -1], [float("nan"), 1], [[1, 2]]])
def test_herfindahl_rejects_invalid_volumes(volumes):
    with pytest.raises(ValueError):
        herfindahl(volumes)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=30).filter(lambda v: sum(v) > 1e-6))
def test_herfindahl_share_between_one_over_n_and_one(volumes):
    h = herfindahl(volumes) / 10_000
    positive = sum(v > 0 for v in volumes)
    assert 1 / len(volumes) - 1e-12 <= 1 / positive - 1e-12 <= h <= 1 + 1e-12


def test_concentration_figures_hand_computed():
    f = concentration_figures({"a": 40, "b": 25, "c": 15, "d": 20}, min_volume=20)
    assert f.providers == 4
    assert f.total == 100
    assert [p.provider for p in f.per_provider] == ["a", "b", "d", "c"]
    assert f.per_provider[2] == ProviderVolume("d", 20.0, 0.2, True)  # exactly at the norm
    assert f.per_provider[3] == ProviderVolume("c", 15.0, 0.15, False)
    assert f.compliant_providers == 3
    assert f.compliant_volume == 85
    assert f.share_in_compliant == pytest.approx(0.85)
    # shares .40 .25 .15 .20 -> 1600 + 625 + 225 + 400
    assert f.hhi == pytest.approx(2850.0)
    assert f.hhi_share == pytest.approx(0.285)
    assert f.equivalent_providers == pytest.approx(1 / 0.285)
    assert f.min_volume == 20


def test_concentration_figures_without_norm_counts_all_compliant():
    f = concentration_figures({"a": 5, "b": 5}, min_volume=None)
    assert f.share_in_compliant == 1.0
    assert f.compliant_providers == 2
    assert f.equivalent_providers == pytest.approx(2.0)
    assert f.min_volume is None


def test_concentration_figures_zero_total_gives_none_figures():
    f = concentration_figures({"a": 0}, min_volume=20)
    assert f.providers == 1 and f.total == 0
    assert f.hhi is None and f.share_in_compliant is None and f.equivalent_providers is None
    assert f.per_provider[0].meets_norm is False
    empty = concentration_figures({}, min_volume=None)
    assert empty.providers == 0 and empty.hhi is None


@pytest.mark.parametrize(
    ("volumes", "norm"), [({"a": -1}, 10), ({"a": float("inf")}, 10), ({"a": 1}, -5)]
)
def test_concentration_figures_rejects_invalid_input(volumes, norm):
    with pytest.raises(ValueError):
        concentration_figures(volumes, norm)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 500), min_size=1),
    st.one_of(st.none(), st.integers(0, 500)),
)
def test_concentration_figures_compliant_volume_consistent(volumes, norm):
    f = concentration_figures(volumes, norm)
    assert f.total == sum(volumes.values())
    expected = sum(v for v in volumes.values() if norm is None or v >= norm)
    assert f.compliant_volume == expected
    assert [p.volume for p in f.per_provider] == sorted(volumes.values(), reverse=True)

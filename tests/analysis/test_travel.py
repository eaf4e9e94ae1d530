"""Tests for analysis.travel: great-circle distance, modelled travel, imported matrices."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.travel import (
    CIRCUITY,
    EARTH_RADIUS_KM,
    SPEED_KMH,
    distance_matrix_km,
    haversine_km,
    matrix_from_pairs,
    travel_time_matrix,
)

# City centres (decimal degrees, WGS 84): Dam square Amsterdam, Domtoren Utrecht.
AMSTERDAM = (52.3731, 4.8926)
UTRECHT = (52.0907, 5.1214)
LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)

lat_st = st.floats(min_value=-90, max_value=90, allow_nan=False)
lon_st = st.floats(min_value=-180, max_value=180, allow_nan=False)


def _gc_km_reference(lat1, lon1, lat2, lon2):
    """Spherical law of cosines with math only: an independent formula for the oracle."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


def test_constants_have_documented_values():
    assert CIRCUITY == 1.343
    assert EARTH_RADIUS_KM == 6371.0088
    assert 30 <= SPEED_KMH <= 100


def test_haversine_amsterdam_utrecht_about_35_km():
    d = float(haversine_km(*AMSTERDAM, *UTRECHT))
    assert d == pytest.approx(35.0, abs=1.0)


def test_haversine_london_paris_about_344_km():
    d = float(haversine_km(*LONDON, *PARIS))
    assert d == pytest.approx(343.5, abs=1.5)


def test_haversine_exact_on_meridian_and_equator():
    # a quarter meridian is exactly pi R / 2; antipodes on the equator pi R
    assert float(haversine_km(0, 0, 90, 0)) == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)
    assert float(haversine_km(0, 0, 0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert float(haversine_km(52, 5, 53, 5)) == pytest.approx(math.pi * EARTH_RADIUS_KM / 180)


def test_haversine_broadcasts_arrays():
    lats = np.array([52.0, 53.0, 51.0])
    d = haversine_km(lats[:, None], 5.0, lats[None, :], 5.0)
    assert d.shape == (3, 3)
    assert np.allclose(np.diag(d), 0.0)
    assert np.allclose(d, d.T)
    assert d[0, 2] == pytest.approx(math.pi * EARTH_RADIUS_KM / 180)


@pytest.mark.parametrize("bad", [(91, 0, 0, 0), (0, 0, -90.5, 0), (np.nan, 0, 0, 0)])
def test_haversine_rejects_invalid_coordinates(bad):
    with pytest.raises(ValueError):
        haversine_km(*bad)


@settings(max_examples=60, deadline=None)
@given(lat_st, lon_st, lat_st, lon_st)
def test_haversine_matches_law_of_cosines(lat1, lon1, lat2, lon2):
    d = float(haversine_km(lat1, lon1, lat2, lon2))
    ref = _gc_km_reference(lat1, lon1, lat2, lon2)
    # the law of cosines loses precision for tiny distances, hence the absolute slack
    assert d == pytest.approx(ref, rel=1e-9, abs=1e-2)
    assert 0.0 <= d <= math.pi * EARTH_RADIUS_KM + 1e-9
    assert d == pytest.approx(float(haversine_km(lat2, lon2, lat1, lon1)), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(lat_st, lon_st, lat_st, lon_st, lat_st, lon_st)
def test_haversine_obeys_triangle_inequality(la, oa, lb, ob, lc, oc):
    ab = float(haversine_km(la, oa, lb, ob))
    bc = float(haversine_km(lb, ob, lc, oc))
    ac = float(haversine_km(la, oa, lc, oc))
    assert ac <= ab + bc + 1e-6


def test_distance_matrix_is_circuity_times_great_circle():
    area_lat, area_lon = [52.37, 52.09], [4.89, 5.12]
    hosp_lat, hosp_lon = [51.92, 53.22, 51.44], [4.47, 6.57, 5.48]
    d = distance_matrix_km(area_lat, area_lon, hosp_lat, hosp_lon)
    assert d.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            ref = _gc_km_reference(area_lat[i], area_lon[i], hosp_lat[j], hosp_lon[j])
            assert d[i, j] == pytest.approx(1.343 * ref, rel=1e-9)


def test_travel_time_matrix_sixty_km_at_sixty_kmh_is_sixty_minutes():
    dlon = 60.0 / (math.pi * EARTH_RADIUS_KM / 180)  # 60 km along the equator
    t = travel_time_matrix([0.0], [0.0], [0.0, 0.0], [dlon, 2 * dlon], circuity=1.0, speed_kmh=60)
    assert t == pytest.approx(np.array([[60.0, 120.0]]))
    t2 = travel_time_matrix([0.0], [0.0], [0.0], [dlon], circuity=1.5, speed_kmh=45)
    assert float(t2[0, 0]) == pytest.approx(60 * 1.5 * 60 / 45)


def test_travel_time_matrix_default_uses_named_constants():
    t = travel_time_matrix([AMSTERDAM[0]], [AMSTERDAM[1]], [UTRECHT[0]], [UTRECHT[1]])
    gc = _gc_km_reference(*AMSTERDAM, *UTRECHT)
    assert float(t[0, 0]) == pytest.approx(gc * CIRCUITY / SPEED_KMH * 60)


def test_distance_matrix_empty_sides_give_empty_matrix():
    assert distance_matrix_km([], [], [52.0], [5.0]).shape == (0, 1)


@pytest.mark.parametrize(
    "kwargs",
    [{"circuity": 0.9}, {"circuity": float("nan")}, {"speed_kmh": 0}, {"speed_kmh": -5}],
)
def test_travel_time_matrix_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        travel_time_matrix([52.0], [5.0], [52.1], [5.1], **kwargs)


def test_distance_matrix_rejects_mismatched_coordinates():
    with pytest.raises(ValueError, match="differ in length"):
        distance_matrix_km([52.0, 52.1], [5.0], [52.0], [5.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        distance_matrix_km([[52.0]], [[5.0]], [52.0], [5.0])


def test_matrix_from_pairs_fills_known_and_marks_missing_inf():
    m = matrix_from_pairs(
        ["a1", "a2", "a3"],
        ["h1", "h2"],
        [("a1", "h1", 12.5), ("a1", "h2", 30), ("a3", "h2", 0.0)],
    )
    expected = np.array([[12.5, 30.0], [np.inf, np.inf], [np.inf, 0.0]])
    assert np.array_equal(m, expected)


def test_matrix_from_pairs_names_unknown_ids():
    with pytest.raises(ValueError, match=r"unknown area id\(s\) \['zz'\]"):
        matrix_from_pairs(["a1"], ["h1"], [("zz", "h1", 3)])
    with pytest.raises(ValueError, match=r"unknown hospital id\(s\) \['hx'\]"):
        matrix_from_pairs(["a1"], ["h1"], [("a1", "hx", 3)])


@pytest.mark.parametrize("minutes", [-1.0, float("nan")])
def test_matrix_from_pairs_rejects_negative_or_nan_minutes(minutes):
    with pytest.raises(ValueError, match="offending rows"):
        matrix_from_pairs(["a1"], ["h1"], [("a1", "h1", minutes)])


def test_matrix_from_pairs_rejects_duplicates():
    with pytest.raises(ValueError, match="more than once"):
        matrix_from_pairs(["a1"], ["h1"], [("a1", "h1", 3), ("a1", "h1", 4)])
    with pytest.raises(ValueError, match="duplicate area id"):
        matrix_from_pairs(["a1", "a1"], ["h1"], [])

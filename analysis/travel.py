"""Travel distances and times between demand areas and hospitals.

Road travel is modelled from coordinates: the great-circle distance, stretched by a
circuity factor to approximate the road distance, divided by an average door-to-door car
speed. Every parameter is a named constant with its source. An imported area x hospital
matrix (OSRM, OpenRouteService or similar) can replace the model through
:func:`matrix_from_pairs`.
"""

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CIRCUITY",
    "EARTH_RADIUS_KM",
    "NL_LAT_RANGE",
    "NL_LON_RANGE",
    "SPEED_KMH",
    "distance_matrix_km",
    "haversine_km",
    "matrix_from_pairs",
    "travel_time_matrix",
]

#: Mean Earth radius R1 = (2a + b) / 3 of the WGS 84 ellipsoid, in km (IUGG convention).
EARTH_RADIUS_KM = 6371.0088

#: Latitude and longitude bounds of the Netherlands (WGS 84 degrees), including the Wadden
#: islands and Zeeland with a little margin: every seed or loaded location lies inside them.
NL_LAT_RANGE = (50.70, 53.60)
NL_LON_RANGE = (3.30, 7.30)

#: Road distance / great-circle distance. Found: average radial detour 1.343 over 300
#: European cities (Environment and Planning B, 2023, doi 10.1177/23998083231168870).
#: Classic urban values are lower (1.2 Newell; 1.21-1.23 O'Sullivan), see DOMAIN.md section 6.
CIRCUITY = 1.343

#: Average door-to-door car speed over the road distance, in km/h. MODELLED ASSUMPTION,
#: not a sourced figure: the RIVM speed-per-road-segment table was not found (DOMAIN.md
#: sections 6 and 7); 60 km/h sits at the low end of the 60-80 km/h range common in
#: accessibility models, a deliberately cautious choice that mixes urban streets and motorway.
SPEED_KMH = 60.0


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray:
    """Great-circle distance in km between points given in decimal degrees.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : array_like
        Latitudes and longitudes in degrees (WGS 84). The four arguments broadcast
        against each other with the usual numpy rules.

    Returns
    -------
    numpy.ndarray
        Distances in km with the broadcast shape of the inputs (0-d for scalars).

    Raises
    ------
    ValueError
        If a coordinate is not finite or a latitude lies outside [-90, 90].

    Examples
    --------
    >>> round(float(haversine_km(52.0, 5.0, 53.0, 5.0)), 1)
    111.2

    Notes
    -----
    With phi the latitudes and lambda the longitudes in radians,

    .. math:: d = 2R \\arcsin\\sqrt{\\sin^2\\frac{\\Delta\\phi}{2}
              + \\cos\\phi_1\\cos\\phi_2\\sin^2\\frac{\\Delta\\lambda}{2}}

    with R = :data:`EARTH_RADIUS_KM`. The spherical model errs by at most about 0.5 %
    against the ellipsoid, far below the uncertainty of the circuity factor.

    References
    ----------
    .. [1] R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 159, 1984.
    """
    lat1_a, lon1_a, lat2_a, lon2_a = (np.asarray(x, dtype=float) for x in (lat1, lon1, lat2, lon2))
    for name, arr in (("lat1", lat1_a), ("lon1", lon1_a), ("lat2", lat2_a), ("lon2", lon2_a)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains a non-finite coordinate")
    for name, arr in (("lat1", lat1_a), ("lat2", lat2_a)):
        if np.any(np.abs(arr) > 90.0):
            raise ValueError(f"{name} contains a latitude outside [-90, 90]")
    phi1, phi2 = np.radians(lat1_a), np.radians(lat2_a)
    dphi = phi2 - phi1
    dlam = np.radians(lon2_a - lon1_a)
    a = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _coords(lat: ArrayLike, lon: ArrayLike, what: str) -> tuple[NDArray, NDArray]:
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    if lat_a.ndim != 1 or lon_a.ndim != 1:
        raise ValueError(f"{what} coordinates must be one-dimensional")
    if lat_a.shape != lon_a.shape:
        raise ValueError(
            f"{what} latitudes ({lat_a.size}) and longitudes ({lon_a.size}) differ in length"
        )
    return lat_a, lon_a


def distance_matrix_km(
    area_lat: ArrayLike,
    area_lon: ArrayLike,
    hosp_lat: ArrayLike,
    hosp_lon: ArrayLike,
    *,
    circuity: float = CIRCUITY,
) -> NDArray:
    """Modelled road distance in km from every area to every hospital.

    Parameters
    ----------
    area_lat, area_lon : array_like, shape (n,)
        Coordinates of the demand areas in degrees.
    hosp_lat, hosp_lon : array_like, shape (m,)
        Coordinates of the hospitals in degrees.
    circuity : float, default :data:`CIRCUITY`
        Road distance / great-circle distance; must be at least 1.

    Returns
    -------
    numpy.ndarray, shape (n, m)
        ``D[i, j]`` is the modelled road distance from area ``i`` to hospital ``j``.

    Raises
    ------
    ValueError
        If the coordinate arrays are not one-dimensional pairs of equal length, a
        coordinate is invalid, or ``circuity < 1``.

    Examples
    --------
    >>> distance_matrix_km([52.0], [5.0], [52.0, 53.0], [5.0, 5.0], circuity=1.0).round(1)
    array([[  0. , 111.2]])

    Notes
    -----
    ``D = circuity * haversine(area_i, hospital_j)``, computed by broadcasting an (n, 1)
    against a (1, m) array, so memory is O(nm) and there is no Python loop.

    References
    ----------
    .. [1] Circuity 1.343: average radial detour over 300 European cities, Environment and
       Planning B (2023), doi 10.1177/23998083231168870.
    """
    if not np.isfinite(circuity) or circuity < 1.0:
        raise ValueError(f"circuity must be a finite number >= 1, got {circuity}")
    a_lat, a_lon = _coords(area_lat, area_lon, "area")
    h_lat, h_lon = _coords(hosp_lat, hosp_lon, "hospital")
    gc = haversine_km(a_lat[:, None], a_lon[:, None], h_lat[None, :], h_lon[None, :])
    return circuity * gc


def travel_time_matrix(
    area_lat: ArrayLike,
    area_lon: ArrayLike,
    hosp_lat: ArrayLike,
    hosp_lon: ArrayLike,
    *,
    circuity: float = CIRCUITY,
    speed_kmh: float = SPEED_KMH,
) -> NDArray:
    """Modelled car travel time in minutes from every area to every hospital.

    Parameters
    ----------
    area_lat, area_lon : array_like, shape (n,)
        Coordinates of the demand areas in degrees.
    hosp_lat, hosp_lon : array_like, shape (m,)
        Coordinates of the hospitals in degrees.
    circuity : float, default :data:`CIRCUITY`
        Road distance / great-circle distance; must be at least 1.
    speed_kmh : float, default :data:`SPEED_KMH`
        Average door-to-door speed over the road distance; must be positive.

    Returns
    -------
    numpy.ndarray, shape (n, m)
        ``T[i, j]`` in minutes.

    Raises
    ------
    ValueError
        As :func:`distance_matrix_km`, or if ``speed_kmh`` is not a positive number.

    Examples
    --------
    >>> travel_time_matrix([52.0], [5.0], [53.0], [5.0], circuity=1.0, speed_kmh=60).round(1)
    array([[111.2]])

    Notes
    -----
    ``T = 60 * circuity * haversine / speed_kmh``. The default speed is a modelled
    assumption (see :data:`SPEED_KMH`); pass a sourced value or import a routed matrix
    with :func:`matrix_from_pairs` when one is available.

    References
    ----------
    .. [1] See :func:`distance_matrix_km`.
    """
    if not np.isfinite(speed_kmh) or speed_kmh <= 0:
        raise ValueError(f"speed_kmh must be a positive number, got {speed_kmh}")
    km = distance_matrix_km(area_lat, area_lon, hosp_lat, hosp_lon, circuity=circuity)
    return km * (60.0 / speed_kmh)


def _index(ids: Sequence[Hashable], what: str) -> dict[Hashable, int]:
    index: dict[Hashable, int] = {}
    for k, key in enumerate(ids):
        if key in index:
            raise ValueError(f"duplicate {what} id {key!r}")
        index[key] = k
    return index


def matrix_from_pairs(
    area_ids: Sequence[Hashable],
    hospital_ids: Sequence[Hashable],
    triples: Iterable[tuple[Hashable, Hashable, float]],
) -> NDArray:
    """Build an area x hospital minutes matrix from imported (area, hospital, minutes) rows.

    Parameters
    ----------
    area_ids : sequence of hashable, length n
        Row order of the result; ids must be unique.
    hospital_ids : sequence of hashable, length m
        Column order of the result; ids must be unique.
    triples : iterable of (area_id, hospital_id, minutes)
        Imported travel times, e.g. from an OSRM or OpenRouteService table.

    Returns
    -------
    numpy.ndarray, shape (n, m)
        Minutes; ``np.inf`` for every pair absent from ``triples`` (treated as unreachable).

    Raises
    ------
    ValueError
        If an id list has duplicates, a row names an unknown area or hospital id, a pair
        appears twice, or minutes are negative or NaN. The message quotes the offending ids
        or values (up to five of them).

    Examples
    --------
    >>> matrix_from_pairs(["a1", "a2"], ["h1"], [("a1", "h1", 12.5)])
    array([[12.5],
           [ inf]])

    Notes
    -----
    A duplicate pair is refused rather than resolved (first, last or minimum), so that an
    inconsistent import is noticed. ``inf`` minutes in a row are accepted and mean "no route".

    References
    ----------
    .. [1] OSRM Table service, http://project-osrm.org/docs/v5.24.0/api/#table-service
    """
    a_index = _index(area_ids, "area")
    h_index = _index(hospital_ids, "hospital")
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    unknown_areas: list[Hashable] = []
    unknown_hosps: list[Hashable] = []
    for area, hosp, minutes in triples:
        i = a_index.get(area)
        j = h_index.get(hosp)
        if i is None:
            unknown_areas.append(area)
        if j is None:
            unknown_hosps.append(hosp)
        if i is None or j is None:
            continue
        rows.append(i)
        cols.append(j)
        values.append(float(minutes))
    problems = []
    if unknown_areas:
        problems.append(f"unknown area id(s) {sorted(set(unknown_areas), key=str)[:5]}")
    if unknown_hosps:
        problems.append(f"unknown hospital id(s) {sorted(set(unknown_hosps), key=str)[:5]}")
    if problems:
        raise ValueError("; ".join(problems))
    vals = np.asarray(values, dtype=float)
    bad = np.isnan(vals) | (vals < 0)
    if bad.any():
        k = np.flatnonzero(bad)[:5]
        examples = [(area_ids[rows[x]], hospital_ids[cols[x]], values[x]) for x in k]
        raise ValueError(f"minutes must be >= 0 and not NaN; offending rows: {examples}")
    n, m = len(area_ids), len(hospital_ids)
    flat = np.asarray(rows, dtype=np.int64) * m + np.asarray(cols, dtype=np.int64)
    uniq, counts = np.unique(flat, return_counts=True)
    if np.any(counts > 1):
        dup = uniq[counts > 1][:5]
        pairs = [(area_ids[int(x) // m], hospital_ids[int(x) % m]) for x in dup]
        raise ValueError(f"pair(s) given more than once: {pairs}")
    out = np.full((n, m), np.inf)
    out.reshape(-1)[flat] = vals
    return out

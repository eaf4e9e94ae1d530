"""What a concentration scenario costs patients: travel, norms, regions and CO2.

Compares the allocation of a :class:`analysis.locate.LocationResult` (or any area x hospital
share matrix) with the **baseline**: today's providers, every patient going to the nearest
one. Reports the travel-time distribution of both (weighted mean, median, p90, max, share
within a threshold), per area and per region; who travels much longer; regions left
without a centre; volumes per centre against the norm; patient-kilometres and travel CO2.

Pure numpy/scipy, no I/O; inputs are never mutated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from analysis.coverage import weighted_quantile

__all__ = [
    "CAR_CO2_KG_PER_KM",
    "TRIPS_PER_PATIENT",
    "ScenarioEvaluation",
    "TravelStats",
    "baseline_allocation",
    "evaluate_scenario",
    "travel_stats",
    "weighted_quantile",  # re-exported from analysis.coverage (one definition)
]

#: Travel CO2 per car-kilometre, kg. Found: CBS reported that the average CO2 emission of
#: passenger cars on Dutch roads was 184 g/km in 2011 (190 g/km in 1990), quoted in
#: "Carbon Dioxide Emission from Cars Shows Little Improvement", 30 July 2013,
#: badnewsfromthenetherlands.blogspot.com (a secondary source; tank-to-wheel). Rounded down
#: to 0.18 because the fleet has become slightly more efficient since; the official Dutch
#: list (co2emissiefactoren.nl, "personenvervoer", well-to-wheel) should replace it when
#: read. One patient per car, no companion trips: a MODELLING CHOICE.
CAR_CO2_KG_PER_KM = 0.18

#: Trips per patient counted for patient-kilometres: 2.0 = one round trip (to the centre
#: and back) per treated patient, one-way distance x 2. A MODELLING CHOICE; pre-operative
#: visits and follow-up can be added by raising it.
TRIPS_PER_PATIENT = 2.0


@dataclass(frozen=True)
class TravelStats:
    """Travel-time distribution over patients (minutes, one way).

    Attributes
    ----------
    demand : float
        Patients per year with a centre (the weight of the distribution).
    mean, median, p90, max : float
        Weighted mean, weighted median (q = 0.5), weighted 90th percentile
        (see :func:`analysis.coverage.weighted_quantile`) and the largest travel time of
        any patient; ``nan`` when no patient is served.
    share_within : float
        Share of served patients within ``radius`` minutes (``nan`` without a radius).
    unserved_demand : float
        Patients per year who cannot reach any centre.
    """

    demand: float
    mean: float
    median: float
    p90: float
    max: float
    share_within: float
    unserved_demand: float


@dataclass(frozen=True)
class ScenarioEvaluation:
    """Baseline versus scenario, everything a planner reads off a scenario.

    Attributes
    ----------
    baseline, scenario : TravelStats
        Travel distribution today (nearest current provider) and in the scenario.
    mean_delta, median_delta, p90_delta, max_delta : float
        Scenario minus baseline of the corresponding statistic.
    area_minutes_baseline, area_minutes_scenario : numpy.ndarray, shape (n,)
        Expected travel minutes per area (share-weighted over its centres; ``nan`` when the
        area reaches no centre).
    area_delta : numpy.ndarray, shape (n,)
        Scenario minus baseline per area.
    worse_threshold : float
        Minutes of extra travel above which an area counts as "much worse off".
    areas_worse : tuple of int
        Areas with demand whose travel grows by more than ``worse_threshold``.
    patients_worse : float
        Their patients per year (plus patients who lose access altogether).
    patients_losing_access : float
        Patients per year served in the baseline but not in the scenario.
    baseline_volume, scenario_volume : numpy.ndarray, shape (m,)
        Patients per year per hospital.
    min_volume : float
        The norm compared against (``nan`` when none).
    baseline_meets_norm, scenario_meets_norm : numpy.ndarray of bool, shape (m,)
        Provider with volume >= norm (False for hospitals not providing). All False when no
        norm is known.
    baseline_providers, scenario_providers : tuple of int
        Hospitals receiving patients.
    regions_without_centre : tuple
        Area regions (with demand) with no scenario provider located in them; empty when
        hospital regions are not given.
    regions_losing_all_centres : tuple
        Of those, the regions that had a provider in the baseline.
    by_region : Mapping
        Region label -> (baseline TravelStats, scenario TravelStats) over its areas.
    trips_per_patient : float
        Trips counted per patient (2.0 = one round trip).
    patient_km_baseline, patient_km_scenario, patient_km_delta : float
        Sum over patients of one-way km x ``trips_per_patient`` (``nan`` without a distance
        matrix).
    co2_kg_per_km : float
        Emission factor applied.
    co2_kg_baseline, co2_kg_scenario, co2_kg_delta : float
        Patient-km x ``co2_kg_per_km`` (kg CO2 per year).
    """

    baseline: TravelStats
    scenario: TravelStats
    mean_delta: float
    median_delta: float
    p90_delta: float
    max_delta: float
    area_minutes_baseline: NDArray[np.float64]
    area_minutes_scenario: NDArray[np.float64]
    area_delta: NDArray[np.float64]
    worse_threshold: float
    areas_worse: tuple[int, ...]
    patients_worse: float
    patients_losing_access: float
    baseline_volume: NDArray[np.float64]
    scenario_volume: NDArray[np.float64]
    min_volume: float
    baseline_meets_norm: NDArray[np.bool_]
    scenario_meets_norm: NDArray[np.bool_]
    baseline_providers: tuple[int, ...]
    scenario_providers: tuple[int, ...]
    regions_without_centre: tuple[Any, ...]
    regions_losing_all_centres: tuple[Any, ...]
    by_region: Mapping[Any, tuple[TravelStats, TravelStats]]
    trips_per_patient: float
    patient_km_baseline: float
    patient_km_scenario: float
    patient_km_delta: float
    co2_kg_per_km: float
    co2_kg_baseline: float
    co2_kg_scenario: float
    co2_kg_delta: float


def travel_stats(
    minutes: ArrayLike, weights: ArrayLike, *, radius: float | None = None,
    unserved_demand: float = 0.0,
) -> TravelStats:
    """Distribution summary of travel minutes weighted by patients.

    Parameters
    ----------
    minutes, weights : array_like, shape (p,)
        One entry per patient group (area, or area-centre pair when an area is split).
    radius : float, optional
        Threshold for ``share_within``.
    unserved_demand : float
        Patients without a centre, reported alongside (not part of the distribution).

    Returns
    -------
    TravelStats

    Examples
    --------
    >>> s = travel_stats([10, 20, 30], [1, 1, 2], radius=20)
    >>> s.mean, s.median, s.p90, s.max, s.share_within
    (22.5, 20.0, 30.0, 30.0, 0.5)
    """
    v = np.asarray(minutes, dtype=np.float64).ravel()
    wt = np.asarray(weights, dtype=np.float64).ravel()
    pos = wt > 0
    v, wt = v[pos], wt[pos]
    total = float(wt.sum())
    if total <= 0:
        nan = math.nan
        return TravelStats(0.0, nan, nan, nan, nan, nan, float(unserved_demand))
    share = math.nan if radius is None else float(wt[v <= radius].sum() / total)
    return TravelStats(
        demand=total, mean=float(wt @ v / total), median=weighted_quantile(v, wt, 0.5),
        p90=weighted_quantile(v, wt, 0.9), max=float(v.max()), share_within=share,
        unserved_demand=float(unserved_demand),
    )


def baseline_allocation(C: ArrayLike, providers: ArrayLike) -> sparse.csr_array:
    """Share matrix sending every area to its nearest current provider.

    Parameters
    ----------
    C : array_like, shape (n, m)
        Travel minutes; ``np.inf`` for unreachable pairs.
    providers : array_like of int
        Hospitals providing the treatment today.

    Returns
    -------
    scipy.sparse.csr_array, shape (n, m)
        One 1 per area at its nearest provider (ties: lowest index); empty rows for areas
        that reach none.

    Examples
    --------
    >>> import numpy as np
    >>> baseline_allocation(np.array([[5., 1., 3.]]), [0, 2]).toarray()
    array([[0., 0., 1.]])
    """
    Ca = np.asarray(C, dtype=np.float64)
    prov = np.unique(np.asarray(providers, dtype=np.int64).ravel())
    n, m = Ca.shape
    if prov.size == 0:
        return sparse.csr_array((n, m))
    if prov.min() < 0 or prov.max() >= m:
        raise ValueError(f"provider index out of range 0..{m - 1}")
    sub = Ca[:, prov]
    arg = np.argmin(sub, axis=1)
    ok = np.isfinite(sub[np.arange(n), arg])
    rows = np.flatnonzero(ok)
    return sparse.csr_array((np.ones(rows.size), (rows, prov[arg[ok]])), shape=(n, m))


def _allocation_stats(C, D, w, A, radius, region=None, label=None):
    coo = sparse.coo_array(A)
    mask = coo.data > 0
    r, c, x = coo.row[mask], coo.col[mask], coo.data[mask]
    if region is not None:
        sel = region[r] == label
        r, c, x = r[sel], c[sel], x[sel]
    mins = C[r, c]
    mass = w[r] * x
    served = np.zeros(C.shape[0], bool)
    served[r] = True
    in_scope = np.ones(C.shape[0], bool) if region is None else (region == label)
    unserved = float(w[in_scope & ~served].sum())
    km = float(mass @ D[r, c]) if D is not None else math.nan
    return travel_stats(mins, mass, radius=radius, unserved_demand=unserved), km


def _area_minutes(C, A, n):
    coo = sparse.coo_array(A)
    num = np.bincount(coo.row, weights=coo.data * C[coo.row, coo.col], minlength=n)
    den = np.bincount(coo.row, weights=coo.data, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return out


def evaluate_scenario(
    C: ArrayLike, w: ArrayLike, allocation: Any, *, current: ArrayLike,
    distance_km: ArrayLike | None = None, area_region: ArrayLike | None = None,
    hospital_region: ArrayLike | None = None, radius: float | None = None,
    worse_threshold: float = 15.0, min_volume: float | None = None,
    trips_per_patient: float = TRIPS_PER_PATIENT, co2_kg_per_km: float = CAR_CO2_KG_PER_KM,
    baseline: Any | None = None,
) -> ScenarioEvaluation:
    """Compare a scenario allocation with today's baseline (nearest provider unless given).

    Parameters
    ----------
    C : array_like, shape (n, m)
        Travel minutes area x hospital (``np.inf`` = unreachable).
    w : array_like, shape (n,)
        Patients per year per area.
    allocation : LocationResult or array_like or sparse matrix, shape (n, m)
        The scenario: a :class:`analysis.locate.LocationResult` (its ``assignment`` is used)
        or a share matrix whose rows sum to 1 for served areas.
    current : array_like of int
        Hospitals providing the treatment today (baseline: nearest of these).
    distance_km : array_like, shape (n, m), optional
        One-way road km; without it patient-km and CO2 are ``nan``.
    area_region, hospital_region : array_like, optional
        Region label per area (n,) and per hospital (m,). ``area_region`` enables
        ``by_region``; both are needed for the regions left without a centre.
    radius : float, optional
        Minutes for ``share_within``.
    worse_threshold : float
        Extra minutes above which an area counts as much worse off (default 15).
    min_volume : float, optional
        Volume norm; defaults to the ``min_volume`` of a LocationResult when it had one.
    trips_per_patient : float
        Trips per patient for patient-km (default :data:`TRIPS_PER_PATIENT` = 2, a round
        trip).
    co2_kg_per_km : float
        Emission factor (default :data:`CAR_CO2_KG_PER_KM`).
    baseline : array_like or sparse matrix, shape (n, m), optional
        Today's allocation as shares (e.g. observed flows, or a choice model over today's
        providers). Default: every area to its nearest provider in ``current``.

    Returns
    -------
    ScenarioEvaluation

    Raises
    ------
    ValueError
        On shape mismatches, NaN travel times or negative weights.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[10., 30.], [20., 10.]])
    >>> ev = evaluate_scenario(C, [1., 3.], np.array([[0., 1.], [0., 1.]]), current=[0, 1])
    >>> ev.baseline.mean, ev.scenario.mean, ev.areas_worse
    (10.0, 15.0, (0,))

    Notes
    -----
    The travel distribution is over patients: each (area i, centre j) pair with share
    :math:`x_{ij}` contributes mass :math:`w_i x_{ij}` at :math:`c_{ij}` minutes (one way).
    Quantiles follow :func:`analysis.coverage.weighted_quantile`. Per-area expected minutes are
    :math:`\\sum_j x_{ij} c_{ij}`. Patient-km :math:`= t \\sum_{ij} w_i x_{ij} d_{ij}` with
    t = ``trips_per_patient``; CO2 = patient-km x factor (one patient per car).
    """
    Ca = np.asarray(C, dtype=np.float64)
    if Ca.ndim != 2:
        raise ValueError("C must be 2-D (areas x hospitals)")
    if np.isnan(Ca).any():
        raise ValueError("C contains NaN; use np.inf for unreachable pairs")
    n, m = Ca.shape
    wa = np.asarray(w, dtype=np.float64)
    if wa.shape != (n,) or (wa < 0).any() or not np.isfinite(wa).all():
        raise ValueError(f"w must be finite, non-negative, shape ({n},)")
    D = None
    if distance_km is not None:
        D = np.asarray(distance_km, dtype=np.float64)
        if D.shape != (n, m):
            raise ValueError(f"distance_km must have shape {(n, m)}, got {D.shape}")
    norm = min_volume
    A_s = getattr(allocation, "assignment", allocation)
    if norm is None:
        rv = getattr(allocation, "min_volume", 0.0)
        norm = float(rv) if rv else None
    A_s = sparse.csr_array(A_s) if sparse.issparse(A_s) else sparse.csr_array(
        np.asarray(A_s, dtype=np.float64))
    if A_s.shape != (n, m):
        raise ValueError(f"allocation must have shape {(n, m)}, got {A_s.shape}")
    bad = sparse.coo_array(A_s)
    if (bad.data > 0).any() and not np.isfinite(Ca[bad.row[bad.data > 0],
                                                    bad.col[bad.data > 0]]).all():
        raise ValueError("allocation sends patients over an unreachable (infinite) pair")
    if baseline is None:
        A_b = baseline_allocation(Ca, current)
    else:
        A_b = sparse.csr_array(baseline) if sparse.issparse(baseline) else sparse.csr_array(
            np.asarray(baseline, dtype=np.float64))
        if A_b.shape != (n, m):
            raise ValueError(f"baseline must have shape {(n, m)}, got {A_b.shape}")

    base, km_b = _allocation_stats(Ca, D, wa, A_b, radius)
    scen, km_s = _allocation_stats(Ca, D, wa, A_s, radius)
    mins_b = _area_minutes(Ca, A_b, n)
    mins_s = _area_minutes(Ca, A_s, n)
    delta = mins_s - mins_b
    with np.errstate(invalid="ignore"):
        worse = (wa > 0) & (delta > worse_threshold)
    losing = (wa > 0) & np.isfinite(mins_b) & ~np.isfinite(mins_s)
    vol_b = np.asarray(A_b.T @ wa, dtype=np.float64).ravel()
    vol_s = np.asarray(A_s.T @ wa, dtype=np.float64).ravel()
    prov_b = np.flatnonzero(vol_b > 0)
    prov_s = np.flatnonzero(np.asarray(abs(A_s).sum(axis=0)).ravel() > 0)
    if norm is None:
        meets_b = np.zeros(m, bool)
        meets_s = np.zeros(m, bool)
    else:
        tol = 1e-9 * max(norm, 1.0)
        meets_b = np.zeros(m, bool)
        meets_b[prov_b] = vol_b[prov_b] >= norm - tol
        meets_s = np.zeros(m, bool)
        meets_s[prov_s] = vol_s[prov_s] >= norm - tol

    regions_without: tuple[Any, ...] = ()
    regions_losing: tuple[Any, ...] = ()
    by_region: dict[Any, tuple[TravelStats, TravelStats]] = {}
    if area_region is not None:
        ar = np.asarray(area_region)
        if ar.shape != (n,):
            raise ValueError(f"area_region must have shape ({n},)")
        labels = list(dict.fromkeys(ar[wa > 0].tolist()))
        for lab in labels:
            by_region[lab] = (_allocation_stats(Ca, D, wa, A_b, radius, ar, lab)[0],
                              _allocation_stats(Ca, D, wa, A_s, radius, ar, lab)[0])
        if hospital_region is not None:
            hr = np.asarray(hospital_region)
            if hr.shape != (m,):
                raise ValueError(f"hospital_region must have shape ({m},)")
            have_s = set(hr[prov_s].tolist())
            have_b = set(hr[prov_b].tolist()) | set(
                hr[np.unique(np.asarray(current, dtype=np.int64))].tolist())
            regions_without = tuple(lab for lab in labels if lab not in have_s)
            regions_losing = tuple(lab for lab in regions_without if lab in have_b)

    t = float(trips_per_patient)
    pkm_b, pkm_s = km_b * t, km_s * t
    f = float(co2_kg_per_km)
    for arr in (mins_b, mins_s, delta, vol_b, vol_s, meets_b, meets_s):
        arr.setflags(write=False)
    return ScenarioEvaluation(
        baseline=base, scenario=scen,
        mean_delta=scen.mean - base.mean, median_delta=scen.median - base.median,
        p90_delta=scen.p90 - base.p90, max_delta=scen.max - base.max,
        area_minutes_baseline=mins_b, area_minutes_scenario=mins_s, area_delta=delta,
        worse_threshold=float(worse_threshold),
        areas_worse=tuple(int(i) for i in np.flatnonzero(worse)),
        patients_worse=float(wa[worse].sum() + wa[losing].sum()),
        patients_losing_access=float(wa[losing].sum()),
        baseline_volume=vol_b, scenario_volume=vol_s,
        min_volume=math.nan if norm is None else float(norm),
        baseline_meets_norm=meets_b, scenario_meets_norm=meets_s,
        baseline_providers=tuple(int(j) for j in prov_b),
        scenario_providers=tuple(int(j) for j in prov_s),
        regions_without_centre=regions_without, regions_losing_all_centres=regions_losing,
        by_region=by_region, trips_per_patient=t,
        patient_km_baseline=pkm_b, patient_km_scenario=pkm_s, patient_km_delta=pkm_s - pkm_b,
        co2_kg_per_km=f, co2_kg_baseline=pkm_b * f, co2_kg_scenario=pkm_s * f,
        co2_kg_delta=(pkm_s - pkm_b) * f,
    )

"""Coverage: who provides a care type for a region, and how far its residents travel.

Two notions of coverage are kept apart on purpose:

* **Organisational reachability** (:func:`reachable_providers`): a provider counts for a
  region when it lies in the region or is a member of a network that covers the region.
  A region x care type with no such provider is a **gap**.
* **Travel** (:func:`nearest`, :func:`coverage_figures`): minutes from each demand area to
  the nearest provider, weighted by population.

All functions are pure: they take arrays and plain mappings and return new objects.
"""

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "AreaGap",
    "CoverageFigures",
    "RegionCoverage",
    "coverage_figures",
    "nearest",
    "nearest_index",
    "reachable_providers",
    "region_coverage",
    "weighted_quantile",
    "worst_areas",
]

# Relative tolerance on cumulative weight shares, so that q = 0.9 is met by a cumulative
# share computed as 0.8999999999999999 through floating-point summation.
_SHARE_RTOL = 1e-12


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: float) -> float:
    """Weighted quantile: the smallest value whose cumulative weight share is at least ``q``.

    Parameters
    ----------
    values : array_like, shape (n,)
        Observations, e.g. minutes to the nearest provider. ``+inf`` is allowed (it sorts
        last); NaN is not.
    weights : array_like, shape (n,)
        Non-negative weights, e.g. population. Observations with zero weight are ignored.
    q : float
        Quantile level in [0, 1].

    Returns
    -------
    float
        ``min { v_k : W(v_k) >= q * W_total }`` where ``W(v)`` is the total weight of the
        observations ``<= v``. Always one of the observed values with positive weight, so it
        lies in ``[min, max]`` of those.

    Raises
    ------
    ValueError
        If shapes differ, a value is NaN, a weight is negative or not finite, ``q`` is
        outside [0, 1], or no weight is positive.

    Examples
    --------
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.5)
    20.0
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.51)
    30.0

    Notes
    -----
    This is the inverse of the weighted empirical distribution function (type 1 in
    Hyndman and Fan's taxonomy, no interpolation): "90 % of residents live within p90
    minutes" holds exactly, and p90 is a travel time someone actually has. ``q = 0``
    returns the smallest value with positive weight. The comparison allows a relative
    tolerance of 1e-12 on the cumulative share to absorb rounding in the summation.

    References
    ----------
    .. [1] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages",
       The American Statistician 50(4), 361-365, 1996.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if v.ndim != 1 or v.shape != w.shape:
        raise ValueError(f"values {v.shape} and weights {w.shape} must be 1-D of equal length")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must lie in [0, 1], got {q}")
    if np.isnan(v).any():
        raise ValueError("values contain NaN")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    keep = w > 0
    if not keep.any():
        raise ValueError("no observation has a positive weight")
    v, w = v[keep], w[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    target = q * cum[-1] * (1.0 - _SHARE_RTOL)
    k = int(np.searchsorted(cum, target, side="left"))
    return float(v[min(k, v.size - 1)])


def _cost_and_mask(cost: ArrayLike, provider_mask: ArrayLike) -> tuple[NDArray, NDArray]:
    c = np.asarray(cost, dtype=float)
    mask = np.asarray(provider_mask, dtype=bool)
    if c.ndim != 2:
        raise ValueError(f"cost must be a 2-D area x hospital matrix, got shape {c.shape}")
    if mask.shape != (c.shape[1],):
        raise ValueError(
            f"provider_mask has shape {mask.shape}; expected ({c.shape[1]},), one per hospital"
        )
    if np.isnan(c).any() or np.any(c < 0):
        raise ValueError("cost must be non-negative and not NaN (use inf for no route)")
    return c, mask


def nearest(cost: ArrayLike, provider_mask: ArrayLike) -> NDArray:
    """Minutes from every area to its nearest provider.

    Parameters
    ----------
    cost : array_like, shape (n, m)
        Travel minutes, area x hospital; ``inf`` means no route.
    provider_mask : array_like of bool, shape (m,)
        True for hospitals that provide the care type.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``min_j {cost[i, j] : provider_mask[j]}``; ``inf`` when there is no provider or
        no route to any.

    Raises
    ------
    ValueError
        On a shape mismatch, or a negative or NaN cost.

    Examples
    --------
    >>> nearest([[5.0, 3.0], [1.0, 9.0]], [False, True])
    array([3., 9.])

    Notes
    -----
    Nearest is by travel time over *all* providers passed in, regardless of region: patients
    may cross region borders.

    References
    ----------
    .. [1] S. L. Hakimi, "Optimum locations of switching centers and the absolute centers
       and medians of a graph", Operations Research 12(3), 450-459, 1964.
    """
    c, mask = _cost_and_mask(cost, provider_mask)
    if not mask.any():
        return np.full(c.shape[0], np.inf)
    return c[:, mask].min(axis=1)


def nearest_index(cost: ArrayLike, provider_mask: ArrayLike) -> NDArray:
    """Column index of every area's nearest provider, ``-1`` where none is reachable.

    Parameters
    ----------
    cost : array_like, shape (n, m)
        Travel minutes, area x hospital; ``inf`` means no route.
    provider_mask : array_like of bool, shape (m,)
        True for hospitals that provide the care type.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Index into the hospital axis; ties go to the lowest index.

    Raises
    ------
    ValueError
        As :func:`nearest`.

    Examples
    --------
    >>> nearest_index([[5.0, 3.0], [1.0, np.inf]], [False, True])
    array([ 1, -1])

    Notes
    -----
    Same rule as :func:`nearest`; the two agree: ``cost[i, nearest_index[i]] ==
    nearest[i]`` wherever the index is not -1.

    References
    ----------
    .. [1] See :func:`nearest`.
    """
    c, mask = _cost_and_mask(cost, provider_mask)
    out = np.full(c.shape[0], -1, dtype=np.int64)
    if not mask.any():
        return out
    cols = np.flatnonzero(mask)
    sub = c[:, cols]
    best = sub.argmin(axis=1)
    ok = np.isfinite(sub[np.arange(c.shape[0]), best])
    out[ok] = cols[best[ok]]
    return out


@dataclass(frozen=True)
class CoverageFigures:
    """Population-weighted travel figures for one set of areas and one care type.

    Attributes
    ----------
    population : float
        Total population of the areas (reachable or not).
    unreachable_population : float
        Population with no reachable provider (nearest minutes = inf).
    within_minutes : float
        The threshold T used for ``share_within``.
    population_within : float
        Population whose nearest provider is at most T minutes away.
    share_within : float or None
        ``population_within / population``; unreachable residents count as not within.
        None when the population is 0.
    mean : float or None
        Population-weighted mean minutes over the *reachable* population; None when no
        one is reachable.
    p90 : float or None
        :func:`weighted_quantile` at 0.9 over the reachable population; None as ``mean``.
    max : float or None
        Largest nearest-provider minutes over reachable areas with population > 0.
    """

    population: float
    unreachable_population: float
    within_minutes: float
    population_within: float
    share_within: float | None
    mean: float | None
    p90: float | None
    max: float | None


def coverage_figures(
    nearest_minutes: ArrayLike, population: ArrayLike, minutes: float
) -> CoverageFigures:
    """Travel figures for a set of areas given their minutes to the nearest provider.

    Parameters
    ----------
    nearest_minutes : array_like, shape (n,)
        Minutes to the nearest provider per area (``inf`` = unreachable), e.g. from
        :func:`nearest`.
    population : array_like, shape (n,)
        Residents (or patients) per area, non-negative.
    minutes : float
        Threshold T for the share of the population within T minutes (inclusive).

    Returns
    -------
    CoverageFigures
        See the class for every field.

    Raises
    ------
    ValueError
        On shape mismatch, NaN or negative minutes, negative or non-finite population, or
        a negative or NaN threshold.

    Examples
    --------
    >>> f = coverage_figures([10.0, 30.0, np.inf], [100, 300, 100], minutes=20)
    >>> f.share_within, f.mean, f.unreachable_population
    (0.2, 25.0, 100.0)

    Notes
    -----
    Areas with population 0 do not influence any figure. Unreachable population is
    reported separately and excluded from ``mean``, ``p90`` and ``max`` (an average of
    infinities says nothing), but it is counted in ``population`` and lowers
    ``share_within``: it is never silently dropped.

    .. math:: \\text{mean} = \\frac{\\sum_i p_i t_i}{\\sum_i p_i},\\quad
              \\text{share} = \\frac{\\sum_{i: t_i \\le T} p_i}{\\sum_i p_i}

    with the sums of ``mean`` over reachable areas only.

    References
    ----------
    .. [1] R. L. Church and C. ReVelle, "The maximal covering location problem", Papers
       of the Regional Science Association 32, 101-118, 1974.
    """
    t = np.asarray(nearest_minutes, dtype=float)
    p = np.asarray(population, dtype=float)
    if t.ndim != 1 or t.shape != p.shape:
        raise ValueError(
            f"nearest_minutes {t.shape} and population {p.shape} must be 1-D of equal length"
        )
    if np.isnan(t).any() or np.any(t < 0):
        raise ValueError("nearest_minutes must be non-negative and not NaN")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("population must be finite and non-negative")
    if np.isnan(minutes) or minutes < 0:
        raise ValueError(f"minutes must be a non-negative threshold, got {minutes}")
    total = float(p.sum())
    reach = np.isfinite(t) & (p > 0)
    unreachable = float(p[~np.isfinite(t)].sum())
    within = float(p[t <= minutes].sum())
    if reach.any():
        tr, pr = t[reach], p[reach]
        mean: float | None = float(np.dot(tr, pr / pr.sum()))
        p90: float | None = weighted_quantile(tr, pr, 0.9)
        mx: float | None = float(tr.max())
    else:
        mean = p90 = mx = None
    return CoverageFigures(
        population=total,
        unreachable_population=unreachable,
        within_minutes=float(minutes),
        population_within=within,
        share_within=within / total if total > 0 else None,
        mean=mean,
        p90=p90,
        max=mx,
    )


def reachable_providers(
    region: Hashable,
    care_type: Hashable,
    *,
    hospital_region: Mapping[Any, Hashable],
    network_regions: Mapping[Any, Collection[Hashable]],
    hospital_networks: Mapping[Any, Collection[Hashable]],
    providers: Mapping[Any, Collection[Hashable]],
    network_care_types: Mapping[Any, Collection[Hashable]] | None = None,
) -> tuple[frozenset[Hashable], frozenset[Hashable]]:
    """Providers of a care type in a region and those reached through its networks.

    Parameters
    ----------
    region, care_type : hashable
        The pair to evaluate.
    hospital_region : mapping hospital -> region
        ``(Hospital)-[:IN_REGION]->(Region)``.
    network_regions : mapping network -> collection of regions
        ``(Network)-[:COVERS]->(Region)``.
    hospital_networks : mapping hospital -> collection of networks
        ``(Hospital)-[:MEMBER_OF]->(Network)``, any role.
    providers : mapping care type -> collection of hospitals
        ``(Hospital)-[:PROVIDES]->(CareType)``. A care type absent from the mapping has
        no providers.
    network_care_types : mapping network -> collection of care types, optional
        ``(Network)-[:FOR]->(CareType)``. A network listed here with a non-empty
        collection only counts for those care types; a network not listed (or listed with
        an empty collection) is general and counts for every care type.

    Returns
    -------
    in_region : frozenset
        Providers whose own region is ``region``.
    via_network : frozenset
        Providers that are members of at least one network that covers ``region`` and
        counts for ``care_type``. They may lie inside or outside the region, so the two
        sets can overlap.

    Raises
    ------
    ValueError
        Never for unknown ids: a region or care type that nothing refers to simply has
        no providers.

    Examples
    --------
    >>> reachable_providers("N", "lung", hospital_region={"a": "N", "b": "O"},
    ...     network_regions={"net": ["N"]}, hospital_networks={"b": ["net"]},
    ...     providers={"lung": ["b"]})
    (frozenset(), frozenset({'b'}))

    Notes
    -----
    The region x care type has a **gap** when ``in_region | via_network`` is empty.

    References
    ----------
    .. [1] Zorginstituut Nederland, *Passende zorg in oncologieregio's* (plan van aanpak,
       2023): regional governance with national coverage through networks.
    """
    prov = frozenset(providers.get(care_type, ()))
    in_region = frozenset(h for h in prov if hospital_region.get(h) == region)

    def counts(net: Hashable) -> bool:
        if region not in network_regions.get(net, ()):
            return False
        if network_care_types is None:
            return True
        scope = network_care_types.get(net)
        return not scope or care_type in scope

    via = frozenset(h for h in prov if any(counts(n) for n in hospital_networks.get(h, ())))
    return in_region, via


@dataclass(frozen=True)
class RegionCoverage:
    """Coverage of one region for one care type.

    Attributes
    ----------
    region, care_type : hashable
        The pair.
    providers_in_region : tuple
        Providers located in the region, sorted by id.
    providers_via_network : tuple
        Providers reached through networks covering the region (inside or outside it),
        sorted by id.
    gap : bool
        True when both provider tuples are empty: no provider in the region and none
        reachable through its networks. Travel is not part of this test.
    travel : CoverageFigures
        Residents of the region travelling to the nearest provider anywhere (patients may
        cross region borders).
    travel_within_networks : CoverageFigures
        Residents travelling to the nearest provider among ``providers_in_region`` and
        ``providers_via_network`` only; everyone is unreachable when ``gap`` is True.
    """

    region: Hashable
    care_type: Hashable
    providers_in_region: tuple[Hashable, ...]
    providers_via_network: tuple[Hashable, ...]
    gap: bool
    travel: CoverageFigures
    travel_within_networks: CoverageFigures


def region_coverage(
    cost: ArrayLike,
    population: ArrayLike,
    area_region: Sequence[Hashable],
    hospital_ids: Sequence[Hashable],
    *,
    hospital_region: Mapping[Any, Hashable],
    network_regions: Mapping[Any, Collection[Hashable]],
    hospital_networks: Mapping[Any, Collection[Hashable]],
    providers: Mapping[Any, Collection[Hashable]],
    minutes: float,
    regions: Collection[Hashable] | None = None,
    care_types: Collection[Hashable] | None = None,
    network_care_types: Mapping[Any, Collection[Hashable]] | None = None,
) -> dict[tuple[Hashable, Hashable], RegionCoverage]:
    """Coverage figures for every region x care type.

    Parameters
    ----------
    cost : array_like, shape (n, m)
        Minutes, area x hospital (``inf`` = no route).
    population : array_like, shape (n,)
        Residents (or modelled patients) per area.
    area_region : sequence, length n
        Region of each area (``(Area)-[:IN_REGION]->(Region)``).
    hospital_ids : sequence, length m
        Hospital id of each column of ``cost``.
    hospital_region, network_regions, hospital_networks, providers, network_care_types
        Plain-data graph, as in :func:`reachable_providers`. Every provider must be in
        ``hospital_ids``.
    minutes : float
        Threshold T for ``share_within``.
    regions : collection, optional
        Regions to report; default every region named by an area, a hospital or a
        network.
    care_types : collection, optional
        Care types to report; default the keys of ``providers``.

    Returns
    -------
    dict mapping (region, care_type) -> RegionCoverage

    Raises
    ------
    ValueError
        On shape mismatches, duplicate hospital ids, a provider not in ``hospital_ids``,
        or invalid minutes or population (see :func:`coverage_figures`).

    Examples
    --------
    >>> res = region_coverage([[10.0, 50.0]], [1000], ["N"], ["h1", "h2"],
    ...     hospital_region={"h1": "O", "h2": "N"}, network_regions={},
    ...     hospital_networks={}, providers={"lung": ["h1", "h2"]}, minutes=30)
    >>> res["N", "lung"].travel.mean, res["N", "lung"].travel_within_networks.mean
    (10.0, 50.0)

    Notes
    -----
    ``travel`` uses the nearest provider of the care type anywhere, because patients are
    free to cross region borders; ``travel_within_networks`` restricts the choice to the
    providers the region can reach organisationally (:func:`reachable_providers`). The
    difference between the two is the travel price of keeping patients in their own
    networks. A region without areas gets population 0 and None travel figures.

    References
    ----------
    .. [1] See :func:`reachable_providers` and :func:`coverage_figures`.
    """
    c = np.asarray(cost, dtype=float)
    pop = np.asarray(population, dtype=float)
    if c.ndim != 2 or c.shape != (len(area_region), len(hospital_ids)):
        raise ValueError(
            f"cost has shape {c.shape}; expected ({len(area_region)}, {len(hospital_ids)})"
        )
    if pop.shape != (len(area_region),):
        raise ValueError(f"population has shape {pop.shape}; expected ({len(area_region)},)")
    col: dict[Hashable, int] = {}
    for j, h in enumerate(hospital_ids):
        if h in col:
            raise ValueError(f"duplicate hospital id {h!r}")
        col[h] = j
    missing = sorted({h for hs in providers.values() for h in hs if h not in col}, key=str)
    if missing:
        raise ValueError(f"provider(s) not in hospital_ids: {missing[:5]}")
    if regions is None:
        found = set(area_region) | set(hospital_region.values())
        for rs in network_regions.values():
            found.update(rs)
        regions = found
    if care_types is None:
        care_types = list(providers)
    rows_of: dict[Hashable, NDArray] = {}
    by_region: dict[Hashable, list[int]] = {}
    for i, r in enumerate(area_region):
        by_region.setdefault(r, []).append(i)
    for r in regions:
        rows_of[r] = np.asarray(by_region.get(r, []), dtype=np.int64)

    m = len(hospital_ids)
    out: dict[tuple[Hashable, Hashable], RegionCoverage] = {}
    for ct in care_types:
        mask = np.zeros(m, dtype=bool)
        mask[[col[h] for h in providers.get(ct, ())]] = True
        near_any = nearest(c, mask)
        for r in regions:
            rows = rows_of[r]
            in_r, via = reachable_providers(
                r,
                ct,
                hospital_region=hospital_region,
                network_regions=network_regions,
                hospital_networks=hospital_networks,
                providers=providers,
                network_care_types=network_care_types,
            )
            rmask = np.zeros(m, dtype=bool)
            rmask[[col[h] for h in in_r | via]] = True
            near_net = nearest(c[rows], rmask)
            out[r, ct] = RegionCoverage(
                region=r,
                care_type=ct,
                providers_in_region=tuple(sorted(in_r, key=str)),
                providers_via_network=tuple(sorted(via, key=str)),
                gap=not (in_r or via),
                travel=coverage_figures(near_any[rows], pop[rows], minutes),
                travel_within_networks=coverage_figures(near_net, pop[rows], minutes),
            )
    return out


@dataclass(frozen=True)
class AreaGap:
    """An area whose nearest provider lies beyond the threshold.

    Attributes
    ----------
    area : hashable
        Area id (or row index when no ids were given).
    minutes : float
        Minutes to the nearest provider; ``inf`` when none is reachable.
    population : float
        Residents of the area.
    """

    area: Hashable
    minutes: float
    population: float


def worst_areas(
    nearest_minutes: ArrayLike,
    population: ArrayLike,
    *,
    threshold: float,
    area_ids: Sequence[Hashable] | None = None,
    limit: int | None = None,
) -> list[AreaGap]:
    """Areas whose nearest provider is more than ``threshold`` minutes away, worst first.

    Parameters
    ----------
    nearest_minutes : array_like, shape (n,)
        Minutes to the nearest provider per area (``inf`` = unreachable).
    population : array_like, shape (n,)
        Residents per area.
    threshold : float
        Areas with ``nearest_minutes > threshold`` are returned (strictly beyond, so the
        complement of ``share_within``'s ``<=``).
    area_ids : sequence, optional
        Ids reported in :attr:`AreaGap.area`; default the row indices.
    limit : int, optional
        Return at most this many areas.

    Returns
    -------
    list of AreaGap
        Sorted by minutes descending (unreachable first), then population descending,
        then input order.

    Raises
    ------
    ValueError
        On shape mismatch, NaN minutes, or a negative ``limit``.

    Examples
    --------
    >>> [g.area for g in worst_areas([50, 70, 50], [10, 5, 20], threshold=45)]
    [1, 2, 0]

    Notes
    -----
    Areas with population 0 are kept (they sort last within equal minutes); filter them
    out downstream if they are not wanted.

    References
    ----------
    .. [1] See :func:`coverage_figures`.
    """
    t = np.asarray(nearest_minutes, dtype=float)
    p = np.asarray(population, dtype=float)
    if t.ndim != 1 or t.shape != p.shape:
        raise ValueError(
            f"nearest_minutes {t.shape} and population {p.shape} must be 1-D of equal length"
        )
    if np.isnan(t).any():
        raise ValueError("nearest_minutes contain NaN")
    if area_ids is not None and len(area_ids) != t.size:
        raise ValueError(f"area_ids has {len(area_ids)} entries; expected {t.size}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    idx = np.flatnonzero(t > threshold)
    # lexsort: last key is primary; negate for descending order, index keeps ties stable.
    order = idx[np.lexsort((idx, -p[idx], -t[idx]))]
    if limit is not None:
        order = order[:limit]
    ids = area_ids if area_ids is not None else range(t.size)
    return [AreaGap(area=ids[k], minutes=float(t[k]), population=float(p[k])) for k in order]

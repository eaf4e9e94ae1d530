"""Concentration of a care type over its providers: volumes against norms and HHI."""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "ConcentrationFigures",
    "ProviderVolume",
    "concentration_figures",
    "herfindahl",
]


def herfindahl(volumes: ArrayLike) -> float:
    """Herfindahl-Hirschman index of volumes, on the 0-10,000 scale.

    Parameters
    ----------
    volumes : array_like, shape (n,)
        Cases per provider, non-negative, with a positive total.

    Returns
    -------
    float
        ``sum_i (100 * s_i) ** 2`` with ``s_i = v_i / sum(v)``: 10,000 for a monopoly,
        ``10,000 / n`` for ``n`` equal providers. Divide by 10,000 for the 0-1 index
        (whose reciprocal is the equivalent number of equal providers).

    Raises
    ------
    ValueError
        If ``volumes`` is not 1-D, holds a negative or non-finite value, or sums to 0.

    Examples
    --------
    >>> herfindahl([50, 50])
    5000.0
    >>> herfindahl([30, 30, 20, 20])
    2600.0

    Notes
    -----
    The 0-10,000 scale (shares in percent) is the one used in antitrust practice, e.g. the
    US merger guidelines, and by the Dutch competition authority; it is returned here so
    that figures can be compared with those thresholds. Providers with zero volume
    contribute nothing.

    References
    ----------
    .. [1] O. C. Herfindahl, *Concentration in the Steel Industry*, PhD thesis, Columbia
       University, 1950; A. O. Hirschman, "The paternity of an index", American Economic
       Review 54(5), 761, 1964.
    .. [2] U.S. Department of Justice and FTC, *Merger Guidelines*, 2023, section 2.1.
    """
    v = np.asarray(volumes, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"volumes must be 1-D, got shape {v.shape}")
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ValueError("volumes must be finite and non-negative")
    total = v.sum()
    if total <= 0:
        raise ValueError("total volume is 0; the HHI is undefined")
    shares = v / total
    return float(10_000.0 * np.dot(shares, shares))


@dataclass(frozen=True)
class ProviderVolume:
    """One provider's volume against the norm.

    Attributes
    ----------
    provider : hashable
        Hospital id.
    volume : float
        Cases per year.
    share : float or None
        ``volume / total``; None when the total is 0.
    meets_norm : bool
        ``volume >= min_volume``; True for every provider when there is no norm.
    """

    provider: Hashable
    volume: float
    share: float | None
    meets_norm: bool


@dataclass(frozen=True)
class ConcentrationFigures:
    """Concentration of one care type.

    Attributes
    ----------
    min_volume : float or None
        The norm applied (cases/year per provider), None if the care type has none.
    providers : int
        Number of providers listed (including any with volume 0).
    total : float
        Sum of volumes.
    per_provider : tuple of ProviderVolume
        Sorted by volume descending, then provider id.
    compliant_providers : int
        Providers meeting the norm.
    compliant_volume : float
        Cases treated by providers that meet the norm.
    share_in_compliant : float or None
        ``compliant_volume / total``; None when the total is 0.
    hhi : float or None
        :func:`herfindahl`, 0-10,000 scale; None when the total is 0.
    hhi_share : float or None
        The same index on the 0-1 scale (``hhi / 10,000``).
    equivalent_providers : float or None
        ``1 / hhi_share``: the number of equal-sized providers with the same HHI.
    """

    min_volume: float | None
    providers: int
    total: float
    per_provider: tuple[ProviderVolume, ...]
    compliant_providers: int
    compliant_volume: float
    share_in_compliant: float | None
    hhi: float | None
    hhi_share: float | None
    equivalent_providers: float | None


def concentration_figures(
    volumes_by_provider: Mapping[Any, float], min_volume: float | None
) -> ConcentrationFigures:
    """Providers, volumes against the norm, share in compliant centres and HHI.

    Parameters
    ----------
    volumes_by_provider : mapping hospital -> volume
        Annual cases per provider (``PROVIDES.volume``), non-negative.
    min_volume : float or None
        Minimum volume norm per provider per year; None when the care type has no norm.

    Returns
    -------
    ConcentrationFigures
        See the class for every field.

    Raises
    ------
    ValueError
        If a volume is negative or not finite, or ``min_volume`` is negative or NaN.

    Examples
    --------
    >>> f = concentration_figures({"a": 30, "b": 10}, min_volume=20)
    >>> f.share_in_compliant, f.hhi, f.equivalent_providers
    (0.75, 6250.0, 1.6)

    Notes
    -----
    A provider meets the norm when ``volume >= min_volume`` (the norms read "at least N
    per year"). With no norm (``min_volume is None``) every provider counts as compliant,
    so ``share_in_compliant`` is 1: absence of a norm is not a violation. With a total of
    0 the share and HHI figures are None, not an error, so a care type without recorded
    volume can still be listed.

    References
    ----------
    .. [1] SONCOS, *Multidisciplinaire normering oncologische zorg in Nederland*
       (yearly since 2012).
    .. [2] See :func:`herfindahl`.
    """
    if min_volume is not None and (np.isnan(min_volume) or min_volume < 0):
        raise ValueError(f"min_volume must be a non-negative number or None, got {min_volume}")
    items = [(h, float(v)) for h, v in volumes_by_provider.items()]
    for h, v in items:
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"volume of {h!r} must be finite and non-negative, got {v}")
    total = float(sum(v for _, v in items))
    items.sort(key=lambda hv: (-hv[1], str(hv[0])))
    per = tuple(
        ProviderVolume(
            provider=h,
            volume=v,
            share=v / total if total > 0 else None,
            meets_norm=min_volume is None or v >= min_volume,
        )
        for h, v in items
    )
    compliant_volume = float(sum(p.volume for p in per if p.meets_norm))
    hhi: float | None = None
    hhi_share: float | None = None
    equivalent: float | None = None
    share: float | None = None
    if total > 0:
        index = herfindahl([v for _, v in items])
        hhi, hhi_share, equivalent = index, index / 10_000.0, 10_000.0 / index
        share = compliant_volume / total
    return ConcentrationFigures(
        min_volume=None if min_volume is None else float(min_volume),
        providers=len(per),
        total=total,
        per_provider=per,
        compliant_providers=sum(p.meets_norm for p in per),
        compliant_volume=compliant_volume,
        share_in_compliant=share,
        hhi=hhi,
        hhi_share=hhi_share,
        equivalent_providers=equivalent,
    )

"""Expected outcomes from annual hospital volume: a published volume band table applied to the
volumes per centre of a baseline and a scenario.

A table is one study's rate of one outcome (e.g. in-hospital mortality) per band of annual
hospital volume, with the published integer band edges. Expected events at a centre are its
volume times the rate of the band its volume falls in; the total is the sum over centres.
The figures are an observational association, not a causal effect (see :data:`CAVEAT`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CentreOutcome",
    "ExpectedOutcomes",
    "OutcomeTable",
    "caveat",
    "expected_events",
    "expected_outcomes",
    "tables_from_bands",
]


@dataclass(frozen=True)
class OutcomeTable:
    """Rate of one outcome per band of annual hospital volume (one published study).

    Parameters
    ----------
    care_type, outcome : str
        What the table is for, e.g. ``"pancreatic-resection"``, ``"in_hospital_mortality"``.
    min_volume, max_volume : sequence of int, sequence of int or None
        Published inclusive band edges in cases per hospital per year, ascending. Bands are
        contiguous (``min_volume[i + 1] == max_volume[i] + 1``), the first starts at 0 or 1,
        only the last is open-ended (``max_volume[-1] is None``).
    rate : sequence of float
        Events per patient in each band, in [0, 1].
    source, period : str
        Citation and years of the data, carried into results and the caveat.

    Raises
    ------
    ValueError
        If the bands are empty, of unequal length, overlap, leave a gap, do not start at 0 or
        1, end closed, or a rate is outside [0, 1]; the message quotes the offending band.

    Examples
    --------
    >>> t = OutcomeTable("pancreatic-resection", "in_hospital_mortality",
    ...                  (0, 5, 11, 20), (4, 10, 19, None), (0.147, 0.098, 0.063, 0.033))
    >>> t.rate_at([4, 4.9, 5, 19.99, 20, 250]).tolist()
    [0.147, 0.147, 0.098, 0.063, 0.033, 0.033]
    >>> t.labels
    ('0-4', '5-10', '11-19', '20+')
    """

    care_type: str
    outcome: str
    min_volume: tuple[int, ...]
    max_volume: tuple[int | None, ...]
    rate: tuple[float, ...]
    source: str = ""
    period: str = ""

    def __post_init__(self) -> None:
        lows = tuple(int(v) for v in self.min_volume)
        highs = tuple(None if v is None else int(v) for v in self.max_volume)
        rates = tuple(float(r) for r in self.rate)
        object.__setattr__(self, "min_volume", lows)
        object.__setattr__(self, "max_volume", highs)
        object.__setattr__(self, "rate", rates)
        name = f"{self.care_type}/{self.outcome}"
        if not lows:
            raise ValueError(f"outcome table {name} has no bands")
        if not len(lows) == len(highs) == len(rates):
            raise ValueError(f"outcome table {name}: {len(lows)} min_volume, {len(highs)} "
                             f"max_volume and {len(rates)} rate values; they must match")
        if lows[0] not in (0, 1):
            raise ValueError(f"outcome table {name}: the lowest band starts at {lows[0]}, "
                             f"not at 0 or 1")
        for i, (low, high, r) in enumerate(zip(lows, highs, rates, strict=True)):
            if not (math.isfinite(r) and 0.0 <= r <= 1.0):
                raise ValueError(f"outcome table {name}: rate {r} of band {i} is not in [0, 1]")
            if high is None:
                if i != len(lows) - 1:
                    raise ValueError(f"outcome table {name}: band {i} ({low}..) is open-ended "
                                     f"but is not the last band")
                continue
            if high < low:
                raise ValueError(f"outcome table {name}: band {i} ends at {high}, below its "
                                 f"start {low}")
            if i == len(lows) - 1:
                raise ValueError(f"outcome table {name}: the highest band ends at {high}; it "
                                 f"must be open-ended so every volume has a rate")
            if lows[i + 1] != high + 1:
                raise ValueError(f"outcome table {name}: band {i + 1} starts at {lows[i + 1]}, "
                                 f"not at {high + 1} right after band {i} ({low}..{high})")

    @property
    def labels(self) -> tuple[str, ...]:
        """Band labels as published edges: ``'5-10'``, open-ended ``'20+'``."""
        return tuple(f"{lo}+" if hi is None else f"{lo}-{hi}"
                     for lo, hi in zip(self.min_volume, self.max_volume, strict=True))

    def band_index(self, volumes: ArrayLike) -> NDArray[np.intp]:
        """Index of the band of each volume (see :func:`expected_events` for the rule)."""
        v = _volumes(volumes)
        starts = np.array((0, *self.min_volume[1:]), dtype=float)
        return np.searchsorted(starts, v, side="right") - 1

    def rate_at(self, volumes: ArrayLike) -> NDArray[np.float64]:
        """Rate of the band of each volume."""
        return np.asarray(self.rate, dtype=float)[self.band_index(volumes)]


def _volumes(volumes: ArrayLike, what: str = "volume",
             names: Sequence[str] | None = None) -> NDArray[np.float64]:
    v = np.asarray(volumes, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"{what}s must be one value per centre (1-D), got shape {v.shape}")
    bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
    if bad.size:
        i = int(bad[0])
        who = f"centre {names[i]!r}" if names is not None and i < len(names) else f"index {i}"
        raise ValueError(f"{what} {v[i]} at {who} is not a finite number >= 0")
    return v


def expected_events(table: OutcomeTable, volumes: ArrayLike) -> NDArray[np.float64]:
    """Expected events per centre: volume x rate of the band the volume falls in.

    Parameters
    ----------
    table : OutcomeTable
        The band table of the care type and outcome.
    volumes : array_like, shape (n,)
        Patients per centre per year, >= 0; may be fractional (expected volumes from a
        choice model).

    Returns
    -------
    ndarray, shape (n,)
        Expected events per centre per year.

    Raises
    ------
    ValueError
        If ``volumes`` is not 1-D or holds a negative or non-finite value.

    Examples
    --------
    >>> t = OutcomeTable("pancreatic-resection", "in_hospital_mortality",
    ...                  (0, 5, 11, 20), (4, 10, 19, None), (0.147, 0.098, 0.063, 0.033))
    >>> expected_events(t, [4, 0, 20]).round(3).tolist()
    [0.588, 0.0, 0.66]

    Notes
    -----
    Published edges are integers (cases per hospital per year) and inclusive, so band ``i``
    with edges ``min_i..max_i`` is read as the half-open interval ``[min_i, max_i + 1)`` of
    real volumes: a volume picks the band of its integer part (10.6 expected patients lie in
    band 5-10, 11.0 in band 11-19). The lowest band reaches down to 0 even when it was
    published from 1 (a positive volume below 1 only arises as an expected volume). A centre
    with volume 0 has 0 events whatever its band.
    """
    v = _volumes(volumes)
    return v * table.rate_at(v)


@dataclass(frozen=True)
class CentreOutcome:
    """Volumes, bands, rates and expected events of one centre, baseline and scenario."""

    centre: str
    baseline_volume: float
    scenario_volume: float
    baseline_band: str
    scenario_band: str
    baseline_rate: float
    scenario_rate: float
    baseline_events: float
    scenario_events: float
    delta_events: float  # scenario minus baseline (negative = fewer events)


@dataclass(frozen=True)
class ExpectedOutcomes:
    """Expected events per year under baseline and scenario, per centre and in total."""

    care_type: str
    outcome: str
    centres: tuple[CentreOutcome, ...]
    baseline_events: float
    scenario_events: float
    delta_events: float  # scenario minus baseline total (negative = events avoided)
    source: str
    period: str
    caveat: str


def caveat(table: OutcomeTable) -> str:
    """The plain-language caveat that goes with every figure computed from ``table``."""
    period = f" in {table.period}" if table.period else ""
    return (f"Observational association, not a causal effect: {table.outcome.replace('_', ' ')} "
            f"by annual hospital volume band as observed{period}. Case mix is not adjusted, "
            f"and the rates describe the hospitals of that period, not those of today; moving "
            f"patients to a higher-volume centre need not change their risk by the full band "
            f"difference.")


def expected_outcomes(table: OutcomeTable | None, centres: Sequence[str], baseline: ArrayLike,
                      scenario: ArrayLike) -> ExpectedOutcomes | None:
    """Expected events per year from the volumes per centre, baseline against scenario.

    Parameters
    ----------
    table : OutcomeTable or None
        The care type's table; ``None`` when no sourced table exists.
    centres : sequence of str
        Centre ids, one per volume (include centres open in only one of the two).
    baseline, scenario : array_like, shape (n,)
        Patients per centre per year (>= 0, fractional allowed), aligned with ``centres``; 0
        where a centre does not provide the care.

    Returns
    -------
    ExpectedOutcomes or None
        ``None`` when ``table`` is ``None``: no outcome is reported (not a zero).

    Raises
    ------
    ValueError
        If the arrays do not match ``centres`` in length, or a volume is negative or not
        finite (the message names the centre).

    Examples
    --------
    >>> t = OutcomeTable("pancreatic-resection", "in_hospital_mortality",
    ...                  (0, 5, 11, 20), (4, 10, 19, None), (0.147, 0.098, 0.063, 0.033))
    >>> r = expected_outcomes(t, ["a", "b"], [4, 16], [0, 20])
    >>> round(r.baseline_events, 3), round(r.scenario_events, 3), round(r.delta_events, 3)
    (1.596, 0.66, -0.936)
    >>> expected_outcomes(None, ["a"], [4], [4]) is None
    True

    Notes
    -----
    Events per centre are ``v * rate(band(v))`` (band rule in :func:`expected_events`); the
    totals are sums over centres. The table's rates are applied as they were published:
    crude rates of the study population, not adjusted to the case mix of a centre.
    """
    if table is None:
        return None
    names = list(centres)
    b = _volumes(baseline, "baseline volume", names)
    s = _volumes(scenario, "scenario volume", names)
    if not len(names) == len(b) == len(s):
        raise ValueError(f"{len(names)} centres but {len(b)} baseline and {len(s)} scenario "
                         f"volumes; they must match")
    bi, si = table.band_index(b), table.band_index(s)
    rates = np.asarray(table.rate, dtype=float)
    be, se = b * rates[bi], s * rates[si]
    rows = tuple(
        CentreOutcome(name, float(b[j]), float(s[j]), table.labels[bi[j]], table.labels[si[j]],
                      float(rates[bi[j]]), float(rates[si[j]]), float(be[j]), float(se[j]),
                      float(se[j] - be[j]))
        for j, name in enumerate(names))
    total_b, total_s = float(be.sum()), float(se.sum())
    return ExpectedOutcomes(table.care_type, table.outcome, rows, total_b, total_s,
                            total_s - total_b, table.source, table.period, caveat(table))


def tables_from_bands(bands: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], OutcomeTable]:
    """Group band rows (``care_type, outcome, min_volume, max_volume, rate, source, period``,
    as stored by the loader) into one :class:`OutcomeTable` per ``(care_type, outcome)``.

    Examples
    --------
    >>> rows = [{"care_type": "c", "outcome": "death", "min_volume": 10, "max_volume": None,
    ...          "rate": 0.02, "source": "s", "period": "2020"},
    ...         {"care_type": "c", "outcome": "death", "min_volume": 0, "max_volume": 9,
    ...          "rate": 0.05, "source": "s", "period": "2020"}]
    >>> tables_from_bands(rows)[("c", "death")].labels
    ('0-9', '10+')
    """
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for band in bands:
        grouped.setdefault((band["care_type"], band["outcome"]), []).append(band)
    tables = {}
    for (care_type, outcome), rows in sorted(grouped.items()):
        rows.sort(key=lambda r: r["min_volume"])
        tables[(care_type, outcome)] = OutcomeTable(
            care_type, outcome, tuple(r["min_volume"] for r in rows),
            tuple(r["max_volume"] for r in rows), tuple(r["rate"] for r in rows),
            rows[0].get("source") or "", rows[0].get("period") or "")
    return tables

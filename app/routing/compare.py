"""How a routed matrix differs from the modelled one, and the constants it implies.

The modelled matrix (``analysis.travel``) is great-circle km x ``CIRCUITY`` for road km and that
÷ ``SPEED_KMH`` for minutes. Against routed pairs this reports the ratio routed / modelled of
minutes and of km (median, p10, p90), and the circuity (road km / great-circle km) and average
speed (road km / hours) the routed matrix implies: the values to put in ``CIRCUITY`` and
``SPEED_KMH`` to recalibrate the model on one's own routed matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis.travel import CIRCUITY, SPEED_KMH, haversine_km

__all__ = ["Comparison", "compare_matrices"]


@dataclass(frozen=True)
class Comparison:
    pairs: int
    minutes_ratio: dict[str, float]   # routed / modelled minutes: median, p10, p90
    km_ratio: dict[str, float]        # routed / modelled km
    circuity: dict[str, float]        # routed km / great-circle km: median, p10, p90, overall
    speed_kmh: dict[str, float]       # routed km / routed hours: median, p10, p90, overall
    model_circuity: float = CIRCUITY
    model_speed_kmh: float = SPEED_KMH

    def describe(self) -> str:
        def row(name: str, d: dict[str, float], unit: str = "") -> str:
            extra = f"   overall {d['overall']:.3f}{unit}" if "overall" in d else ""
            return (f"  {name:<28}median {d['median']:.3f}{unit}   p10 {d['p10']:.3f}{unit}   "
                    f"p90 {d['p90']:.3f}{unit}{extra}")

        return "\n".join([
            f"routed vs modelled matrix over {self.pairs:,} area-hospital pairs",
            row("minutes routed/modelled", self.minutes_ratio),
            row("km routed/modelled", self.km_ratio),
            row("circuity (road/great-circle)", self.circuity),
            row("average speed (km/h)", self.speed_kmh),
            f"  model constants: CIRCUITY {self.model_circuity}, SPEED_KMH {self.model_speed_kmh};"
            f" recalibrated from this matrix: CIRCUITY {self.circuity['overall']:.3f}, "
            f"SPEED_KMH {self.speed_kmh['overall']:.1f} (overall = ratio of sums)",
        ])


def _summary(x: NDArray[np.float64]) -> dict[str, float]:
    p10, median, p90 = np.percentile(x, [10, 50, 90])
    return {"median": float(median), "p10": float(p10), "p90": float(p90)}


def compare_matrices(area_lat: NDArray, area_lon: NDArray, hospital_lat: NDArray,
                     hospital_lon: NDArray, minutes: NDArray, km: NDArray, *,
                     min_km: float = 1.0) -> Comparison:
    """Compare routed ``minutes``/``km`` (areas x hospitals, NaN where not routed).

    Pairs closer than ``min_km`` great-circle are left out: their ratios are dominated by
    snapping and say nothing about the network.
    """
    gc = haversine_km(np.asarray(area_lat)[:, None], np.asarray(area_lon)[:, None],
                      np.asarray(hospital_lat)[None, :], np.asarray(hospital_lon)[None, :])
    minutes, km = np.asarray(minutes, dtype=float), np.asarray(km, dtype=float)
    ok = np.isfinite(minutes) & np.isfinite(km) & (gc >= min_km) & (minutes > 0)
    if not ok.any():
        raise ValueError("no routed pair to compare (none routed, or all closer than "
                         f"{min_km} km)")
    g, m, k = gc[ok], minutes[ok], km[ok]
    model_km = g * CIRCUITY
    model_min = model_km / SPEED_KMH * 60.0
    circuity = _summary(k / g) | {"overall": float(k.sum() / g.sum())}
    speed = _summary(k / (m / 60.0)) | {"overall": float(k.sum() / (m.sum() / 60.0))}
    return Comparison(int(ok.sum()), _summary(m / model_min), _summary(k / model_km),
                      circuity, speed)

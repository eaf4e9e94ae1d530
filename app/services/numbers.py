"""How computed figures go into JSON: finite and rounded, or null."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["figure"]


def figure(x: Any, digits: int = 4) -> float | None:
    """``x`` rounded to ``digits``; ``None`` for missing, NaN or infinite values."""
    if x is None:
        return None
    value = float(x)
    return round(value, digits) if math.isfinite(value) else None

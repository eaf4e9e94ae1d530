"""Run a model by name (what the API and the CLI call with the scenario's method).

Examples
--------
>>> import numpy as np
>>> locate(np.array([[1., 2.], [2., 1.]]), [1., 1.], method="max_covering", k=1,
...        radius=1.5).objective
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numpy.typing import ArrayLike

from analysis.locate.covering import max_covering, set_covering
from analysis.locate.pcentre import p_centre
from analysis.locate.pmedian import p_median
from analysis.locate.result import LocationResult

__all__ = ["METHODS", "MODELS", "locate"]

MODELS: dict[str, Callable[..., LocationResult]] = {
    "p_median": p_median,
    "max_covering": max_covering,
    "set_covering": set_covering,
    "p_centre": p_centre,
}

METHODS = tuple(MODELS)


def locate(
    C: ArrayLike, w: ArrayLike, *, method: str = "p_median", **options: Any
) -> LocationResult:
    """Run one of the four models by name.

    Parameters
    ----------
    C, w
        As in :func:`analysis.locate.p_median`.
    method : {"p_median", "max_covering", "set_covering", "p_centre"}
        The model.
    **options
        Keyword options of that model (``k``, ``radius``, ``keep``, ...).

    Returns
    -------
    LocationResult

    Raises
    ------
    ValueError
        For an unknown method, plus whatever the model raises.

    Examples
    --------
    >>> import numpy as np
    >>> locate(np.array([[1., 2.], [2., 1.]]), [1., 1.], method="p_median", k=2).objective
    2.0
    """
    try:
        fn = MODELS[method]
    except KeyError:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}") from None
    return fn(C, w, **options)


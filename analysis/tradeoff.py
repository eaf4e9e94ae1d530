"""Trade-offs between plans: the Pareto-efficient ones, and who loses a care type in each.

A sweep runs one scenario per combination of centres (k) and volume norm; every plan then has
a cost on each criterion (e.g. mean patient travel and expected deaths per year), all to be
minimised. A plan is *Pareto-efficient* when no other plan is at least as good on every
criterion and strictly better on one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["pareto_efficient", "provider_losses"]


def pareto_efficient(costs: ArrayLike, *, tol: float = 1e-9) -> NDArray[np.bool_]:
    """Which plans are Pareto-efficient, every criterion minimised.

    Parameters
    ----------
    costs : array_like, shape (n_plans, n_criteria)
        Cost of each plan on each criterion (lower is better). A row with a value that is not
        finite (an infeasible plan, a missing figure) is never efficient and dominates nothing.
    tol : float, keyword-only
        Differences up to ``tol`` count as ties, so rounding noise does not make a plan
        dominate an equal one.

    Returns
    -------
    numpy.ndarray of bool, shape (n_plans,)
        True where no other finite plan is ``<=`` on every criterion and ``<`` on one. Equal
        plans are all efficient.

    Raises
    ------
    ValueError
        If ``costs`` is not two-dimensional or ``tol`` is negative.

    Examples
    --------
    >>> pareto_efficient([[10, 5], [12, 3], [11, 6], [10, 5], [float("nan"), 0]]).tolist()
    [True, True, False, True, False]

    Notes
    -----
    Plan *i* is dominated when some finite plan *j* has ``c_j <= c_i + tol`` on every
    criterion and ``c_j < c_i - tol`` on at least one. O(n² d) with numpy broadcasting: a
    sweep has at most a few hundred plans.
    """
    c = np.asarray(costs, dtype=float)
    if c.ndim != 2:
        raise ValueError(f"costs must be 2-dimensional (plans x criteria), not {c.ndim}-d")
    if tol < 0:
        raise ValueError(f"tol must be >= 0, not {tol}")
    finite = np.isfinite(c).all(axis=1)
    if not finite.any():
        return np.zeros(len(c), dtype=bool)
    f = c[finite]
    # no_worse[j, i]: plan j is no worse than plan i on every criterion
    no_worse = (f[:, None, :] <= f[None, :, :] + tol).all(axis=2)
    better = (f[:, None, :] < f[None, :, :] - tol).any(axis=2)
    dominated = (no_worse & better).any(axis=0)
    out = np.zeros(len(c), dtype=bool)
    out[np.flatnonzero(finite)] = ~dominated
    return out


def provider_losses(today: Sequence[str],
                    open_per_plan: Sequence[Collection[str] | None]) -> dict[str, list[int]]:
    """For each of today's providers, the plans in which it loses the care type.

    Parameters
    ----------
    today : sequence of str
        Today's providers of the care type (in the scope).
    open_per_plan : sequence of collections of str, or None
        The centres open in each plan; ``None`` for a plan that has no result (infeasible),
        which is then nobody's loss.

    Returns
    -------
    dict
        Provider -> indices of the plans (ascending) in which it is not open, for every
        provider in ``today`` in its given order (an empty list: it keeps the care type in
        every plan with a result).

    Examples
    --------
    >>> provider_losses(["a", "b", "c"], [{"a", "b"}, {"a"}, None])
    {'a': [], 'b': [1], 'c': [0, 1]}
    """
    out: dict[str, list[int]] = {h: [] for h in today}
    for i, opened in enumerate(open_per_plan):
        if opened is None:
            continue
        keep = set(opened)
        for h in out:
            if h not in keep:
                out[h].append(i)
    return out

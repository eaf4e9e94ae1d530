"""The p-median: open ``k`` centres so that total patient travel is least.

Examples
--------
>>> import numpy as np
>>> p_median(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=2).objective
20.0
"""

from __future__ import annotations

from dataclasses import replace

from numpy.typing import ArrayLike

from analysis.locate.dispatch import kmedian, pick_solver
from analysis.locate.problem import constrained, prepare
from analysis.locate.result import LocationResult, build_result, replace_objective

__all__ = ["CONSTRAINED_EXACT_NOTE", "p_median"]

#: The note an exact p-median with a volume norm or capacities carries in its warnings.
CONSTRAINED_EXACT_NOTE = (
    "min_volume/capacity: solved by the assignment MILP with open flags (the Benders "
    "engine of the uncapacitated p-median takes neither)"
)


def p_median(
    C: ArrayLike, w: ArrayLike, *, k: int, keep: ArrayLike | None = None,
    close: ArrayLike | None = None, candidates: ArrayLike | None = None,
    min_volume: float | None = None, capacity: ArrayLike | float | None = None,
    solver: str = "auto", time_limit: float = 60.0, seed: int | None = 0,
) -> LocationResult:
    """Open ``k`` centres so that total patient travel is least (p-median).

    Parameters
    ----------
    C : array_like, shape (n, m)
        Travel minutes from each demand area (rows) to each candidate hospital (columns);
        ``np.inf`` marks unreachable pairs. NaN or negative values are rejected.
    w : array_like, shape (n,)
        Expected patients per year in each area (non-negative).
    k : int
        Number of centres to open.
    keep, close, candidates : array_like of int or bool mask, optional
        Hospitals that must stay open, must close, or may be chosen at all (default: all).
    min_volume : float, optional
        Minimum patients per year that every open centre must receive (the volume norm).
    capacity : float or array_like, shape (m,), optional
        Maximum patients per year per centre (``np.inf`` = unlimited).
    solver : {"auto", "exact", "heuristic"}
        ``"auto"`` runs the exact MILP when (areas with demand) x (allowed candidates)
        <= :data:`AUTO_EXACT_MAX_PAIRS`, else the heuristic.
    time_limit : float
        Seconds; honoured by HiGHS and by the heuristic (status ``"time_limit"``).
    seed : int, optional
        Seed for the random restarts of the heuristic.

    Returns
    -------
    LocationResult
        ``objective`` is total patient-minutes per year.

    Raises
    ------
    InfeasibleScenario
        E.g. ``keep has 5 hospitals but k=3``, ``k=3 centres x min_volume 20 = 60 exceeds
        total demand 41.2``, ``capacity sum of the 3 largest candidates 300 is below total
        demand 412``.
    ValueError
        Malformed input (shapes, NaN, negative values, indices out of range).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0., 10.], [10., 0.], [4., 6.]])
    >>> r = p_median(C, [1., 1., 5.], k=1)
    >>> r.open, r.objective
    ((0,), 30.0)

    Notes
    -----
    With open flags :math:`y_j \\in \\{0,1\\}` and shares :math:`x_{ij} \\in [0,1]`:

    .. math::
        \\min \\sum_{ij} w_i c_{ij} x_{ij} \\;\\text{s.t.}\\; \\sum_j x_{ij} = 1,\\;
        x_{ij} \\le y_j,\\; \\sum_j y_j = k,\\; y_j = 1\\,(j \\in keep),\\;
        y_j = 0\\,(j \\notin allowed)

    plus, when given, :math:`\\sum_i w_i x_{ij} \\ge V y_j` (``min_volume`` V) and
    :math:`\\sum_i w_i x_{ij} \\le Q_j y_j` (``capacity`` Q). x is continuous: an area's
    patients may be split between centres (with neither norm nor capacity every optimal
    solution sends each area to its nearest open centre, so x is then integral). Pairs with
    infinite cost have no x variable; areas that reach no allowed hospital are reported
    as unserved.

    Exact solver, uncapacitated: the heuristic gives an incumbent and a Lagrangian bound; if
    the bound closes the gap the incumbent is proven optimal, otherwise reduced-cost fixing
    on the Lagrangian values closes centres that cannot appear (and opens centres that must
    appear) in any solution cheaper than the incumbent. Up to
    :data:`~analysis.locate.benders.BENDERS_MAX_PAIRS` pairs the rest is the Benders
    engine (:mod:`analysis.locate.benders`): the radius formulation [3]_ with its
    assignment variables projected out into optimality cuts [4]_, the LP relaxation by
    stabilised cut generation, then a branch and bound on the open flags with LP bounds,
    reduced-cost fixing and rounding at every node; the reported bound is the smallest
    bound of the open nodes (or the Lagrangian bound, if larger). Beyond that size each
    area gets x only for its
    L nearest candidates plus
    an overflow variable priced at the next-nearest cost, a relaxation of the model above;
    when the optimum uses no overflow it is optimal for the full model, otherwise the
    lists of overflowing areas grow and the MILP is re-solved. Identical rows are merged
    and lists never extend beyond the nearest kept centre. The reported bound is HiGHS'
    dual bound of the relaxation, hence valid for the full model.

    Heuristic: greedy addition, then best-improvement vertex substitution (Teitz and Bart)
    in the fast-interchange form of Resende and Werneck: per area the nearest and
    second-nearest open centre are cached, the gain/loss/extra tables give the profit of
    every swap at once, and after a swap only the affected areas are taken out of the
    tables and put back. Each area only looks at the candidates cheaper than its
    second-nearest open centre, read from its candidate list (its K nearest candidates:
    all of them up to 128 candidates, else max(64, 4 m / k)); an area whose
    second-nearest open centre lies beyond its list reads its full row instead, so the
    tables, hence the local optimum, are exact. Starts: the greedy one, then seeded random
    ones (4 starts up to n*K = 4e6 list entries, 2 up to 4e7, else 1; never fewer because
    of the clock: a search cut by the time limit says so); 80 % of ``time_limit`` is the search's
    ceiling. Above 1e7 list entries (e.g. 150,000 x 1,000) the starts run on an aggregated
    instance instead: areas that share their three nearest candidates become one demand
    point (their weights summed, their rows averaged by weight; a group's cost at any open
    set is then at least its areas' cost), and its best local optimum (4 starts) is
    polished by the swaps on the full instance, which end in a local optimum of the full
    instance. Bound: a Lagrangian bound (assignment rows
    relaxed, projected subgradient on the candidate-list prefixes with a weight-scaled,
    deflected step, float32 iterations for float32 input, the reported value re-evaluated
    in float64) for 80-200 iterations (3e8 list entries' worth: fewer on large instances,
    never past the deadline; it stops when it proves the incumbent optimal), or the
    trivial bound (every area at its nearest candidate) if larger; always a valid one. On
    the aggregated path the multipliers are fitted on an aggregate (the three nearest
    candidates and the incumbent's nearest centre as the group key, 200 iterations on
    list prefixes up to the incumbent's second-nearest centre plus 16 entries), each
    area gets its group's multiplier per patient, and the bound is the Lagrangian value of
    the full instance at those multipliers, evaluated exactly in float64 on the candidate
    lists (valid for every choice of multipliers). The
    split between search and bound time is logged at DEBUG level (logger
    ``analysis.locate`` and its submodules). With min_volume/capacity the
    swaps are ranked by the uncapacitated profit and each candidate configuration is priced
    by the assignment LP above with y fixed; the bound is the uncapacitated Lagrangian
    bound (a relaxation).

    References
    ----------
    .. [1] M. B. Teitz and P. Bart, "Heuristic methods for estimating the generalized vertex
       median of a weighted graph", Operations Research 16(5), 955-961, 1968.
    .. [2] M. G. C. Resende and R. F. Werneck, "A fast swap-based local search procedure for
       location problems", Annals of Operations Research 150, 205-230, 2007.
    .. [3] S. Garcia, M. Labbe and A. Marin, "Solving large p-median problems with a
       radius formulation", INFORMS Journal on Computing 23(4), 546-556, 2011.
    .. [4] C. Duran-Mateluna, Z. Ales and S. Elloumi, "An efficient Benders decomposition
       for the p-median problem", European Journal of Operational Research 308(1),
       84-96, 2023.
    """
    prob = prepare(C, w, k=k, radius=None, keep=keep, close=close, candidates=candidates,
                   min_volume=min_volume, capacity=capacity, time_limit=time_limit, seed=seed,
                   need_radius=False)
    used = pick_solver(prob, solver)
    assert prob.k is not None  # prepare requires k for p-median
    sol = kmedian(prob, prob.k, used)
    res = build_result(prob, "p_median", sol.open_cols, objective=sol.objective,
                       bound=sol.bound, status=sol.status, solver=used, shares=sol.shares)
    if used == "exact" and constrained(prob):
        res = replace(res, warnings=res.warnings + (CONSTRAINED_EXACT_NOTE,) + (
            (sol.note,) if sol.note else ()))
    return replace_objective(res, sol.objective, sol.bound)

"""The capacitated step: configurations of open centres priced by a transportation LP.

With ``min_volume`` or ``capacity`` the heuristic ranks swaps by the uncapacitated profit
(:func:`analysis.locate.heuristic.swap_profit`) and prices each candidate configuration
with the assignment LP for fixed open centres (:class:`Transport`).

Examples
--------
>>> import numpy as np
>>> from analysis.locate.milp import finite_pairs
>>> from analysis.locate.problem import prepare
>>> prob = prepare(np.array([[1., 3.], [2., 1.], [1., 2.]]), [2., 2., 2.], k=2, capacity=3.0)
>>> price = Transport(prob, finite_pairs(prob)).solve(np.array([0, 1]), time_limit=5)
>>> price.value                          # the third area must take its second choice
7.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis.locate.candidates import Work
from analysis.locate.heuristic import swap_profit
from analysis.locate.milp import Pairs, assignment_milp
from analysis.locate.problem import Problem

__all__ = ["CapacitatedSolution", "Pricing", "Transport", "capacitated_heuristic"]


@dataclass(frozen=True)
class Pricing:
    """Cost of the best assignment to a fixed set of open centres (inf when none is
    feasible, or when the LP was cut by the time limit: ``timed_out``) and the share of
    every pair (None when infeasible)."""

    value: float
    shares: NDArray | None
    timed_out: bool = False


class Transport:
    """Assignment LP for a fixed set of open centres (fractional, min volume, capacity).

    Parameters
    ----------
    prob : Problem
        The prepared problem (its norm and capacities apply).
    pairs : Pairs
        The pairs that may be used, with their cost per patient.
    """

    def __init__(self, prob: Problem, pairs: Pairs):
        self.prob = prob
        self.pairs = pairs
        self.weights = prob.w[prob.active]
        self.g = prob.active.size
        self.mc = prob.allowed.size
        self.cap = None if prob.capacity is None else prob.capacity[prob.allowed]
        self.cache: dict[bytes, Pricing] = {}

    def solve(self, open_pos: NDArray, time_limit: float) -> Pricing:
        """Price the configuration ``open_pos`` (positions in ``prob.allowed``; cached,
        except an LP cut by the time limit, which proves nothing)."""
        key = np.sort(open_pos).tobytes()
        if key in self.cache:
            return self.cache[key]
        is_open = np.zeros(self.mc, bool)
        is_open[open_pos] = True
        sel = is_open[self.pairs.cols]
        rows, cols = self.pairs.rows[sel], self.pairs.cols[sel]
        if np.unique(rows).size < self.g:
            res = Pricing(np.inf, None)
        else:
            y = is_open.astype(float)
            out = assignment_milp(
                self.g, self.mc, rows, cols, self.weights[rows] * self.pairs.cost[sel],
                self.weights, k=None, count_cost=0.0, minv=self.prob.min_volume,
                cap=self.cap, y_lb=y, y_ub=y, integral=False, time_limit=time_limit,
            )
            if out.status == "optimal" and out.x is not None:
                x = np.zeros(self.pairs.rows.size)
                x[np.flatnonzero(sel)] = out.x[self.mc:]
                res = Pricing(out.objective, x)
            elif out.status == "time_limit":
                return Pricing(np.inf, None, timed_out=True)
            else:
                res = Pricing(np.inf, None)
        self.cache[key] = res
        return res


@dataclass(frozen=True)
class CapacitatedSolution:
    """Open positions, their priced cost and pair shares, and whether the search ended in
    a local optimum (False: stopped by the deadline)."""

    open_pos: NDArray
    value: float
    shares: NDArray
    finished: bool


def _ranked_swaps(work: Work, cur: NDArray) -> tuple[NDArray, NDArray]:
    """The uncapacitated profit table of swaps from ``cur`` and its flat indices, most
    profitable first."""
    profit = swap_profit(work, cur)  # barred swaps (open j, kept slot) are -inf
    return profit, np.argsort(profit, axis=None)[::-1]


def capacitated_heuristic(
    prob: Problem, work: Work, transport: Transport, k: int, start: NDArray, deadline: float,
    moves_per_round: int = 8,
) -> CapacitatedSolution | None:
    """Swap search on LP-priced configurations from ``start`` (k working positions).

    An infeasible start is first repaired by the most promising swaps; None when no
    feasible configuration was found.
    """
    cur = np.sort(start)
    price = transport.solve(cur, prob.remaining())
    cur_val, cur_x = price.value, price.shares
    finished = not price.timed_out
    if cur_x is None:  # repair: try the most promising swaps until feasible
        profit, flat = _ranked_swaps(work, cur)
        for idx in flat[: 4 * moves_per_round]:
            r, j = np.unravel_index(int(idx), profit.shape)
            if not np.isfinite(profit[r, j]) or time.perf_counter() > deadline:
                break
            cand = np.sort(np.append(np.delete(cur, r), j))
            price = transport.solve(cand, prob.remaining())
            finished = finished and not price.timed_out
            if price.shares is not None:
                cur, cur_val, cur_x = cand, price.value, price.shares
                break
        if cur_x is None:
            return None
    while True:
        if time.perf_counter() > deadline:
            finished = False
            break
        profit, flat = _ranked_swaps(work, cur)
        improved = False
        for idx in flat[:moves_per_round]:
            r, j = np.unravel_index(int(idx), profit.shape)
            if not np.isfinite(profit[r, j]):
                break
            cand = np.sort(np.append(np.delete(cur, r), j))
            price = transport.solve(cand, prob.remaining())
            if price.timed_out:
                finished = False
            if price.shares is not None and price.value < cur_val - 1e-9 * max(
                    abs(cur_val), 1.0):
                cur, cur_val, cur_x, improved = cand, price.value, price.shares, True
                break
            if time.perf_counter() > deadline:
                finished = False
                break
        if not improved:
            break
    return CapacitatedSolution(cur, cur_val, cur_x, finished)

"""Choose k centres when patients choose by the logit model (not the nearest centre).

For an open set S the patients of area *i* are allocated as in
:func:`analysis.choice.model.displaced_allocation`: the share :math:`b_{ij}` treated at an
open centre today stays, the rest chooses over S with probabilities
:math:`e_{ij} / \\sum_{k \\in S} e_{ik}` (``e = exp V``). The objective is either the
**expected travel** of all patients (minimise)

.. math:: \\sum_i w_i \\Big[\\sum_{j \\in S} b_{ij} c_{ij} + \\big(1 - \\sum_{j \\in S} b_{ij}\\big)
          \\frac{\\sum_{j \\in S} e_{ij} c_{ij}}{\\sum_{j \\in S} e_{ij}}\\Big]

or the **expected patients within T minutes** (maximise; :math:`c_{ij} = 1[t_{ij} \\le T]`).
A minimum volume applies to the *expected* volume of every open centre that is chosen (fixed
centres outside a regional scope are exempt); the search is lexicographic: first the patients
short of the norm, then the objective.

The method is a vertex-substitution (swap) local search in the spirit of Teitz and Bart
(1968) with a greedy start and seeded random restarts. Each swap is evaluated for all
candidates at once from per-area running sums, O(n) per candidate. It is a heuristic: it
reports a local optimum, checked against brute force on small instances in the tests.

Pure numpy; no I/O.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ChoiceLocation", "ChoiceProblem", "choice_location", "choice_objective"]


@dataclass(frozen=True)
class ChoiceProblem:
    """The data of a choice-based location problem (areas x hospitals).

    Attributes
    ----------
    weights : numpy.ndarray, shape (n, m)
        ``exp(V)``, 0 where unreachable.
    minutes : numpy.ndarray, shape (n, m)
        Travel minutes (``np.inf`` unreachable).
    demand : numpy.ndarray, shape (n,)
        Patients per year per area.
    baseline : numpy.ndarray, shape (n, m) or None
        Observed shares today (stayers keep their centre when it stays open); ``None`` means
        everyone chooses again over the open set.
    objective : {"travel", "coverage"}
    radius : float
        T for ``"coverage"``.
    """

    weights: NDArray[np.float64]
    minutes: NDArray[np.float64]
    demand: NDArray[np.float64]
    baseline: NDArray[np.float64] | None = None
    objective: str = "travel"
    radius: float = math.inf

    def __post_init__(self) -> None:
        n, m = self.weights.shape
        if self.minutes.shape != (n, m) or self.demand.shape != (n,):
            raise ValueError("weights, minutes and demand must agree in shape")
        if self.baseline is not None and self.baseline.shape != (n, m):
            raise ValueError(f"baseline must have shape {(n, m)}")
        if self.objective not in ("travel", "coverage"):
            raise ValueError("objective must be 'travel' or 'coverage'")
        if self.objective == "coverage" and not math.isfinite(self.radius):
            raise ValueError("the coverage objective needs a finite radius")

    @property
    def cost(self) -> NDArray[np.float64]:
        """Per-pair cost: minutes (travel) or -1 within T (coverage, so lower is better)."""
        reach = np.isfinite(self.minutes)
        if self.objective == "coverage":
            return -(reach & (self.minutes <= self.radius)).astype(np.float64)
        return np.where(reach, self.minutes, 0.0)

    @property
    def penalty(self) -> float:
        """Cost of a patient who reaches no open centre."""
        if self.objective == "coverage":
            return 0.0
        finite = self.minutes[np.isfinite(self.minutes)]
        return 10.0 * (float(finite.max()) if finite.size else 1.0) + 1.0


@dataclass(frozen=True)
class ChoiceLocation:
    """The centres chosen and their expected figures.

    Attributes
    ----------
    open : tuple of int
        Open hospitals (fixed ones included), sorted.
    objective : float
        Expected total patient minutes (travel) or expected patients within T (coverage).
    shortfall : float
        Patients per year short of the minimum volume, summed over the chosen centres (0 when
        every centre meets it).
    volumes : numpy.ndarray, shape (m,)
        Expected patients per year per hospital.
    unserved : float
        Patients per year reaching no open centre.
    status : str
        ``"local_optimum"`` or ``"time_limit"`` (the search was cut; best so far).
    starts : int
        Starting solutions searched.
    evaluations : int
        Configurations evaluated.
    runtime : float
    """

    open: tuple[int, ...]
    objective: float
    shortfall: float
    volumes: NDArray[np.float64]
    unserved: float
    status: str
    starts: int
    evaluations: int
    runtime: float


@dataclass
class _State:
    mask: NDArray[np.bool_]
    stay: NDArray[np.float64]       # sum over open of baseline share
    stay_cost: NDArray[np.float64]  # sum over open of baseline share x cost
    den: NDArray[np.float64]        # sum over open of e
    num: NDArray[np.float64]        # sum over open of e x cost


class _Search:
    def __init__(self, prob: ChoiceProblem, fixed: NDArray, normed: NDArray,
                 min_volume: float) -> None:
        self.E = np.asarray(prob.weights, dtype=np.float64)
        self.cost = prob.cost
        self.EC = self.E * self.cost
        self.w = np.asarray(prob.demand, dtype=np.float64)
        n, m = self.E.shape
        self.B = np.zeros((n, m)) if prob.baseline is None else np.asarray(prob.baseline)
        self.BC = self.B * self.cost
        self.BW = self.w @ self.B  # volume from stayers, per hospital
        self.penalty = prob.penalty
        self.fixed = fixed
        self.normed = normed  # hospitals whose volume must reach the norm when open
        self.min_volume = float(min_volume)
        self.evaluations = 0

    def state(self, mask: NDArray[np.bool_]) -> _State:
        cols = np.flatnonzero(mask)
        return _State(mask.copy(), self.B[:, cols].sum(1), self.BC[:, cols].sum(1),
                      self.E[:, cols].sum(1), self.EC[:, cols].sum(1))

    def _value(self, stay, stay_cost, den, num):
        """Objective per candidate column (arrays n or n x c)."""
        moved = np.clip(1.0 - stay, 0.0, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            chosen = np.where(den > 0, num / np.where(den > 0, den, 1.0), self.penalty)
        return self.w @ (stay_cost + moved * chosen)

    def _shortfall(self, cols_open, stay, den, extra=None):
        """Shortfall of normed open centres; ``extra`` is a column added in each candidate."""
        if self.min_volume <= 0:
            shape = () if stay.ndim == 1 else (stay.shape[1],)
            return np.zeros(shape)
        moved = np.clip(1.0 - stay, 0.0, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(den > 0, self.w[:, None] * moved / np.where(den > 0, den, 1.0), 0.0) \
                if stay.ndim == 2 else np.where(den > 0, self.w * moved / np.where(
                    den > 0, den, 1.0), 0.0)
        normed_open = [j for j in cols_open if self.normed[j]]
        if stay.ndim == 1:
            vol = self.BW[normed_open] + self.E[:, normed_open].T @ f
            return np.maximum(self.min_volume - vol, 0.0).sum()
        total = np.zeros(stay.shape[1])
        if normed_open:
            vol = self.BW[normed_open][:, None] + self.E[:, normed_open].T @ f
            total += np.maximum(self.min_volume - vol, 0.0).sum(axis=0)
        if extra is not None:
            idx, flags = extra
            vol_b = self.BW[idx] + (self.E[:, idx] * f).sum(axis=0)
            total += np.where(flags, np.maximum(self.min_volume - vol_b, 0.0), 0.0)
        return total

    def score(self, st: _State) -> tuple[float, float]:
        self.evaluations += 1
        cols = np.flatnonzero(st.mask)
        value = float(self._value(st.stay, st.stay_cost, st.den, st.num))
        return float(self._shortfall(cols, st.stay, st.den)), value

    def adds(self, st: _State, pool: NDArray) -> tuple[NDArray, NDArray]:
        """(shortfall, objective) of adding each hospital of ``pool``."""
        self.evaluations += pool.size
        stay = st.stay[:, None] + self.B[:, pool]
        stay_cost = st.stay_cost[:, None] + self.BC[:, pool]
        den = st.den[:, None] + self.E[:, pool]
        num = st.num[:, None] + self.EC[:, pool]
        value = self._value(stay, stay_cost, den, num)
        cols = np.flatnonzero(st.mask)
        short = self._shortfall(cols, stay, den, (pool, self.normed[pool]))
        return short, value

    def swaps(self, st: _State, out: int, pool: NDArray) -> tuple[NDArray, NDArray]:
        """(shortfall, objective) of closing ``out`` and opening each hospital of ``pool``."""
        self.evaluations += pool.size
        stay = (st.stay - self.B[:, out])[:, None] + self.B[:, pool]
        stay_cost = (st.stay_cost - self.BC[:, out])[:, None] + self.BC[:, pool]
        den = (st.den - self.E[:, out])[:, None] + self.E[:, pool]
        num = (st.num - self.EC[:, out])[:, None] + self.EC[:, pool]
        den = np.where(np.abs(den) < 1e-300, 0.0, den)
        value = self._value(stay, stay_cost, den, num)
        cols = [j for j in np.flatnonzero(st.mask) if j != out]
        short = self._shortfall(np.asarray(cols, dtype=np.int64), stay, den,
                                (pool, self.normed[pool]))
        return short, value

    def volumes(self, st: _State) -> tuple[NDArray, float]:
        moved = np.clip(1.0 - st.stay, 0.0, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(st.den > 0, self.w * moved / np.where(st.den > 0, st.den, 1.0), 0.0)
        vol = np.where(st.mask, self.BW + self.E.T @ f, 0.0)
        unserved = float((self.w * moved)[st.den <= 0].sum())
        return vol, unserved


def _better(a: tuple[float, float], b: tuple[float, float], tol: float) -> bool:
    """Lexicographic: less shortfall, then lower objective."""
    if a[0] < b[0] - 1e-9 * max(1.0, abs(b[0])):
        return True
    if a[0] > b[0] + 1e-9 * max(1.0, abs(b[0])):
        return False
    return a[1] < b[1] - tol


def _key(short: NDArray, value: NDArray) -> NDArray:
    # rank candidates: shortfall first (rounded to avoid float noise), then objective
    return np.lexsort((value, np.round(short, 9)))


def choice_objective(prob: ChoiceProblem, open_centres: ArrayLike) -> tuple[float, float]:
    """Expected objective of one open set, as :func:`choice_location` scores it.

    Returns
    -------
    objective : float
        Expected patient minutes (travel) or expected patients within T (coverage).
    unserved : float
        Patients reaching no open centre.

    Examples
    --------
    >>> C = np.array([[10.0, 20.0]])
    >>> p = ChoiceProblem(np.array([[1.0, 1.0]]), C, np.array([2.0]))
    >>> choice_objective(p, [0, 1])
    (30.0, 0.0)
    """
    n, m = prob.weights.shape
    mask = np.zeros(m, bool)
    mask[np.asarray(open_centres, dtype=np.int64)] = True
    s = _Search(prob, np.zeros(0, np.int64), np.zeros(m, bool), 0.0)
    st = s.state(mask)
    _, value = s.score(st)
    _, unserved = s.volumes(st)
    value -= unserved * prob.penalty
    return (-value if prob.objective == "coverage" else value), unserved


def choice_location(
    prob: ChoiceProblem, *, k: int, candidates: ArrayLike | None = None,
    keep: ArrayLike = (), fixed: ArrayLike = (), min_volume: float | None = None,
    starts: Sequence[ArrayLike] | None = None, restarts: int | None = None, seed: int = 0,
    time_limit: float = 60.0,
) -> ChoiceLocation:
    """Pick ``k`` centres that minimise expected travel (or maximise expected coverage) when
    patients choose by the logit model.

    Parameters
    ----------
    prob : ChoiceProblem
    k : int
        Centres to open among ``candidates`` (``fixed`` ones do not count).
    candidates : array_like of int, optional
        Hospitals that may be opened (default: all not fixed).
    keep : array_like of int
        Must be open; they count towards k.
    fixed : array_like of int
        Always open, not counted in k, exempt from the norm (e.g. providers outside a
        regional scope, which stay as they are).
    min_volume : float, optional
        Expected patients per year each chosen centre must get.
    starts : list of array_like of int, optional
        Extra starting open sets of k candidates (e.g. the nearest-allocation optimum).
    restarts : int, optional
        Seeded random starts besides the greedy one and ``starts`` (default: 6 on small
        instances, up to 20,000 area x hospital pairs; 1 beyond).
    seed : int
    time_limit : float
        Seconds; the best solution so far is returned when it runs out.

    Returns
    -------
    ChoiceLocation

    Raises
    ------
    ValueError
        When k does not fit the candidates and kept centres (numbers quoted).

    Examples
    --------
    >>> C = np.array([[5.0, 50.0, 30.0], [50.0, 5.0, 30.0]])
    >>> p = ChoiceProblem(np.exp(-0.2 * C), C, np.array([10.0, 10.0]))
    >>> choice_location(p, k=2).open
    (0, 1)
    """
    started = time.monotonic()
    deadline = started + max(float(time_limit), 0.0)
    n, m = prob.weights.shape
    fixed_a = np.unique(np.asarray(fixed, dtype=np.int64))
    keep_a = np.unique(np.asarray(keep, dtype=np.int64))
    cand = (np.setdiff1d(np.arange(m), fixed_a) if candidates is None
            else np.unique(np.asarray(candidates, dtype=np.int64)))
    cand = np.setdiff1d(np.union1d(cand, keep_a), fixed_a)
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if keep_a.size > k:
        raise ValueError(f"keep has {keep_a.size} hospitals but k={k}")
    if cand.size < k:
        raise ValueError(f"k={k} exceeds the {cand.size} candidate hospitals")
    normed = np.zeros(m, bool)
    normed[cand] = True
    minv = 0.0 if min_volume is None else float(min_volume)
    if not math.isfinite(minv) or minv < 0:
        raise ValueError(f"min_volume must be a finite non-negative number, got {min_volume}")
    s = _Search(prob, fixed_a, normed, minv)
    tol = 1e-9 * max(1.0, float(prob.demand.sum()))
    base = np.zeros(m, bool)
    base[fixed_a] = True
    base[keep_a] = True
    free = np.setdiff1d(cand, keep_a)
    need = k - keep_a.size

    def greedy() -> NDArray[np.bool_]:
        mask = base.copy()
        for _ in range(need):
            pool = np.setdiff1d(free, np.flatnonzero(mask))
            short, value = s.adds(s.state(mask), pool)
            # a partial set is short of nothing yet: pick by objective while building
            mask[pool[int(np.argmin(value))]] = True
        return mask

    def local_search(mask: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], tuple[float, float],
                                                       bool]:
        """First improvement over the open centres: for each one, the best replacement is
        applied at once when it improves; stop after a full round without a move."""
        st = s.state(mask)
        best = s.score(st)
        idle = 0
        movable = np.setdiff1d(np.flatnonzero(st.mask), np.flatnonzero(base)).tolist()
        if not movable:
            return st.mask, best, True
        pos = 0
        while idle < len(movable):
            if time.monotonic() > deadline:
                return st.mask, best, False
            out = movable[pos]
            pool = np.setdiff1d(free, np.flatnonzero(st.mask))
            if pool.size == 0:
                return st.mask, best, True
            short, value = s.swaps(st, int(out), pool)
            i = int(_key(short, value)[0])
            cand_score = (float(short[i]), float(value[i]))
            if _better(cand_score, best, tol):
                new = int(pool[i])
                st.mask[out] = False
                st.mask[new] = True
                st = s.state(st.mask)
                best = s.score(st)
                movable[pos] = new
                idle = 0
            else:
                idle += 1
            pos = (pos + 1) % len(movable)
        return st.mask, best, True

    rng = np.random.default_rng(seed)
    initial = [greedy()]
    for extra in (starts or []):
        mask = base.copy()
        ids = np.asarray(extra, dtype=np.int64)
        mask[ids] = True
        if mask.sum() - fixed_a.size == k and np.isin(ids, np.union1d(cand, fixed_a)).all():
            initial.append(mask)
    if restarts is None:
        restarts = 6 if n * m <= 20_000 else 1
    for _ in range(max(0, int(restarts))):
        mask = base.copy()
        mask[rng.choice(free, size=need, replace=False)] = True
        initial.append(mask)

    best_mask, best_score, complete, done = initial[0], (math.inf, math.inf), True, 0
    for mask in initial:
        if done and time.monotonic() > deadline:
            complete = False
            break
        found, score, finished = local_search(mask)
        done += 1
        complete = complete and finished
        if _better(score, best_score, tol):
            best_mask, best_score = found, score
    st = s.state(best_mask)
    vol, unserved = s.volumes(st)
    value = best_score[1] - unserved * s.penalty
    objective = -value if prob.objective == "coverage" else value
    return ChoiceLocation(
        open=tuple(int(j) for j in np.flatnonzero(best_mask)), objective=float(objective),
        shortfall=float(best_score[0]), volumes=vol, unserved=unserved,
        status="local_optimum" if complete else "time_limit", starts=done,
        evaluations=s.evaluations, runtime=time.monotonic() - started)

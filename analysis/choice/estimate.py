"""Maximum-likelihood estimation of the choice model on observed patient flows.

Observed flows are counts :math:`n_{ij}` of patients from area *i* treated at hospital *j*.
Each patient is one choice among the alternatives available to the area (hospitals with a
finite travel time that are in the choice set). The weighted conditional-logit
log-likelihood is

.. math:: \\ell(\\beta) = \\sum_i \\sum_j n_{ij} \\log P_{ij}(\\beta).

Two implementations, which must agree:

- ``engine="xlogit"`` (the default): the established package **xlogit**
  (``xlogit.MultinomialLogit``, long format, availability and weights per choice situation;
  standard errors from its numerical Hessian). One choice situation per observed
  (area, hospital) pair, weighted by its patients.
- ``engine="newton"``: this module's own Newton-Raphson on the aggregated likelihood with the
  analytic gradient and Hessian; standard errors from the inverse of the observed
  information. It is the independent cross-check, and it gives xlogit its starting values
  (a starting value changes the work, not the maximum).

Pure numpy (+ xlogit, a numpy/scipy package); no I/O.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.choice.model import ChoiceFeatures, ChoiceParams

__all__ = ["ChoiceFit", "EstimationError", "estimate_choice", "log_likelihood"]


class EstimationError(ValueError):
    """The flows cannot identify the model (no patients, a constant or collinear feature)."""


@dataclass(frozen=True)
class ChoiceFit:
    """An estimated parameter set and how well it fits.

    Attributes
    ----------
    params : ChoiceParams
    features : tuple of str
        The estimated features, in the order of ``coefficients`` and ``std_errors``.
    coefficients, std_errors : tuple of float
    log_likelihood : float
        At the estimate.
    log_likelihood_null : float
        With every coefficient 0 (equal shares over each area's available alternatives).
    rho2 : float
        McFadden's :math:`\\rho^2 = 1 - \\ell(\\hat\\beta) / \\ell(0)`.
    patients : float
        Observed patients used.
    areas, alternatives, situations : int
        Areas with patients, hospitals in the choice set, (area, hospital) pairs observed.
    engine : str
        ``"xlogit <version>"`` or ``"newton"``.
    iterations : int
    converged : bool
    cross_check : float or None
        Largest difference between the engine's and the Newton coefficients, in units of the
        standard error (only for the xlogit engine).
    seconds : float
    """

    params: ChoiceParams
    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    std_errors: tuple[float, ...]
    log_likelihood: float
    log_likelihood_null: float
    rho2: float
    patients: float
    areas: int
    alternatives: int
    situations: int
    engine: str
    iterations: int
    converged: bool
    cross_check: float | None
    seconds: float


@dataclass(frozen=True)
class _Data:
    X: NDArray[np.float64]      # (n, a, p) features of the available alternatives
    avail: NDArray[np.bool_]    # (n, a)
    counts: NDArray[np.float64]  # (n, a)
    columns: NDArray[np.int64]  # hospital index of each alternative


def _prepare(flows: ArrayLike, feats: ChoiceFeatures, names: Sequence[str],
             alternatives: ArrayLike | None) -> _Data:
    F = np.asarray(flows, dtype=np.float64)
    n, m = feats.shape
    if F.shape != (n, m):
        raise EstimationError(f"flows must have shape {(n, m)}, got {F.shape}")
    if not np.isfinite(F).all() or (F < 0).any():
        raise EstimationError("flows must be finite and non-negative")
    alt = np.ones(m, bool) if alternatives is None else np.asarray(alternatives, bool)
    alt = alt | (F.sum(axis=0) > 0)
    avail_full = feats.reachable & alt[None, :]
    lost = F[~avail_full].sum()
    if lost > 0:
        raise EstimationError(f"{lost:g} observed patients travel over pairs without a travel "
                              "time; they cannot be explained by the model")
    rows = np.flatnonzero(F.sum(axis=1) > 0)
    cols = np.flatnonzero(alt)
    if rows.size == 0:
        raise EstimationError("the flows hold no patients")
    X = feats.rows(rows).tensor(names)[:, cols, :]
    avail = avail_full[np.ix_(rows, cols)]
    return _Data(X=X, avail=avail, counts=F[np.ix_(rows, cols)], columns=cols)


def _probabilities(d: _Data, beta: NDArray) -> NDArray[np.float64]:
    V = np.where(d.avail, d.X @ beta, -np.inf)
    V = V - V.max(axis=1, keepdims=True)
    E = np.exp(V)
    return E / E.sum(axis=1, keepdims=True)


def log_likelihood(d: _Data, beta: NDArray) -> float:
    P = _probabilities(d, beta)
    with np.errstate(divide="ignore"):
        logp = np.where(d.counts > 0, np.log(np.where(d.avail, P, 1.0)), 0.0)
    return float((d.counts * logp).sum())


def _null_ll(d: _Data) -> float:
    size = d.avail.sum(axis=1)
    return float(-(d.counts.sum(axis=1) * np.log(size)).sum())


def _identified(d: _Data, names: Sequence[str]) -> None:
    mask = d.avail
    for f, name in enumerate(names):
        col = d.X[..., f]
        lo = np.where(mask, col, np.inf).min(axis=1)
        hi = np.where(mask, col, -np.inf).max(axis=1)
        if not ((hi - lo) > 1e-12).any():
            raise EstimationError(f"feature {name!r} does not vary across the alternatives of "
                                  "any area; it cannot be estimated (leave it out)")


def _newton(d: _Data, p: int, *, max_iter: int = 100, tol: float = 1e-9,
            names: Sequence[str] = ()) -> tuple[NDArray, NDArray, int, bool]:
    beta = np.zeros(p)
    N = d.counts.sum(axis=1)
    ll = log_likelihood(d, beta)
    converged = False
    done = 0
    for it in range(1, max_iter + 1):
        done = it
        P = _probabilities(d, beta)
        X = np.where(d.avail[..., None], d.X, 0.0)
        xbar = np.einsum("ia,iap->ip", P, X)
        g = np.einsum("ia,iap->p", d.counts, X) - N @ xbar
        second = np.einsum("i,ia,iap,iaq->pq", N, P, X, X)
        H = -(second - np.einsum("i,ip,iq->pq", N, xbar, xbar))
        try:
            step = np.linalg.solve(H, -g)
        except np.linalg.LinAlgError as e:
            raise EstimationError(_collinear_msg(H, names)) from e
        if not np.isfinite(step).all() or np.linalg.cond(H) > 1e12:
            raise EstimationError(_collinear_msg(H, names))
        t = 1.0
        for _ in range(40):
            cand = beta + t * step
            ll_c = log_likelihood(d, cand)
            if ll_c >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        beta, ll_prev, ll = cand, ll, ll_c
        if np.max(np.abs(t * step)) < tol or abs(ll - ll_prev) < tol * max(1.0, abs(ll)) * 1e-3:
            converged = True
            break
    P = _probabilities(d, beta)
    X = np.where(d.avail[..., None], d.X, 0.0)
    xbar = np.einsum("ia,iap->ip", P, X)
    H = -(np.einsum("i,ia,iap,iaq->pq", N, P, X, X) - np.einsum("i,ip,iq->pq", N, xbar, xbar))
    cov = np.linalg.inv(-H)
    return beta, np.sqrt(np.clip(np.diag(cov), 0.0, None)), done, converged


def _collinear_msg(H: NDArray, names: Sequence[str]) -> str:
    w, v = np.linalg.eigh(-H)
    vec = v[:, int(np.argmin(w))]
    involved = [names[int(i)] for i in np.flatnonzero(np.abs(vec) > 0.2)] if names else []
    return ("the features " + ", ".join(repr(x) for x in involved) + " are collinear in these "
            "flows (they move together across the alternatives); leave one of them out")


def _xlogit(d: _Data, names: Sequence[str], init: NDArray) -> tuple[NDArray, NDArray, int,
                                                                       bool, str]:
    import xlogit  # a numpy/scipy package; imported here so analysis imports stay light
    from xlogit import MultinomialLogit

    rows, alts = np.nonzero(d.counts > 0)
    S, a = rows.size, d.avail.shape[1]
    X = d.X[rows].reshape(S * a, len(names))
    alt_ids = np.tile(np.arange(a), S)
    ids = np.repeat(np.arange(S), a)
    y = (alt_ids == np.repeat(alts, a)).astype(np.int64)
    weights = np.repeat(d.counts[rows, alts], a)
    avail = d.avail[rows].reshape(S * a).astype(np.int64)
    model = MultinomialLogit()
    model.fit(X=X, y=y, varnames=list(names), alts=alt_ids, ids=ids, avail=avail,
              weights=weights, init_coeff=init, verbose=0)
    version = getattr(xlogit, "__version__", "") or _dist_version("xlogit")
    return (np.asarray(model.coeff_, dtype=np.float64), np.asarray(model.stderr, np.float64),
            int(getattr(model, "total_iter", 0)), bool(model.convergence), f"xlogit {version}")


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def estimate_choice(
    flows: ArrayLike, feats: ChoiceFeatures, *, features: Sequence[str] | None = None,
    alternatives: ArrayLike | None = None, engine: str = "xlogit",
    warm_start: bool = True,
) -> ChoiceFit:
    """Fit the choice coefficients to observed flows by maximum likelihood.

    Parameters
    ----------
    flows : array_like, shape (n, m)
        Observed patients from area i treated at hospital j (per year or for the period;
        only the proportions and the total weight matter).
    feats : ChoiceFeatures
    features : sequence of str, optional
        Features to estimate (default: minutes, log_volume, same_region, network); also
        ``kind:<kind>`` constants. Features left out have coefficient 0.
    alternatives : array_like of bool, shape (m,), optional
        The choice set (e.g. today's providers of the care type); hospitals that appear in
        the flows are always in it. Default: every hospital.
    engine : {"xlogit", "newton"}
    warm_start : bool
        Start xlogit from the Newton estimate (faster; the maximum is the same).

    Returns
    -------
    ChoiceFit

    Raises
    ------
    EstimationError
        Without patients, for patients on pairs without travel time, or when a feature is
        constant or the features are collinear.

    Examples
    --------
    >>> C = np.array([[10.0, 30.0], [30.0, 10.0]])
    >>> f = ChoiceFeatures(C, np.zeros(2), np.eye(2, dtype=bool), np.zeros((2, 2), bool))
    >>> fit = estimate_choice([[80, 20], [20, 80]], f, features=["minutes"], engine="newton")
    >>> round(fit.params.beta_time, 4), round(math.log(4) / -20, 4)
    (-0.0693, -0.0693)
    """
    started = time.perf_counter()
    names = tuple(features) if features is not None else ("minutes", "log_volume",
                                                          "same_region", "network")
    if not names:
        raise EstimationError("no features to estimate")
    if "minutes" not in names:
        raise EstimationError("the travel-time feature 'minutes' must be estimated")
    for f in names:
        feats.matrix(f)  # unknown names raise here
    if len(set(names)) != len(names):
        raise EstimationError("features are listed twice")
    d = _prepare(flows, feats, names, alternatives)
    _identified(d, names)
    beta_n, se_n, it_n, conv_n = _newton(d, len(names), names=names)
    cross: float | None = None
    if engine == "newton":
        beta, se, iters, conv, label = beta_n, se_n, it_n, conv_n, "newton"
    elif engine == "xlogit":
        init = beta_n if warm_start else np.zeros(len(names))
        beta, se, iters, conv, label = _xlogit(d, names, init)
        cross = float(np.max(np.abs(beta - beta_n) / np.where(se_n > 0, se_n, 1.0)))
    else:
        raise ValueError(f"engine must be 'xlogit' or 'newton', not {engine!r}")
    ll = log_likelihood(d, beta)
    ll0 = _null_ll(d)
    return ChoiceFit(
        params=ChoiceParams.from_vector(names, beta), features=names,
        coefficients=tuple(float(b) for b in beta), std_errors=tuple(float(s) for s in se),
        log_likelihood=ll, log_likelihood_null=ll0,
        rho2=1.0 - ll / ll0 if ll0 < 0 else math.nan, patients=float(d.counts.sum()),
        areas=int(d.counts.shape[0]), alternatives=int(d.columns.size),
        situations=int((d.counts > 0).sum()), engine=label, iterations=int(iters),
        converged=bool(conv), cross_check=cross, seconds=time.perf_counter() - started)

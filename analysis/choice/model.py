"""The patient-choice model: a conditional (multinomial) logit over the open centres.

Patients of area *i* choose centre *j* among the open centres they can reach with probability

.. math:: P_{ij}(S) = \\frac{\\exp V_{ij}}{\\sum_{k \\in S_i} \\exp V_{ik}}, \\qquad
          V_{ij} = \\beta^\\top x_{ij}

where :math:`S_i` is the set of open centres with a finite travel time from *i* and
:math:`x_{ij}` holds the choice features (:data:`FEATURES`): travel minutes, the log of the
centre's volume today, whether the centre lies in the patient's own oncology region, whether it
belongs to a network that covers that region (for this care type), and optional hospital-kind
constants.

**Volume** enters as ``ln(max(volume_today, 1))``: the centre's annual volume *today*
(observed flows where imported, otherwise its stored provision volume). It is the
attractiveness a patient sees when choosing and it is **held fixed in a scenario**: a centre
that gains patients does not become more attractive in the same scenario (no feedback loop, so
the allocation is unique and the optimiser's objective is a fixed function of the open set). A
centre that treats no patients today has volume 1, i.e. ``ln 1 = 0``.

Pure numpy; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FEATURES",
    "ChoiceFeatures",
    "ChoiceParams",
    "choice_shares",
    "displaced_allocation",
    "log_volume",
    "nearest_shares",
]

#: The generic features of the utility, in the order of :class:`ChoiceParams`.
FEATURES: tuple[str, ...] = ("minutes", "log_volume", "same_region", "network")


def log_volume(volume: ArrayLike) -> NDArray[np.float64]:
    """Volume as it enters the utility: ``ln(max(volume, 1))``.

    Examples
    --------
    >>> log_volume([0, 1, np.e]).round(6).tolist()
    [0.0, 0.0, 1.0]
    """
    v = np.asarray(volume, dtype=np.float64)
    return np.log(np.maximum(np.nan_to_num(v, nan=0.0), 1.0))


@dataclass(frozen=True)
class ChoiceFeatures:
    """The data a choice model reads, areas x hospitals.

    Attributes
    ----------
    minutes : numpy.ndarray, shape (n, m)
        Travel minutes; ``np.inf`` where a hospital cannot be reached (never chosen).
    log_volume : numpy.ndarray, shape (m,)
        :func:`log_volume` of today's volume per hospital.
    same_region : numpy.ndarray of bool, shape (n, m)
        Hospital lies in the area's oncology region.
    network : numpy.ndarray of bool, shape (n, m)
        Hospital is a member of a network that covers the area's region for the care type.
    kind : tuple of str, length m
        Hospital kind per hospital, for kind constants (empty tuple: no kinds known).
    """

    minutes: NDArray[np.float64]
    log_volume: NDArray[np.float64]
    same_region: NDArray[np.bool_]
    network: NDArray[np.bool_]
    kind: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n, m = self.minutes.shape
        if self.log_volume.shape != (m,):
            raise ValueError(f"log_volume must have shape ({m},), got {self.log_volume.shape}")
        for name in ("same_region", "network"):
            if getattr(self, name).shape != (n, m):
                raise ValueError(f"{name} must have shape {(n, m)}")
        if self.kind and len(self.kind) != m:
            raise ValueError(f"kind must have {m} entries, got {len(self.kind)}")
        if np.isnan(self.minutes).any():
            raise ValueError("minutes contains NaN; use np.inf for unreachable pairs")

    @property
    def shape(self) -> tuple[int, int]:
        n, m = self.minutes.shape
        return int(n), int(m)

    @property
    def reachable(self) -> NDArray[np.bool_]:
        return np.isfinite(self.minutes)

    def rows(self, index: ArrayLike) -> ChoiceFeatures:
        """The same features for a subset of areas (e.g. a regional scope)."""
        idx = np.asarray(index)
        return ChoiceFeatures(self.minutes[idx], self.log_volume, self.same_region[idx],
                              self.network[idx], self.kind)

    def matrix(self, name: str) -> NDArray[np.float64]:
        """Feature ``name`` as an (n, m) float matrix (unreachable minutes set to 0)."""
        n, m = self.shape
        if name == "minutes":
            return np.where(self.reachable, self.minutes, 0.0)
        if name == "log_volume":
            return np.broadcast_to(self.log_volume, (n, m)).astype(np.float64)
        if name == "same_region":
            return self.same_region.astype(np.float64)
        if name == "network":
            return self.network.astype(np.float64)
        if name.startswith("kind:"):
            label = name.removeprefix("kind:")
            col = np.array([k == label for k in self.kind], dtype=np.float64)
            return np.broadcast_to(col, (n, m)).astype(np.float64)
        raise ValueError(f"unknown choice feature {name!r} (known: {', '.join(FEATURES)}, "
                         "kind:<hospital kind>)")

    def tensor(self, names: Sequence[str]) -> NDArray[np.float64]:
        """The features ``names`` stacked as an (n, m, p) array."""
        return np.stack([self.matrix(f) for f in names], axis=-1)


@dataclass(frozen=True)
class ChoiceParams:
    """Coefficients of the utility; a missing coefficient is 0 (the feature has no effect).

    Attributes
    ----------
    beta_time : float
        Per travel minute (negative: patients prefer nearer centres).
    beta_volume : float
        Per unit of ``ln(volume today)``.
    beta_region : float
        Centre in the patient's own oncology region.
    beta_network : float
        Centre in a network covering the patient's region.
    kind : mapping str -> float
        Hospital-kind constants (kinds not listed: 0, the reference).

    Examples
    --------
    >>> ChoiceParams(beta_time=-0.1).as_vector(["minutes", "network"]).tolist()
    [-0.1, 0.0]
    """

    beta_time: float
    beta_volume: float = 0.0
    beta_region: float = 0.0
    beta_network: float = 0.0
    kind: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = [self.beta_time, self.beta_volume, self.beta_region, self.beta_network,
                  *self.kind.values()]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            raise ValueError("choice coefficients must be finite numbers")

    def coefficient(self, feature: str) -> float:
        by_name = {"minutes": self.beta_time, "log_volume": self.beta_volume,
                   "same_region": self.beta_region, "network": self.beta_network}
        if feature in by_name:
            return float(by_name[feature])
        if feature.startswith("kind:"):
            return float(self.kind.get(feature.removeprefix("kind:"), 0.0))
        raise ValueError(f"unknown choice feature {feature!r}")

    def features(self) -> list[str]:
        return [*FEATURES, *(f"kind:{k}" for k in sorted(self.kind))]

    def as_vector(self, names: Sequence[str]) -> NDArray[np.float64]:
        return np.array([self.coefficient(f) for f in names], dtype=np.float64)

    @classmethod
    def from_vector(cls, names: Sequence[str], beta: ArrayLike) -> ChoiceParams:
        values = dict(zip(names, np.asarray(beta, dtype=np.float64).tolist(), strict=True))
        kind = {f.removeprefix("kind:"): v for f, v in values.items() if f.startswith("kind:")}
        return cls(beta_time=values.get("minutes", 0.0),
                   beta_volume=values.get("log_volume", 0.0),
                   beta_region=values.get("same_region", 0.0),
                   beta_network=values.get("network", 0.0), kind=kind)

    def utility(self, feats: ChoiceFeatures) -> NDArray[np.float64]:
        """Systematic utility V (n, m); ``-inf`` where the hospital is unreachable."""
        names = [f for f in self.features() if self.coefficient(f) != 0.0]
        n, m = feats.shape
        V = np.zeros((n, m))
        for f in names:
            V += self.coefficient(f) * feats.matrix(f)
        return np.where(feats.reachable, V, -np.inf)

    def weights(self, feats: ChoiceFeatures) -> NDArray[np.float64]:
        """``exp(V - max_i V)`` per area (rows scaled for numerical safety; 0 = unreachable).

        Row scaling leaves every choice probability unchanged.
        """
        V = self.utility(feats)
        top = np.max(V, axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(invalid="ignore"):
            return np.exp(V - top)


def _open_mask(open_centres: ArrayLike, m: int) -> NDArray[np.bool_]:
    arr = np.asarray(open_centres)
    if arr.dtype == bool:
        if arr.shape != (m,):
            raise ValueError(f"open mask must have shape ({m},)")
        return arr.copy()
    mask = np.zeros(m, dtype=bool)
    idx = arr.astype(np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= m):
        raise ValueError(f"open centre index out of range 0..{m - 1}")
    mask[idx] = True
    return mask


def choice_shares(utility: ArrayLike, open_centres: ArrayLike) -> NDArray[np.float64]:
    """Choice probabilities over the open centres, areas x hospitals.

    Parameters
    ----------
    utility : array_like, shape (n, m)
        Systematic utility V per pair, ``-inf`` where unreachable (see
        :meth:`ChoiceParams.utility`).
    open_centres : array_like of int or bool mask
        The open centres.

    Returns
    -------
    numpy.ndarray, shape (n, m)
        Rows sum to 1 for areas that reach an open centre, 0 otherwise; closed centres get 0.
        Computed as a softmax over each area's open centres, stable for any coefficient size.

    Examples
    --------
    >>> choice_shares(np.array([[0.0, 0.0, np.log(2)]]), [0, 2]).round(4).tolist()
    [[0.3333, 0.0, 0.6667]]
    """
    V = np.asarray(utility, dtype=np.float64)
    mask = _open_mask(open_centres, V.shape[1])
    Vo = np.where(mask[None, :], V, -np.inf)
    top = Vo.max(axis=1, keepdims=True)
    ok = np.isfinite(top)
    with np.errstate(invalid="ignore", over="ignore"):
        E = np.where(np.isfinite(Vo), np.exp(Vo - np.where(ok, top, 0.0)), 0.0)
    den = E.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, E / np.where(den > 0, den, 1.0), 0.0)


def nearest_shares(minutes: ArrayLike, open_centres: ArrayLike) -> NDArray[np.float64]:
    """Every area to its nearest open centre (ties: lowest index) as a share matrix.

    Examples
    --------
    >>> nearest_shares(np.array([[5.0, 1.0, 3.0]]), [0, 2]).tolist()
    [[0.0, 0.0, 1.0]]
    """
    C = np.asarray(minutes, dtype=np.float64)
    mask = _open_mask(open_centres, C.shape[1])
    masked = np.where(mask[None, :], C, np.inf)
    arg = np.argmin(masked, axis=1)
    ok = np.isfinite(masked[np.arange(C.shape[0]), arg])
    out = np.zeros_like(C)
    out[np.flatnonzero(ok), arg[ok]] = 1.0
    return out


def displaced_allocation(baseline: ArrayLike, model: ArrayLike,
                         open_centres: ArrayLike) -> NDArray[np.float64]:
    """Patients stay where they are treated today if that centre stays open; the others
    (displaced by a closure, or without a centre today) choose again by the model.

    Parameters
    ----------
    baseline : array_like, shape (n, m)
        Today's shares per area (observed flows, row-normalised).
    model : array_like, shape (n, m)
        Model shares over the open centres (:func:`choice_shares`).
    open_centres : array_like of int or bool mask

    Returns
    -------
    numpy.ndarray, shape (n, m)
        ``baseline`` on open centres plus ``(1 - kept share) x model``.

    Examples
    --------
    >>> B = np.array([[0.5, 0.3, 0.2]])
    >>> P = choice_shares(np.log([[1.0, 3.0, 1.0]]), [0, 1])
    >>> displaced_allocation(B, P, [0, 1]).round(3).tolist()
    [[0.55, 0.45, 0.0]]

    Notes
    -----
    Under the logit's independence of irrelevant alternatives, when the baseline itself is
    the model's allocation over today's centres and no centre opens, this equals a full
    re-choice over the open centres. Observed flows to a centre that stays open are kept as
    observed; this is how displaced patients are reallocated in the policy studies of
    centralisation (e.g. Aggarwal et al. 2020).
    """
    B = np.asarray(baseline, dtype=np.float64)
    P = np.asarray(model, dtype=np.float64)
    mask = _open_mask(open_centres, B.shape[1])
    stay = np.where(mask[None, :], B, 0.0)
    moved = 1.0 - stay.sum(axis=1, keepdims=True)
    out = stay + np.clip(moved, 0.0, 1.0) * P
    # an area that reaches no open centre keeps only its stayers (none when it reaches none)
    return out

"""Synthetic choice data with known coefficients (a seeded generator shared by the tests)."""

from __future__ import annotations

import numpy as np

from analysis.choice import ChoiceFeatures, ChoiceParams, choice_shares, log_volume


def synthetic_features(n: int, m: int, *, seed: int, regions: int = 4,
                       unreachable: float = 0.0) -> ChoiceFeatures:
    rng = np.random.default_rng(seed)
    area_xy = rng.uniform(0, 100, (n, 2))
    hosp_xy = rng.uniform(0, 100, (m, 2))
    minutes = np.linalg.norm(area_xy[:, None, :] - hosp_xy[None, :, :], axis=2) * 1.2 + 5
    if unreachable:
        far = rng.random((n, m)) < unreachable
        far[np.arange(n), np.argmin(minutes, axis=1)] = False  # every area reaches one
        minutes = np.where(far, np.inf, minutes)
    area_region = rng.integers(0, regions, n)
    hosp_region = rng.integers(0, regions, m)
    same = area_region[:, None] == hosp_region[None, :]
    # networks: each hospital belongs to a network covering a random set of regions
    covers = rng.random((m, regions)) < 0.4
    network = covers[:, area_region].T
    volume = rng.uniform(10, 400, m)
    kinds = tuple(rng.choice(["umc", "topclinical", "general"], size=m).tolist())
    return ChoiceFeatures(minutes, log_volume(volume), same, network, kinds)


def synthetic_flows(feats: ChoiceFeatures, params: ChoiceParams, *, seed: int,
                    patients: tuple[int, int] = (20, 80)) -> np.ndarray:
    rng = np.random.default_rng(seed + 1000)
    n, m = feats.shape
    P = choice_shares(params.utility(feats), np.arange(m))
    N = rng.integers(patients[0], patients[1], n)
    return np.array([rng.multinomial(N[i], P[i] / P[i].sum()) for i in range(n)], dtype=float)

"""The exact uncapacitated p-median (restricted lists, Lagrangian fixing) against brute force."""

import numpy as np
import pytest

from analysis.locate import InfeasibleScenario, dispatch, p_median
from analysis.locate.lagrangian import LagrangianBound
from tests.analysis.locate.oracles import brute_pmedian, close, instance, subsets


@pytest.mark.parametrize("seed", range(6))
def test_pmedian_exact_matches_brute_force_on_larger_instances(seed):
    # large enough that the Lagrangian fixing and the candidate lists are exercised
    C, w = instance(seed + 200, n=80, m=14, zeros=False)
    k = 3 + seed % 3
    keep = (seed,) if seed % 2 else ()
    W = np.where(np.isinf(C), 1e18, C)
    best = min(float(w @ W[:, list(S)].min(axis=1)) for S in subsets(14, k, keep))
    r = p_median(C, w, k=k, keep=list(keep), solver="exact")
    assert close(r.objective, best) and r.status == "optimal"
    assert r.bound <= best * (1 + 1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_pmedian_milp_path_without_lagrangian_matches_brute_force(seed, monkeypatch):
    # switch the Lagrangian shortcut off so that the restricted-list MILP must prove it
    monkeypatch.setattr(dispatch, "pmedian_lagrangian",
                        lambda *a, **kw: LagrangianBound(-np.inf, None))
    C, w = instance(seed + 300, n=60, m=12, inf_share=0.15 if seed % 2 else 0.0)
    k = 2 + seed % 3
    keep = (seed,) if seed >= 3 else ()
    best = brute_pmedian(C, w, k, keep)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleScenario):
            p_median(C, w, k=k, keep=list(keep), solver="exact")
        return
    r = p_median(C, w, k=k, keep=list(keep), solver="exact")
    assert close(r.objective, best) and r.status == "optimal"

"""Input preparation: infeasible scenarios quote the numbers, malformed input is refused."""

import numpy as np
import pytest

from analysis.locate import InfeasibleScenario, p_median


def test_error_k_times_min_volume_exceeds_demand():
    C = np.ones((3, 4))
    with pytest.raises(InfeasibleScenario, match=r"k=3 centres x min_volume 20 = 60 exceeds "
                                                  r"total demand 41\.2"):
        p_median(C, [20.0, 20.0, 1.2], k=3, min_volume=20)


def test_error_capacity_of_largest_candidates_below_demand():
    C = np.ones((2, 5))
    with pytest.raises(InfeasibleScenario, match=r"capacity sum of the 3 largest candidates "
                                                  r"300 is below total demand 412"):
        p_median(C, [400.0, 12.0], k=3, capacity=[100, 100, 100, 50, 50])


def test_error_keep_larger_than_k_and_keep_close_conflict():
    C = np.ones((2, 6))
    with pytest.raises(InfeasibleScenario, match="keep has 5 hospitals but k=3"):
        p_median(C, [1.0, 1.0], k=3, keep=[0, 1, 2, 3, 4])
    with pytest.raises(InfeasibleScenario, match="hospital index 4 is both kept and closed"):
        p_median(C, [1.0, 1.0], k=3, keep=[4], close=[4])
    with pytest.raises(InfeasibleScenario, match="k=4 centres but only 3 of 6"):
        p_median(C, [1.0, 1.0], k=4, close=[0, 1, 2])


def test_error_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        p_median(np.array([[np.nan, 1.0]]), [1.0], k=1)
    with pytest.raises(ValueError, match="out of range"):
        p_median(np.ones((2, 3)), [1.0, 1.0], k=1, keep=[3])
    with pytest.raises(ValueError, match="solver"):
        p_median(np.ones((2, 3)), [1.0, 1.0], k=1, solver="cbc")

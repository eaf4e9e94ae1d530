"""Location-allocation: which hospitals keep a treatment, and who goes where.

Four classic models on an area x hospital cost matrix (travel minutes) and a demand vector
(expected patients per year per area):

* :func:`p_median` -- open ``k`` centres, least total patient travel;
* :func:`max_covering` -- open ``k`` centres, most patients within ``radius`` minutes;
* :func:`set_covering` -- fewest centres such that every patient is within ``radius``;
* :func:`p_centre` -- open ``k`` centres, least worst-case travel.

Every model takes the same keyword-only options: hospitals that must stay open (``keep``),
must close (``close``) or may be chosen at all (``candidates``), a minimum-volume norm per
open centre (``min_volume``), a capacity per centre (``capacity``), the solver (``"exact"``
HiGHS: Benders cuts and branch and bound through highspy, MILPs through
:func:`scipy.optimize.milp`; ``"heuristic"`` greedy + vertex
substitution, or ``"auto"``), a ``time_limit`` and a ``seed``. Feasibility is checked before
solving and :class:`InfeasibleScenario` quotes the numbers; :class:`NoSolutionInTime` says
that the time limit came before any solution (never a proof of infeasibility). Results are
:class:`LocationResult` objects carrying the open centres, the allocation, volumes per
centre, objective, a proven bound and the optimality gap.

Pure numpy/scipy: no I/O, no database, inputs are never mutated.

One topic per module:

- :mod:`~analysis.locate.problem` -- input validation, feasibility, :class:`InfeasibleScenario`
- :mod:`~analysis.locate.result` -- :class:`LocationResult` and how a solution becomes one
- :mod:`~analysis.locate.candidates` -- working cost matrix and candidate lists
- :mod:`~analysis.locate.heuristic` -- greedy + fast vertex substitution
- :mod:`~analysis.locate.lagrangian` -- Lagrangian bound and reduced-cost fixing
- :mod:`~analysis.locate.highs` -- a silent HiGHS instance (highspy)
- :mod:`~analysis.locate.milp` -- the shared MILP row builder and the assignment model
- :mod:`~analysis.locate.norm_bound` -- Lagrangian bound of the norm/capacity model and
  centre fixing
- :mod:`~analysis.locate.norm_tree` -- Lagrangian branch and bound on the centres of the
  norm/capacity model
- :mod:`~analysis.locate.benders` -- exact uncapacitated p-median (radius-formulation
  Benders cuts, branch and bound on HiGHS)
- :mod:`~analysis.locate.exact` -- exact uncapacitated p-median (restricted lists)
- :mod:`~analysis.locate.transport` -- capacitated step (LP-priced swaps)
- :mod:`~analysis.locate.dispatch` -- solver choice and the k-median engine
- :mod:`~analysis.locate.pmedian`, :mod:`~analysis.locate.covering`,
  :mod:`~analysis.locate.pcentre` -- the model families
- :mod:`~analysis.locate.linked` -- the linked p-median (centres shared by care types)
- :mod:`~analysis.locate.by_name` -- :func:`locate`, a model run by name

Examples
--------
>>> import numpy as np
>>> p_median(np.array([[0., 10.], [10., 0.], [4., 6.]]), [1., 1., 5.], k=1).open
(0,)
"""

from analysis.locate.by_name import METHODS, locate
from analysis.locate.covering import max_covering, set_covering
from analysis.locate.dispatch import AUTO_EXACT_MAX_PAIRS, SOLVERS
from analysis.locate.linked import LinkedResult, linked_p_median
from analysis.locate.pcentre import p_centre
from analysis.locate.pmedian import p_median
from analysis.locate.problem import InfeasibleScenario, NoSolutionInTime
from analysis.locate.result import GAP_TOLERANCE, LocationResult

__all__ = [
    "AUTO_EXACT_MAX_PAIRS",
    "GAP_TOLERANCE",
    "METHODS",
    "SOLVERS",
    "InfeasibleScenario",
    "LinkedResult",
    "LocationResult",
    "NoSolutionInTime",
    "linked_p_median",
    "locate",
    "max_covering",
    "p_centre",
    "p_median",
    "set_covering",
]

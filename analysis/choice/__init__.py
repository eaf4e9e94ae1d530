"""Patient choice: a conditional-logit allocation, its estimation on observed flows, and a
location optimiser under choice.

- :mod:`analysis.choice.model` -- features, coefficients, choice shares, displaced patients
- :mod:`analysis.choice.estimate` -- maximum likelihood (xlogit, cross-checked by Newton)
- :mod:`analysis.choice.optimise` -- k centres minimising expected travel under choice
"""

from analysis.choice.estimate import ChoiceFit, EstimationError, estimate_choice
from analysis.choice.model import (
    FEATURES,
    ChoiceFeatures,
    ChoiceParams,
    choice_shares,
    displaced_allocation,
    log_volume,
    nearest_shares,
)
from analysis.choice.optimise import (
    ChoiceLocation,
    ChoiceProblem,
    choice_location,
    choice_objective,
)

__all__ = [
    "FEATURES", "ChoiceFeatures", "ChoiceFit", "ChoiceLocation", "ChoiceParams",
    "ChoiceProblem", "EstimationError", "choice_location", "choice_objective",
    "choice_shares", "displaced_allocation", "estimate_choice", "log_volume", "nearest_shares",
]

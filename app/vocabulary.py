"""The domain vocabulary: every fixed set of values oncoregio knows, in one place.

Loader rows, API query parameters, scenario requests, the command line's choices, plots and the
Neo4j secondary labels all derive from these enums, so a value is added or renamed here once.
The values are what the CSV files, the graph and the API carry; they never change spelling.
Members are UPPER_CASE (``LoadMode.REPLACE``), so none hides a ``str`` method such as
``str.replace``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import LiteralString

__all__ = [
    "CARE_LEVEL_LABELS",
    "HOSPITAL_KIND_LABELS",
    "Allocation",
    "CandidateSet",
    "CareLevel",
    "Confidence",
    "HospitalKind",
    "LoadMode",
    "MemberRole",
    "Method",
    "NetworkScope",
    "ParetoCriterion",
    "Solver",
]


class HospitalKind(StrEnum):
    """What a hospital location is: academic, categorical cancer centre, STZ top-clinical or
    general hospital (DOMAIN.md §2)."""

    UMC = "umc"
    CATEGORICAL = "categorical"
    TOPCLINICAL = "topclinical"
    GENERAL = "general"


class CareLevel(StrEnum):
    """Where a care type is organised: in every hospital, in the regional network, or only in
    a few expert centres."""

    BASIC = "basic"
    NETWORK = "network"
    EXPERT = "expert"


class NetworkScope(StrEnum):
    """Reach of an oncology network: one region, the whole country, or one tumour type."""

    REGIONAL = "regional"
    NATIONAL = "national"
    TUMOUR = "tumour"


class MemberRole(StrEnum):
    """A hospital's role in a network (``MEMBER_OF.role``)."""

    HUB = "hub"
    MEMBER = "member"
    EXPERT_CENTRE = "expert_centre"


class Confidence(StrEnum):
    """How a fact is known: found in a source, recalled from memory, or modelled."""

    FOUND = "found"
    RECALLED = "recalled"
    MODELLED = "modelled"


class LoadMode(StrEnum):
    """``replace`` the whole dataset, or ``update`` it with the given files."""

    REPLACE = "replace"
    UPDATE = "update"


class Method(StrEnum):
    """Location-allocation model of a scenario (``*_choice``: optimised under patient choice)."""

    P_MEDIAN = "p_median"
    MAX_COVERING = "max_covering"
    SET_COVERING = "set_covering"
    P_CENTRE = "p_centre"
    P_MEDIAN_CHOICE = "p_median_choice"
    MAX_COVERING_CHOICE = "max_covering_choice"


class Allocation(StrEnum):
    """How patients reach the open centres: the nearest, or by a patient-choice (logit) model."""

    NEAREST = "nearest"
    CHOICE = "choice"


class Solver(StrEnum):
    """How a scenario is solved: ``auto`` picks exact when the instance is small enough."""

    AUTO = "auto"
    EXACT = "exact"
    HEURISTIC = "heuristic"


class CandidateSet(StrEnum):
    """Which hospitals may become a centre in a scenario."""

    ALL = "all"
    PROVIDERS = "providers"
    UMC_TOPCLINICAL = "umc_topclinical"


class ParetoCriterion(StrEnum):
    """What a sweep's Pareto front minimises (``SweepPublic.pareto_criteria``): mean travel and
    expected events where the care type has an outcome table, else centres below the norm."""

    MEAN_MINUTES = "mean_minutes"
    EXPECTED_EVENTS = "expected_events"
    CENTRES_BELOW_NORM = "centres_below_norm"


# Secondary Neo4j labels, so Neo4j Browser (GRASS styles by label) colours nodes by kind and
# level. They are the only labels the loader sets from data, and they come from here only.
HOSPITAL_KIND_LABELS: dict[HospitalKind, LiteralString] = {
    HospitalKind.UMC: "Umc",
    HospitalKind.CATEGORICAL: "Categorical",
    HospitalKind.TOPCLINICAL: "Topclinical",
    HospitalKind.GENERAL: "General",
}
CARE_LEVEL_LABELS: dict[CareLevel, LiteralString] = {
    CareLevel.BASIC: "Basic",
    CareLevel.NETWORK: "NetworkCare",
    CareLevel.EXPERT: "Expert",
}

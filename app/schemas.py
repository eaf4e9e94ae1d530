"""HTTP schemas: one per entity and view; lists are ``{data, count}``."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from analysis.locate.linked import LINKED_MAX_TYPES
from app.vocabulary import Allocation, CandidateSet, Method, Solver

T = TypeVar("T")


def example(**values) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [values]})


class Page(BaseModel, Generic[T]):
    """A page of a list: ``count`` is the total number of matches, not the page length."""

    data: list[T]
    count: int


class Sourced(BaseModel):
    source: str | None = None
    confidence: str | None = None


class RegionSummary(Sourced):
    model_config = example(id="noord", name="Noordoost-NL", lead_organisation="UMCG",
                           hospitals=22, population=3498073, areas=414,
                           networks=["onz", "groningen-drenthe"], source="DOMAIN.md §1",
                           confidence="found")
    id: str
    name: str
    lead_organisation: str | None = None
    hospitals: int
    population: int
    areas: int
    networks: list[str]


class Ref(BaseModel):
    id: str
    name: str


class HospitalRef(Ref):
    kind: str
    city: str | None = None
    role: str | None = None


class NetworkRef(Ref):
    scope: str | None = None
    role: str | None = None


class RegionPublic(Sourced):
    model_config = example(id="west", name="West-NL", lead_organisation="LUMC",
                           hospitals=[{"id": "lumc-leiden", "name": "LUMC", "kind": "umc",
                                       "city": "Leiden"}],
                           networks=[{"id": "ro-west", "name": "RO West", "scope": "regional"}],
                           population=1684945, areas=86)
    id: str
    name: str
    lead_organisation: str | None = None
    hospitals: list[HospitalRef]
    networks: list[NetworkRef]
    population: int
    areas: int


class HospitalSummary(BaseModel):
    model_config = example(id="umcg-groningen", name="UMCG", organisation="UMCG",
                           city="Groningen", province="Groningen", lat=53.223, lon=6.574,
                           kind="umc", region="noord")
    id: str
    name: str
    organisation: str
    city: str
    province: str
    lat: float
    lon: float
    kind: str
    region: str


class ProvidedCare(Sourced):
    id: str
    name: str
    level: str
    volume: float | None = None
    year: int | None = None
    min_volume: int | None = None


class HospitalPublic(HospitalSummary, Sourced):
    networks: list[NetworkRef]
    care_types: list[ProvidedCare]


class NetworkSummary(Sourced):
    model_config = example(id="oncomid", name="Oncomid", scope="regional", members=13,
                           regions=["midden"], care_types=[])
    id: str
    name: str
    scope: str
    members: int
    regions: list[str]
    care_types: list[str]


class NetworkPublic(Sourced):
    id: str
    name: str
    scope: str
    members: list[HospitalRef]
    regions: list[str]
    care_types: list[str]


class CareTypeBase(Sourced):
    id: str
    name: str
    tumour: str
    modality: str
    level: str
    min_volume: int | None = None
    norm_year: int | None = None
    norm_source: str | None = None
    annual_cases: int
    cases_source: str | None = None


class CareTypeSummary(CareTypeBase):
    model_config = example(id="pancreatic-resection", name="Pancreatic resection",
                           tumour="pancreas", modality="surgery", level="expert", min_volume=20,
                           norm_year=2014, norm_source="SONCOS", annual_cases=1000,
                           cases_source="DPCA", providers=15)
    providers: int


class CareTypeProvider(BaseModel):
    id: str
    name: str
    region: str
    volume: float | None = None
    confidence: str | None = None


class CareTypePublic(CareTypeBase):
    providers: list[CareTypeProvider]
    networks: list[str]


class NearestMinutes(BaseModel):
    mean: float | None
    p90: float | None
    max: float | None


class CoverageRow(BaseModel):
    model_config = example(region="noord", care_type="pancreatic-resection", level="expert",
                           providers_in_region=["umcg-groningen", "isala-zwolle"],
                           providers_via_network=["umcg-groningen", "isala-zwolle"],
                           nearest_minutes={"mean": 31.2, "p90": 55.0, "max": 88.1},
                           share_within=0.71, unreachable_population=0, gap=False)
    region: str
    care_type: str
    level: str
    providers_in_region: list[str]
    providers_via_network: list[str]
    nearest_minutes: NearestMinutes
    share_within: float | None
    unreachable_population: int
    gap: bool


class RegionCoverage(BaseModel):
    region: str
    name: str
    minutes: float
    population: int
    travel_model: str
    data: list[CoverageRow]
    count: int


class NationalCoverage(BaseModel):
    care_type: str
    providers: int
    regions_with_gap: int
    mean: float | None
    p90: float | None
    max: float | None
    share_within: float | None
    population: int
    unreachable_population: int


class CoverageMatrix(BaseModel):
    minutes: float
    travel_model: str
    data: list[CoverageRow]
    count: int
    national: list[NationalCoverage]


class ProviderConcentration(BaseModel):
    hospital: str
    volume: float | None
    share: float | None
    meets_norm: bool


class Concentration(BaseModel):
    model_config = example(care_type="gastrectomy", name="Gastrectomy", min_volume=20,
                           providers=16, total_volume=346.0,
                           per_provider=[{"hospital": "umcu-utrecht", "volume": 40.0,
                                          "share": 0.116, "meets_norm": True}],
                           compliant_providers=7, share_in_compliant=0.62, hhi=780.5,
                           equivalent_providers=12.8)
    care_type: str
    name: str
    min_volume: int | None
    providers: int
    total_volume: float | None
    per_provider: list[ProviderConcentration]
    compliant_providers: int
    share_in_compliant: float | None
    hhi: float | None
    equivalent_providers: float | None


class RegionGap(BaseModel):
    region: str
    care_type: str
    level: str
    population: int


class AreaGap(BaseModel):
    area: str
    name: str
    region: str
    care_type: str
    minutes: float | None
    population: int


class Gaps(BaseModel):
    minutes: float
    region_gaps: list[RegionGap]
    region_gap_count: int
    area_gaps: list[AreaGap]
    area_gap_count: int
    travel_model: str


# --------------------------------------------------------------------------- scenarios
#: Ids in request bodies: the characters of the seed's slugs, bounded in length.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", min_length=1,
                                      max_length=100)]
IdList = Annotated[list[Id], Field(max_length=5000)]
Finite = Annotated[float, Field(allow_inf_nan=False)]

#: Methods that choose centres for patients who choose by the logit model.
CHOICE_METHODS: tuple[Method, ...] = (Method.P_MEDIAN_CHOICE, Method.MAX_COVERING_CHOICE)
#: Methods that choose centres for patients who go to the nearest open centre.
NEAREST_METHODS: tuple[Method, ...] = tuple(m for m in Method if m not in CHOICE_METHODS)


def check_linked(types: list[str], weights: list[float] | None, method: Method,
                 allocation: Allocation) -> None:
    """The rules of a linked set (``care_types``) that scenarios and sweeps share; raises
    ``ValueError`` naming the field."""
    dupes = sorted({t for t in types if types.count(t) > 1})
    if dupes:
        raise ValueError(f"care_types: duplicate care type(s) {', '.join(dupes)} (of "
                         f"{len(types)} given)")
    if weights is not None and len(weights) != len(types):
        raise ValueError(f"weights: {len(weights)} weights for {len(types)} "
                         "care_types (one per care type, in the same order)")
    if method != Method.P_MEDIAN:
        raise ValueError(f"care_types: a linked plan is a p_median (got method {method})")
    if allocation != Allocation.NEAREST:
        raise ValueError("care_types: a linked plan allocates to the nearest open centre "
                         "(allocation 'choice' takes one care type)")


#: A linked set of care types: one set of open centres for all of them.
LinkedTypes = Annotated[list[Id], Field(min_length=2, max_length=LINKED_MAX_TYPES)]
#: The weight of one care type's patient travel in a linked plan's objective.
Weight = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]


class PlanCreateBase(BaseModel):
    """What a scenario request and a sweep request share: a name and the care type, or a
    linked set of care types (``care_types``) with their ``weights``. The rules of the set
    itself are :func:`check_linked`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    care_type: Id | None = Field(default=None, description="the care type (or care_types)")
    care_types: LinkedTypes | None = Field(
        default=None,
        description="a linked plan: one set of open centres serves all these care types, "
                    "each with its own demand, norm and allocation; the objective sums "
                    "their patient travel (method p_median, nearest allocation). Give "
                    "care_type or care_types, not both")
    weights: list[Weight] | None = Field(
        default=None, description="with care_types: the weight of each care type's patient "
                                  "travel in the objective, in the order of care_types "
                                  "(default 1 each)")

    @property
    def linked_types(self) -> tuple[str, ...]:
        """The care types of the plan (of every run of a sweep): ``care_types``, or
        ``(care_type,)``."""
        if self.care_types is not None:
            return tuple(self.care_types)
        assert self.care_type is not None  # validated: exactly one of the two
        return (self.care_type,)

    @property
    def care_type_id(self) -> str:
        """The care type's id, or the linked set's ids joined by '+'."""
        return "+".join(self.linked_types)

    @model_validator(mode="after")
    def _one_care_type_or_set(self) -> PlanCreateBase:
        # pydantic runs this before the subclasses' own after-validators
        if (self.care_type is None) == (self.care_types is None):
            raise ValueError("give exactly one of care_type (one care type) and care_types "
                             "(a linked set of 2.." f"{LINKED_MAX_TYPES})")
        return self


class ScenarioCreate(PlanCreateBase):
    """What to compute. Hospital and region ids refer to the graph; unknown ids are a 422."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Pancreas in 8 centres, norm 20", "care_type": "pancreatic-resection",
        "method": "p_median", "centres": 8, "minutes": 60, "keep": ["umcg-groningen"],
        "close": [], "candidate_set": "providers", "apply_norm": True, "solver": "auto"}, {
        "name": "Noord: oesophagus in 2 of its centres, patients choose",
        "care_type": "oesophagectomy", "method": "p_median_choice", "centres": 2,
        "regions": ["noord"], "cross_border": True, "allocation": "choice",
        "choice_model": "cm-1a2b3c4d5e6f", "apply_norm": True}, {
        "name": "Oesophagus and stomach in the same 8 centres, each with its norm",
        "care_types": ["oesophagectomy", "gastrectomy"], "method": "p_median", "centres": 8,
        "apply_norm": True, "solver": "exact"}]})

    method: Method = Method.P_MEDIAN
    centres: StrictInt | None = Field(
        default=None, ge=1, le=10000,
        description="k: centres to open in the scope (not for set_covering); providers "
                    "outside a regional scope that stay open do not count")
    minutes: Finite = Field(default=45.0, gt=0, le=600,
                            description="travel threshold T: coverage radius and 'within T'")
    keep: IdList = Field(default_factory=list, description="hospitals that must stay open")
    close: IdList = Field(default_factory=list, description="hospitals that must close")
    candidates: IdList | None = Field(
        default=None, description="explicit candidate hospitals (overrides candidate_set)")
    candidate_set: CandidateSet = Field(
        default=CandidateSet.PROVIDERS,
        description="providers: today's providers of the care type; umc_topclinical: UMCs, "
                    "categorical and top-clinical hospitals; all: every hospital")
    min_volume: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | Annotated[
        dict[Id, Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]],
        Field(max_length=LINKED_MAX_TYPES)] | None = Field(
        default=None, description="patients/year each open centre must get; with care_types "
                                  "one number for every type or one per care type id")
    apply_norm: bool = Field(default=False,
                             description="use the care type's minimum-volume norm as min_volume "
                                         "(with care_types: each type's own norm, where it "
                                         "has one)")
    capacity: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | Annotated[
        dict[Id, Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]],
        Field(max_length=5000)] | None = Field(
        default=None, description="patients/year per centre: one number or per hospital id")
    solver: Solver = Solver.AUTO
    time_limit: Finite = Field(default=60.0, gt=0, le=600)
    worse_threshold: Finite = Field(default=15.0, ge=0, le=600,
                                    description="extra minutes above which patients count as "
                                                "much worse off")
    regions: IdList | None = Field(
        default=None, max_length=100,
        description="scope: oncology regions whose resident patients the scenario is for "
                    "(default: the whole country). Candidates default to today's providers "
                    "located in these regions.")
    cross_border: bool = Field(
        default=True, description="with a regional scope: today's providers outside it stay "
        "open and reachable for the scope's patients; false closes the scope")
    allocation: Allocation = Field(
        default=Allocation.NEAREST,
        description="how patients are allocated to open centres: the nearest one, or a "
                    "calibrated patient-choice (logit) model")
    choice_model: Id | None = Field(
        default=None, description="the stored choice model (POST /calibrations) for "
                                  "allocation 'choice'")

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioCreate:
        if self.care_types is not None:
            self._linked_consistent(self.care_types)
        elif self.weights is not None or isinstance(self.min_volume, dict):
            raise ValueError("weights and a min_volume per care type need care_types")
        if self.method != Method.SET_COVERING and self.centres is None:
            raise ValueError(f"centres (k) is required for method {self.method}")
        if self.method in CHOICE_METHODS and self.allocation != Allocation.CHOICE:
            raise ValueError(f"method {self.method} optimises under patient choice: set "
                             "allocation to 'choice' and name a choice_model")
        if self.allocation == Allocation.CHOICE and self.choice_model is None:
            raise ValueError("allocation 'choice' needs a choice_model (POST /calibrations "
                             "fits or stores one)")
        return self

    def _linked_consistent(self, types: list[str]) -> None:
        if isinstance(self.min_volume, dict):
            extra = sorted(set(self.min_volume) - set(types))
            if extra:
                raise ValueError(f"min_volume: {', '.join(extra)} not among care_types")
        check_linked(types, self.weights, self.method, self.allocation)
        if self.capacity is not None:
            raise ValueError("capacity: not supported with care_types (a capacity shared by "
                             "several care types is not defined)")


class TravelFigures(BaseModel):
    """Travel of patients (minutes, one way), weighted by patients."""

    patients: float | None
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None
    share_within: float | None
    unserved: float | None


class ScenarioHeadline(BaseModel):
    """The figures a planner reads first. Every field is stored on the ``Scenario`` node."""

    centres: int
    objective: float | None
    bound: float | None
    gap: float | None
    status: str
    solver: str
    runtime_s: float | None
    mean_minutes: float | None
    mean_minutes_baseline: float | None
    mean_delta: float | None
    p90_minutes: float | None
    p90_delta: float | None
    share_within: float | None
    share_within_baseline: float | None
    patients: float | None
    patients_worse: float | None
    patients_losing_access: float | None
    centres_below_norm: int | None
    regions_without_centre: int
    patient_km: float | None
    patient_km_delta: float | None
    co2_kg: float | None
    co2_kg_baseline: float | None
    co2_kg_delta: float | None
    bypass_share: float | None = Field(
        default=None, description="share of patients not treated at their nearest open "
                                  "centre (0 under nearest allocation)")


class ScenarioCentre(BaseModel):
    hospital: str
    name: str
    region: str
    # "kept" (a provider today), "new", or "outside" (a provider outside a regional scope
    # that stays as it is; its volume here counts only the scope's patients)
    status: str
    patients: float | None
    baseline_patients: float | None
    mean_minutes: float | None
    meets_norm: bool | None


class ClosingCentre(BaseModel):
    hospital: str
    name: str
    baseline_patients: float | None


class AreaMinutes(BaseModel):
    """Per area of the scope, in the order of ``areas``."""

    areas: list[str] = Field(default_factory=list)
    baseline: list[float | None]
    scenario: list[float | None]
    demand: list[float | None]


class RegionTravel(BaseModel):
    baseline: TravelFigures
    scenario: TravelFigures


class ScenarioScope(BaseModel):
    """Whose patients the figures are for."""

    national: bool = True
    regions: list[str] = Field(default_factory=list)
    cross_border: bool = True
    outside_providers: list[str] = Field(
        default_factory=list, description="today's providers outside the scope that stay open "
                                          "and reachable (cross_border)")


class ChoiceModelRef(BaseModel):
    id: str
    name: str | None = None
    origin: str | None = None
    params: dict[str, Any]


class CentreOutcome(BaseModel):
    centre: str
    baseline_volume: float | None
    scenario_volume: float | None
    baseline_band: str
    scenario_band: str
    baseline_rate: float | None
    scenario_rate: float | None
    baseline_events: float | None
    scenario_events: float | None
    delta_events: float | None


class ScenarioOutcome(BaseModel):
    """Expected events per year from the centres' volumes and a sourced volume -> outcome
    table (an observational association, not a causal effect)."""

    outcome: str
    care_type: str | None = Field(default=None, description="in a linked plan: the care "
                                                            "type of the table")
    baseline_events: float | None
    scenario_events: float | None
    delta_events: float | None = Field(description="scenario minus baseline; negative = "
                                                   "events avoided")
    source: str
    period: str
    caveat: str
    centres: list[CentreOutcome]


class ScenarioPart(BaseModel):
    """One care type of a linked plan: its own demand, norm, allocation and figures over the
    shared centres."""

    care_type: str
    weight: float
    min_volume: float | None = Field(description="the norm applied in the optimisation "
                                                 "(None: none)")
    norm: float | None = Field(description="the norm the centres are checked against (the "
                                           "applied one, else the care type's own)")
    objective: float | None = Field(description="this type's patient-minutes per year "
                                                "(unweighted)")
    demand_model: str | None = None
    baseline_model: str | None = None
    headline: ScenarioHeadline
    baseline: TravelFigures
    scenario: TravelFigures
    centres: list[ScenarioCentre]
    closing: list[ClosingCentre]
    regions_without_centre: list[str]
    outcomes: list[ScenarioOutcome] = Field(default_factory=list)


class ScenarioPublic(BaseModel):
    """A computed (and stored) scenario: parameters, headline, centres, allocation.

    A linked plan (``care_types``) has ``care_type`` = the ids joined by '+'; its headline,
    centres, travel and allocation are for all its patients together (objective: the
    weighted sum), and ``linked`` holds the same figures per care type."""

    model_config = example(
        id="5297f2eeccf8", name="gastrectomy: p_median k=5", care_type="gastrectomy",
        method="p_median", created_at="2026-11-23T17:27:17+00:00",
        parameters={"care_type": "gastrectomy", "method": "p_median", "centres": 5,
                    "apply_norm": True, "minutes": 45.0},
        min_volume=20.0,
        headline={"centres": 5, "objective": 13464.8, "gap": 0.0, "status": "optimal",
                  "mean_minutes": 38.9, "mean_delta": 16.4, "share_within": 0.64,
                  "centres_below_norm": 0, "co2_kg_delta": 2043.8},
        centres=[{"hospital": "umcu-utrecht", "name": "UMC Utrecht", "region": "midden",
                  "status": "kept", "patients": 80.2, "baseline_patients": 35.0,
                  "mean_minutes": 41.0, "meets_norm": True}])
    id: str
    name: str
    care_type: str
    care_types: list[str] | None = Field(default=None, description="a linked plan's care "
                                                                   "types")
    method: Method
    created_at: str
    parameters: ScenarioCreate
    min_volume: float | None
    scope: ScenarioScope = Field(default_factory=ScenarioScope)
    allocation_model: Allocation = Allocation.NEAREST
    demand_model: str | None = None
    baseline_model: str | None = None
    choice_model: ChoiceModelRef | None = None
    headline: ScenarioHeadline
    headline_nearest: ScenarioHeadline | None = Field(
        default=None, description="under allocation 'choice': the same centres with every "
                                  "patient at the nearest open centre, for comparison")
    baseline: TravelFigures
    scenario: TravelFigures
    centres: list[ScenarioCentre]
    closing: list[ClosingCentre]
    regions_without_centre: list[str]
    regions_losing_all_centres: list[str]
    by_region: dict[str, RegionTravel]
    areas_worse: list[str]
    allocation: dict[str, str] = Field(
        description="area -> the centre that receives most of its patients")
    area_minutes: AreaMinutes
    outcomes: list[ScenarioOutcome] = Field(
        default_factory=list, description="per outcome with a sourced volume table for the "
        "care type; empty when none was found (unknown, not zero)")
    linked: list[ScenarioPart] | None = Field(
        default=None, description="a linked plan: the figures per care type")
    notes: list[str]


class ScenarioSummary(BaseModel):
    model_config = example(id="5297f2eeccf8", name="gastrectomy: p_median k=5",
                           care_type="gastrectomy", method="p_median",
                           created_at="2026-11-23T17:27:17+00:00",
                           headline={"centres": 5, "mean_minutes": 38.9, "gap": 0.0})
    id: str
    name: str
    care_type: str
    care_types: list[str] | None = None
    method: Method
    created_at: str
    headline: ScenarioHeadline


class CompareSide(BaseModel):
    id: str
    name: str
    care_type: str
    method: Method


class CompareValue(BaseModel):
    a: Any
    b: Any
    delta: float | None


class CompareCentre(BaseModel):
    hospital: str
    name: str
    patients_a: float | None
    patients_b: float | None
    # "a", "b" or "both": in which scenario the centre is open
    in_: str = Field(alias="in")


class ScenarioComparison(BaseModel):
    a: CompareSide
    b: CompareSide
    headline: dict[str, CompareValue]
    centres: list[CompareCentre]
    only_in_a: list[str]
    only_in_b: list[str]
    notes: list[str]


# --------------------------------------------------------------------------- sweeps
Norm = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]


def _no_norm() -> list[float | None]:
    return [None]


class SweepCreate(PlanCreateBase):
    """A trade-off sweep: one scenario per k in ``k_min..k_max`` (step ``k_step``) and per norm
    in ``norms`` (``null`` = no volume norm), everything else as in a scenario. With
    ``care_types`` every run is a linked plan (one set of centres for all of them) and a
    norm applies to each care type of the set."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Pancreas: 5 to 15 centres, no norm / 20 / 40",
        "care_type": "pancreatic-resection", "method": "p_median", "k_min": 5, "k_max": 15,
        "k_step": 1, "norms": [None, 20, 40], "candidate_set": "all", "solver": "auto",
        "time_limit": 30}, {
        "name": "Oesophagus and stomach together: 5 to 12 centres, no norm / 20",
        "care_types": ["oesophagectomy", "gastrectomy"], "method": "p_median", "k_min": 5,
        "k_max": 12, "norms": [None, 20], "candidate_set": "all", "time_limit": 60}]})

    # The same field as the base's, described for a sweep (it keeps its place among the fields).
    care_types: LinkedTypes | None = Field(
        default=None,
        description="a linked set: every run is one set of open centres for all these care "
                    "types (method p_median, nearest allocation), and each norm of the sweep "
                    "applies to every type; give care_type or care_types, not both")
    method: Method = Field(default=Method.P_MEDIAN,
                           description="any method with a k (not set_covering)")
    k_min: StrictInt = Field(ge=1, le=10000, description="fewest centres to open")
    k_max: StrictInt = Field(ge=1, le=10000, description="most centres to open")
    k_step: StrictInt = Field(default=1, ge=1, le=10000)
    norms: list[Norm | None] = Field(
        default_factory=_no_norm, min_length=1, max_length=50,
        description="minimum volumes (patients/year per open centre) to sweep; null: none")
    minutes: Finite = Field(default=45.0, gt=0, le=600,
                            description="travel threshold T: coverage radius and 'within T'")
    keep: IdList = Field(default_factory=list, description="hospitals that must stay open")
    close: IdList = Field(default_factory=list, description="hospitals that must close")
    candidates: IdList | None = Field(
        default=None, description="explicit candidate hospitals (overrides candidate_set)")
    candidate_set: CandidateSet = CandidateSet.PROVIDERS
    regions: IdList | None = Field(default=None, max_length=100,
                                   description="scope (default: the whole country)")
    cross_border: bool = True
    allocation: Allocation = Allocation.NEAREST
    choice_model: Id | None = None
    solver: Solver = Solver.AUTO
    time_limit: Finite = Field(default=30.0, gt=0, le=600, description="seconds per run")
    outcome: Id | None = Field(
        default=None, description="the outcome whose expected events are the second "
        "criterion (default: the first of the care type's outcome tables; for care_types "
        "the one most of the types have, summed over the types that have it)")

    @model_validator(mode="after")
    def _consistent(self) -> SweepCreate:
        if self.care_types is not None:
            check_linked(self.care_types, self.weights, self.method, self.allocation)
        elif self.weights is not None:
            raise ValueError("weights need care_types")
        if self.method == Method.SET_COVERING:
            raise ValueError("method set_covering chooses its own number of centres: a sweep "
                             "over k needs p_median, max_covering, p_centre or a choice method")
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) is below k_min ({self.k_min})")
        if len(set(self.norms)) != len(self.norms):
            raise ValueError("norms: each norm once")
        if self.method in CHOICE_METHODS and self.allocation != Allocation.CHOICE:
            raise ValueError(f"method {self.method} optimises under patient choice: set "
                             "allocation to 'choice' and name a choice_model")
        if self.allocation == Allocation.CHOICE and self.choice_model is None:
            raise ValueError("allocation 'choice' needs a choice_model")
        return self

    @property
    def ks(self) -> list[int]:
        return list(range(self.k_min, self.k_max + 1, self.k_step))

    @property
    def combinations(self) -> int:
        return len(self.ks) * len(self.norms)


# The figures from ``status`` to ``co2_kg_delta`` are the scenario's ScenarioHeadline ones
# (RUN_FIGURES below, copied from the headline in app.services.sweeps.run_combination), each
# optional here: an infeasible run has none. They are declared in both models because what
# the API promises differs (required there, optional with a None default here; status,
# solver and regions_without_centre non-null there; another order): a shared base would
# change one of the two schemas. centres_below_norm also means more here (one volume for
# every run of a sweep).
class SweepRun(BaseModel):
    """One combination of a sweep and its headline figures (``None``: not computed or not
    defined, e.g. expected events of a care type without an outcome table)."""

    k: int
    norm: float | None
    feasible: bool
    error: str | None = None
    status: str | None = None
    solver: str | None = None
    gap: float | None = None
    runtime_s: float | None = None
    objective: float | None = None
    mean_minutes: float | None = None
    mean_delta: float | None = Field(default=None, description="extra mean travel vs today")
    p90_minutes: float | None = None
    share_within: float | None = None
    centres_below_norm: int | None = Field(
        default=None, description="the plan's centres in the scope below the sweep's reference "
        "volume (norm_reference), the same for every run of the sweep whatever its own norm; a "
        "linked sweep: its shared centres below the reference volume of at least one of its "
        "types (norm_references; before, each run counted against its own norm, else each "
        "type's own, as the linked scenario posted alone still does); null without any norm")
    regions_without_centre: int | None = None
    patient_km: float | None = None
    co2_kg: float | None = None
    co2_kg_delta: float | None = None
    expected_events: float | None = Field(
        default=None, description="expected events/year of the sweep's outcome")
    events_avoided: float | None = Field(
        default=None, description="today's expected events minus this plan's")
    outcomes: dict[str, float | None] = Field(
        default_factory=dict, description="outcome -> expected events/year in this plan (a "
        "linked plan: summed over the care types with that outcome's table)")
    events_by_type: dict[str, float | None] | None = Field(
        default=None, description="a linked sweep: the sweep outcome's expected events/year "
        "per care type that has its table")
    event_bands: dict[str, list[str]] | None = Field(
        default=None, description="care type -> the volume bands of the sweep outcome's table "
        "that this plan's centres (those with patients) fall in, lowest first; one band shared "
        "with today's providers (baseline.event_bands) means events_avoided is 0 by "
        "construction")
    centres_below_norm_by_type: dict[str, int] | None = Field(
        default=None, description="a linked sweep: care type -> the plan's centres whose "
        "patients of that type are below the type's reference volume (norm_references; the "
        "types with one)")
    centres: list[str] = Field(default_factory=list, description="centres open in the scope")
    closing: list[str] = Field(default_factory=list,
                               description="today's providers in the scope that lose it")
    pareto: bool = False


#: The figures a sweep's run takes from its scenario's :class:`ScenarioHeadline` (same names,
#: None where the run is infeasible): derived from the two models, never listed by hand, so
#: a figure added to both is copied with no further edit (``centres`` is not one: a run's
#: are the open centres' ids, the headline's how many there are).
RUN_FIGURES: tuple[str, ...] = tuple(
    f for f in SweepRun.model_fields if f in ScenarioHeadline.model_fields and f != "centres")


class SweepPlanRef(BaseModel):
    k: int
    norm: float | None


class SweepLoss(BaseModel):
    """A provider of today and the plans (k, norm) in which it loses the care type."""

    hospital: str
    name: str
    region: str
    baseline_patients: float | None
    loses_in: list[SweepPlanRef]
    keeps_in_all: bool


class SweepBaseline(BaseModel):
    mean_minutes: float | None
    p90_minutes: float | None
    share_within: float | None
    co2_kg: float | None
    expected_events: float | None
    providers: int
    events_by_type: dict[str, float | None] | None = None
    event_bands: dict[str, list[str]] | None = Field(
        default=None, description="care type -> the volume bands of the sweep outcome's table "
        "that today's providers (those with patients) fall in, lowest first")


class SweepPublic(BaseModel):
    """A computed (and stored) sweep: every combination's headline, the Pareto-efficient
    ones marked, and who loses the care type in each."""

    id: str
    name: str
    care_type: str = Field(description="the care type, or a linked set's ids joined by '+'")
    care_types: list[str] | None = Field(default=None, description="a linked sweep's care "
                                                                   "types")
    method: str
    created_at: str
    parameters: SweepCreate
    combinations: int
    executor: str
    wall_s: float | None
    outcome: str | None = Field(description="the outcome of expected_events; null when the "
                                            "care type has no sourced outcome table")
    outcome_types: list[str] | None = Field(
        default=None, description="a linked sweep: the care types whose expected events are "
        "summed (those with a table for the outcome); the others have none")
    outcome_source: str | None = None
    outcome_caveat: str | None = None
    events_note: str | None = Field(
        default=None, description="why events_avoided is 0 where it is so by construction "
        "(every provider today and every centre of the plan in one volume band of the table: "
        "one rate for all, so moving patients changes no expected event); also in notes")
    norm_reference: float | None = Field(
        default=None, description="a single-type sweep: the volume (patients / year) every "
        "run's centres_below_norm counts against, the strictest of the sweep's norms and the "
        "care type's own norm; null for a linked set (one volume per type: norm_references) "
        "or when there is no norm")
    norm_references: dict[str, float | None] | None = Field(
        default=None, description="care type -> the volume (patients / year) every run's "
        "centres of that type are counted against: the strictest of the sweep's norms and "
        "the type's own norm (null: the type has neither); a single-type sweep has its one "
        "type, equal to norm_reference; null when no type has a norm")
    pareto_criteria: list[str] = Field(
        description="what the Pareto front minimises, e.g. mean_minutes and expected_events")
    baseline: SweepBaseline
    runs: list[SweepRun]
    losses: list[SweepLoss]
    notes: list[str]


class SweepSummary(BaseModel):
    id: str
    name: str
    care_type: str
    care_types: list[str] | None = None
    method: str
    created_at: str
    combinations: int
    feasible: int
    pareto: int
    outcome: str | None

"""HTTP schemas: one per entity and view; lists are ``{data, count}``."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

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

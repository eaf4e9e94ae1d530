"""Validate a data folder completely, then load it into Neo4j in one transaction.

The folder holds the CSV files documented in ``graph/seed/README.md``. Every file is read and
validated (pydantic rows, headers, duplicate ids, references across files, bounds) before a
single write; all errors are reported at once with file, line and field. The write runs in one
transaction of batched ``UNWIND $rows ... MERGE`` statements, so a failure leaves the database as
it was, and loading the same folder twice gives the same graph.

Modes
-----
``replace`` (default): the folder is a whole dataset (all required files); the current dataset
and the scenarios computed on it are removed, then the folder is loaded.
``update``: the folder holds any subset of the files (e.g. real volumes in ``provision.csv`` or
an imported ``travel_times.csv``); rows are merged into the current dataset, references may point
at ids already in the database. An area or hospital whose coordinates the update changes loses
its imported travel pairs (``TRAVEL``): they were measured from the old position, so they fall
back to the modelled travel, unless the same load's ``travel_times.csv`` gives them anew; the
load report counts the pairs dropped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, LiteralString, TypeVar, cast

from neo4j import Driver, ManagedTransaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from analysis.travel import NL_LAT_RANGE, NL_LON_RANGE
from app.db import translate_errors
from app.repository.revision import bump_revision
from app.resources import SEED_DIR
from app.vocabulary import (
    CARE_LEVEL_LABELS,
    HOSPITAL_KIND_LABELS,
    CareLevel,
    Confidence,
    HospitalKind,
    LoadMode,
    MemberRole,
    NetworkScope,
)

__all__ = ["FILES", "LoadError", "LoadSummary", "Problem", "SEED_DIR", "load_directory",
           "read_directory", "seed_loaded"]

BATCH = 2000


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    source: str = Field(min_length=1)
    confidence: Confidence


def _in_nl(value: float, lo_hi: tuple[float, float], what: str) -> float:
    lo, hi = lo_hi
    if not lo <= value <= hi:
        raise ValueError(f"{what} {value} is outside the Netherlands ({lo}..{hi})")
    return value


class Located(Row):
    lat: float
    lon: float

    @field_validator("lat")
    @classmethod
    def _lat(cls, v: float) -> float:
        return _in_nl(v, NL_LAT_RANGE, "latitude")

    @field_validator("lon")
    @classmethod
    def _lon(cls, v: float) -> float:
        return _in_nl(v, NL_LON_RANGE, "longitude")


class RegionRow(Row):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    lead_organisation: str | None = None


class HospitalRow(Located):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    city: str = Field(min_length=1)
    province: str = Field(min_length=1)
    kind: HospitalKind
    region: str = Field(min_length=1)


class NetworkRow(Row):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    scope: NetworkScope


class MemberRow(Row):
    network: str = Field(min_length=1)
    hospital: str = Field(min_length=1)
    role: MemberRole


class NetworkRegionRow(Row):
    network: str = Field(min_length=1)
    region: str = Field(min_length=1)


class CareTypeRow(Row):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    tumour: str = Field(min_length=1)
    modality: str = Field(min_length=1)
    level: CareLevel
    min_volume: int | None = Field(default=None, ge=0)
    norm_year: int | None = Field(default=None, ge=1990, le=2100)
    norm_source: str | None = None
    annual_cases: int = Field(ge=0)
    cases_source: str = Field(min_length=1)
    # a care type's facts carry their own sources (norm_source, cases_source)
    source: str | None = None  # type: ignore[assignment]


class NetworkCareTypeRow(Row):
    network: str = Field(min_length=1)
    care_type: str = Field(min_length=1)


class ProvisionRow(Row):
    hospital: str = Field(min_length=1)
    care_type: str = Field(min_length=1)
    volume: float | None = Field(default=None, ge=0)
    year: int | None = Field(default=None, ge=1990, le=2100)


class AreaRow(Located):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    population: int = Field(ge=0)
    province: str = Field(min_length=1)
    region: str = Field(min_length=1)


class TravelRow(Row):
    area: str = Field(min_length=1)
    hospital: str = Field(min_length=1)
    minutes: float = Field(ge=0)
    km: float | None = Field(default=None, ge=0)  # road km, when the matrix was routed


class DemandRow(Row):
    """Patients per year resident in an area for one care type (e.g. NKR registry counts)."""

    area: str = Field(min_length=1)
    care_type: str = Field(min_length=1)
    patients: float = Field(ge=0, allow_inf_nan=False)
    year: int | None = Field(default=None, ge=1990, le=2100)


class FlowRow(Row):
    """Observed patients from an area treated at a hospital for one care type."""

    area: str = Field(min_length=1)
    hospital: str = Field(min_length=1)
    care_type: str = Field(min_length=1)
    patients: float = Field(ge=0, allow_inf_nan=False)
    year: int | None = Field(default=None, ge=1990, le=2100)


# ---- outcomes.csv: volume -> outcome bands (issue 15); one table = one (care_type, outcome)
class OutcomeBandRow(Row):
    """One band of a published volume -> outcome table (``graph/seed/README.md``)."""

    care_type: str = Field(min_length=1)
    outcome: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # e.g. in_hospital_mortality
    min_volume: int = Field(ge=0)                        # inclusive, cases/hospital/year
    max_volume: int | None = Field(default=None, ge=0)   # inclusive; empty = open-ended
    rate: float = Field(ge=0, le=1, allow_inf_nan=False)  # events per patient (fraction)
    patients: int | None = Field(default=None, ge=0)     # patients in this band, if published
    study_patients: int = Field(ge=1)                    # patients in the whole study
    period: str = Field(pattern=r"^\d{4}(-\d{4})?$")     # years of the data, e.g. 2004-2009

    @field_validator("max_volume")
    @classmethod
    def _max_not_below_min(cls, v: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_volume")
        if v is not None and low is not None and v < low:
            raise ValueError(f"max_volume {v} is below min_volume {low}")
        return v

    @field_validator("period")
    @classmethod
    def _period_ordered(cls, v: str) -> str:
        first, _, last = v.partition("-")
        if last and int(last) < int(first):
            raise ValueError(f"period {v!r} ends before it starts")
        return v


def _check_outcome_bands(rows: dict[str, list[Row]], lines: dict[str, list[int]],
                         problems: list[Problem]) -> None:
    """Each (care_type, outcome) table: bands contiguous from 0 or 1, no overlap, no gap,
    only the last band open-ended (so every volume >= 0 has exactly one rate), and one
    source and period for the whole table (a table is one study).

    Runs only once every row of the file is valid and refers to a known care type: a table
    missing a broken row would otherwise show follow-on gaps that are not in the file."""
    if any(p.file == "outcomes.csv" for p in problems):
        return
    tables: dict[tuple[str, str], list[tuple[OutcomeBandRow, int]]] = {}
    for band, line in zip(rows.get("outcomes.csv", []), lines.get("outcomes.csv", []),
                          strict=True):
        if isinstance(band, OutcomeBandRow):
            tables.setdefault((band.care_type, band.outcome), []).append((band, line))

    def bad(line: int, column: str, message: str) -> None:
        problems.append(Problem("outcomes.csv", line, column, message))

    def span(band: OutcomeBandRow) -> str:
        return f"{band.min_volume}..{'' if band.max_volume is None else band.max_volume}"

    for (care_type, outcome), bands in tables.items():
        name = f"{care_type}/{outcome}"
        bands.sort(key=lambda b: (b[0].min_volume, b[1]))
        first, first_line = bands[0]
        if first.min_volume > 1:
            bad(first_line, "min_volume", f"the lowest band of {name} starts at "
                f"{first.min_volume}; it must start at 0 or 1 (volumes 0..{first.min_volume - 1} "
                f"would have no rate)")
        for (prev, prev_line), (band, line) in pairwise(bands):
            if prev.max_volume is None or band.min_volume <= prev.max_volume:
                bad(line, "min_volume", f"band {span(band)} of {name} overlaps band "
                    f"{span(prev)} on line {prev_line}")
            elif band.min_volume > prev.max_volume + 1:
                bad(line, "min_volume", f"gap in {name}: volumes {prev.max_volume + 1}.."
                    f"{band.min_volume - 1} are in no band (band {span(prev)} on line "
                    f"{prev_line} is followed by band {span(band)})")
        last, last_line = bands[-1]
        if last.max_volume is not None:
            bad(last_line, "max_volume", f"the highest band of {name} ends at "
                f"{last.max_volume}; it must be open-ended (empty max_volume) so every "
                f"volume has a rate")
        for band, line in bands:
            if band.source != first.source:
                bad(line, "source", f"differs from the source of {name} on line {first_line}; "
                    f"one table is one study")
            if band.period != first.period:
                bad(line, "period", f"{band.period!r} differs from {first.period!r} of {name} "
                    f"on line {first_line}")
# ---- end outcomes.csv


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[Row]
    required: bool
    key: tuple[str, ...]
    refs: dict[str, str] = field(default_factory=dict)  # column -> referenced file


FILES: tuple[FileSpec, ...] = (
    FileSpec("regions.csv", RegionRow, True, ("id",)),
    FileSpec("hospitals.csv", HospitalRow, True, ("id",), {"region": "regions.csv"}),
    FileSpec("networks.csv", NetworkRow, True, ("id",)),
    FileSpec("care_types.csv", CareTypeRow, True, ("id",)),
    FileSpec("areas.csv", AreaRow, True, ("id",), {"region": "regions.csv"}),
    FileSpec("network_members.csv", MemberRow, True, ("network", "hospital"),
             {"network": "networks.csv", "hospital": "hospitals.csv"}),
    FileSpec("network_regions.csv", NetworkRegionRow, True, ("network", "region"),
             {"network": "networks.csv", "region": "regions.csv"}),
    FileSpec("network_care_types.csv", NetworkCareTypeRow, False, ("network", "care_type"),
             {"network": "networks.csv", "care_type": "care_types.csv"}),
    FileSpec("provision.csv", ProvisionRow, True, ("hospital", "care_type"),
             {"hospital": "hospitals.csv", "care_type": "care_types.csv"}),
    FileSpec("travel_times.csv", TravelRow, False, ("area", "hospital"),
             {"area": "areas.csv", "hospital": "hospitals.csv"}),
    FileSpec("demand.csv", DemandRow, False, ("area", "care_type"),
             {"area": "areas.csv", "care_type": "care_types.csv"}),
    FileSpec("flows.csv", FlowRow, False, ("area", "hospital", "care_type"),
             {"area": "areas.csv", "hospital": "hospitals.csv", "care_type": "care_types.csv"}),
    FileSpec("outcomes.csv", OutcomeBandRow, False, ("care_type", "outcome", "min_volume"),
             {"care_type": "care_types.csv"}),
)
SPECS = {spec.name: spec for spec in FILES}
LABEL_OF = {"regions.csv": "Region", "hospitals.csv": "Hospital", "networks.csv": "Network",
            "care_types.csv": "CareType", "areas.csv": "Area"}

R = TypeVar("R", bound=Row)


def _rows_of(rows: dict[str, list[Row]], name: str, model: type[R]) -> list[R]:
    """The rows read from file ``name``, typed as its row model (which ``model`` must be)."""
    if SPECS[name].model is not model:
        raise TypeError(f"{name} holds {SPECS[name].model.__name__} rows, not {model.__name__}")
    return cast("list[R]", rows.get(name, []))


# --------------------------------------------------------------------------- errors
@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else \
            f"{where}: {self.message}"


class LoadError(ValueError):
    """The folder did not validate; nothing was written. Holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:200])
        more = f"\n  ... and {len(problems) - 200} more" if len(problems) > 200 else ""
        super().__init__(f"{len(problems)} problem(s) in the data; nothing was written:\n"
                         f"{shown}{more}")


# --------------------------------------------------------------------------- reading
@dataclass
class Dataset:
    directory: Path
    rows: dict[str, list[Row]]
    checksum: str
    lines: dict[str, list[int]] = field(default_factory=dict)  # source line of each row


def _read_file(path: Path, spec: FileSpec,
               problems: list[Problem]) -> tuple[list[Row], list[int]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(Problem(spec.name, line, "", f"not UTF-8 (byte 0x{raw[e.start]:02x} "
                                                     f"at offset {e.start})"))
        return [], []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    expected = list(spec.model.model_fields)
    required = [n for n, f in spec.model.model_fields.items() if f.is_required()]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in expected]
    for c in missing:
        problems.append(Problem(spec.name, 1, c, "required column is missing"))
    for c in unknown:
        problems.append(Problem(spec.name, 1, c,
                                f"unknown column (expected: {', '.join(expected)})"))
    if missing or unknown:
        return [], []
    rows: list[Row] = []
    lines: list[int] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append(Problem(spec.name, line, "", f"{len(record[None])} value(s) more "
                                                         f"than the {len(header)} columns"))
            continue
        values = {k: (v if v is not None and v.strip() != "" else None) for k, v in record.items()}
        values = {k: v for k, v in values.items() if v is not None}
        try:
            rows.append(spec.model.model_validate(values))
            lines.append(line)
        except ValidationError as e:
            for err in e.errors():
                col = ".".join(str(p) for p in err["loc"]) or ""
                got = record.get(col) if col else None
                msg = err["msg"] + (f" (got {got!r})" if got not in (None, "") else "")
                problems.append(Problem(spec.name, line, col, msg))
    return rows, lines


def read_directory(directory: Path | str | None = None, *, mode: LoadMode = LoadMode.REPLACE,
                   known_ids: dict[str, set[str]] | None = None) -> Dataset:
    """Read and validate every file of ``directory``; raise :class:`LoadError` listing all
    problems. ``known_ids`` (label file -> ids already in the database) resolves references
    in ``update`` mode."""
    directory = Path(directory) if directory else SEED_DIR
    if not directory.is_dir():
        raise LoadError([Problem(str(directory), 0, "", "is not a folder")])
    problems: list[Problem] = []
    rows: dict[str, list[Row]] = {}
    lines: dict[str, list[int]] = {}
    broken: set[str] = set()  # unreadable files: references into them are not checked
    digest = hashlib.sha256()
    for spec in FILES:
        path = directory / spec.name
        if not path.exists():
            if spec.required and mode == LoadMode.REPLACE:
                problems.append(Problem(spec.name, 0, "", f"required file is missing in "
                                                          f"{directory}"))
            continue
        digest.update(spec.name.encode() + path.read_bytes())
        before = len(problems)
        rows[spec.name], lines[spec.name] = _read_file(path, spec, problems)
        if not rows[spec.name] and len(problems) > before:
            broken.add(spec.name)
        elif not rows[spec.name] and spec.required:
            # replacing with an empty file would silently remove everything it holds
            problems.append(Problem(spec.name, 0, "", "required file has no data rows "
                                                      "(only a header)"))
            broken.add(spec.name)
    if not rows:
        problems.append(Problem(str(directory), 0, "", "holds none of the data files "
                                                       f"({', '.join(SPECS)})"))
    _check_keys_and_refs(rows, lines, problems, known_ids or {}, broken)
    _check_outcome_bands(rows, lines, problems)
    if problems:
        raise LoadError(problems)
    return Dataset(directory, rows, digest.hexdigest(), lines)


def _check_keys_and_refs(rows: dict[str, list[Row]], lines: dict[str, list[int]],
                         problems: list[Problem], known_ids: dict[str, set[str]],
                         broken: set[str]) -> None:
    ids: dict[str, set[str]] = {name: set(known_ids.get(name, set())) for name in LABEL_OF}
    for spec in FILES:
        seen: dict[tuple, int] = {}
        for row, line in zip(rows.get(spec.name, []), lines.get(spec.name, []), strict=True):
            key = tuple(getattr(row, k) for k in spec.key)
            if key in seen:
                problems.append(Problem(spec.name, line, ",".join(spec.key),
                                        f"duplicate {'/'.join(map(str, key))} (first on line "
                                        f"{seen[key]})"))
            else:
                seen[key] = line
        if spec.name in LABEL_OF:
            ids[spec.name] |= {k[0] for k in seen}
    for spec in FILES:
        for row, line in zip(rows.get(spec.name, []), lines.get(spec.name, []), strict=True):
            for column, target in spec.refs.items():
                if target in broken:
                    continue
                value = getattr(row, column)
                if value not in ids[target]:
                    problems.append(Problem(spec.name, line, column,
                                            f"unknown {target.removesuffix('.csv')} id "
                                            f"{value!r}"))
    if "regions.csv" in rows and "hospitals.csv" in rows:
        with_hospital = {h.region for h in _rows_of(rows, "hospitals.csv", HospitalRow)}
        regions = _rows_of(rows, "regions.csv", RegionRow)
        for region, line in zip(regions, lines["regions.csv"], strict=True):
            if region.id not in with_hospital:
                problems.append(Problem("regions.csv", line, "id",
                                        f"region {region.id!r} has no hospital"))


# --------------------------------------------------------------------------- writing
DELETE_DATASET = """
MATCH (n) WHERE n:Hospital OR n:Region OR n:Network OR n:CareType OR n:Area OR n:Scenario
   OR n:ChoiceModel OR n:OutcomeBand
DETACH DELETE n
"""
MERGE_REGIONS = """
UNWIND $rows AS r
MERGE (n:Region {id: r.id})
SET n.name = r.name, n.lead_organisation = r.lead_organisation, n.source = r.source,
    n.confidence = r.confidence
"""
MERGE_HOSPITALS = """
UNWIND $rows AS r
MERGE (h:Hospital {id: r.id})
SET h.name = r.name, h.organisation = r.organisation, h.city = r.city, h.province = r.province,
    h.lat = r.lat, h.lon = r.lon, h.kind = r.kind, h.source = r.source,
    h.confidence = r.confidence
WITH h, r
OPTIONAL MATCH (h)-[old:IN_REGION]->(:Region)
DELETE old
WITH DISTINCT h, r
MATCH (g:Region {id: r.region})
MERGE (h)-[:IN_REGION]->(g)
"""
# One statement per node type sets the secondary label of each row (dynamic labels, Neo4j
# >= 5.24); $labels and every row's label come from app.vocabulary, never from file text.
SET_KIND_LABEL = """
UNWIND $rows AS r
MATCH (h:Hospital {id: r.id})
REMOVE h:$($labels)
SET h:$(r.label)
"""
MERGE_NETWORKS = """
UNWIND $rows AS r
MERGE (n:Network {id: r.id})
SET n.name = r.name, n.scope = r.scope, n.source = r.source, n.confidence = r.confidence
"""
MERGE_CARE_TYPES = """
UNWIND $rows AS r
MERGE (c:CareType {id: r.id})
SET c.name = r.name, c.tumour = r.tumour, c.modality = r.modality, c.level = r.level,
    c.min_volume = r.min_volume, c.norm_year = r.norm_year, c.norm_source = r.norm_source,
    c.annual_cases = r.annual_cases, c.cases_source = r.cases_source, c.source = r.source,
    c.confidence = r.confidence
"""
SET_LEVEL_LABEL = """
UNWIND $rows AS r
MATCH (c:CareType {id: r.id})
REMOVE c:$($labels)
SET c:$(r.label)
"""
MERGE_AREAS = """
UNWIND $rows AS r
MERGE (a:Area {id: r.id})
SET a.name = r.name, a.population = r.population, a.lat = r.lat, a.lon = r.lon,
    a.province = r.province, a.source = r.source, a.confidence = r.confidence
WITH a, r
OPTIONAL MATCH (a)-[old:IN_REGION]->(:Region)
DELETE old
WITH DISTINCT a, r
MATCH (g:Region {id: r.region})
MERGE (a)-[:IN_REGION]->(g)
"""
MERGE_MEMBERS = """
UNWIND $rows AS r
MATCH (h:Hospital {id: r.hospital}), (n:Network {id: r.network})
MERGE (h)-[m:MEMBER_OF]->(n)
SET m.role = r.role, m.source = r.source, m.confidence = r.confidence
"""
MERGE_NETWORK_REGIONS = """
UNWIND $rows AS r
MATCH (n:Network {id: r.network}), (g:Region {id: r.region})
MERGE (n)-[c:COVERS]->(g)
SET c.source = r.source, c.confidence = r.confidence
"""
MERGE_NETWORK_CARE_TYPES = """
UNWIND $rows AS r
MATCH (n:Network {id: r.network}), (c:CareType {id: r.care_type})
MERGE (n)-[f:FOR]->(c)
SET f.source = r.source, f.confidence = r.confidence
"""
MERGE_PROVISION = """
UNWIND $rows AS r
MATCH (h:Hospital {id: r.hospital}), (c:CareType {id: r.care_type})
MERGE (h)-[p:PROVIDES]->(c)
SET p.volume = r.volume, p.year = r.year, p.source = r.source, p.confidence = r.confidence
"""
# update mode, before the areas and hospitals are merged: imported travel pairs of a place whose
# coordinates change are stale (the travel file of the same load is merged after, so it wins)
DROP_MOVED_AREA_TRAVEL = """
UNWIND $rows AS r
MATCH (a:Area {id: r.id})-[t:TRAVEL]->(h:Hospital)
WHERE a.lat <> r.lat OR a.lon <> r.lon
DELETE t
RETURN a.id AS area, h.id AS hospital
"""
DROP_MOVED_HOSPITAL_TRAVEL = """
UNWIND $rows AS r
MATCH (a:Area)-[t:TRAVEL]->(h:Hospital {id: r.id})
WHERE h.lat <> r.lat OR h.lon <> r.lon
DELETE t
RETURN a.id AS area, h.id AS hospital
"""
MERGE_TRAVEL = """
UNWIND $rows AS r
MATCH (a:Area {id: r.area}), (h:Hospital {id: r.hospital})
MERGE (a)-[t:TRAVEL]->(h)
SET t.minutes = r.minutes, t.km = r.km, t.source = r.source, t.confidence = r.confidence
"""
DELETE_DEMAND = """
UNWIND $care_types AS ct
MATCH (:Area)-[d:DEMAND]->(:CareType {id: ct})
DELETE d
"""
MERGE_DEMAND = """
UNWIND $rows AS r
MATCH (a:Area {id: r.area}), (c:CareType {id: r.care_type})
MERGE (a)-[d:DEMAND]->(c)
SET d.patients = r.patients, d.year = r.year, d.source = r.source, d.confidence = r.confidence
"""
DELETE_FLOWS = """
MATCH (:Area)-[t:TREATED_AT]->(:Hospital)
WHERE t.care_type IN $care_types
DELETE t
"""
MERGE_FLOWS = """
UNWIND $rows AS r
MATCH (a:Area {id: r.area}), (h:Hospital {id: r.hospital})
MERGE (a)-[t:TREATED_AT {care_type: r.care_type}]->(h)
SET t.patients = r.patients, t.year = r.year, t.source = r.source,
    t.confidence = r.confidence
"""
# a choice model fitted on flows that are replaced no longer describes the data
DELETE_STALE_CHOICE_MODELS = """
MATCH (m:ChoiceModel)
WHERE m.care_type IN $care_types AND m.origin = 'estimated'
DETACH DELETE m
"""
# outcomes.csv replaces, like demand.csv and flows.csv, every band of each care type it names
# (in update mode too), so a table is never a mix of an old and a new study; bands get the id
# "<care_type>/<outcome>/<min_volume>".
DELETE_OUTCOME_BANDS = """
MATCH (b:OutcomeBand)
WHERE b.care_type IN $care_types
DETACH DELETE b
"""
MERGE_OUTCOME_BANDS = """
UNWIND $rows AS r
MATCH (c:CareType {id: r.care_type})
MERGE (b:OutcomeBand {id: r.care_type + '/' + r.outcome + '/' + toString(r.min_volume)})
SET b.care_type = r.care_type, b.outcome = r.outcome, b.min_volume = r.min_volume,
    b.max_volume = r.max_volume, b.rate = r.rate, b.patients = r.patients,
    b.study_patients = r.study_patients, b.period = r.period, b.source = r.source,
    b.confidence = r.confidence
MERGE (b)-[:OUTCOME_FOR]->(c)
"""
# demand.csv and flows.csv replace, per care type they name, what the database holds for that
# care type: a registry extract is a whole table, and merging a partial one into an older one
# would mix years.
CLEAR_BEFORE = {"demand.csv": DELETE_DEMAND, "flows.csv": DELETE_FLOWS,
                "outcomes.csv": DELETE_OUTCOME_BANDS}
MERGE_DATASET = """
MERGE (d:Dataset {id: 'current'})
SET d.directory = $directory, d.checksum = $checksum, d.mode = $mode,
    d.loaded_at = datetime(), d.files = $files
"""
KNOWN_IDS = """
CALL () { MATCH (n:Region) RETURN 'regions.csv' AS file, collect(n.id) AS ids
  UNION MATCH (n:Hospital) RETURN 'hospitals.csv' AS file, collect(n.id) AS ids
  UNION MATCH (n:Network) RETURN 'networks.csv' AS file, collect(n.id) AS ids
  UNION MATCH (n:CareType) RETURN 'care_types.csv' AS file, collect(n.id) AS ids
  UNION MATCH (n:Area) RETURN 'areas.csv' AS file, collect(n.id) AS ids }
RETURN file, ids
"""
SEED_LOADED = """
MATCH (d:Dataset {id: 'current'}) WHERE d.checksum IS NOT NULL RETURN count(d) > 0 AS loaded
"""

# order matters: nodes before the relationships that need them
WRITES: tuple[tuple[str, str], ...] = (
    ("regions.csv", MERGE_REGIONS),
    ("hospitals.csv", MERGE_HOSPITALS),
    ("networks.csv", MERGE_NETWORKS),
    ("care_types.csv", MERGE_CARE_TYPES),
    ("areas.csv", MERGE_AREAS),
    ("network_members.csv", MERGE_MEMBERS),
    ("network_regions.csv", MERGE_NETWORK_REGIONS),
    ("network_care_types.csv", MERGE_NETWORK_CARE_TYPES),
    ("provision.csv", MERGE_PROVISION),
    ("travel_times.csv", MERGE_TRAVEL),
    ("demand.csv", MERGE_DEMAND),
    ("flows.csv", MERGE_FLOWS),
    ("outcomes.csv", MERGE_OUTCOME_BANDS),
)


@dataclass(frozen=True)
class LoadSummary:
    directory: str
    mode: LoadMode
    rows: dict[str, int]
    seconds: float
    by_confidence: dict[str, int]
    # imported travel pairs of moved areas/hospitals that this update dropped (not given anew)
    stale_travel: int = 0

    def stale_note(self) -> str:
        """What the update did to imported travel pairs of moved places ("" if nothing)."""
        if not self.stale_travel:
            return ""
        return (f"dropped {self.stale_travel} imported travel pair(s) of moved areas or "
                "hospitals: they use the modelled travel until a new travel file is loaded "
                "(`oncoregio travel build`)")

    def describe(self) -> str:
        total = sum(self.rows.values())
        lines = [f"loaded {total} rows from {self.directory} ({self.mode}) in "
                 f"{self.seconds:.2f} s"]
        lines += [f"  {name:<24} {n:>6}" for name, n in self.rows.items()]
        shares = ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(self.by_confidence.items()))
        lines.append(f"  confidence: {shares}")
        if self.stale_travel:
            lines.append(f"  {self.stale_note()}")
        return "\n".join(lines)


def _batches(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _drop_moved_travel(tx: ManagedTransaction, data: Dataset) -> int:
    """Delete the imported travel pairs of places this update moves; return how many of them
    the load's own ``travel_times.csv`` does not give anew."""
    places: tuple[tuple[LiteralString, list[AreaRow] | list[HospitalRow]], ...] = (
        (DROP_MOVED_AREA_TRAVEL, _rows_of(data.rows, "areas.csv", AreaRow)),
        (DROP_MOVED_HOSPITAL_TRAVEL, _rows_of(data.rows, "hospitals.csv", HospitalRow)))
    dropped: set[tuple[str, str]] = set()
    for query, located in places:
        rows = [{"id": r.id, "lat": r.lat, "lon": r.lon} for r in located]
        for batch in _batches(rows):
            dropped |= {(rec["area"], rec["hospital"]) for rec in tx.run(query, rows=batch)}
    fresh = {(r.area, r.hospital) for r in _rows_of(data.rows, "travel_times.csv", TravelRow)}
    return len(dropped - fresh)


def _write(tx: ManagedTransaction, data: Dataset, mode: LoadMode,
           report: Callable[[int, str], None]) -> int:
    """Unit of work for ``execute_write``: safe to run again on a retry. Returns the number of
    stale travel pairs dropped (update mode)."""
    stale = 0
    if mode == LoadMode.REPLACE:
        tx.run(DELETE_DATASET).consume()
    else:
        stale = _drop_moved_travel(tx, data)
    done = 0
    for name, query in WRITES:
        rows = [r.model_dump(mode="json") for r in data.rows.get(name, [])]
        if name in CLEAR_BEFORE and rows:
            care_types = sorted({r["care_type"] for r in rows})
            tx.run(CLEAR_BEFORE[name], care_types=care_types).consume()
            if name == "flows.csv":
                tx.run(DELETE_STALE_CHOICE_MODELS, care_types=care_types).consume()
        for batch in _batches(rows):
            tx.run(query, rows=batch).consume()
            done += 1
            report(done, name)
    _set_labels(tx, SET_KIND_LABEL, HOSPITAL_KIND_LABELS,
                {h.id: h.kind for h in _rows_of(data.rows, "hospitals.csv", HospitalRow)})
    _set_labels(tx, SET_LEVEL_LABEL, CARE_LEVEL_LABELS,
                {c.id: c.level for c in _rows_of(data.rows, "care_types.csv", CareTypeRow)})
    tx.run(MERGE_DATASET, directory=str(data.directory), checksum=data.checksum, mode=mode.value,
           files=sorted(data.rows)).consume()
    bump_revision(tx, f"load ({mode.value}) of {data.directory}")
    return stale


def _set_labels(tx: ManagedTransaction, query: LiteralString, labels: Mapping[Any, LiteralString],
                values: dict[str, Any]) -> None:
    """Give each node (id -> vocabulary value) the secondary label of its value, removing the
    other labels of ``labels``."""
    if values:
        tx.run(query, labels=list(labels.values()),
               rows=[{"id": i, "label": labels[v]} for i, v in values.items()]).consume()


def known_ids(driver: Driver, database: str) -> dict[str, set[str]]:
    with translate_errors():
        records, _, _ = driver.execute_query(KNOWN_IDS, database_=database)
    return {r["file"]: set(r["ids"]) for r in records}


def load_directory(driver: Driver, database: str, directory: Path | str | None = None, *,
                   mode: LoadMode | str = LoadMode.REPLACE,
                   progress: Callable[[int, int, str], None] | None = None) -> LoadSummary:
    """Validate ``directory`` fully, then write it in one transaction (see module doc).

    ``progress(done, total, file)`` is called after each written batch (``total`` batches in
    all); on a driver retry the count starts again from zero.
    """
    try:
        mode = LoadMode(mode)
    except ValueError:
        raise ValueError(f"mode must be one of {', '.join(LoadMode)}, not {mode!r}") from None
    started = time.monotonic()
    known = known_ids(driver, database) if mode == LoadMode.UPDATE else None
    data = read_directory(directory, mode=mode, known_ids=known)
    total = sum(max(1, -(-len(v) // BATCH)) if v else 0 for v in data.rows.values())

    def report(done: int, label: str) -> None:
        if progress is not None:
            progress(done, total, label)

    with translate_errors(), driver.session(database=database) as session:
        stale = session.execute_write(_write, data, mode, report)
    counts = {name: len(rows) for name, rows in data.rows.items()}
    confidence: dict[str, int] = {}
    for rows in data.rows.values():
        for r in rows:
            confidence[r.confidence] = confidence.get(r.confidence, 0) + 1
    return LoadSummary(str(data.directory), mode, counts, time.monotonic() - started, confidence,
                       stale)


def seed_loaded(driver: Driver, database: str) -> bool:
    with translate_errors():
        records, _, _ = driver.execute_query(SEED_LOADED, database_=database)
    return bool(records[0]["loaded"])

"""Validate a data folder completely, then load it into Neo4j atomically.

The folder holds the CSV files documented in ``graph/seed/README.md``. Every file is read and
validated (pydantic rows, headers, duplicate ids, references across files, bounds) before a
single write; all errors are reported at once with file, line and field. Files are read as a
stream: the big ones (one row per area or area pair, :data:`STREAMED`) are not kept in memory
but read again, batch by batch, while writing.

The write is atomic either way, and loading the same folder twice gives the same graph:

- in one transaction of batched ``UNWIND $rows ... MERGE`` statements (an ``update`` load,
  and a ``replace`` load of up to :data:`STAGED_ABOVE` rows), so a failure leaves the
  database as it was;
- staged (a larger ``replace`` load, which would not fit in one transaction's memory): the
  same statements write the new dataset in batches under shadow labels no read query names,
  then a switch in batches of :data:`SWITCH_ROWS` nodes, under a mark that readers through
  :func:`~app.repository.revision.read_consistent` wait for, relabels it (see "staged loads"
  below). Those readers see the old dataset or the new one, never a mix; a load interrupted
  before the switch leaves only invisible nodes, one interrupted in the switch leaves the
  mark, and the next load first finishes that switch, then removes what is left.

One load at a time: every load holds the load lock (:mod:`app.repository.load_lock`); a
second one fails at once, naming the first, and writes nothing.

Modes
-----
``replace`` (default): the folder is a whole dataset (all required files); the current dataset
and the scenarios computed on it are removed, then the folder is loaded.
``update``: the folder holds any subset of the files (e.g. real volumes in ``provision.csv`` or
an imported ``travel_times.csv``); rows are merged into the current dataset, references may point
at ids already in the database. An area or hospital whose coordinates the update changes loses
its imported travel pairs (``TRAVEL``): they were measured from the old position, so they fall
back to the modelled travel, unless the same load's ``travel_times.csv`` gives them anew; the
load report counts the pairs dropped. An update of only ``travel_times.csv`` of more than
``staged_above`` rows (the routed matrix) is staged like a replace load: its pairs written in
batches as relationships no reader matches, then applied in batches under the mark. Any other
update of more than ``staged_above`` rows (e.g. a large ``areas.csv`` or ``demand.csv``) is
staged too: its batches are written as ``StagedBatch`` nodes no reader matches, then applied
in order, one transaction per batch, under the mark (see "staged updates" below).
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, LiteralString, TypeVar, cast

from neo4j import Driver, ManagedTransaction, Session, Transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from analysis.travel import NL_LAT_RANGE, NL_LON_RANGE
from app.db import translate_errors
from app.repository.load_lock import load_lock
from app.repository.revision import bump_revision, clear_switching, switching
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

__all__ = ["FILES", "LoadError", "LoadSummary", "Problem", "SEED_DIR", "finish_switch",
           "load_directory", "purge_leftovers", "read_directory", "recover", "seed_loaded"]

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
T = TypeVar("T")
Digest = Any  # a hashlib object (its class is private)
Tx = ManagedTransaction | Transaction


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
#: files whose rows a staged load does not keep in memory: validated streaming, then read
#: again batch by batch while writing (the big ones: one row per area or per area pair)
STREAMED = frozenset({"areas.csv", "travel_times.csv", "demand.csv", "flows.csv"})


@dataclass
class Dataset:
    directory: Path
    rows: dict[str, list[Row]]  # kept rows (every file present, unless read with stream=True)
    checksum: str
    lines: dict[str, list[int]] = field(default_factory=dict)  # source line of each row
    counts: dict[str, int] = field(default_factory=dict)  # rows per file present
    digests: dict[str, str] = field(default_factory=dict)  # sha256 of each file read
    confidence: dict[str, int] = field(default_factory=dict)  # rows per confidence value

    @property
    def files(self) -> list[str]:
        """The files present, in load order."""
        return [spec.name for spec in FILES if spec.name in self.counts]

    def iter_rows(self, name: str) -> Iterator[Row]:
        """The rows of file ``name``: kept ones, or the file read again (streamed files);
        a file that changed since it was validated raises :class:`LoadError`."""
        if name in self.rows:
            yield from self.rows[name]
            return
        if name not in self.counts:
            return
        problems: list[Problem] = []
        digest = hashlib.sha256()
        for row, _ in _iter_file(self.directory / name, SPECS[name], problems, digest):
            yield row
        if problems or digest.hexdigest() != self.digests[name]:
            raise LoadError([Problem(name, 0, "", "changed while it was being loaded; "
                                                  "load it again")])


def _raw_lines(path: Path, name: str, problems: list[Problem],
               digest: Digest) -> Iterator[str]:
    """The file's lines decoded as UTF-8 (a leading BOM dropped), hashed as they are read;
    stops at the first line that is not UTF-8, with a problem naming it."""
    offset = 0
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            digest.update(raw)
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as e:
                problems.append(Problem(name, number, "", f"not UTF-8 (byte 0x{raw[e.start]:02x}"
                                                          f" at offset {offset + e.start})"))
                return
            offset += len(raw)
            yield text


def _iter_file(path: Path, spec: FileSpec, problems: list[Problem],
               digest: Digest) -> Iterator[tuple[Row, int]]:
    """Validated rows of one file with their line numbers, one at a time (bounded memory);
    every invalid row or header adds a problem instead."""
    text = _raw_lines(path, spec.name, problems, digest)
    reader = csv.DictReader(text)
    before = len(problems)
    header = reader.fieldnames or []
    if len(problems) > before:  # the header line is not UTF-8
        return
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
        for _ in text:
            pass  # the checksum still covers the whole file
        return
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append(Problem(spec.name, line, "", f"{len(record[None])} value(s) more "
                                                         f"than the {len(header)} columns"))
            continue
        values = {k: (v if v is not None and v.strip() != "" else None) for k, v in record.items()}
        values = {k: v for k, v in values.items() if v is not None}
        try:
            yield spec.model.model_validate(values), line
        except ValidationError as e:
            for err in e.errors():
                col = ".".join(str(p) for p in err["loc"]) or ""
                got = record.get(col) if col else None
                msg = err["msg"] + (f" (got {got!r})" if got not in (None, "") else "")
                problems.append(Problem(spec.name, line, col, msg))


def read_directory(directory: Path | str | None = None, *, mode: LoadMode = LoadMode.REPLACE,
                   known_ids: dict[str, set[str]] | None = None,
                   stream: bool = False) -> Dataset:
    """Read and validate every file of ``directory``; raise :class:`LoadError` listing all
    problems. ``known_ids`` (label file -> ids already in the database) resolves references
    in ``update`` mode. ``stream``: keep no rows of the :data:`STREAMED` files (only their
    ids and keys, to check references and duplicates); :meth:`Dataset.iter_rows` reads them
    again."""
    directory = Path(directory) if directory else SEED_DIR
    if not directory.is_dir():
        raise LoadError([Problem(str(directory), 0, "", "is not a folder")])
    problems: list[Problem] = []
    data = Dataset(directory, {}, "")
    broken: set[str] = set()  # unreadable files: references into them are not checked
    ids: dict[str, set[str]] = {name: set((known_ids or {}).get(name, set()))
                                for name in LABEL_OF}
    digest = hashlib.sha256()
    for spec in FILES:
        path = directory / spec.name
        if not path.exists():
            if spec.required and mode == LoadMode.REPLACE:
                problems.append(Problem(spec.name, 0, "", f"required file is missing in "
                                                          f"{directory}"))
            continue
        keep = not (stream and spec.name in STREAMED)
        rows: list[Row] = []
        lines: list[int] = []
        before = len(problems)
        file_digest = hashlib.sha256()
        seen: dict[tuple, int] = {}
        n = 0
        for row, line in _iter_file(path, spec, problems, file_digest):
            n += 1
            data.confidence[row.confidence] = data.confidence.get(row.confidence, 0) + 1
            if keep:
                rows.append(row)
                lines.append(line)
            _check_row(spec, row, line, seen, ids, broken, problems)
        if spec.name in LABEL_OF:
            ids[spec.name] |= {key[0] for key in seen}
        digest.update(spec.name.encode() + bytes.fromhex(file_digest.hexdigest()))
        data.digests[spec.name] = file_digest.hexdigest()
        data.counts[spec.name] = n
        if keep:
            data.rows[spec.name], data.lines[spec.name] = rows, lines
        if not n and len(problems) > before:
            broken.add(spec.name)
        elif not n and spec.required:
            # replacing with an empty file would silently remove everything it holds
            problems.append(Problem(spec.name, 0, "", "required file has no data rows "
                                                      "(only a header)"))
            broken.add(spec.name)
    if not data.counts:
        problems.append(Problem(str(directory), 0, "", "holds none of the data files "
                                                       f"({', '.join(SPECS)})"))
    _check_regions_have_hospitals(data.rows, data.lines, problems)
    _check_outcome_bands(data.rows, data.lines, problems)
    if problems:
        raise LoadError(problems)
    data.checksum = digest.hexdigest()
    return data


def _check_row(spec: FileSpec, row: Row, line: int, seen: dict[tuple, int],
               ids: dict[str, set[str]], broken: set[str], problems: list[Problem]) -> None:
    """Duplicate keys within the file and references into the files read before it (every
    reference points at a file earlier in :data:`FILES`)."""
    key = tuple(getattr(row, k) for k in spec.key)
    if key in seen:
        problems.append(Problem(spec.name, line, ",".join(spec.key),
                                f"duplicate {'/'.join(map(str, key))} (first on line "
                                f"{seen[key]})"))
    else:
        seen[key] = line
    for column, target in spec.refs.items():
        if target in broken:
            continue
        value = getattr(row, column)
        if value not in ids[target]:
            problems.append(Problem(spec.name, line, column,
                                    f"unknown {target.removesuffix('.csv')} id {value!r}"))


def _check_regions_have_hospitals(rows: dict[str, list[Row]], lines: dict[str, list[int]],
                                  problems: list[Problem]) -> None:
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
    d.loaded_at = datetime(), d.files = $files, d.load_tag = randomUUID()
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
WRITES: tuple[tuple[str, LiteralString], ...] = (
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


# ---- staged loads: a replace load too big for one transaction (issue 13)
# The new dataset is written in batches of bounded size under shadow labels that no read
# query names (so nothing reads it, not even through relationships: every read query starts
# from, or ends at, a node of a real label). Then the SWITCH, in transactions of
# SWITCH_ROWS nodes each (one transaction over 2 x 200,000 nodes passed Neo4j's 512 MiB
# transaction memory):
#   1. a mark (:DatasetSwitch {phase: 'retire'}) in a small transaction of its own; it holds
#      what the Dataset node will record. From here on the switch is only ever finished,
#      never undone: the staged dataset is complete and validated, and rolling back would
#      have to remember every retired node's labels;
#   2. retire: the old dataset's nodes lose all their labels and get :Retired, in batches;
#   3. the mark's phase becomes 'promote' (small transaction): a crash after it must not
#      retire the new nodes that step 4 has already promoted;
#   4. promote: the staged nodes get the real labels (checked by the uniqueness constraints),
#      in batches;
#   5. one small transaction: secondary labels, the Dataset node, the revision bump, and the
#      mark deleted. Readers through read_consistent see the mark during 2-4 and wait
#      (answering 503 after their own limit), so they see the old dataset or the new one.
# A crash anywhere in 2-5 leaves the mark: the next load (or `oncoregio load --recover`)
# finishes the switch from the mark's phase before anything else (finish_switch). Last, the
# retired nodes are deleted in batches. A crash before the mark leaves only staged nodes,
# after the switch only retired ones: both invisible, and removed by the next load.
STAGED_LABELS: dict[LiteralString, LiteralString] = {
    "Region": "StagedRegion", "Hospital": "StagedHospital", "Network": "StagedNetwork",
    "CareType": "StagedCareType", "Area": "StagedArea", "OutcomeBand": "StagedOutcomeBand"}
RETIRED: LiteralString = "Retired"
#: labels whose nodes a replace load removes (the dataset, and what was computed on it)
DATASET_LABELS: tuple[LiteralString, ...] = (
    "Hospital", "Region", "Network", "CareType", "Area", "Scenario", "ChoiceModel",
    "OutcomeBand")
#: and every secondary label their nodes carry
REPLACED_LABELS = (*DATASET_LABELS, *HOSPITAL_KIND_LABELS.values(), *CARE_LEVEL_LABELS.values())
#: a replace load of more rows than this is staged (several transactions, see above)
STAGED_ABOVE = 50_000
#: nodes per transaction when deleting retired or staged nodes: an area has one outgoing
#: relationship per travel pair (up to ~1,000), and deleting ~4 x 10^5 relationships in one
#: transaction passes the local instance's 512 MiB transaction memory
PURGE_ROWS = 50
#: nodes relabelled per transaction by the switch (a relabelled area costs ~1.3 KB of
#: transaction memory: 400,000 of them passed 512 MiB in one transaction)
SWITCH_ROWS = 5_000


def _staged(query: LiteralString) -> LiteralString:
    """The same statement on the shadow labels."""
    for label, staged in STAGED_LABELS.items():
        query = query.replace(":" + label + " ", ":" + staged + " ").replace(
            ":" + label + ")", ":" + staged + ")")
    return query


STAGED_WRITES: tuple[tuple[str, LiteralString], ...] = tuple(
    (name, _staged(query)) for name, query in WRITES)
#: one statement per label (static labels, each node's own label scan), in transactions of
#: $rows nodes: off with every label of the dataset, on with :Retired
RETIRE_DATASET: tuple[LiteralString, ...] = tuple(
    "MATCH (n:" + label + ") CALL (n) { REMOVE n:" + ":".join(REPLACED_LABELS)
    + " SET n:Retired } IN TRANSACTIONS OF $rows ROWS" for label in DATASET_LABELS)
PROMOTE_STAGED: tuple[LiteralString, ...] = tuple(
    "MATCH (n:" + staged + ") CALL (n) { REMOVE n:" + staged + " SET n:" + label
    + " } IN TRANSACTIONS OF $rows ROWS" for label, staged in STAGED_LABELS.items())
MARK_STAGED_SWITCH = """
MERGE (m:DatasetSwitch {id: 'current'})
SET m.token = $token, m.since = datetime(), m.phase = $phase, m.mode = $mode,
    m.directory = $directory, m.checksum = $checksum, m.files = $files
"""
SWITCH_PHASE = """
MATCH (m:DatasetSwitch {id: 'current'}) WHERE m.phase IS NOT NULL
SET m.phase = $phase
"""
READ_STAGED_SWITCH = """
MATCH (m:DatasetSwitch {id: 'current'}) WHERE m.phase IS NOT NULL
RETURN m.phase AS phase, coalesce(m.mode, 'replace') AS mode, m.directory AS directory,
       m.checksum AS checksum, m.files AS files
"""
# ---- a staged update (issue 13): an update load of only travel_times.csv (the routed matrix
# of `oncoregio travel build`: 1,522 x 114 = 173,508 pairs took ~458 MiB of the 512 MiB pool
# in one transaction) of more than staged_above rows. Its pairs are written in batches as
# STAGED_TRAVEL relationships between the real nodes (no reader matches that type), then,
# under the mark (phase 'travel'), turned into TRAVEL ones in batches (MERGE + the same SET as
# MERGE_TRAVEL, the staged one deleted), then the last small transaction as above. A crash
# before the mark leaves staged relationships (purged by the next load), after it the mark,
# and the next load finishes the apply: each batch only takes what is still staged.
STAGED_UPDATE_FILES = frozenset({"travel_times.csv"})
STAGE_TRAVEL = """
UNWIND $rows AS r
MATCH (a:Area {id: r.area}), (h:Hospital {id: r.hospital})
MERGE (a)-[s:STAGED_TRAVEL]->(h)
SET s.minutes = r.minutes, s.km = r.km, s.source = r.source, s.confidence = r.confidence
"""
APPLY_STAGED_TRAVEL = """
MATCH (a:Area)-[s:STAGED_TRAVEL]->(h:Hospital)
CALL (a, s, h) {
  MERGE (a)-[t:TRAVEL]->(h)
  SET t.minutes = s.minutes, t.km = s.km, t.source = s.source, t.confidence = s.confidence
  DELETE s
} IN TRANSACTIONS OF $rows ROWS
"""
PURGE_STAGED_TRAVEL = """
MATCH ()-[s:STAGED_TRAVEL]->() CALL (s) { DELETE s } IN TRANSACTIONS OF $rows ROWS
"""
# ---- a staged update of other files (issue 13, left for the next work): an update load of
# more than staged_above rows that is not travel-only (a large areas.csv or demand.csv would
# pass the 512 MiB pool in one transaction). The one-transaction update's statements, in its
# order, are journalled as (:StagedBatch {seq, kind, file, rows (JSON), care_types}) nodes,
# one per batch, in transactions of their own (no reader matches the label): 'drop' (the
# imported travel pairs of places the update moves), 'clear' (the care types whose demand,
# flows or outcome bands the file replaces) and 'write'. Then, under the mark (phase
# 'update'), each is applied in seq order and deleted in the same transaction (a 'clear', a
# batched delete, is deleted right after it: it is applied again only when nothing of its file
# was written yet, so a second run deletes nothing new), then the last small transaction as
# above. A crash before the mark leaves batches (purged by the next load), after it the mark,
# and the next load applies what is left.
WRITE_STAGED_BATCH = """
CREATE (:StagedBatch {seq: $seq, kind: $kind, file: $file, rows: $rows,
                      care_types: $care_types})
"""
STAGED_BATCH_SEQS = "MATCH (b:StagedBatch) RETURN b.seq AS seq ORDER BY seq"
READ_STAGED_BATCH = """
MATCH (b:StagedBatch {seq: $seq})
RETURN b.kind AS kind, b.file AS file, b.rows AS rows, b.care_types AS care_types
"""
DELETE_STAGED_BATCH = "MATCH (b:StagedBatch {seq: $seq}) DELETE b"
PURGE_STAGED_BATCHES = """
MATCH (b:StagedBatch) CALL (b) { DELETE b } IN TRANSACTIONS OF $rows ROWS
"""
# the replaced care types' rows, deleted in batches (DELETE_DEMAND / DELETE_FLOWS in one
# transaction could pass the pool on a large dataset)
CLEAR_DEMAND_BATCHED = """
MATCH (:Area)-[d:DEMAND]->(c:CareType) WHERE c.id IN $care_types
CALL (d) { DELETE d } IN TRANSACTIONS OF $rows ROWS
"""
CLEAR_FLOWS_BATCHED = """
MATCH (:Area)-[t:TREATED_AT]->(:Hospital) WHERE t.care_type IN $care_types
CALL (t) { DELETE t } IN TRANSACTIONS OF $rows ROWS
"""
CLEAR_BATCHED: dict[str, LiteralString] = {"demand.csv": CLEAR_DEMAND_BATCHED,
                                           "flows.csv": CLEAR_FLOWS_BATCHED,
                                           "outcomes.csv": DELETE_OUTCOME_BANDS}
DROP_MOVED: dict[str, LiteralString] = {"areas.csv": DROP_MOVED_AREA_TRAVEL,
                                        "hospitals.csv": DROP_MOVED_HOSPITAL_TRAVEL}
END_STAGED_SWITCH = "MATCH (m:DatasetSwitch {id: 'current'}) DELETE m"
# the secondary labels from the nodes' own properties (the switch may be finished by a later
# process that has not read the folder); $kinds / $levels map each value to its label
SET_ALL_KIND_LABELS = """
MATCH (h:Hospital)
REMOVE h:$($labels)
SET h:$($kinds[h.kind])
"""
SET_ALL_LEVEL_LABELS = """
MATCH (c:CareType)
REMOVE c:$($labels)
SET c:$($levels[c.level])
"""
# first the outgoing relationships of every leftover node (each relationship is outgoing
# from one node; an area has one per travel pair), then the nodes with what still points at
# them (e.g. a sweep's PARETO links): a region's or a hospital's incoming relationships (one
# per area) are gone by then, so no transaction grows with the areas
_LEFTOVER_LABELS: tuple[LiteralString, ...] = (RETIRED, *STAGED_LABELS.values())
PURGE_QUERIES: tuple[LiteralString, ...] = (
    *("MATCH (n:" + label + ") CALL (n) { MATCH (n)-[r]->() DELETE r } "
      "IN TRANSACTIONS OF $rows ROWS" for label in _LEFTOVER_LABELS),
    *("MATCH (n:" + label + ") CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $rows ROWS"
      for label in _LEFTOVER_LABELS))
LEFTOVERS = """
CALL () { MATCH (n:Retired) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedRegion) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedHospital) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedNetwork) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedCareType) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedArea) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedOutcomeBand) RETURN count(n) AS c
  UNION ALL MATCH (n:StagedBatch) RETURN count(n) AS c }
RETURN sum(c) AS nodes
"""


def purge_leftovers(driver: Driver, database: str) -> int:
    """Finish a switch that a load left unfinished (:func:`finish_switch`), then delete what
    an interrupted staged load left (staged or retired nodes), in batches; how many nodes
    were deleted. Invisible to every read query; run it only under the load lock (a load
    does)."""
    finish_switch(driver, database)
    with translate_errors(), driver.session(database=database) as session:
        nodes = int(session.run(LEFTOVERS).single(strict=True)["nodes"])
        if nodes:
            for query in PURGE_QUERIES:
                session.run(query, rows=PURGE_ROWS).consume()
        session.run(PURGE_STAGED_TRAVEL, rows=SWITCH_ROWS).consume()
        session.run(PURGE_STAGED_BATCHES, rows=PURGE_ROWS).consume()
    clear_switching(driver, database)
    return nodes


def finish_switch(driver: Driver, database: str) -> bool:
    """Finish the switch of a staged load that died in it (from its mark's phase); whether
    there was one. Deterministic: the same statements as the load's own switch, each of
    which only touches what is left to do."""
    with translate_errors(), driver.session(database=database) as session:
        mark = session.run(READ_STAGED_SWITCH).single()
        if mark is None:
            return False
        _run_switch(session, mark.data())
    return True


def _run_batch(tx: ManagedTransaction, query: LiteralString, rows: list[dict]) -> None:
    tx.run(query, rows=rows).consume()


def _run_switch(session: Session, mark: dict[str, Any]) -> set[tuple[str, str]]:
    """Steps 2-5 of the switch (see above), from the mark's phase on; or the apply of a
    staged update (phase 'travel', or 'update': then the imported travel pairs it dropped)."""
    if mark["phase"] == "travel":
        session.run(APPLY_STAGED_TRAVEL, rows=SWITCH_ROWS).consume()
        session.execute_write(_end_switch, mark)
        return set()
    if mark["phase"] == "update":
        dropped = _apply_staged_batches(session)
        session.execute_write(_end_switch, mark)
        return dropped
    if mark["phase"] == "retire":
        for query in RETIRE_DATASET:
            session.run(query, rows=SWITCH_ROWS).consume()
        session.run(SWITCH_PHASE, phase="promote").consume()
    for query in PROMOTE_STAGED:
        session.run(query, rows=SWITCH_ROWS).consume()
    session.execute_write(_end_switch, mark)
    return set()


def _apply_batch(tx: ManagedTransaction, seq: int, batch: dict[str, Any]
                 ) -> set[tuple[str, str]]:
    """One journalled batch of a staged update, and its journal entry deleted."""
    rows = json.loads(batch["rows"])
    dropped: set[tuple[str, str]] = set()
    if batch["kind"] == "drop":
        dropped = {(r["area"], r["hospital"]) for r in tx.run(DROP_MOVED[batch["file"]],
                                                              rows=rows)}
    else:
        tx.run(dict(WRITES)[batch["file"]], rows=rows).consume()
    tx.run(DELETE_STAGED_BATCH, seq=seq).consume()
    return dropped


def _apply_staged_batches(session: Session) -> set[tuple[str, str]]:
    """Apply what is left of a staged update's journal, in order (see above); the imported
    travel pairs its 'drop' batches deleted."""
    dropped: set[tuple[str, str]] = set()
    for seq in [r["seq"] for r in session.run(STAGED_BATCH_SEQS)]:
        record = session.run(READ_STAGED_BATCH, seq=seq).single()
        if record is None:
            continue
        batch = record.data()
        if batch["kind"] == "clear":
            session.run(CLEAR_BATCHED[batch["file"]], care_types=batch["care_types"],
                        rows=SWITCH_ROWS).consume()
            if batch["file"] == "flows.csv":
                session.run(DELETE_STALE_CHOICE_MODELS,
                            care_types=batch["care_types"]).consume()
            session.run(DELETE_STAGED_BATCH, seq=seq).consume()
        else:
            dropped |= session.execute_write(_apply_batch, seq, batch)
    return dropped


def _end_switch(tx: ManagedTransaction, mark: dict[str, Any]) -> None:
    """The switch's last transaction: the new dataset becomes the current one."""
    tx.run(SET_ALL_KIND_LABELS, labels=list(HOSPITAL_KIND_LABELS.values()),
           kinds={str(k): v for k, v in HOSPITAL_KIND_LABELS.items()}).consume()
    tx.run(SET_ALL_LEVEL_LABELS, labels=list(CARE_LEVEL_LABELS.values()),
           levels={str(k): v for k, v in CARE_LEVEL_LABELS.items()}).consume()
    tx.run(MERGE_DATASET, directory=mark["directory"], checksum=mark["checksum"],
           mode=mark["mode"], files=mark["files"]).consume()
    bump_revision(tx, f"load ({mark['mode']}) of {mark['directory']}")
    tx.run(END_STAGED_SWITCH).consume()


def _commit_marked(driver: Driver, database: str, session: Session,
                   work: Callable[..., T], *args: Any) -> T:
    """``work(tx, *args)`` in one explicit transaction, committed while the switch is marked
    for :func:`~app.repository.revision.read_consistent` (readers wait for the commit only,
    not for the statements). Rolled back whole when anything fails; not retried."""
    tx = session.begin_transaction()
    try:
        value = work(tx, *args)
        with switching(driver, database):
            tx.commit()
    finally:
        tx.close()  # a rollback unless committed
    return value


def _load_staged(driver: Driver, database: str, data: Dataset,
                 report: Callable[[int, str], None], mode: LoadMode = LoadMode.REPLACE) -> None:
    """Write the staged dataset (replace) or the staged pairs (update), then switch."""
    writes = STAGED_WRITES if mode == LoadMode.REPLACE else (("travel_times.csv",
                                                              STAGE_TRAVEL),)
    with translate_errors(), driver.session(database=database) as session:
        try:
            done = 0
            for name, query in writes:
                for batch in _batches(data.iter_rows(name)):
                    session.execute_write(_run_batch, query,
                                          [r.model_dump(mode="json") for r in batch])
                    done += 1
                    report(done, name)
        except BaseException:
            with suppress(Exception):  # the database may be gone: the next load cleans up
                purge_leftovers(driver, database)
            raise
        mark: dict[str, Any] = {
            "phase": "retire" if mode == LoadMode.REPLACE else "travel", "mode": mode.value,
            "directory": str(data.directory), "checksum": data.checksum,
            "files": sorted(data.counts)}
        session.run(MARK_STAGED_SWITCH, token=uuid.uuid4().hex, phase=mark["phase"],
                    mode=mark["mode"], directory=mark["directory"],
                    checksum=mark["checksum"], files=mark["files"]).consume()
        # from here on the switch is finished: by this load, or (it died) by the next one
        _run_switch(session, mark)
    purge_leftovers(driver, database)


def _put_batch(tx: ManagedTransaction, seq: int, kind: str, file: str, rows: list[dict] | None,
               care_types: list[str] | None) -> None:
    tx.run(WRITE_STAGED_BATCH, seq=seq, kind=kind, file=file,
           rows=None if rows is None else json.dumps(rows), care_types=care_types).consume()


def _load_staged_update(driver: Driver, database: str, data: Dataset,
                        report: Callable[[int, str], None]) -> int:
    """Journal a large update's batches, then apply them under the mark (see "staged
    updates" above); the number of stale travel pairs dropped, as :func:`_write`."""
    with translate_errors(), driver.session(database=database) as session:
        try:
            seq = 0

            def put(kind: str, file: str, rows: list[dict] | None = None,
                    care_types: list[str] | None = None) -> None:
                nonlocal seq
                session.execute_write(_put_batch, seq, kind, file, rows, care_types)
                seq += 1

            located: tuple[tuple[str, list[AreaRow] | list[HospitalRow]], ...] = (
                ("areas.csv", _rows_of(data.rows, "areas.csv", AreaRow)),
                ("hospitals.csv", _rows_of(data.rows, "hospitals.csv", HospitalRow)))
            for name, places in located:
                for batch in _batches([{"id": r.id, "lat": r.lat, "lon": r.lon}
                                       for r in places]):
                    put("drop", name, batch)
            done = 0
            for name, _ in WRITES:
                if name in CLEAR_BEFORE and data.counts.get(name):
                    put("clear", name, care_types=sorted(
                        {cast(Any, r).care_type for r in data.iter_rows(name)}))
                for rows in _batches(data.iter_rows(name)):
                    put("write", name, [r.model_dump(mode="json") for r in rows])
                    done += 1
                    report(done, name)
        except BaseException:
            with suppress(Exception):  # the database may be gone: the next load cleans up
                purge_leftovers(driver, database)
            raise
        mark: dict[str, Any] = {"phase": "update", "mode": LoadMode.UPDATE.value,
                                "directory": str(data.directory), "checksum": data.checksum,
                                "files": sorted(data.counts)}
        session.run(MARK_STAGED_SWITCH, token=uuid.uuid4().hex, phase=mark["phase"],
                    mode=mark["mode"], directory=mark["directory"],
                    checksum=mark["checksum"], files=mark["files"]).consume()
        # from here on the update is finished: by this load, or (it died) by the next one
        dropped = _run_switch(session, mark)
    purge_leftovers(driver, database)
    fresh = {(r.area, r.hospital) for r in _rows_of(data.rows, "travel_times.csv", TravelRow)}
    return len(dropped - fresh)
# ---- end staged loads


def _batches(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _drop_moved_travel(tx: Tx, data: Dataset) -> int:
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


def _write(tx: Tx, data: Dataset, mode: LoadMode,
           report: Callable[[int, str], None]) -> int:
    """The one transaction of a small load. Returns the number of stale travel pairs dropped
    (update mode)."""
    stale = 0
    if mode == LoadMode.REPLACE:
        tx.run(DELETE_DATASET).consume()
    else:
        stale = _drop_moved_travel(tx, data)
    done = 0
    for name, query in WRITES:
        if name in CLEAR_BEFORE and data.counts.get(name):
            care_types = sorted({cast(Any, r).care_type for r in data.iter_rows(name)})
            tx.run(CLEAR_BEFORE[name], care_types=care_types).consume()
            if name == "flows.csv":
                tx.run(DELETE_STALE_CHOICE_MODELS, care_types=care_types).consume()
        for batch in _batches(data.iter_rows(name)):
            tx.run(query, rows=[r.model_dump(mode="json") for r in batch]).consume()
            done += 1
            report(done, name)
    _finish(tx, data, mode)
    return stale


def _finish(tx: Tx, data: Dataset, mode: LoadMode) -> None:
    """Secondary labels, the Dataset node and the revision: the end of every load's
    (last) transaction."""
    _set_labels(tx, SET_KIND_LABEL, HOSPITAL_KIND_LABELS,
                {h.id: h.kind for h in _rows_of(data.rows, "hospitals.csv", HospitalRow)})
    _set_labels(tx, SET_LEVEL_LABEL, CARE_LEVEL_LABELS,
                {c.id: c.level for c in _rows_of(data.rows, "care_types.csv", CareTypeRow)})
    tx.run(MERGE_DATASET, directory=str(data.directory), checksum=data.checksum, mode=mode.value,
           files=sorted(data.counts)).consume()
    bump_revision(tx, f"load ({mode.value}) of {data.directory}")


def _set_labels(tx: Tx, query: LiteralString, labels: Mapping[Any, LiteralString],
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
                   progress: Callable[[int, int, str], None] | None = None,
                   staged_above: int = STAGED_ABOVE) -> LoadSummary:
    """Validate ``directory`` fully, then write it (see module doc): in one transaction, or,
    for a load of more than ``staged_above`` rows (replace or update), staged in several.

    ``progress(done, total, file)`` is called after each written batch (``total`` batches in
    all).
    """
    try:
        mode = LoadMode(mode)
    except ValueError:
        raise ValueError(f"mode must be one of {', '.join(LoadMode)}, not {mode!r}") from None
    started = time.monotonic()
    with load_lock(driver, database, f"oncoregio load ({mode.value}) of "
                                     f"{Path(directory) if directory else SEED_DIR}"):
        purge_leftovers(driver, database)  # before reading ids: it may finish a switch
        known = known_ids(driver, database) if mode == LoadMode.UPDATE else None
        # an update needs its rows (moved places) unless it holds only pair files: streamed
        # on replace and on such an update
        folder = Path(directory) if directory else SEED_DIR
        pairs_only = mode == LoadMode.UPDATE and folder.is_dir() and {
            spec.name for spec in FILES if (folder / spec.name).exists()} <= STAGED_UPDATE_FILES
        data = read_directory(directory, mode=mode, known_ids=known,
                              stream=mode == LoadMode.REPLACE or pairs_only)
        total = sum(-(-n // BATCH) for n in data.counts.values())

        def report(done: int, label: str) -> None:
            if progress is not None:
                progress(done, total, label)

        stale = 0
        large = sum(data.counts.values()) > staged_above
        if (mode == LoadMode.REPLACE or pairs_only) and large:
            _load_staged(driver, database, data, report, mode)
        elif large:  # any other update
            stale = _load_staged_update(driver, database, data, report)
        else:
            with translate_errors(), driver.session(database=database) as session:
                stale = _commit_marked(driver, database, session, _write, data, mode, report)
    return LoadSummary(str(data.directory), mode, dict(data.counts), time.monotonic() - started,
                       dict(data.confidence), stale)


def recover(driver: Driver, database: str) -> tuple[bool, int]:
    """Under the load lock: finish a switch that a load left unfinished and delete what an
    interrupted load left; (whether a switch was finished, leftover nodes deleted)."""
    with load_lock(driver, database, "oncoregio load --recover"):
        finished = finish_switch(driver, database)
        return finished, purge_leftovers(driver, database)


def seed_loaded(driver: Driver, database: str) -> bool:
    with translate_errors():
        records, _, _ = driver.execute_query(SEED_LOADED, database_=database)
    return bool(records[0]["loaded"])

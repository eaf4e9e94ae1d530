"""Files to hand on: a scenario's allocation and centres as CSV, the scenario as GeoJSON, its
report as HTML or PDF, and the coverage matrix as CSV."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.caching import snapshot_cache
from app.api.deps import READER, DatabaseDep, DriverDep, IdPath, IdQuery, MinutesDep, Responses
from app.errors import NotFound
from app.repository import scenarios as repo
from app.repository.dataset import dataset_revision
from app.repository.entities import get_care_type
from app.repository.snapshot import Snapshot
from app.services import coverage as coverage_svc
from app.services.exports import allocation_csv, centres_csv, coverage_csv, scenario_geojson
from app.services.scenario_report import Report, build_report, report_html, report_pdf

router = APIRouter(tags=["exports"], dependencies=[READER])

CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"
#: the report loads nothing: inline style and pictures only
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
UNAVAILABLE: Responses = {503: {"description": "database unavailable (problem+json, "
                                               "Retry-After)"}}
NOT_FOUND: Responses = {404: {"description": "unknown scenario (problem+json)"},
                        422: {"description": "invalid id (problem+json)"}, **UNAVAILABLE}


def _file(media: str, description: str) -> Responses:
    return {200: {"content": {media: {"schema": {"type": "string"}}},
                  "description": description}}


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/scenarios/{scenario_id}/allocation.csv", response_class=Response,
            responses={**_file("text/csv", "area, its centre, patients, minutes today and in "
                                           "the scenario; formula-leading text neutralised"),
                       **NOT_FOUND})
def read_scenario_allocation_csv(request: Request, scenario_id: IdPath, driver: DriverDep,
                                 db: DatabaseDep) -> Response:
    """The allocation of a stored scenario per area, as CSV."""
    s = repo.get_scenario(driver, db, scenario_id)
    return _download(allocation_csv(s, snapshot_cache(request).snapshot()), CSV,
                     f"scenario-{s.id}-allocation.csv")


@router.get("/scenarios/{scenario_id}/centres.csv", response_class=Response,
            responses={**_file("text/csv", "open centres with volumes against the norm; "
                                           "formula-leading text neutralised"), **NOT_FOUND})
def read_scenario_centres_csv(scenario_id: IdPath, driver: DriverDep,
                              db: DatabaseDep) -> Response:
    """The open centres of a stored scenario with their volumes, as CSV."""
    s = repo.get_scenario(driver, db, scenario_id)
    return _download(centres_csv(s), CSV, f"scenario-{s.id}-centres.csv")


@router.get("/scenarios/{scenario_id}/geojson", response_class=Response,
            responses={200: {"content": {GEOJSON: {"schema": {
                "type": "object", "required": ["type", "features"],
                "properties": {"type": {"const": "FeatureCollection"},
                               "features": {"type": "array", "items": {"type": "object"}}}}}},
                "description": "RFC 7946 FeatureCollection (WGS84 lon, lat): one feature per "
                               "area of the scope with its allocation (a Point, or with "
                               "areas=cells its Voronoi cell), one Point per open centre"},
                **NOT_FOUND})
def read_scenario_geojson(request: Request, scenario_id: IdPath, driver: DriverDep,
                          db: DatabaseDep,
                          areas: Annotated[Literal["points", "cells"], Query(
                              description="areas as their points, or as their Voronoi cells "
                                          "clipped to the national outline (modelled areas, "
                                          "for a choropleth)")] = "points") -> Response:
    """A stored scenario as GeoJSON: areas with their allocation and the open centres."""
    s = repo.get_scenario(driver, db, scenario_id)
    body = json.dumps(scenario_geojson(s, snapshot_cache(request).snapshot(),
                                       cells=areas == "cells"),
                      ensure_ascii=False, allow_nan=False)
    return _download(body.encode("utf-8"), GEOJSON, f"scenario-{s.id}.geojson")


def _report(request: Request, scenario_id: str, driver: DriverDep,
            db: DatabaseDep) -> tuple[Report, Snapshot]:
    s = repo.get_scenario(driver, db, scenario_id)
    snap = snapshot_cache(request).snapshot()
    try:
        care_type = get_care_type(driver, db, s.care_type)
    except NotFound:
        care_type = None  # the scenario outlived its care type: report without its sources
    return build_report(s, snap, care_type, dataset_revision(driver, db)), snap


@router.get("/scenarios/{scenario_id}/report.html", response_class=Response,
            responses={**_file("text/html", "the scenario report as one HTML document that "
                                            "loads nothing (inline style and SVG)"),
                       **NOT_FOUND})
def read_scenario_report_html(request: Request, scenario_id: IdPath, driver: DriverDep,
                              db: DatabaseDep) -> Response:
    """A report to send on: question, parameters, headline vs today, map, chart, centres,
    regions affected, sources and modelled values, software version and dataset revision."""
    report, _ = _report(request, scenario_id, driver, db)
    return Response(report_html(report), media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": REPORT_CSP})


@router.get("/scenarios/{scenario_id}/report.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {
                "type": "string", "format": "binary"}}},
                "description": "the scenario report as an A4 PDF (text searchable)"},
                **NOT_FOUND})
def read_scenario_report_pdf(request: Request, scenario_id: IdPath, driver: DriverDep,
                             db: DatabaseDep) -> Response:
    """The scenario report (as ``report.html``) as a PDF."""
    report, snap = _report(request, scenario_id, driver, db)
    return _download(report_pdf(report, snap), "application/pdf",
                     f"scenario-{report.scenario.id}-report.pdf")


@router.get("/coverage.csv", response_class=Response,
            responses={**_file("text/csv", "region x care type coverage, one row per pair"),
                       404: {"description": "unknown care type (problem+json)"},
                       422: {"description": "invalid parameter (problem+json)"}, **UNAVAILABLE})
def read_coverage_csv(request: Request, driver: DriverDep, db: DatabaseDep,
                      care_type: IdQuery = None, minutes: MinutesDep = 45.0) -> Response:
    """The region x care type coverage matrix (as ``GET /coverage``), as CSV."""
    matrix = coverage_svc.coverage_matrix(snapshot_cache(request).snapshot(), minutes, care_type)
    return _download(coverage_csv(matrix), CSV, "coverage.csv")

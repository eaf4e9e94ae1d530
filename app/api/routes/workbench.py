"""The planner's workbench: server-rendered pages under ``/app`` (Jinja2, no CDN, no inline
script). Read-only views work without JavaScript. Running and deleting a scenario or a sweep go
through the JSON API (``POST /scenarios``, ``POST /sweeps``, ``DELETE ...``) from the page's own
script, with the planner's token from ``sessionStorage`` in the ``Authorization`` header: no
form endpoint, so no cookie and no CSRF surface (a cross-site page can neither send JSON
without a CORS preflight nor read the token).

Reads follow the API's read setting: with reads closed a page answers 401 with the token box,
and the script fetches the same page again with the token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from app.api.caching import snapshot_cache
from app.api.deps import ID_PATTERN, DatabaseDep, DriverDep, IdPath, bearer, require_reader
from app.errors import NotFound, Unauthorized
from app.repository import scenarios as repo
from app.repository import sweeps as sweeps_repo
from app.repository.snapshot import Snapshot
from app.schemas import ScenarioPublic
from app.services import coverage as coverage_svc
from app.services.compare import compare_scenarios
from app.services.pictures import (
    regions_picture,
    scenario_chart_picture,
    scenario_map_picture,
    sweep_chart_picture,
    sweep_map_picture,
)
from app.services.scenario_report import (
    METHODS,
    format_figure,
    headline_rows,
    software_version,
)
from app.services.sweeps import below_label, reference_volumes
from app.templating import STATIC_DIR, environment

router = APIRouter(prefix="/app", include_in_schema=False)
root = APIRouter(include_in_schema=False)

#: scripts and styles from this origin only; inline style attributes are needed by the
#: inline SVG pictures (matplotlib writes style="..."), never inline script
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
STATIC = {"workbench.js": "text/javascript; charset=utf-8",
          "workbench.css": "text/css; charset=utf-8"}
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
MinutesQuery = Annotated[float, Query(gt=0, le=600)]
P = ParamSpec("P")


def _svg(data: bytes) -> str:
    text = data.decode("utf-8")
    return text[text.find("<svg"):]


def _page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(version=software_version(), **context)
    return HTMLResponse(html, status_code=status_code, headers={
        "Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"})


async def page_reader(request: Request, credentials: Credentials) -> str | None:
    """The API's reader check for a page: None when reading is allowed, else why not."""
    try:
        await require_reader(request, credentials)
    except Unauthorized as e:
        return str(e)
    return None


#: why the page may not be read, or None: a handler answers :func:`_refusal` when it is set
Refused = Annotated[str | None, Depends(page_reader)]


def _refusal(detail: str) -> HTMLResponse:
    """The page asking for a token (401); the page's script loads it again with one."""
    return _page("needs_token.html", 401, title="Token needed", detail=detail)


def _not_found(e: NotFound) -> HTMLResponse:
    return _page("error.html", 404, title="Not found", detail=str(e))


def page_route(handler: Callable[P, HTMLResponse]) -> Callable[P, HTMLResponse]:
    """The preamble every page shares, written once: a page that may not be read answers
    the token page (:func:`_refusal`, 401) before the handler runs, and an unknown id
    (:class:`~app.errors.NotFound` from the handler) the 404 page.

    The handler keeps its ``refused: Refused`` parameter (FastAPI reads the handler's
    signature through the wrapper, so the dependency is resolved as before) and FastAPI
    calls it with keyword arguments only."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HTMLResponse:
        refused = kwargs["refused"]
        if refused is not None:
            return _refusal(str(refused))
        try:
            return handler(*args, **kwargs)
        except NotFound as e:
            return _not_found(e)

    return wrapper


@root.get("/")
def read_root() -> RedirectResponse:
    """The API's root leads a person to the workbench."""
    return RedirectResponse("/app", status_code=307)


@router.get("/static/{name}")
def read_static(name: str) -> Response:
    """The page's own script and style sheet (a fixed list: no path from the request)."""
    if name not in STATIC:
        return _page("error.html", 404, title="Not found", detail=f"no file {name!r}")
    return Response((STATIC_DIR / name).read_bytes(), media_type=STATIC[name],
                    headers={"Cache-Control": "no-cache"})


@router.get("", response_class=HTMLResponse)
@page_route
def read_overview(request: Request, refused: Refused, driver: DriverDep,
                  db: DatabaseDep, minutes: MinutesQuery = 45.0) -> HTMLResponse:
    """The regions map and the coverage table region x care type, gaps marked."""
    snap = snapshot_cache(request).snapshot()
    matrix = coverage_svc.coverage_matrix(snap, minutes, None)
    cells = {(r["region"], r["care_type"]): r for r in matrix["data"]}
    care_types = sorted(snap.care_types.values(), key=lambda c: (c["level"], c["id"]))
    return _page("overview.html", title="Regions and coverage", snap=snap, minutes=minutes,
                 cells=cells, care_types=care_types, national=matrix["national"],
                 travel_model=matrix["travel_model"],
                 regions=sorted(snap.regions.items()), map_svg=_svg(regions_picture(snap, "svg")))


@router.get("/care-types/{care_type_id}", response_class=HTMLResponse)
@page_route
def read_care_type_page(request: Request, care_type_id: IdPath, refused: Refused,
                        driver: DriverDep, db: DatabaseDep) -> HTMLResponse:
    """A care type's concentration: providers and volumes against the norm."""
    snap = snapshot_cache(request).snapshot()
    conc = coverage_svc.care_type_concentration(snap, care_type_id)
    names = {h["id"]: h for h in snap.hospitals}
    return _page("care_type.html", title=f"Concentration: {conc['name']}", c=conc,
                 hospitals=names, regions=snap.regions)


def _form_choices(snap: Snapshot) -> dict[str, Any]:
    return {"care_types": sorted(snap.care_types.values(), key=lambda c: c["name"]),
            "regions": sorted(snap.regions.items(), key=lambda kv: kv[1]),
            "hospitals": sorted(snap.hospitals, key=lambda h: h["name"]),
            "choice_models": sorted(snap.choice_models.values(), key=lambda m: m["id"]),
            "methods": METHODS}


@router.get("/scenarios", response_class=HTMLResponse)
@page_route
def read_scenarios_page(request: Request, refused: Refused, driver: DriverDep,
                        db: DatabaseDep) -> HTMLResponse:
    """The scenario form and the list of stored scenarios (with a comparison picker)."""
    snap = snapshot_cache(request).snapshot()
    stored, count = repo.list_scenarios(driver, db, care_type=None, limit=200, offset=0)
    return _page("scenarios.html", title="Scenarios", stored=stored, count=count,
                 selected=request.query_params.get("care_type"), **_form_choices(snap))


def _scenario_view(s: ScenarioPublic, snap: Snapshot) -> dict[str, Any]:
    return {"s": s, "headline": headline_rows(s),
            "map_svg": _svg(scenario_map_picture(s, snap, "svg")),
            "region_names": snap.regions}


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
@page_route
def read_scenario_page(request: Request, scenario_id: IdPath, refused: Refused,
                       driver: DriverDep, db: DatabaseDep) -> HTMLResponse:
    """One scenario: map, headline beside today's, centres against the norm, regions without
    a centre, chart, exports."""
    s = repo.get_scenario(driver, db, scenario_id)
    snap = snapshot_cache(request).snapshot()
    return _page("scenario.html", title=s.name, chart_svg=_svg(scenario_chart_picture(s, "svg")),
                 **_scenario_view(s, snap))


#: the most scenarios one comparison page puts side by side
MAX_COMPARED = 6
IdParam = Annotated[str, Query(pattern=ID_PATTERN, max_length=100)]


@router.get("/compare", response_class=HTMLResponse)
@page_route
def read_compare_page(request: Request, refused: Refused, driver: DriverDep,
                      db: DatabaseDep, a: IdParam | None = None, b: IdParam | None = None,
                      ids: Annotated[list[IdParam] | None, Query(max_length=50)] = None
                      ) -> HTMLResponse:
    """Two to six stored scenarios side by side (``ids=...`` repeated, or ``a`` and ``b``):
    headline figures with the change against the first, maps, and the centres of each."""
    chosen = list(dict.fromkeys([*(ids or []), *(x for x in (a, b) if x)]))
    if not 2 <= len(chosen) <= MAX_COMPARED:
        return _page("error.html", 422, title="Pick scenarios to compare",
                     detail=f"a comparison takes 2 to {MAX_COMPARED} different scenarios; "
                            f"{len(chosen)} given")
    stored = [repo.get_scenario(driver, db, i) for i in chosen]
    snap = snapshot_cache(request).snapshot()
    first = stored[0]
    notes = [n for other in stored[1:] for n in compare_scenarios(first, other)["notes"]]
    by_key = [{r.key: r for r in headline_rows(x)} for x in stored]
    rows = [(r, [keyed.get(r.key) for keyed in by_key]) for r in headline_rows(first)]
    hospitals = sorted({c.hospital for x in stored for c in x.centres})
    patients = [{c.hospital: c.patients for c in x.centres} for x in stored]
    names = {c.hospital: c.name for x in stored for c in x.centres}
    centres = [(names[h], [p[h] if h in p else "closed" for p in patients]) for h in hospitals]
    letters = "ABCDEF"
    return _page("compare.html", title="Compare " + ", ".join(x.name for x in stored),
                 views=[(letters[i], _scenario_view(x, snap)) for i, x in enumerate(stored)],
                 rows=rows, notes=list(dict.fromkeys(notes)), centres=centres,
                 format_delta=lambda x, kind: format_figure(x, kind, signed=True))


@router.get("/sweeps", response_class=HTMLResponse)
@page_route
def read_sweeps_page(request: Request, refused: Refused, driver: DriverDep,
                     db: DatabaseDep) -> HTMLResponse:
    """The sweep form (k range x norms) and the list of stored sweeps."""
    snap = snapshot_cache(request).snapshot()
    stored, count = sweeps_repo.list_sweeps(driver, db, care_type=None, limit=200, offset=0)
    choices = _form_choices(snap)
    # a sweep runs over k (not set covering), and this form has no choice model to name
    choices["methods"] = {k: v for k, v in METHODS.items()
                          if k in ("p_median", "max_covering", "p_centre")}
    return _page("sweeps.html", title="Trade-off sweeps", stored=stored, count=count,
                 selected=request.query_params.get("care_type"), **choices)


@router.get("/sweeps/{sweep_id}", response_class=HTMLResponse)
@page_route
def read_sweep_page(request: Request, sweep_id: IdPath, refused: Refused, driver: DriverDep,
                    db: DatabaseDep) -> HTMLResponse:
    """One sweep: the trade-off chart, every combination (Pareto-efficient ones marked), and
    which providers lose the care type at each k and norm."""
    s = sweeps_repo.get_sweep(driver, db, sweep_id)
    snap = snapshot_cache(request).snapshot()
    return _page("sweep.html", title=s.name, s=s, region_names=snap.regions,
                 chart_svg=_svg(sweep_chart_picture(s, "svg")),
                 map_svg=(_svg(sweep_map_picture(s, snap, "svg"))
                          if any(r.feasible for r in s.runs) else None),
                 norm_label=lambda n: "none" if n is None else f"{n:g}",
                 below=below_label(s), volumes=reference_volumes(s),
                 by_type=([t for t, v in (s.norm_references or {}).items() if v is not None]
                          if s.care_types else []))

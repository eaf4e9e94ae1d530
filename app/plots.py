"""Static figures of regions and scenarios, rendered from plain data.

Every function takes lists and mappings (no Neo4j, no FastAPI), draws on a fresh
:class:`matplotlib.figure.Figure` (never ``pyplot``, so no global figure manager and no
backend switch at import) and returns the encoded image as ``bytes``.

* ``fmt="svg"`` keeps text as text (``svg.fonttype: none``) and is byte-for-byte
  deterministic: a fixed ``svg.hashsalt`` and no ``Date`` metadata. Each hospital is drawn as
  its own artist with ``gid="hospital-<id>"``, so the SVG holds exactly one element with that
  ``id`` per hospital (tests and front ends can find a centre by id).
* ``fmt="png"`` is exactly ``width_px`` × ``height_px`` pixels (``dpi`` × inches, no tight
  bounding box).

Rendering holds a module lock: matplotlib reads ``rcParams`` (global) while saving, and the
fixed settings are applied with :func:`matplotlib.rc_context`, which is not thread-safe on
its own.

Maps are drawn in the Dutch national grid, RD New (EPSG:28992, metres; see :mod:`app.geo`), on
the outline of the European Netherlands (Natural Earth 1:10m, ``graph/maps/netherlands.geojson``).
Each map holds one element ``outline``; areas are drawn as their Voronoi cells clipped to the
outline, dissolved per region (``region-<id>``, one per region that has areas) on the regions
map and per centre (``catchment-<hospital id>``) on the scenario map. The scale bar
(``scale-bar``) is measured in projected metres and its label (``scale-bar-label``) gives its
length; RD grid north is within about 2° of true north over the country, so the north arrow
(``north-arrow``) points up. A map's hospital names sit beside their marker at the first of
a few spots (upper right first, as they always did) whose text covers no other marker or
name and is clearly nearer its own marker than any other, measured on the settled layout;
a title that would run into the legend beside the map is centred and wrapped left of it.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from app import geo
from app.vocabulary import HospitalKind

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "KIND_MARKERS",
    "region_map",
    "scenario_comparison_chart",
    "scale_bar_km",
    "scenario_map",
    "tradeoff_chart",
]

Fmt = Literal["svg", "png"]

#: Marker per hospital kind (``Hospital.kind``); other kinds fall back to a circle.
KIND_MARKERS: Mapping[str, str] = {
    HospitalKind.UMC: "*",
    HospitalKind.CATEGORICAL: "D",
    HospitalKind.TOPCLINICAL: "s",
    HospitalKind.GENERAL: "o",
}
_KIND_LABELS: Mapping[str, str] = {
    HospitalKind.UMC: "UMC",
    HospitalKind.CATEGORICAL: "categorical",
    HospitalKind.TOPCLINICAL: "top-clinical",
    HospitalKind.GENERAL: "general",
}
_MARKER_SIZE = {"*": 13.0, "D": 7.0, "s": 7.5, "o": 7.5}

MIN_PIXELS, MAX_PIXELS = 200, 10_000  # per side; smaller leaves no room for the legends
#: Scale bar lengths to choose from (km): the longest that fits in a quarter of the map width.
SCALE_BAR_KM = (1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 500.0)

_GREY = "#b8b8b8"
_DARK = "#333333"
_UNALLOCATED = "#d62728"
_BASELINE_COLOUR = "#7f7f7f"
_SCENARIO_COLOUR = "#1f77b4"
_OUTLINE = "#222222"
_FILL_ALPHA = 0.5
_OUTSIDE_FILL = "#ececec"
#: the label of the areas outside a regional scope in the dissolved cells (never a hospital id)
_OUTSIDE = ("outside", "scope")

_RC: Mapping[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "oncoregio",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "figure.titlesize": 12.0,
    "legend.fontsize": 8.0,
    "legend.title_fontsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_RENDER_LOCK = threading.Lock()


# --------------------------------------------------------------------------- public API
def region_map(
    hospitals: Sequence[Mapping[str, Any]],
    areas: Sequence[Mapping[str, Any]],
    regions: Sequence[Mapping[str, Any]],
    *,
    fmt: Fmt = "svg",
    title: str | None = None,
    width_px: int = 960,
    height_px: int = 900,
    dpi: int = 100,
) -> bytes:
    """Map of the oncology regions as areas, with demand areas and hospitals coloured by region.

    Each listed region that has areas is drawn as one polygon ``region-<id>``: the Voronoi
    cells of its areas' points, dissolved and clipped to the country outline (``outline``);
    areas of unlisted regions form one grey ``no-region`` polygon. Drawn in RD New metres with
    a scale bar and a north arrow.

    Parameters
    ----------
    hospitals
        Dicts with ``id``, ``name``, ``lat``, ``lon``, ``kind`` and ``region`` (a region id).
        Drawn coloured by region, with a marker per kind (:data:`KIND_MARKERS`); each one
        is a separate SVG element with id ``hospital-<id>``.
    areas
        Dicts with ``id``, ``name``, ``lat``, ``lon``, ``population`` and ``region``. Drawn as
        small points coloured by region; marker diameter proportional to
        ``sqrt(population)`` (so marker area is proportional to population).
    regions
        Dicts with ``id`` and ``name``; fixes the colour order and the legend. Hospitals or
        areas whose region is not listed are drawn grey as "no region".
    fmt, title, width_px, height_px, dpi
        Output format, figure title (default "Oncology regions"), size in pixels and
        resolution (PNG is exactly ``width_px`` × ``height_px``).

    Raises
    ------
    ValueError
        A hospital id appears twice, a hospital or area has no usable coordinates, or
        ``fmt`` / the size is invalid.
    """
    _check_output(fmt, width_px, height_px, dpi)
    _check_unique_ids(hospitals)
    region_ids = [str(r["id"]) for r in regions]
    region_names = {str(r["id"]): str(r.get("name") or r["id"]) for r in regions}
    palette = _palette(len(region_ids))
    colour_of = {rid: palette[i] for i, rid in enumerate(region_ids)}

    def region_colour(item: Mapping[str, Any]) -> str:
        return colour_of.get(str(item.get("region")), _GREY)

    hospital_xy = geo.project_items(hospitals)
    area_xy = geo.project_items(areas)
    outline = geo.outline_rd()
    listed = set(region_ids)
    cells = geo.dissolve_cells(
        area_xy, [str(a.get("region")) if str(a.get("region")) in listed else None
                  for a in areas], clip=outline)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _setup_map_axes(ax)
        for rid in region_ids:
            if rid in cells:
                _add_polygon(ax, cells[rid], gid=f"region-{rid}", facecolor=colour_of[rid],
                             alpha=_FILL_ALPHA, edgecolor="white", linewidth=0.8, zorder=1)
        if None in cells:
            _add_polygon(ax, cells[None], gid="no-region", facecolor=_GREY, alpha=_FILL_ALPHA,
                         edgecolor="white", linewidth=0.8, zorder=1)
        _add_polygon(ax, outline, gid="outline", facecolor="none", edgecolor=_OUTLINE,
                     linewidth=0.9, zorder=2.5)
        _draw_areas(ax, areas, area_xy, region_colour, gid_prefix="areas-region")
        for h, (x, y) in zip(hospitals, hospital_xy, strict=True):
            marker = KIND_MARKERS.get(str(h.get("kind")), "o")
            ax.plot(
                [x], [y],
                linestyle="none",
                marker=marker,
                markersize=_MARKER_SIZE[marker],
                markerfacecolor=region_colour(h),
                markeredgecolor=_DARK,
                markeredgewidth=0.7,
                zorder=3,
                gid=f"hospital-{h['id']}",
            )
        _fit_map(ax, outline, hospital_xy, area_xy)
        _scale_bar(ax)
        _north_arrow(ax)

        used = {str(x.get("region")) for x in [*hospitals, *areas]}
        region_handles = [
            Patch(facecolor=colour_of[rid], alpha=_FILL_ALPHA, edgecolor="none",
                  label=region_names[rid])
            for rid in region_ids
        ]
        if used - set(region_ids):
            region_handles.append(Patch(facecolor=_GREY, alpha=_FILL_ALPHA, edgecolor="none",
                                        label="no region"))
        kinds = _ordered_kinds(h.get("kind") for h in hospitals)
        kind_handles = [_kind_handle(k) for k in kinds]
        fig.legend(handles=region_handles, title="Region", loc="outside right upper",
                   frameon=False)
        if kind_handles:
            fig.legend(handles=kind_handles, title="Hospital", loc="outside right lower",
                       frameon=False)
        fig.suptitle(title if title is not None else "Oncology regions")

    return _render(draw, fmt=fmt, width_px=width_px, height_px=height_px, dpi=dpi)


def scenario_map(
    hospitals: Sequence[Mapping[str, Any]],
    areas: Sequence[Mapping[str, Any]],
    allocation: Mapping[str, str],
    *,
    open_ids: Iterable[str],
    volumes: Mapping[str, float] | None = None,
    scope: Iterable[str] | None = None,
    fmt: Fmt = "svg",
    title: str | None = None,
    subtitle: str | None = None,
    links: bool = True,
    label_open: bool = True,
    width_px: int = 960,
    height_px: int = 900,
    dpi: int = 100,
) -> bytes:
    """Map of a scenario: each area coloured by the centre its patients are allocated to.

    The areas allocated to a centre are drawn as one catchment polygon ``catchment-<id>`` (their
    Voronoi cells dissolved and clipped to the outline), unallocated ones as a red-hatched
    ``catchment-unallocated``; when every area has a ``region``, the region borders are drawn
    dashed on top (``region-<id>``). With a regional ``scope``, the areas of other regions are
    one neutral grey ``outside-scope`` polygon (not "not allocated": the scenario is not about
    them), so the catchments lie inside the scope's regions. Drawn in RD New metres with a scale
    bar and a north arrow.

    Parameters
    ----------
    hospitals
        Dicts with ``id``, ``name``, ``lat``, ``lon`` (``kind`` optional). Open centres are
        drawn in their own colour, sized by volume (marker area proportional to volume) and
        labelled; the others small and grey. Each is one SVG element ``hospital-<id>``.
    areas
        Dicts with ``id``, ``lat``, ``lon``, ``population``.
    allocation
        Area id → hospital id. Areas missing from it are drawn as red crosses and counted in
        the legend ("not allocated"): unreachable demand is shown, not hidden.
    open_ids
        Ids of the centres open in the scenario.
    volumes
        Hospital id → patients per year at that centre (defaults to 0 for open centres).
    scope
        Region ids the scenario is for (``None``: the whole country). Areas whose ``region``
        is not among them are outside the scope: drawn neutral, never as "not allocated";
        allocating one of them is an error.
    title, subtitle
        Figure title (default "Scenario") and a second line, e.g. the headline figures.
    links
        Draw a thin line from each area to its centre (on top of the catchments).
    label_open
        Write the name of each open centre next to it.

    Raises
    ------
    ValueError
        An area is allocated to a hospital that is unknown or not open, or lies outside the
        scope; an open id is not a known hospital, an id appears twice, or coordinates are
        missing.
    """
    _check_output(fmt, width_px, height_px, dpi)
    _check_unique_ids(hospitals)
    scope_set = None if scope is None else {str(r) for r in scope}

    def in_scope(a: Mapping[str, Any]) -> bool:
        return scope_set is None or str(a.get("region")) in scope_set

    by_id = {str(h["id"]): h for h in hospitals}
    open_list = sorted({str(i) for i in open_ids})
    unknown_open = [i for i in open_list if i not in by_id]
    if unknown_open:
        raise ValueError(f"open centres {unknown_open} are not among the hospitals given")
    area_ids = {str(a["id"]) for a in areas}
    outside_ids = {str(a["id"]) for a in areas if not in_scope(a)}
    for area_id, hospital_id in allocation.items():
        if str(area_id) not in area_ids:
            raise ValueError(f"allocation names area {area_id!r}, which is not among the areas")
        if str(area_id) in outside_ids:
            raise ValueError(f"area {area_id!r} is allocated but lies outside the scope")
        if str(hospital_id) not in by_id:
            raise ValueError(f"area {area_id!r} is allocated to unknown hospital {hospital_id!r}")
        if str(hospital_id) not in open_list:
            raise ValueError(
                f"area {area_id!r} is allocated to hospital {hospital_id!r}, which is not open"
            )
    volumes = volumes or {}
    palette = _palette(len(open_list))
    colour_of = {hid: palette[i] for i, hid in enumerate(open_list)}
    alloc = {str(k): str(v) for k, v in allocation.items()}

    def area_colour(a: Mapping[str, Any]) -> str:
        return colour_of.get(alloc.get(str(a["id"]), ""), _UNALLOCATED)

    hospital_xy = geo.project_items(hospitals)
    xy_of = {str(h["id"]): xy for h, xy in zip(hospitals, hospital_xy, strict=True)}
    area_xy = geo.project_items(areas)
    outline = geo.outline_rd()
    catchments = geo.dissolve_cells(
        area_xy, [alloc.get(str(a["id"])) if in_scope(a) else _OUTSIDE for a in areas],
        clip=outline)
    has_regions = bool(areas) and all(a.get("region") is not None for a in areas)
    regions = (geo.dissolve_cells(area_xy, [str(a["region"]) for a in areas], clip=outline)
               if has_regions else {})

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _setup_map_axes(ax)
        for hid in open_list:
            if hid in catchments:
                _add_polygon(ax, catchments[hid], gid=f"catchment-{hid}",
                             facecolor=colour_of[hid], alpha=_FILL_ALPHA, edgecolor="white",
                             linewidth=0.5, zorder=1)
        if None in catchments:
            _add_polygon(ax, catchments[None], gid="catchment-unallocated", facecolor="white",
                         edgecolor=_UNALLOCATED, hatch="////", linewidth=0.0, zorder=1)
        if _OUTSIDE in catchments:
            _add_polygon(ax, catchments[_OUTSIDE], gid="outside-scope", facecolor=_OUTSIDE_FILL,
                         edgecolor="none", linewidth=0.0, zorder=1)
        for rid in sorted(regions, key=str):
            _add_polygon(ax, regions[rid], gid=f"region-{rid}", facecolor="none",
                         edgecolor=_DARK, linewidth=0.9, linestyle=(0, (4, 2)), zorder=2)
        _add_polygon(ax, outline, gid="outline", facecolor="none", edgecolor=_OUTLINE,
                     linewidth=0.9, zorder=2.5)
        index = {str(a["id"]): i for i, a in enumerate(areas)}
        allocated = [a for a in areas if str(a["id"]) in alloc]
        unallocated = [a for a in areas if str(a["id"]) not in alloc and in_scope(a)]
        if links and allocated:
            segments = [(area_xy[index[str(a["id"])]], xy_of[alloc[str(a["id"])]])
                        for a in allocated]
            ax.add_collection(LineCollection(
                segments, colors=[area_colour(a) for a in allocated], linewidths=0.3,
                alpha=0.3, zorder=1.5, gid="allocation-links",
            ))
        _draw_areas(ax, allocated, area_xy[[index[str(a["id"])] for a in allocated]],
                    lambda a: _DARK, gid_prefix="areas-centre", alpha=0.35)
        if unallocated:
            xy = area_xy[[index[str(a["id"])] for a in unallocated]]
            ax.scatter(xy[:, 0], xy[:, 1], marker="x", s=14, linewidths=0.8,
                       color=_UNALLOCATED, zorder=2.6, gid="areas-unallocated")

        max_volume = max((float(volumes.get(h, 0.0)) for h in open_list), default=0.0)
        markers: list[tuple[float, float, float, float]] = []
        labels: list[tuple[str, float, float]] = []
        offsets: list[tuple[float, float]] = []
        for h in hospitals:
            hid = str(h["id"])
            x, y = xy_of[hid]
            if hid in colour_of:
                size = _volume_markersize(float(volumes.get(hid, 0.0)), max_volume)
                ax.plot(
                    [x], [y], linestyle="none", marker="o", markersize=size,
                    markerfacecolor=colour_of[hid], markeredgecolor="black",
                    markeredgewidth=1.2, zorder=4, gid=f"hospital-{hid}",
                )
                markers.append((x, y, size, 1.0))
                if label_open:
                    labels.append((str(h.get("name") or hid), x, y))
                    offsets.append((size / 2 + 2, size / 2))
            else:
                ax.plot(
                    [x], [y], linestyle="none", marker=KIND_MARKERS.get(str(h.get("kind")), "o"),
                    markersize=4.5, markerfacecolor=_GREY, markeredgecolor="#8c8c8c",
                    markeredgewidth=0.5, zorder=3, gid=f"hospital-{hid}",
                )
                markers.append((x, y, 4.5, 0.5))
        _fit_map(ax, outline, hospital_xy, area_xy)
        _scale_bar(ax)
        _north_arrow(ax)

        handles: list[Any] = [
            Line2D([], [], linestyle="none", marker="o", markersize=7,
                   markerfacecolor=_SCENARIO_COLOUR, markeredgecolor="black",
                   label=f"open centre ({len(open_list)}), size ∝ volume"),
            Line2D([], [], linestyle="none", marker="o", markersize=4.5,
                   markerfacecolor=_GREY, markeredgecolor="#8c8c8c",
                   label=f"closed or other ({len(hospitals) - len(open_list)})"),
            Patch(facecolor=_SCENARIO_COLOUR, alpha=_FILL_ALPHA, edgecolor="none",
                  label="catchment: areas allocated to a centre"),
            Line2D([], [], linestyle="none", marker=".", markersize=6, color=_DARK, alpha=0.5,
                   label="demand area (place), size ∝ population"),
        ]
        if regions:
            handles.append(Line2D([], [], color=_DARK, linewidth=0.9, linestyle=(0, (4, 2)),
                                  label="oncology region border"))
        if unallocated:
            handles.append(Line2D([], [], linestyle="none", marker="x", color=_UNALLOCATED,
                                  label=f"not allocated ({_plural(len(unallocated), 'area')})"))
        if outside_ids:
            handles.append(Patch(facecolor=_OUTSIDE_FILL, edgecolor="#9a9a9a", linewidth=0.5,
                                 label=f"outside scope ({_plural(len(outside_ids), 'area')})"))
        legend = fig.legend(handles=handles, loc="outside right upper", frameon=False)
        fig.suptitle(title if title is not None else "Scenario")
        if subtitle:
            ax.set_title(_wrapped(subtitle, width_px, dpi), fontsize=9, color=_DARK)
        moved = _title_beside_legend(fig, legend, width_px, dpi)
        if labels:
            _place_labels(fig, ax, labels, markers, offsets=offsets, avoid=[legend],
                          settle=moved)

    return _render(draw, fmt=fmt, width_px=width_px, height_px=height_px, dpi=dpi)


def scenario_comparison_chart(
    baseline_minutes: Sequence[float] | np.ndarray,
    baseline_weights: Sequence[float] | np.ndarray,
    scenario_minutes: Sequence[float] | np.ndarray,
    scenario_weights: Sequence[float] | np.ndarray,
    volumes: Mapping[str, float],
    min_volume: float | None,
    *,
    fmt: Fmt = "svg",
    title: str | None = None,
    width_px: int = 1200,
    height_px: int = 560,
    dpi: int = 100,
) -> bytes:
    """Baseline against scenario: travel-time distribution and volume per centre.

    Left panel: weighted ECDF of travel time (share of patients within *t* minutes) for the
    baseline and the scenario, with the weighted mean and 90th percentile in the legend.
    Travel times that are not finite (unreachable) are kept in the total, so the curve then
    stays below 100 % and the legend reports the unreachable share.

    Right panel: patients per year at each centre (name → volume), largest first; bars below
    ``min_volume`` are highlighted and the norm is drawn as a horizontal line labelled
    ``"minimum volume <n> / year"`` (no line when ``min_volume`` is ``None``).

    Raises
    ------
    ValueError
        Minutes and weights differ in length, a weight is negative or not finite, or a
        distribution has no positive weight.
    """
    _check_output(fmt, width_px, height_px, dpi)
    base = _weighted_distribution("baseline", baseline_minutes, baseline_weights)
    scen = _weighted_distribution("scenario", scenario_minutes, scenario_weights)
    bars = sorted(((str(k), float(v)) for k, v in volumes.items()), key=lambda kv: (-kv[1], kv[0]))

    def draw(fig: Figure) -> None:
        ax_t, ax_v = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
        finite_max = max(base.finite_max, scen.finite_max, 1.0)
        for dist, colour, style in ((base, _BASELINE_COLOUR, "--"), (scen, _SCENARIO_COLOUR, "-")):
            x = np.concatenate(([0.0], dist.minutes, [finite_max * 1.05]))
            y = np.concatenate(([0.0], dist.cumulative, [dist.cumulative[-1]
                                                         if dist.cumulative.size else 0.0]))
            ax_t.step(x, 100.0 * y, where="post", color=colour, linestyle=style,
                      linewidth=1.8, label=dist.label(), gid=f"ecdf-{dist.name}")
        ax_t.set_xlim(0.0, finite_max * 1.05)
        ax_t.set_ylim(0.0, 101.0)
        ax_t.set_xlabel("travel time (minutes)")
        ax_t.set_ylabel("patients within travel time (%)")
        ax_t.set_title("Travel time, baseline vs scenario")
        ax_t.grid(True, linewidth=0.4, alpha=0.5)
        ax_t.legend(loc="upper left", frameon=False)

        names = [k for k, _ in bars]
        values = np.array([v for _, v in bars], dtype=float)
        below = (values < min_volume) if min_volume is not None else np.zeros(len(values), bool)
        colours = [_UNALLOCATED if b else _SCENARIO_COLOUR for b in below]
        positions = np.arange(len(names))
        ax_v.bar(positions, values, color=colours, gid="volume-bars")
        ax_v.set_xticks(positions, names, rotation=60, ha="right", fontsize=7)
        ax_v.set_ylabel("patients per year")
        ax_v.set_title("Volume per centre")
        if min_volume is None:
            handles: list[Any] = [Patch(facecolor=_SCENARIO_COLOUR, label="no norm set")]
        else:
            norm = ax_v.axhline(min_volume, color="black", linestyle="--", linewidth=1.2,
                                label=f"minimum volume {min_volume:g} / year", gid="norm-line")
            handles = [
                Patch(facecolor=_SCENARIO_COLOUR, label=f"meets the norm ({int((~below).sum())})"),
                Patch(facecolor=_UNALLOCATED, label=f"below the norm ({int(below.sum())})"),
                norm,
            ]
        ax_v.legend(handles=handles, loc="upper right", frameon=False)
        top = max([*values.tolist(), min_volume or 0.0, 1.0])
        ax_v.set_ylim(0.0, top * 1.12)
        if not names:
            ax_v.text(0.5, 0.5, "no open centres", transform=ax_v.transAxes,
                      ha="center", va="center")
        fig.suptitle(title if title is not None else "Scenario against baseline")

    return _render(draw, fmt=fmt, width_px=width_px, height_px=height_px, dpi=dpi)


# --------------------------------------------------------------------------- rendering
def provider_survival_map(
    hospitals: Sequence[Mapping[str, Any]],
    areas: Sequence[Mapping[str, Any]],
    keeps: Mapping[str, tuple[int, int]],
    *,
    fmt: Fmt = "svg",
    title: str | None = None,
    subtitle: str | None = None,
    width_px: int = 960,
    height_px: int = 900,
    dpi: int = 100,
) -> bytes:
    """Map of a sweep: each of today's providers coloured by the share of the sweep's plans in
    which it keeps the care type.

    Today's providers are drawn on the national outline with the oncology region borders
    (their areas' Voronoi cells dissolved, dashed), one SVG element ``provider-<id>`` each,
    coloured on one sequential scale from "loses it in every plan" (light) to "keeps it in
    every plan" (dark), the latter also labelled with its name. Other hospitals are small
    grey points.

    The legend has one entry per class that occurs, with the number of providers in it:
    "keeps it in all 6 plans (named)", "keeps it in 4 of 6 plans", "loses it in all 6 plans"
    (one class per count of plans, in the colour the providers of that class are drawn in).
    With more than :data:`_SURVIVAL_CLASSES` distinct counts the shares in between are
    grouped in quarters ("keeps it in 26-50 % of the plans"), each quarter in one colour.
    When no provider keeps it in every plan the legend says so, ``"no provider keeps it in
    every plan"``, instead of naming an empty class.

    Parameters
    ----------
    hospitals
        Dicts with ``id``, ``name``, ``lat``, ``lon``.
    areas
        Dicts with ``id``, ``lat``, ``lon`` and ``region`` (for the borders; optional).
    keeps
        Provider id -> (plans in which it keeps the care type, plans). Ids not among
        ``hospitals`` are an error.

    Raises
    ------
    ValueError
        An unknown provider id, a count outside ``0..plans``, or ``plans`` below 1.
    """
    _check_output(fmt, width_px, height_px, dpi)
    _check_unique_ids(hospitals)
    by_id = {str(h["id"]): h for h in hospitals}
    for hid, (kept, plans) in keeps.items():
        if str(hid) not in by_id:
            raise ValueError(f"provider {hid!r} is not among the hospitals given")
        if plans < 1 or not 0 <= kept <= plans:
            raise ValueError(f"provider {hid!r}: kept in {kept} of {plans} plans is impossible")
    cmap = mpl.colormaps["viridis_r"]
    grouped = len(_class_counts(keeps.values())) > _SURVIVAL_CLASSES
    hospital_xy = geo.project_items(hospitals)
    area_xy = geo.project_items(areas)
    outline = geo.outline_rd()
    has_regions = bool(areas) and all(a.get("region") is not None for a in areas)
    regions = (geo.dissolve_cells(area_xy, [str(a["region"]) for a in areas], clip=outline)
               if has_regions else {})

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _setup_map_axes(ax)
        for rid in sorted(regions, key=str):
            _add_polygon(ax, regions[rid], gid=f"region-{rid}", facecolor="none",
                         edgecolor=_DARK, linewidth=0.8, linestyle=(0, (4, 2)), zorder=2)
        _add_polygon(ax, outline, gid="outline", facecolor="#fafafa", edgecolor=_OUTLINE,
                     linewidth=0.9, zorder=1)
        markers: list[tuple[float, float, float, float]] = []
        labels: list[tuple[str, float, float]] = []
        for h, (x, y) in zip(hospitals, hospital_xy, strict=True):
            hid = str(h["id"])
            if hid in keeps:
                kept, plans = keeps[hid]
                share = _survival_share(kept, plans, grouped)
                ax.plot([x], [y], linestyle="none", marker="o", markersize=9,
                        markerfacecolor=mpl.colors.to_hex(cmap(0.1 + 0.9 * share)),
                        markeredgecolor="black", markeredgewidth=0.8, zorder=4,
                        gid=f"provider-{hid}")
                markers.append((x, y, 9.0, 1.0))
                if kept == plans:
                    labels.append((str(h.get("name") or hid), x, y))
            else:
                markers.append((x, y, 3.0, 0.0))  # other hospitals: may be covered
                ax.plot([x], [y], linestyle="none", marker="o", markersize=3,
                        markerfacecolor=_GREY, markeredgecolor="none", zorder=3,
                        gid=f"hospital-{hid}")
        _fit_map(ax, outline, hospital_xy)
        _scale_bar(ax)
        _north_arrow(ax)
        handles: list[Any] = [
            Line2D([], [], linestyle="none", marker="o", markersize=8,
                   markerfacecolor=mpl.colors.to_hex(cmap(0.1 + 0.9 * share)),
                   markeredgecolor="black", label=label)
            for share, label in _survival_classes(list(keeps.values()))]
        if not any(kept == plans for kept, plans in keeps.values()):
            handles.insert(0, Line2D([], [], linestyle="none", marker="none",
                                     label="no provider keeps it in every plan"))
        if len(keeps) < len(hospitals):
            handles.append(Line2D([], [], linestyle="none", marker="o", markersize=3,
                                  markerfacecolor=_GREY, markeredgecolor="none",
                                  label="not a provider today"))
        if regions:
            handles.append(Line2D([], [], color=_DARK, linewidth=0.8, linestyle=(0, (4, 2)),
                                  label="oncology region border"))
        legend = fig.legend(handles=handles, title="Today's providers",
                            loc="outside right upper", frameon=False)
        fig.suptitle(title if title is not None else "Who keeps the care type")
        if subtitle:
            ax.set_title(_wrapped(subtitle, width_px, dpi), fontsize=9, color=_DARK)
        moved = _title_beside_legend(fig, legend, width_px, dpi)
        _place_labels(fig, ax, labels, markers, offsets=[(6, 4)] * len(labels),
                      avoid=[legend], settle=moved)

    return _render(draw, fmt=fmt, width_px=width_px, height_px=height_px, dpi=dpi)


#: at most this many classes of "kept in n of N plans" in the survival map's legend; beyond
#: it, the shares strictly between none and all are grouped in quarters
_SURVIVAL_CLASSES = 7


def _class_counts(keeps: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = {}
    for kept, plans in keeps:
        counts[(kept, plans)] = counts.get((kept, plans), 0) + 1
    return counts


def _quarter(kept: int, plans: int) -> int:
    """0..3: the quarter of ``0 < kept < plans`` (25 % itself in the first, 75 % in the third)."""
    return min(3, math.ceil(4 * kept / plans) - 1)


def _survival_share(kept: int, plans: int, grouped: bool) -> float:
    """The share of plans a provider is coloured by: its own, or its quarter's middle when the
    legend groups the shares in between (so a provider and its legend entry have one colour)."""
    if grouped and 0 < kept < plans:
        return (_quarter(kept, plans) + 0.5) / 4
    return kept / plans


def _survival_classes(keeps: Sequence[tuple[int, int]]) -> list[tuple[float, str]]:
    """The survival map's legend: (share of plans drawn, label) per class that occurs, most
    kept first, each label with its number of providers.

    >>> _survival_classes([(6, 6), (4, 6), (4, 6), (0, 6)])  # doctest: +NORMALIZE_WHITESPACE
    [(1.0, 'keeps it in all 6 plans (named): 1 provider'),
     (0.6666666666666666, 'keeps it in 4 of 6 plans: 2 providers'),
     (0.0, 'loses it in all 6 plans: 1 provider')]
    >>> [label for _, label in _survival_classes([(k, 20) for k in range(1, 20)])][:2]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['keeps it in 76-99 % of the plans: 4 providers',
     'keeps it in 51-75 % of the plans: 5 providers']
    """
    def plans_of(counts: Iterable[int]) -> str:
        distinct = sorted(set(counts))
        return "all " + (f"{distinct[0]} plans" if len(distinct) == 1 else "plans")

    counts = _class_counts(keeps)
    all_kept = [(k, p) for k, p in counts if k == p]
    none_kept = [(k, p) for k, p in counts if k == 0]
    between = sorted(((k, p) for k, p in counts if 0 < k < p), key=lambda c: -c[0] / c[1])
    out: list[tuple[float, str]] = []
    if all_kept:
        n = sum(counts[c] for c in all_kept)
        out.append((1.0, f"keeps it in {plans_of(p for _, p in all_kept)} (named): "
                         f"{_plural(n, 'provider')}"))
    if len(counts) <= _SURVIVAL_CLASSES:
        out += [(k / p, f"keeps it in {k} of {p} plans: {_plural(counts[(k, p)], 'provider')}")
                for k, p in between]
    else:
        quarters: dict[int, list[tuple[int, int]]] = {}
        for k, p in between:
            quarters.setdefault(_quarter(k, p), []).append((k, p))
        for q in sorted(quarters, reverse=True):
            n = sum(counts[c] for c in quarters[q])
            low, high = 25 * q + 1, 25 * (q + 1) if q < 3 else 99
            out.append(((q + 0.5) / 4, f"keeps it in {low}-{high} % of the plans: "
                                       f"{_plural(n, 'provider')}"))
    if none_kept:
        n = sum(counts[c] for c in none_kept)
        out.append((0.0, f"loses it in {plans_of(p for _, p in none_kept)}: "
                         f"{_plural(n, 'provider')}"))
    return out


def _wrapped(text: str, width_px: int, dpi: int, fontsize: float = 9) -> str:
    """``text`` broken into lines that fit about 85 % of a ``width_px`` figure at
    ``fontsize`` points (a character is taken as 0.6 em): a long subtitle (a linked sweep's
    "summed over ... · outcome: caveat") is otherwise cut off at both edges.

    >>> _wrapped("a " * 100, 400, 100).count("\\n") > 0, _wrapped("short", 1000, 100)
    (True, 'short')
    """
    chars = max(int(0.85 * width_px / (0.6 * fontsize * dpi / 72)), 20)
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False)) or text


def _render(draw: Callable[[Figure], None], *, fmt: str, width_px: int, height_px: int,
            dpi: int) -> bytes:
    """Draw on a fresh figure of exactly ``width_px`` × ``height_px`` and encode it."""
    with _RENDER_LOCK, mpl.rc_context(dict(_RC)):
        fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else None
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
        return buffer.getvalue()


def _check_output(fmt: str, width_px: int, height_px: int, dpi: int) -> None:
    if fmt not in ("svg", "png"):
        raise ValueError(f"fmt must be 'svg' or 'png', not {fmt!r}")
    for name, value in (("width_px", width_px), ("height_px", height_px), ("dpi", dpi)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    if not (MIN_PIXELS <= width_px <= MAX_PIXELS and MIN_PIXELS <= height_px <= MAX_PIXELS):
        raise ValueError(f"{width_px} × {height_px} pixels is outside {MIN_PIXELS} to "
                         f"{MAX_PIXELS} on a side")


def _check_unique_ids(hospitals: Sequence[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    for h in hospitals:
        hid = str(h["id"])
        if hid in seen:
            raise ValueError(f"hospital id {hid!r} appears more than once")
        seen.add(hid)


# --------------------------------------------------------------------------- maps
#: a map label's spots around its marker, in order of preference: (x, y) in multiples of the
#: preferred offset, and the text's alignment there; the first is where labels always went
_LABEL_SPOTS = ((1, 1, "left", "baseline"), (1, -1, "left", "top"),
                (-1, 1, "right", "baseline"), (-1, -1, "right", "top"),
                (1.3, 0, "left", "center_baseline"), (-1.3, 0, "right", "center_baseline"),
                (0, 1.6, "center", "bottom"), (0, -1.6, "center", "top"))
#: a label this much (pixels) nearer its own marker than any other reads as its own
_LABEL_CLEAR_PX = 4.0
#: the gap (pixels) a figure title keeps from the legend beside it
_TITLE_GAP_PX = 12


def _renderer(fig: Figure) -> Any:
    """The renderer of a figure drawn by :func:`_render` (an Agg canvas)."""
    return cast(Any, fig.canvas).get_renderer()


def _box_distance(box: Any, point: Any) -> float:
    """The distance (display units) from a point to a display-space box, 0 inside it."""
    x, y = float(point[0]), float(point[1])
    return math.hypot(max(box.x0 - x, 0.0, x - box.x1), max(box.y0 - y, 0.0, y - box.y1))


def _place_labels(fig: Figure, ax: Any, labels: Sequence[tuple[str, float, float]],
                  markers: Sequence[tuple[float, float, float, float]], *,
                  offsets: Sequence[tuple[float, float]],
                  avoid: Sequence[Any] = (), fontsize: float = 7, zorder: float = 5,
                  settle: bool = True) -> None:
    """Label markers without covering another marker or label where a spot allows.

    ``labels`` are (text, x, y) in data units, ``markers`` (x, y, diameter in points, weight)
    every marker drawn, the labelled ones too, and ``avoid`` artists not to cover (the
    legend). A spot costs the weight of each marker its text covers, half of it for each
    marker of weight 1 or more the text is about as near to as to its own (within
    :data:`_LABEL_CLEAR_PX`: it would read as that marker's label), 1 for each label placed
    before it or artist it
    covers and 2 outside the figure. Each label, in the order given, takes the first of
    :data:`_LABEL_SPOTS` (scaled by its preferred offset in points, ``offsets``) that costs
    nothing, else the cheapest.

    The layout is settled first (a draw without rendering; ``settle=False`` when the caller
    has just drawn and changed nothing since) and the labels are left out of it, so the
    boxes measured are the ones saved.
    """
    if settle:
        fig.draw_without_rendering()
    renderer = _renderer(fig)
    avoided = [a.get_window_extent(renderer) for a in avoid]
    px = fig.dpi / 72.0
    discs = [(ax.transData.transform((x, y)), 0.5 * size * px + 1.0, weight)
             for x, y, size, weight in markers if weight > 0]
    frame = fig.bbox
    placed: list[Any] = []
    for (text, x, y), (ox, oy) in zip(labels, offsets, strict=True):
        ann = ax.annotate(text, (x, y), xytext=(ox, oy), textcoords="offset points",
                          fontsize=fontsize, zorder=zorder)
        ann.set_in_layout(False)
        at = ax.transData.transform((x, y))
        best: tuple[float, int] | None = None
        for i, (fx, fy, ha, va) in enumerate(_LABEL_SPOTS):
            ann.xyann = (fx * ox, fy * oy)
            ann.set_horizontalalignment(ha)
            ann.set_verticalalignment(va)
            box = ann.get_window_extent(renderer)
            own = _box_distance(box, at)
            cost = 0.0
            for c, r, w in discs:
                d = _box_distance(box, c)
                if d < r:
                    cost += w
                elif w >= 1 and d < own + _LABEL_CLEAR_PX and math.dist(c, at) > 1.0:
                    cost += 0.5 * w  # as near to another full-weight marker as to its own
            cost += sum(1.0 for b in placed if box.overlaps(b))
            cost += sum(1.0 for b in avoided if box.overlaps(b))
            if not (frame.x0 <= box.x0 and box.x1 <= frame.x1
                    and frame.y0 <= box.y0 and box.y1 <= frame.y1):
                cost += 2.0
            if best is None or cost < best[0]:
                best = (cost, i)
            if cost == 0:
                break
        assert best is not None
        fx, fy, ha, va = _LABEL_SPOTS[best[1]]
        ann.xyann = (fx * ox, fy * oy)
        ann.set_horizontalalignment(ha)
        ann.set_verticalalignment(va)
        placed.append(ann.get_window_extent(renderer))


def _title_beside_legend(fig: Figure, legend: Any, width_px: int, dpi: int) -> bool:
    """Keep the figure title (``suptitle``) clear of a legend outside the axes on the right:
    when the two would come closer than :data:`_TITLE_GAP_PX`, the title is centred over the
    room left of the legend and wrapped to it. Returns whether it moved (the layout drawn
    since is then stale)."""
    title = fig.get_suptitle()
    artist = getattr(fig, "_suptitle", None)
    if not title or artist is None:
        return False
    fig.draw_without_rendering()
    renderer = _renderer(fig)
    tbox, lbox = artist.get_window_extent(renderer), legend.get_window_extent(renderer)
    if (tbox.x1 + _TITLE_GAP_PX <= lbox.x0 or tbox.y0 >= lbox.y1 + _TITLE_GAP_PX
            or tbox.y1 + _TITLE_GAP_PX <= lbox.y0):
        return False
    margin = 0.01 * width_px
    room = max(lbox.x0 - _TITLE_GAP_PX - margin, 0.25 * width_px)
    chars = max(int(room / (0.6 * artist.get_fontsize() * dpi / 72)), 20)
    artist.set_text("\n".join(textwrap.wrap(title, chars, break_on_hyphens=False)) or title)
    artist.set_x((margin + room / 2) / width_px)
    return True


def _setup_map_axes(ax: Any) -> None:
    ax.set_aspect("equal")
    ax.set_axis_off()


def _fit_map(ax: Any, outline: BaseGeometry, *point_sets: np.ndarray) -> None:
    """Axis limits (RD metres) around the outline and every point, 4 % padding."""
    x0, y0, x1, y1 = outline.bounds
    for xy in point_sets:
        if len(xy):
            x0, y0 = min(x0, float(xy[:, 0].min())), min(y0, float(xy[:, 1].min()))
            x1, y1 = max(x1, float(xy[:, 0].max())), max(y1, float(xy[:, 1].max()))
    pad = max(x1 - x0, y1 - y0, 1_000.0) * 0.04
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def scale_bar_km(width_m: float) -> float:
    """The longest of :data:`SCALE_BAR_KM` that fits in a quarter of ``width_m`` metres.

    >>> scale_bar_km(300_000.0)
    50.0
    """
    fitting = [km for km in SCALE_BAR_KM if km * 1_000.0 <= 0.25 * width_m]
    return fitting[-1] if fitting else SCALE_BAR_KM[0]


def _scale_bar(ax: Any) -> None:
    """A scale bar in the lower left; axis units are RD metres, so ``km`` is ``km × 1000``."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = scale_bar_km(x1 - x0)
    length = km * 1_000.0
    bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0)
    tick = 0.008 * (y1 - y0)
    ax.plot([bx, bx, bx + length, bx + length], [by + tick, by, by, by + tick], color="black",
            linewidth=1.6, solid_capstyle="butt", solid_joinstyle="miter", zorder=6,
            gid="scale-bar")
    ax.text(bx + length / 2, by + 0.012 * (y1 - y0), f"{km:g} km", ha="center", va="bottom",
            fontsize=7, zorder=6, gid="scale-bar-label")


def _north_arrow(ax: Any) -> None:
    """An arrow and "N" in the upper left (RD grid north, within ~2° of true north here)."""
    ax.annotate("N", xy=(0.05, 0.97), xytext=(0.05, 0.88), xycoords="axes fraction",
                textcoords="axes fraction", ha="center", va="top", fontsize=9,
                fontweight="bold", zorder=6, gid="north-arrow",
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2,
                            "shrinkA": 0.0, "shrinkB": 0.0})


def _polygon_path(geometry: BaseGeometry) -> Path:
    """One compound path (exteriors counter-clockwise, holes clockwise) of the polygons."""
    if isinstance(geometry, Polygon):
        polygons = [geometry]
    elif isinstance(geometry, MultiPolygon):
        polygons = list(geometry.geoms)
    else:
        polygons = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in polygons:
        polygon = orient(polygon, sign=1.0)
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords, dtype=float)
            if len(xy) < 4:
                continue
            ring_codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            ring_codes[0], ring_codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return Path(np.empty((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _add_polygon(ax: Any, geometry: BaseGeometry, *, gid: str, **style: Any) -> None:
    """Draw a (multi)polygon as one patch, i.e. one SVG element with id ``gid``."""
    patch = PathPatch(_polygon_path(geometry), **style)
    patch.set_gid(gid)
    ax.add_patch(patch)


def _draw_areas(ax: Any, areas: Sequence[Mapping[str, Any]], xy: np.ndarray,
                colour: Callable[[Mapping[str, Any]], str], *, gid_prefix: str,
                alpha: float = 0.8) -> None:
    """Area points as one scatter per colour; marker area ∝ population (diameter ∝ sqrt)."""
    if not areas:
        return
    populations = np.array([max(float(a.get("population") or 0.0), 0.0) for a in areas])
    top = populations.max() if populations.size and populations.max() > 0 else 1.0
    sizes = 1.0 + 40.0 * populations / top
    groups: dict[str, list[int]] = {}
    for i, a in enumerate(areas):
        groups.setdefault(colour(a), []).append(i)
    for n, (c, idx) in enumerate(groups.items()):
        ax.scatter(xy[idx, 0], xy[idx, 1], s=sizes[idx], color=c, alpha=alpha,
                   edgecolors=_DARK, linewidths=0.2, zorder=2, gid=f"{gid_prefix}-{n}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: tab10's and tab20's greys (indices): grey means "closed, other or outside" on these maps,
#: so a catchment or region never gets it
_GREYS = {"tab10": {7}, "tab20": {14, 15}}


def _palette(n: int) -> list[str]:
    """``n`` distinct qualitative colours, none of them grey (tab10, then tab20, then a hue
    wheel)."""
    if n <= 10 - len(_GREYS["tab10"]):
        cmap = mpl.colormaps["tab10"]
        return [mpl.colors.to_hex(cmap(i)) for i in range(10) if i not in _GREYS["tab10"]][:n]
    if n <= 20 - len(_GREYS["tab20"]):
        cmap = mpl.colormaps["tab20"]
        order = [i for i in (*range(0, 20, 2), *range(1, 20, 2)) if i not in _GREYS["tab20"]]
        return [mpl.colors.to_hex(cmap(i)) for i in order[:n]]
    colours = []
    for i in range(n):
        r, g, b = mpl.colors.hsv_to_rgb(((i * 0.618034) % 1.0, 0.65, 0.85))
        colours.append(mpl.colors.to_hex((float(r), float(g), float(b))))
    return colours


def _ordered_kinds(kinds: Iterable[Any]) -> list[str]:
    present = {str(k) for k in kinds}
    known = [k for k in KIND_MARKERS if k in present]
    return known + sorted(present - set(KIND_MARKERS))


def _kind_handle(kind: str) -> Line2D:
    marker = KIND_MARKERS.get(kind, "o")
    return Line2D([], [], linestyle="none", marker=marker, markersize=_MARKER_SIZE[marker] * 0.8,
                  markerfacecolor="white", markeredgecolor=_DARK,
                  label=_KIND_LABELS.get(kind, kind))


def _volume_markersize(volume: float, max_volume: float) -> float:
    """Marker diameter (points) with area proportional to volume, 6 to 22 points."""
    if max_volume <= 0:
        return 8.0
    return 6.0 + 16.0 * math.sqrt(max(volume, 0.0) / max_volume)


# --------------------------------------------------------------------------- distributions
class _Distribution:
    """A weighted travel-time distribution, finite part sorted, for the ECDF panel."""

    def __init__(self, name: str, minutes: np.ndarray, weights: np.ndarray) -> None:
        self.name = name
        total = float(weights.sum())
        finite = np.isfinite(minutes)
        order = np.argsort(minutes[finite], kind="stable")
        self.minutes = minutes[finite][order]
        self.cumulative = np.cumsum(weights[finite][order]) / total
        self.unreachable_share = float(weights[~finite].sum()) / total
        self.mean = (float(np.dot(minutes[finite], weights[finite]) / weights[finite].sum())
                     if finite.any() and weights[finite].sum() > 0 else math.nan)
        self.p90 = self.quantile(0.9)
        self.finite_max = float(self.minutes[-1]) if self.minutes.size else 0.0

    def quantile(self, q: float) -> float:
        """Smallest travel time within which at least a share ``q`` of patients live."""
        hit = np.nonzero(self.cumulative >= q - 1e-12)[0]
        return float(self.minutes[hit[0]]) if hit.size else math.inf

    def label(self) -> str:
        mean = "n/a" if math.isnan(self.mean) else f"{self.mean:.0f}"
        p90 = "unreachable" if math.isinf(self.p90) else f"{self.p90:.0f} min"
        text = f"{self.name}: mean {mean} min, p90 {p90}"
        if self.unreachable_share > 0:
            text += f", {100.0 * self.unreachable_share:.1f}% unreachable"
        return text


def _weighted_distribution(name: str, minutes: Any, weights: Any) -> _Distribution:
    m = np.asarray(minutes, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    if m.shape != w.shape:
        raise ValueError(f"{name}: {m.size} travel times but {w.size} weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"{name}: weights must be finite and non-negative")
    if np.any(np.isnan(m)) or np.any(m < 0):
        raise ValueError(f"{name}: travel times must be non-negative (inf for unreachable)")
    if w.sum() <= 0:
        raise ValueError(f"{name}: the weights sum to {w.sum():g}; nothing to plot")
    return _Distribution(name, m, w)


# --------------------------------------------------------------------------- trade-off sweeps
#: per series of a trade-off chart (cycled): a marker and a dash pattern of its own, so lines
#: that coincide (a norm that does not bind gives the same plans as no norm) stay visible
_SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_SERIES_DASHES: tuple[Any, ...] = ("-", (0, (6, 3)), (0, (1.5, 2)), (0, (6, 2, 1.5, 2)))


def _same_points(a: Sequence[tuple[int, float, float, bool]],
                 b: Sequence[tuple[int, float, float, bool]]) -> bool:
    """Whether two sorted series go through the same plans at the same places (the later one
    would be drawn exactly over the earlier).

    >>> _same_points([(3, 1.0, 2.0, True)], [(3, 1.0, 2.0 + 1e-12, False)])
    True
    >>> _same_points([(3, 1.0, 2.0, True)], [(4, 1.0, 2.0, True)])
    False
    """
    return len(a) == len(b) and all(
        p[0] == q[0] and math.isclose(p[1], q[1], rel_tol=1e-9, abs_tol=1e-9)
        and math.isclose(p[2], q[2], rel_tol=1e-9, abs_tol=1e-9) for p, q in zip(a, b, strict=True))


def tradeoff_chart(
    series: Sequence[tuple[str, Sequence[tuple[int, float, float, bool]]]],
    *,
    x_label: str,
    y_label: str,
    fmt: Fmt = "svg",
    title: str | None = None,
    subtitle: str | None = None,
    note: str | None = None,
    width_px: int = 1000,
    height_px: int = 640,
    dpi: int = 100,
) -> bytes:
    """A sweep's trade-off curve: one line per norm through its plans, each point labelled by
    k, the Pareto-efficient plans ringed.

    ``series`` is ``[(norm label, [(k, x, y, pareto), ...]), ...]``; points whose ``x`` or
    ``y`` is not finite are left out. Each norm's line has ``gid="norm-<i>"`` (legend: the
    norm label), each point a text ``k=<k>``, the efficient plans one ``gid="pareto"``
    collection. Dotted lines at ``x = 0`` and ``y = 0`` mark today. ``note`` (e.g. why every
    plan's figure is 0) is written in a box under the plot, ``gid="chart-note"``.

    Every series has a marker and a dash pattern of its own (:data:`_SERIES_MARKERS`,
    :data:`_SERIES_DASHES`). A series that goes through exactly the points of an earlier one
    (a norm that does not bind) is drawn over it with hollow, larger markers and its legend
    label says ``(identical to <label>)``: nothing is offset, so the figures stay where they
    are, and both lines can be seen. Its ``k=`` labels are not repeated.
    """
    _check_output(fmt, width_px, height_px, dpi)
    colours = _palette(max(len(series), 1))

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        efficient: list[tuple[float, float]] = []
        drawn: list[tuple[str, list[tuple[int, float, float, bool]]]] = []
        for i, (label, points) in enumerate(series):
            pts = sorted((p for p in points if math.isfinite(p[1]) and math.isfinite(p[2])),
                         key=lambda p: p[0])
            if not pts:
                continue
            twin = next((name for name, other in drawn if _same_points(other, pts)), None)
            drawn.append((label, pts))
            xs = [p[1] for p in pts]
            ys = [p[2] for p in pts]
            marker = _SERIES_MARKERS[i % len(_SERIES_MARKERS)]
            dashes = _SERIES_DASHES[i % len(_SERIES_DASHES)]
            if twin is None:
                ax.plot(xs, ys, marker=marker, markersize=4.5, linewidth=1.6, color=colours[i],
                        linestyle=dashes, label=label, gid=f"norm-{i}")
            else:  # over the earlier line: a thinner dashed line, hollow and larger markers
                ax.plot(xs, ys, marker=marker, markersize=9, markerfacecolor="none",
                        markeredgewidth=1.4, linewidth=1.2, color=colours[i],
                        linestyle=dashes if dashes != "-" else (0, (6, 3)), zorder=2.5,
                        label=f"{label} (identical to {twin})", gid=f"norm-{i}")
            for k, x, y, pareto in pts:
                if twin is None:
                    ax.annotate(f"k={k}", (x, y), xytext=(5, 5), textcoords="offset points",
                                fontsize=7, color=colours[i])
                if pareto:
                    efficient.append((x, y))
        if efficient:
            arr = np.array(efficient)
            ax.scatter(arr[:, 0], arr[:, 1], s=170, facecolors="none", edgecolors=_DARK,
                       linewidths=1.4, zorder=3, label="Pareto-efficient", gid="pareto")
        ax.axhline(0.0, color=_BASELINE_COLOUR, linestyle=":", linewidth=1.0)
        ax.axvline(0.0, color=_BASELINE_COLOUR, linestyle=":", linewidth=1.0, label="today")
        ax.set_xlabel(x_label)
        ax.set_ylabel(_wrapped(y_label, height_px, dpi))  # wrapped along the height
        ax.grid(True, linewidth=0.4, alpha=0.5)
        if drawn and all(float(p[2]).is_integer() for _, pts in drawn for p in pts):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2 ticks
        if drawn:
            ax.legend(loc="best", frameon=False)
        else:
            ax.text(0.5, 0.5, "no feasible plan", transform=ax.transAxes, ha="center",
                    va="center")
        if note:  # under the plot (the layout makes room), never over a line
            fig.supxlabel(_wrapped(note, width_px, dpi, 8), fontsize=8, color=_DARK,
                          gid="chart-note", bbox={"boxstyle": "round,pad=0.4",
                                                  "facecolor": "#fff8e1",
                                                  "edgecolor": "#c9a227", "linewidth": 0.8})
        ax.set_title(_wrapped(subtitle or "", width_px, dpi), fontsize=9, color=_DARK)
        fig.suptitle(_wrapped(title if title is not None else "Trade-off sweep", width_px, dpi,
                              12))

    return _render(draw, fmt=fmt, width_px=width_px, height_px=height_px, dpi=dpi)

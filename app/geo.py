"""Map geometry: the Dutch national projection, the country outline and Voronoi areas.

Pure functions on arrays and shapely geometries (no Neo4j, no FastAPI, no drawing); the one
file they read is the outline that ``scripts/build_outline.py`` makes,
``graph/maps/netherlands.geojson`` (Natural Earth 1:10m, public domain; see its README).

Projection: Amersfoort / RD New (EPSG:28992), the Dutch national grid ("Rijksdriehoeks-
coördinaten"), through pyproj. Coordinates are metres east (x) and north (y) of a false origin
that puts Amersfoort at (155 000, 463 000). Input is WGS84 longitude/latitude (EPSG:4326) as the
seed data stores it; PROJ applies its best available datum shift from WGS84 to the Bessel
datum (a Helmert transformation without the RDNAPTRANS grid, good to well under a metre).

Areas: a demand area is a point (its place's coordinates); its area on the map is its Voronoi
cell, the set of places nearer to it than to any other area's point (in RD metres), clipped to
the outline. A region is the union of its areas' cells.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Hashable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from app.resources import GRAPH_DIR

__all__ = [
    "OUTLINE_PATH",
    "RD_NEW",
    "WGS84",
    "dissolve_cells",
    "outline_lonlat",
    "outline_properties",
    "outline_rd",
    "project_geometry",
    "project_items",
    "project_rd",
    "unproject_geometry",
    "voronoi_cells",
]

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"
OUTLINE_PATH = GRAPH_DIR / "maps" / "netherlands.geojson"

_LOCAL = threading.local()  # pyproj transformers are not safe to share between threads


def _transformer(source_crs: str, target_crs: str = RD_NEW) -> Transformer:
    cache: dict[tuple[str, str], Transformer] = getattr(_LOCAL, "transformers", None) or {}
    _LOCAL.transformers = cache
    key = (source_crs, target_crs)
    if key not in cache:
        cache[key] = Transformer.from_crs(source_crs, target_crs, always_xy=True)
    return cache[key]


def project_rd(lon: ArrayLike, lat: ArrayLike, *, source_crs: str = WGS84
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Longitude/latitude (degrees) to RD New x/y (metres).

    Parameters
    ----------
    lon, lat
        Degrees, scalars or arrays of one shape.
    source_crs
        The geographic CRS of the input: WGS84 (default) or e.g. ``"EPSG:4289"`` (Amersfoort,
        the Bessel datum RD New is defined on).

    Returns
    -------
    x, y
        Float arrays (0-d for scalar input), metres.

    Raises
    ------
    ValueError
        A coordinate is not finite, or the shapes differ.

    Examples
    --------
    >>> x, y = project_rd(5.387638889, 52.156160556, source_crs="EPSG:4289")
    >>> round(float(x)), round(float(y))
    (155000, 463000)
    """
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    if lon_a.shape != lat_a.shape:
        raise ValueError(f"lon has shape {lon_a.shape} but lat has {lat_a.shape}")
    if not (np.all(np.isfinite(lon_a)) and np.all(np.isfinite(lat_a))):
        raise ValueError("coordinates must be finite")
    x, y = _transformer(source_crs).transform(lon_a, lat_a)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def project_items(items: Sequence[Mapping[str, Any]]) -> NDArray[np.float64]:
    """RD New x/y (an ``n × 2`` array) of dicts with ``lat``/``lon`` (``id`` for errors).

    Raises
    ------
    ValueError
        An item has no usable lat/lon; the message names its id.

    Examples
    --------
    >>> project_items([{"id": "x", "lat": 52.1551744, "lon": 5.38720621}]).round(-1).tolist()
    [[155000.0, 463000.0]]
    """
    lon = np.empty(len(items))
    lat = np.empty(len(items))
    for i, item in enumerate(items):
        try:
            lat[i], lon[i] = float(item["lat"]), float(item["lon"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{item.get('id')!r} has no usable lat/lon") from None
        if not (math.isfinite(lat[i]) and math.isfinite(lon[i])):
            raise ValueError(f"{item.get('id')!r} has no usable lat/lon ({lat[i]}, {lon[i]})")
    if not items:
        return np.empty((0, 2))
    x, y = project_rd(lon, lat)
    return np.column_stack([x, y])


def project_geometry(geometry: BaseGeometry, *, source_crs: str = WGS84) -> BaseGeometry:
    """A shapely geometry in lon/lat, projected to RD New metres.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> p = project_geometry(Point(5.387638889, 52.156160556), source_crs="EPSG:4289")
    >>> round(p.x), round(p.y)
    (155000, 463000)
    """
    def transform(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = project_rd(coords[:, 0], coords[:, 1], source_crs=source_crs)
        return np.column_stack([x, y])

    return shapely.transform(geometry, transform)


def unproject_geometry(geometry: BaseGeometry, *, decimals: int = 6) -> BaseGeometry:
    """A shapely geometry in RD New metres, back to WGS84 lon/lat (rounded to ``decimals``:
    6 is about 0.1 m).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> back = unproject_geometry(project_geometry(Point(5.387, 52.156)))
    >>> round(back.x, 6), round(back.y, 6)
    (5.387, 52.156)
    """
    def transform(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = _transformer(RD_NEW, WGS84).transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), decimals)

    return shapely.transform(geometry, transform)


# --------------------------------------------------------------------------- the outline
@lru_cache(maxsize=4)
def _read_outline(path: Path) -> tuple[BaseGeometry, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feature = data["features"][0]
        geometry = shape(feature["geometry"])
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        raise ValueError(f"{path}: not a usable outline file ({e})") from None
    if not geometry.is_valid or geometry.is_empty:
        raise ValueError(f"{path}: the outline geometry is not a valid, non-empty polygon")
    return geometry, dict(feature.get("properties") or {})


def outline_lonlat(path: Path = OUTLINE_PATH) -> BaseGeometry:
    """The outline of the European Netherlands (a MultiPolygon in WGS84 lon/lat)."""
    return _read_outline(path)[0]


def outline_properties(path: Path = OUTLINE_PATH) -> dict[str, Any]:
    """The outline's recorded source, licence, package and version (a copy)."""
    return dict(_read_outline(path)[1])


@lru_cache(maxsize=4)
def outline_rd(path: Path = OUTLINE_PATH) -> BaseGeometry:
    """The outline projected to RD New metres (cached; shapely geometries are immutable)."""
    return project_geometry(outline_lonlat(path))


# --------------------------------------------------------------------------- Voronoi
def voronoi_cells(xy: ArrayLike, *, clip: BaseGeometry | None = None) -> list[BaseGeometry]:
    """The Voronoi cell of every point, in input order, optionally clipped.

    Points at the same coordinates share one cell (each gets the same geometry). Without
    ``clip`` the cells are bounded by the points' bounding box grown by its size on every side.

    Parameters
    ----------
    xy
        ``n × 2`` array of planar coordinates (e.g. RD metres).
    clip
        A polygon the cells are intersected with (e.g. :func:`outline_rd`).

    Returns
    -------
    list of shapely geometries, one per input point (empty where the cell misses ``clip``).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cells = voronoi_cells([[0, 0], [2, 0]], clip=box(-1, -1, 3, 1))
    >>> [c.bounds for c in cells]
    [(-1.0, -1.0, 1.0, 1.0), (1.0, -1.0, 3.0, 1.0)]
    """
    points = np.asarray(xy, dtype=float).reshape(-1, 2)
    if not np.all(np.isfinite(points)):
        raise ValueError("point coordinates must be finite")
    if points.shape[0] == 0:
        return []
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    (x0, y0), (x1, y1) = unique.min(axis=0), unique.max(axis=0)
    grow = max(x1 - x0, y1 - y0, 1.0)
    frame = box(x0 - grow, y0 - grow, x1 + grow, y1 + grow)
    if clip is not None:
        frame = box(*shapely.union(frame, shapely.envelope(clip)).bounds)
    if unique.shape[0] == 1:
        unique_cells: list[BaseGeometry] = [frame]
    else:
        diagram = shapely.voronoi_polygons(MultiPoint(unique), extend_to=frame, ordered=True)
        unique_cells = [shapely.intersection(c, frame) for c in diagram.geoms]
    if clip is not None:
        unique_cells = [shapely.intersection(c, clip) for c in unique_cells]
    return [unique_cells[i] for i in inverse]


def dissolve_cells(xy: ArrayLike, labels: Sequence[Hashable], *,
                   clip: BaseGeometry | None = None) -> dict[Hashable, BaseGeometry]:
    """Union of the Voronoi cells per label (e.g. areas' cells per region), clipped.

    The cells tile the plane, so the dissolved polygons do not overlap and together cover
    ``clip``. Where points of different labels share coordinates, the cell goes to the label
    that comes first in input order.

    Parameters
    ----------
    xy
        ``n × 2`` planar coordinates.
    labels
        ``n`` labels (hashable; ``None`` is a label like any other).
    clip
        Polygon the result is intersected with.

    Returns
    -------
    dict
        Label → (Multi)Polygon, in order of first appearance; labels whose cells miss ``clip``
        entirely are left out.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> parts = dissolve_cells([[0, 0], [0, 2], [2, 0]], ["a", "a", "b"], clip=box(-1, -1, 3, 3))
    >>> {k: round(v.area, 6) for k, v in parts.items()}
    {'a': 10.0, 'b': 6.0}
    """
    points = np.asarray(xy, dtype=float).reshape(-1, 2)
    labels = list(labels)
    if len(labels) != points.shape[0]:
        raise ValueError(f"{points.shape[0]} points but {len(labels)} labels")
    if not labels:
        return {}
    # one site per distinct coordinate, owned by its first label
    owner: dict[tuple[float, float], Hashable] = {}
    for (x, y), label in zip(points.tolist(), labels, strict=True):
        owner.setdefault((x, y), label)
    sites = np.array(list(owner), dtype=float)
    cells = voronoi_cells(sites, clip=None if clip is None else shapely.envelope(clip))
    groups: dict[Hashable, list[BaseGeometry]] = {}
    for cell, label in zip(cells, owner.values(), strict=True):
        groups.setdefault(label, []).append(cell)
    out: dict[Hashable, BaseGeometry] = {}
    for label, parts in groups.items():
        merged = shapely.union_all(parts)
        if clip is not None:
            merged = shapely.intersection(merged, clip)
        merged = _polygonal(merged)
        if not merged.is_empty:
            out[label] = merged
    return out


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts (an intersection can leave slivers of lines or points)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon | MultiPolygon)]
    polygons = [p for g in parts for p in shapely.get_parts(g)]
    return MultiPolygon(polygons) if polygons else Polygon()

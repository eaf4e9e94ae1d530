"""Map geometry: RD New against published coordinates, Voronoi against brute force, and the
seed's regions as areas on the outline (pure: no database)."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from app import geo
from tests.helpers import seed_rows

# --------------------------------------------------------------------------- projection


def test_project_rd_puts_the_etrs89_amersfoort_origin_at_155000_463000():
    # The RD origin (Amersfoort, Onze Lieve Vrouwetoren) in ETRS89, as RDNAPTRANS gives it;
    # WGS84 and ETRS89 agree to well under a metre here.
    x, y = geo.project_rd(5.38720621, 52.15517440)
    assert math.hypot(float(x) - 155_000.0, float(y) - 463_000.0) < 1.0


def test_project_rd_matches_the_definition_on_the_bessel_datum():
    # On Amersfoort (Bessel) geographic coordinates the projection alone applies: the
    # origin 52°09'22.178" N, 5°23'15.500" E is (155000, 463000) by definition, and the
    # Oblique Stereographic worked example of IOGP Guidance Note 7-2 gives
    # 53° N, 6° E -> E 196105.283 m, N 557057.739 m.
    lat0 = 52 + 9 / 60 + 22.178 / 3600
    lon0 = 5 + 23 / 60 + 15.500 / 3600
    x, y = geo.project_rd([lon0, 6.0], [lat0, 53.0], source_crs="EPSG:4289")
    assert x == pytest.approx([155_000.0, 196_105.283], abs=0.01)
    assert y == pytest.approx([463_000.0, 557_057.739], abs=0.01)


def test_project_rd_rejects_bad_coordinates():
    with pytest.raises(ValueError, match="finite"):
        geo.project_rd([5.0, math.nan], [52.0, 52.0])
    with pytest.raises(ValueError, match="shape"):
        geo.project_rd([5.0, 6.0], [52.0])
    with pytest.raises(ValueError, match="'x' has no usable lat/lon"):
        geo.project_items([{"id": "x", "lat": "north", "lon": 5.0}])


def test_project_items_is_the_same_as_project_rd_per_item():
    items = [{"id": "a", "lat": 53.2, "lon": 6.56}, {"id": "b", "lat": 50.85, "lon": 5.69}]
    xy = geo.project_items(items)
    for item, (x, y) in zip(items, xy, strict=True):
        px, py = geo.project_rd(item["lon"], item["lat"])
        assert (x, y) == (float(px), float(py))
    assert geo.project_items([]).shape == (0, 2)


# --------------------------------------------------------------------------- Voronoi
def _nearest(sites: np.ndarray, q: np.ndarray) -> tuple[int, float]:
    d = np.hypot(*(sites - q).T)
    order = np.argsort(d)
    return int(order[0]), float(d[order[1]] - d[order[0]])


def test_voronoi_cells_hold_exactly_the_points_nearest_their_site():
    rng = np.random.default_rng(7)
    sites = rng.uniform(0.0, 100.0, size=(40, 2))
    clip = box(-10.0, -10.0, 110.0, 110.0)
    cells = geo.voronoi_cells(sites, clip=clip)
    assert len(cells) == len(sites)
    assert sum(c.area for c in cells) == pytest.approx(clip.area, rel=1e-9)
    for q in rng.uniform(-10.0, 110.0, size=(400, 2)):
        nearest, margin = _nearest(sites, q)
        if margin < 1e-6:
            continue  # on a bisector
        owners = [i for i, c in enumerate(cells) if c.contains(Point(q))]
        assert owners == [nearest]


def test_voronoi_cells_share_a_cell_between_equal_points():
    cells = geo.voronoi_cells([[0, 0], [2, 0], [0, 0]], clip=box(-1, -1, 3, 1))
    assert cells[0].equals(cells[2])
    assert cells[0].area == pytest.approx(4.0) and cells[1].area == pytest.approx(4.0)
    assert geo.voronoi_cells(np.empty((0, 2))) == []
    assert geo.voronoi_cells([[1, 1]], clip=box(0, 0, 4, 4))[0].area == pytest.approx(16.0)


def test_dissolve_cells_is_the_union_of_each_labels_cells():
    rng = np.random.default_rng(11)
    sites = rng.uniform(0.0, 50.0, size=(30, 2))
    labels = [str(i % 4) for i in range(30)]
    clip = box(0.0, 0.0, 50.0, 50.0).difference(box(20.0, 20.0, 30.0, 30.0))  # with a hole
    parts = geo.dissolve_cells(sites, labels, clip=clip)
    cells = geo.voronoi_cells(sites, clip=clip)
    assert set(parts) == set(labels)
    for label, part in parts.items():
        mine = [c for c, lab in zip(cells, labels, strict=True) if lab == label]
        expected = shapely.union_all(mine)
        assert part.symmetric_difference(expected).area < 1e-9
    for a, b in itertools.combinations(parts.values(), 2):
        assert a.intersection(b).area < 1e-9
    assert shapely.union_all(list(parts.values())).symmetric_difference(clip).area < 1e-9


def test_dissolve_cells_gives_a_shared_point_to_the_first_label():
    parts = geo.dissolve_cells([[0, 0], [4, 0], [0, 0]], ["a", "b", "c"], clip=box(-2, -1, 6, 1))
    assert set(parts) == {"a", "b"}
    assert parts["a"].area == pytest.approx(8.0) and parts["b"].area == pytest.approx(8.0)
    with pytest.raises(ValueError, match="3 points but 2 labels"):
        geo.dissolve_cells([[0, 0], [1, 1], [2, 2]], ["a", "b"])


# --------------------------------------------------------------------------- the outline
def test_outline_file_records_source_licence_package_and_version():
    props = geo.outline_properties()
    assert "Natural Earth" in props["source"]
    assert props["licence"].startswith("Public domain")
    assert props["package"] == "npm:world-atlas" and props["package_version"] == "2.0.2"
    assert props["made_by"] == "scripts/build_outline.py"
    readme = (geo.OUTLINE_PATH.parent / "README.md").read_text(encoding="utf-8")
    for fact in ("Natural Earth", "public domain", "world-atlas", "2.0.2",
                 "scripts/build_outline.py", props["package_tarball_sha256"]):
        assert fact in readme
    data = json.loads(geo.OUTLINE_PATH.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 1
    assert geo.OUTLINE_PATH.stat().st_size < 50_000


def test_outline_holds_the_seed_hospitals():
    # the hospitals' coordinates are geocoded independently of Natural Earth: every one must
    # be inside the outline or within a few hundred metres of its (1:10m) coastline
    outline = geo.outline_rd()
    hospitals = seed_rows("hospitals.csv")
    xy = geo.project_items(hospitals)
    distances = [outline.distance(Point(p)) for p in xy]
    assert max(distances) < 500.0
    assert sum(d == 0.0 for d in distances) >= len(hospitals) - 2


# --------------------------------------------------------------------------- seed regions
@pytest.fixture(scope="module")
def seed_regions():
    areas = seed_rows("areas.csv")
    xy = geo.project_items(areas)
    labels = [a["region"] for a in areas]
    return areas, xy, geo.dissolve_cells(xy, labels, clip=geo.outline_rd())


def test_seed_regions_are_one_area_each(seed_regions):
    _, _, parts = seed_regions
    assert sorted(parts) == sorted(r["id"] for r in seed_rows("regions.csv"))


def test_every_seed_area_lies_in_its_own_region(seed_regions):
    areas, xy, parts = seed_regions
    outline = geo.outline_rd()
    outside = 0
    for area, p in zip(areas, xy, strict=True):
        point = Point(p)
        own = parts[area["region"]]
        if outline.contains(point):
            assert own.contains(point), area["id"]
        else:
            # a place the 1:10m coastline or border leaves just outside: the outline's
            # nearest point to it belongs to its own region
            outside += 1
            assert own.distance(point) == pytest.approx(outline.distance(point), abs=1.0), (
                area["id"])
            assert outline.distance(point) < 3_000.0, area["id"]
    assert outside <= 0.02 * len(areas)


def test_seed_regions_do_not_overlap_and_cover_the_outline(seed_regions):
    _, _, parts = seed_regions
    outline = geo.outline_rd()
    for (a, pa), (b, pb) in itertools.combinations(parts.items(), 2):
        assert pa.intersection(pb).area < 1.0, (a, b)  # square metres
    union = shapely.union_all(list(parts.values()))
    assert union.symmetric_difference(outline).area < 1e-6 * outline.area

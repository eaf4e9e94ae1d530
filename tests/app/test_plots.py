"""Figures from plain data: SVG structure (one element per hospital), PNG size, determinism."""

from __future__ import annotations

import math
import struct
import threading
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from app import plots

SVG_NS = "{http://www.w3.org/2000/svg}"

REGIONS = [
    {"id": "noord", "name": "Noord-Nederland"},
    {"id": "oost", "name": "Oost-Nederland"},
    {"id": "zuid", "name": "Zuid-Nederland"},
]

HOSPITALS = [
    {"id": "umcg", "name": "UMCG", "lat": 53.222, "lon": 6.575, "kind": "umc",
     "region": "noord"},
    {"id": "mst", "name": "MST Enschede", "lat": 52.213, "lon": 6.889, "kind": "topclinical",
     "region": "oost"},
    {"id": "avl", "name": "NKI-AVL", "lat": 52.346, "lon": 4.858, "kind": "categorical",
     "region": "west"},  # a region not in REGIONS: drawn grey, still one element
    {"id": "mumc", "name": "MUMC+", "lat": 50.833, "lon": 5.711, "kind": "umc",
     "region": "zuid"},
    {"id": "zgt", "name": "ZGT Almelo", "lat": 52.352, "lon": 6.663, "kind": "general",
     "region": "oost"},
]

# 20 Dutch municipalities (approximate centres and populations).
_PLACES = [
    ("Groningen", 53.219, 6.567, 238_000, "noord"), ("Leeuwarden", 53.201, 5.799, 125_000, "noord"),
    ("Assen", 52.993, 6.562, 69_000, "noord"), ("Emmen", 52.786, 6.897, 108_000, "noord"),
    ("Drachten", 53.107, 6.099, 45_000, "noord"), ("Zwolle", 52.517, 6.083, 132_000, "oost"),
    ("Enschede", 52.221, 6.894, 160_000, "oost"), ("Almelo", 52.357, 6.662, 74_000, "oost"),
    ("Apeldoorn", 52.211, 5.969, 165_000, "oost"), ("Deventer", 52.255, 6.163, 102_000, "oost"),
    ("Arnhem", 51.985, 5.899, 165_000, "oost"), ("Nijmegen", 51.842, 5.853, 179_000, "oost"),
    ("Maastricht", 50.851, 5.691, 121_000, "zuid"), ("Heerlen", 50.888, 5.979, 87_000, "zuid"),
    ("Venlo", 51.370, 6.172, 102_000, "zuid"), ("Roermond", 51.194, 5.987, 59_000, "zuid"),
    ("Sittard", 51.000, 5.869, 92_000, "zuid"), ("Weert", 51.252, 5.706, 50_000, "zuid"),
    ("Amsterdam", 52.370, 4.895, 918_000, "west"), ("Haarlem", 52.387, 4.646, 163_000, "west"),
]
AREAS = [
    {"id": f"gm{i:02d}", "name": name, "lat": lat, "lon": lon, "population": pop,
     "region": region}
    for i, (name, lat, lon, pop, region) in enumerate(_PLACES)
]


def _parse_svg(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    return root


def _ids(root: ET.Element) -> list[str]:
    return [e.get("id") or "" for e in root.iter() if e.get("id")]


def _texts(root: ET.Element) -> str:
    return "\n".join("".join(e.itertext()) for e in root.iter(f"{SVG_NS}text"))


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking signature and chunk CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:16 + length]
    (crc,) = struct.unpack(">I", data[16 + length:20 + length])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    return width, height


def _allocation() -> dict[str, str]:
    """Each area to the nearest of three open centres, except Haarlem (left unallocated)."""
    centres = {h["id"]: h for h in HOSPITALS if h["id"] in {"umcg", "mst", "mumc"}}
    out = {}
    for a in AREAS:
        if a["name"] == "Haarlem":
            continue
        out[a["id"]] = min(centres, key=lambda c: math.dist(
            (a["lat"], a["lon"]), (centres[c]["lat"], centres[c]["lon"])))
    return out


# --------------------------------------------------------------------------- region map
def test_region_map_svg_has_one_element_per_hospital():
    root = _parse_svg(plots.region_map(HOSPITALS, AREAS, REGIONS, title="Oncologieregio's"))
    ids = _ids(root)
    for h in HOSPITALS:
        assert ids.count(f"hospital-{h['id']}") == 1
    assert sorted(i for i in ids if i.startswith("hospital-")) == sorted(
        f"hospital-{h['id']}" for h in HOSPITALS)


def test_region_map_svg_keeps_title_and_legend_as_text():
    text = _texts(_parse_svg(plots.region_map(HOSPITALS, AREAS, REGIONS,
                                              title="Oncologieregio's 2026")))
    assert "Oncologieregio's 2026" in text
    for label in ("Noord-Nederland", "Oost-Nederland", "Zuid-Nederland", "no region",
                  "UMC", "categorical", "top-clinical", "general", "50 km"):
        assert label in text


def test_region_map_svg_is_deterministic():
    first = plots.region_map(HOSPITALS, AREAS, REGIONS, title="t")
    assert first == plots.region_map(HOSPITALS, AREAS, REGIONS, title="t")
    assert b"<dc:date>" not in first


@pytest.mark.parametrize(("width", "height", "dpi"), [(960, 900, 100), (1001, 777, 100),
                                                      (640, 480, 96), (333, 251, 72)])
def test_region_map_png_has_requested_pixel_size(width, height, dpi):
    png = plots.region_map(HOSPITALS, AREAS, REGIONS, fmt="png", width_px=width,
                           height_px=height, dpi=dpi)
    assert _png_size(png) == (width, height)


def test_region_map_png_decodes_with_matplotlib():
    import io

    from matplotlib.image import imread

    image = imread(io.BytesIO(plots.region_map(HOSPITALS, AREAS, REGIONS, fmt="png",
                                               width_px=500, height_px=400)), format="png")
    assert image.shape[:2] == (400, 500)


def test_region_map_does_not_mutate_inputs():
    hospitals = [dict(h) for h in HOSPITALS]
    areas = [dict(a) for a in AREAS]
    plots.region_map(hospitals, areas, REGIONS)
    assert hospitals == HOSPITALS and areas == AREAS


def test_region_map_rejects_duplicate_hospital_ids():
    with pytest.raises(ValueError, match="'umcg' appears more than once"):
        plots.region_map([*HOSPITALS, HOSPITALS[0]], AREAS, REGIONS)


def test_region_map_rejects_missing_coordinates():
    broken = [*HOSPITALS, {"id": "x", "name": "X", "lat": None, "lon": 5.0, "kind": "general",
                           "region": "oost"}]
    with pytest.raises(ValueError, match="'x' has no usable lat/lon"):
        plots.region_map(broken, AREAS, REGIONS)


@pytest.mark.parametrize("kwargs", [{"fmt": "pdf"}, {"width_px": 0}, {"height_px": 50},
                                    {"dpi": 0}, {"width_px": 20_000}])
def test_region_map_rejects_bad_output_options(kwargs):
    with pytest.raises(ValueError):
        plots.region_map(HOSPITALS, AREAS, REGIONS, **kwargs)


def test_region_map_renders_concurrently_identically():
    results: list[bytes] = []
    lock = threading.Lock()

    def work():
        svg = plots.region_map(HOSPITALS, AREAS, REGIONS, title="threads")
        with lock:
            results.append(svg)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1


# --------------------------------------------------------------------------- scenario map
def test_scenario_map_svg_has_one_element_per_hospital_and_titles():
    svg = plots.scenario_map(
        HOSPITALS, AREAS, _allocation(), open_ids=["umcg", "mst", "mumc"],
        volumes={"umcg": 140.0, "mst": 95.0, "mumc": 60.0},
        title="Oesofaguscarcinoom: p-median, 3 centra",
        subtitle="mean 38 min · p90 71 min · 1 area not allocated",
    )
    root = _parse_svg(svg)
    ids = _ids(root)
    for h in HOSPITALS:
        assert ids.count(f"hospital-{h['id']}") == 1
    text = _texts(root)
    assert "Oesofaguscarcinoom: p-median, 3 centra" in text
    assert "mean 38 min · p90 71 min · 1 area not allocated" in text
    assert "not allocated (1 area)" in text
    for name in ("UMCG", "MST Enschede", "MUMC+"):  # open centres are labelled
        assert name in text
    assert "NKI-AVL" not in text  # closed hospitals are not


def test_scenario_map_png_has_requested_pixel_size():
    png = plots.scenario_map(HOSPITALS, AREAS, _allocation(), open_ids=["umcg", "mst", "mumc"],
                             fmt="png", width_px=800, height_px=700)
    assert _png_size(png) == (800, 700)


def test_scenario_map_rejects_allocation_to_a_closed_centre():
    allocation = _allocation() | {"gm18": "avl"}
    with pytest.raises(ValueError, match="'gm18' is allocated to hospital 'avl', which is not"):
        plots.scenario_map(HOSPITALS, AREAS, allocation, open_ids=["umcg", "mst", "mumc"])


def test_scenario_map_rejects_unknown_ids():
    with pytest.raises(ValueError, match="not among the hospitals"):
        plots.scenario_map(HOSPITALS, AREAS, {}, open_ids=["nope"])
    with pytest.raises(ValueError, match="unknown hospital 'nope'"):
        plots.scenario_map(HOSPITALS, AREAS, {"gm00": "nope"}, open_ids=["umcg"])
    with pytest.raises(ValueError, match="area 'zz'"):
        plots.scenario_map(HOSPITALS, AREAS, {"zz": "umcg"}, open_ids=["umcg"])


# --------------------------------------------------------------------------- comparison chart
BASE_MIN = [12.0, 18.0, 25.0, 31.0, 44.0]
BASE_W = [30.0, 20.0, 25.0, 15.0, 10.0]
SCEN_MIN = [12.0, 35.0, 48.0, 55.0, math.inf]
SCEN_W = [30.0, 20.0, 25.0, 15.0, 10.0]
VOLUMES = {"UMCG": 140.0, "MST Enschede": 95.0, "MUMC+": 38.0}


def test_comparison_chart_renders_both_panels_with_norm_line():
    svg = plots.scenario_comparison_chart(BASE_MIN, BASE_W, SCEN_MIN, SCEN_W, VOLUMES, 40,
                                          title="Pancreas: baseline vs 3 centres")
    root = _parse_svg(svg)
    text = _texts(root)
    assert "Pancreas: baseline vs 3 centres" in text
    assert "Travel time, baseline vs scenario" in text
    assert "Volume per centre" in text
    assert "minimum volume 40 / year" in text
    assert "below the norm (1)" in text and "meets the norm (2)" in text
    for name in VOLUMES:
        assert name in text
    ids = _ids(root)
    for gid in ("ecdf-baseline", "ecdf-scenario", "norm-line", "volume-bars"):
        assert gid in ids


def test_comparison_chart_reports_weighted_mean_p90_and_unreachable_share():
    text = _texts(_parse_svg(plots.scenario_comparison_chart(
        BASE_MIN, BASE_W, SCEN_MIN, SCEN_W, VOLUMES, 40)))
    # baseline: mean = (12*30 + 18*20 + 25*25 + 31*15 + 44*10) / 100 = 22.5 -> "22";
    # p90: cumulative 0.30, 0.50, 0.75, 0.90 -> 31 minutes
    assert "baseline: mean 22 min, p90 31 min" in text
    # scenario: 10 % unreachable; reachable mean = (360+700+1200+825)/90 = 34.3; p90 = 55
    assert "scenario: mean 34 min, p90 55 min, 10.0% unreachable" in text


def test_comparison_chart_without_norm_has_no_norm_line():
    svg = plots.scenario_comparison_chart(BASE_MIN, BASE_W, SCEN_MIN, SCEN_W, VOLUMES, None)
    root = _parse_svg(svg)
    assert "norm-line" not in _ids(root)
    assert "minimum volume" not in _texts(root)


def test_comparison_chart_png_has_requested_pixel_size():
    png = plots.scenario_comparison_chart(np.array(BASE_MIN), np.array(BASE_W),
                                          np.array(SCEN_MIN), np.array(SCEN_W), VOLUMES, 40,
                                          fmt="png", width_px=1100, height_px=500)
    assert _png_size(png) == (1100, 500)


@pytest.mark.parametrize(("minutes", "weights", "message"), [
    ([1.0, 2.0], [1.0], "2 travel times but 1 weights"),
    ([1.0], [-1.0], "finite and non-negative"),
    ([math.nan], [1.0], "non-negative"),
    ([1.0, 2.0], [0.0, 0.0], "sum to 0"),
])
def test_comparison_chart_rejects_bad_distributions(minutes, weights, message):
    with pytest.raises(ValueError, match=message):
        plots.scenario_comparison_chart(minutes, weights, SCEN_MIN, SCEN_W, VOLUMES, 40)


# --------------------------------------------------------------------------- real boundaries
def _element(root: ET.Element, gid: str) -> ET.Element:
    found = [e for e in root.iter() if e.get("id") == gid]
    assert len(found) == 1, f"{len(found)} elements with id {gid!r}"
    return found[0]


def _path_points(group: ET.Element) -> np.ndarray:
    """Every vertex of the <path> elements in a group, in SVG user units."""
    numbers = []
    for path in group.iter(f"{SVG_NS}path"):
        values = [float(v) for v in path.get("d", "").replace("M", " ").replace("L", " ")
                  .replace("z", " ").replace("Z", " ").split()]
        numbers.extend(values)
    return np.array(numbers).reshape(-1, 2)


def test_region_map_has_one_outline_and_one_area_per_region():
    root = _parse_svg(plots.region_map(HOSPITALS, AREAS, REGIONS))
    ids = _ids(root)
    assert ids.count("outline") == 1
    regions = sorted(i for i in ids if i.startswith("region-"))
    assert regions == ["region-noord", "region-oost", "region-zuid"]
    assert ids.count("no-region") == 1  # the areas of "west", which REGIONS does not list
    for gid in ("scale-bar", "scale-bar-label", "north-arrow"):
        assert ids.count(gid) == 1


def test_region_map_of_the_seed_has_one_area_per_region():
    from tests.helpers import seed_rows

    areas = seed_rows("areas.csv")
    hospitals = seed_rows("hospitals.csv")
    regions = [{"id": r["id"], "name": r["name"]} for r in seed_rows("regions.csv")]
    ids = _ids(_parse_svg(plots.region_map(hospitals, areas, regions)))
    assert sorted(i for i in ids if i.startswith("region-")) == sorted(
        f"region-{r['id']}" for r in regions)
    assert ids.count("outline") == 1 and "no-region" not in ids
    assert sorted(i for i in ids if i.startswith("hospital-")) == sorted(
        f"hospital-{h['id']}" for h in hospitals)


@pytest.mark.parametrize("width", [960, 640, 1500])
def test_scale_bar_is_as_long_as_its_label_in_projected_metres(width):
    """SVG units per RD metre from the outline's drawn extent against its projected bounds;
    the bar's drawn length in metres must equal the kilometres on its label."""
    from app import geo

    root = _parse_svg(plots.region_map(HOSPITALS, AREAS, REGIONS, width_px=width))
    outline = _path_points(_element(root, "outline"))
    x0, y0, x1, y1 = geo.outline_rd().bounds
    units_per_m_x = np.ptp(outline[:, 0]) / (x1 - x0)
    units_per_m_y = np.ptp(outline[:, 1]) / (y1 - y0)
    assert units_per_m_x == pytest.approx(units_per_m_y, rel=0.005)  # equal aspect
    bar = _path_points(_element(root, "scale-bar"))
    bar_m = np.ptp(bar[:, 0]) / units_per_m_x
    label = "".join(_element(root, "scale-bar-label").itertext()).strip()
    assert label.endswith(" km")
    assert bar_m == pytest.approx(float(label.removesuffix(" km")) * 1_000.0, rel=0.005)


def test_scale_bar_km_picks_the_longest_that_fits_a_quarter():
    assert plots.scale_bar_km(300_000.0) == 50.0
    assert plots.scale_bar_km(199_999.0) == 25.0
    assert plots.scale_bar_km(1_000.0) == 1.0  # nothing fits: the shortest
    for width in (5_000.0, 80_000.0, 400_000.0, 3_000_000.0):
        km = plots.scale_bar_km(width)
        assert km * 1_000.0 <= width / 4
        longer = [k for k in plots.SCALE_BAR_KM if k > km]
        assert not longer or longer[0] * 1_000.0 > width / 4


def test_scenario_map_draws_catchments_regions_and_outline():
    allocation = _allocation()
    svg = plots.scenario_map(HOSPITALS, AREAS, allocation, open_ids=["umcg", "mst", "mumc"])
    ids = _ids(_parse_svg(svg))
    assert ids.count("outline") == 1
    used = sorted(set(allocation.values()))
    assert sorted(i for i in ids if i.startswith("catchment-")) == sorted(
        [f"catchment-{h}" for h in used] + ["catchment-unallocated"])
    assert sorted(i for i in ids if i.startswith("region-")) == sorted(
        f"region-{r}" for r in {a["region"] for a in AREAS})
    assert "oncology region border" in _texts(_parse_svg(svg))


def test_scenario_map_catchments_hold_their_areas():
    """Geometry behind the picture: each allocated area's point lies in its centre's
    catchment wherever the point is inside the outline."""
    import shapely
    from shapely.geometry import Point

    from app import geo

    allocation = _allocation()
    xy = geo.project_items(AREAS)
    catchments = geo.dissolve_cells(xy, [allocation.get(a["id"]) for a in AREAS],
                                    clip=geo.outline_rd())
    for a, p in zip(AREAS, xy, strict=True):
        if geo.outline_rd().contains(Point(p)):
            assert catchments[allocation.get(a["id"])].contains(Point(p)), a["name"]
    assert shapely.union_all(list(catchments.values())).symmetric_difference(
        geo.outline_rd()).area < 1e-6 * geo.outline_rd().area


def test_scenario_map_with_a_regional_scope_draws_other_regions_neutral():
    """A scenario for noord and oost: zuid and west are outside its scope, not unallocated."""
    scope = {"noord", "oost"}
    allocation = {a: h for a, h in _allocation().items()
                  if next(x for x in AREAS if x["id"] == a)["region"] in scope}
    root = _parse_svg(plots.scenario_map(HOSPITALS, AREAS, allocation,
                                         open_ids=["umcg", "mst", "mumc"], scope=sorted(scope)))
    ids = _ids(root)
    outside = [a for a in AREAS if a["region"] not in scope]
    assert ids.count("outside-scope") == 1
    assert "catchment-unallocated" not in ids and "areas-unallocated" not in ids
    text = _texts(root)
    assert f"outside scope ({len(outside)} areas)" in text and "not allocated" not in text


def test_scenario_map_with_a_regional_scope_still_shows_unallocated_scope_areas():
    allocation = {a["id"]: "umcg" for a in AREAS if a["region"] == "noord"}
    allocation.pop("gm00")  # Groningen: in scope, left unallocated
    root = _parse_svg(plots.scenario_map(HOSPITALS, AREAS, allocation, open_ids=["umcg"],
                                         scope=["noord"]))
    assert "catchment-unallocated" in _ids(root)
    assert "not allocated (1 area)" in _texts(root)


def test_scenario_map_rejects_an_allocation_outside_the_scope():
    with pytest.raises(ValueError, match="outside the scope"):
        plots.scenario_map(HOSPITALS, AREAS, {"gm12": "mumc"}, open_ids=["mumc"],
                           scope=["noord"])


@pytest.mark.parametrize("n", [1, 7, 8, 9, 10, 12, 18, 19, 30])
def test_palette_is_distinct_and_never_grey(n):
    import colorsys

    import matplotlib.colors as mcolors

    colours = plots._palette(n)
    assert len(colours) == n and len(set(colours)) == n
    for c in colours:
        r, g, b = mcolors.to_rgb(c)
        _, _, saturation = colorsys.rgb_to_hls(r, g, b)
        # grey is what "closed or other" and "outside the scope" are drawn in
        assert saturation > 0.2, (n, c)


# --------------------------------------------------------------------------- sweep map
def _fill_of(root: ET.Element, gid: str) -> str:
    group = next(e for e in root.iter() if e.get("id") == gid)
    for e in group.iter():
        style = e.get("style") or ""
        for part in style.split(";"):
            if part.strip().startswith("fill:"):
                return part.split(":", 1)[1].strip()
    raise AssertionError(f"no fill in {gid}")


def test_provider_survival_map_colours_by_share_of_plans_kept():
    import matplotlib as mpl

    keeps = {"umcg": (6, 6), "mst": (3, 6), "mumc": (0, 6)}
    root = _parse_svg(plots.provider_survival_map(HOSPITALS, AREAS, keeps, title="Sweep"))
    ids = _ids(root)
    assert sorted(i for i in ids if i.startswith("provider-")) == sorted(
        f"provider-{h}" for h in keeps)
    assert sorted(i for i in ids if i.startswith("hospital-")) == ["hospital-avl", "hospital-zgt"]
    cmap = mpl.colormaps["viridis_r"]
    for hid, (kept, plans) in keeps.items():
        expected = mpl.colors.to_hex(cmap(0.1 + 0.9 * kept / plans))
        assert _fill_of(root, f"provider-{hid}") == expected, hid
    text = _texts(root)
    assert "UMCG" in text and "MST Enschede" not in text  # only those keeping it everywhere
    assert "outline" in ids and "region-noord" in ids


@pytest.mark.parametrize("keeps", [{"nope": (1, 2)}, {"umcg": (3, 2)}, {"umcg": (0, 0)}])
def test_provider_survival_map_refuses_impossible_counts(keeps):
    with pytest.raises(ValueError):
        plots.provider_survival_map(HOSPITALS, AREAS, keeps)


def test_provider_survival_map_legend_lists_only_the_classes_that_occur():
    # 6 plans: two providers kept in 4, one in 2, one in none; nobody in all six
    keeps = {"umcg": (4, 6), "mst": (4, 6), "mumc": (2, 6), "zgt": (0, 6)}
    text = _texts(_parse_svg(plots.provider_survival_map(HOSPITALS, AREAS, keeps)))
    assert "no provider keeps it in every plan" in text
    assert "keeps it in 4 of 6 plans: 2 providers" in text
    assert "keeps it in 2 of 6 plans: 1 provider" in text
    assert "loses it in all 6 plans: 1 provider" in text
    assert "(named)" not in text and "half the plans" not in text
    for h in HOSPITALS:  # nobody is named when nobody keeps it in every plan
        assert h["name"] not in text
    assert "not a provider today" in text  # avl is not a provider


def test_provider_survival_map_legend_names_keepers_when_they_exist():
    keeps = {h["id"]: (3, 3) for h in HOSPITALS}
    text = _texts(_parse_svg(plots.provider_survival_map(HOSPITALS, AREAS, keeps)))
    assert f"keeps it in all 3 plans (named): {len(HOSPITALS)} providers" in text
    assert "no provider keeps it in every plan" not in text
    assert "loses it" not in text and " of 3 plans" not in text
    assert "not a provider today" not in text  # every hospital is one
    for h in HOSPITALS:
        assert h["name"] in text


def test_provider_survival_map_groups_many_shares_in_quarters_with_one_colour_each():
    import matplotlib as mpl

    hospitals = [{"id": f"h{i}", "name": f"H{i}", "lat": 51.5 + 0.05 * i, "lon": 5.0}
                 for i in range(21)]
    keeps = {f"h{i}": (i, 20) for i in range(21)}  # 21 distinct counts: grouped
    root = _parse_svg(plots.provider_survival_map(hospitals, [], keeps))
    text = _texts(root)
    # 1-5 of 20 in the first quarter, 6-10, 11-15, 16-19 of 20
    for label in ("keeps it in all 20 plans (named): 1 provider",
                  "keeps it in 76-99 % of the plans: 4 providers",
                  "keeps it in 51-75 % of the plans: 5 providers",
                  "keeps it in 26-50 % of the plans: 5 providers",
                  "keeps it in 1-25 % of the plans: 5 providers",
                  "loses it in all 20 plans: 1 provider"):
        assert label in text, label
    cmap = mpl.colormaps["viridis_r"]
    quarter_fill = mpl.colors.to_hex(cmap(0.1 + 0.9 * 0.625))  # the 51-75 % class
    assert {_fill_of(root, f"provider-h{i}") for i in range(11, 16)} == {quarter_fill}
    assert _fill_of(root, "provider-h20") == mpl.colors.to_hex(cmap(1.0))


# --------------------------------------------------------------------------- trade-off chart
def _line_styles(root: ET.Element, gid: str) -> tuple[str, str, int]:
    """(the line's style, its marker's path, the number of markers) of series ``gid``."""
    group = next(e for e in root.iter() if e.get("id") == gid)
    paths = list(group.iter(f"{SVG_NS}path"))
    line = next(p for p in paths if "clip-path" in p.attrib)
    marker = next(p for p in paths if p.get("id"))
    uses = list(group.iter(f"{SVG_NS}use"))
    return line.get("style") or "", marker.get("d") or "", len(uses)


SERIES_A = [(3, 38.0, 0.0, False), (4, 27.7, 0.0, False), (5, 21.2, 0.0, True)]


def test_tradeoff_chart_keeps_a_coincident_series_visible_and_says_so():
    series = [("no norm", SERIES_A), ("norm 20 / year", list(reversed(SERIES_A)))]
    root = _parse_svg(plots.tradeoff_chart(series, x_label="x", y_label="y"))
    ids = _ids(root)
    assert {"norm-0", "norm-1", "pareto"} <= set(ids)
    (style0, marker0, n0), (style1, marker1, n1) = (_line_styles(root, g)
                                                    for g in ("norm-0", "norm-1"))
    assert n0 == n1 == 3  # both lines draw all their points
    assert "stroke-dasharray" not in style0 and "stroke-dasharray" in style1
    assert marker0 != marker1  # a circle and a square
    text = _texts(root)
    assert "norm 20 / year (identical to no norm)" in text
    assert text.count("k=3") == 1  # the twin's k labels are not printed twice


def test_tradeoff_chart_series_that_differ_are_not_called_identical():
    other = [(k, x, y + 0.5, p) for k, x, y, p in SERIES_A]
    root = _parse_svg(plots.tradeoff_chart([("no norm", SERIES_A), ("norm 20", other)],
                                           x_label="x", y_label="y", note="why it is 0"))
    text = _texts(root)
    assert "identical" not in text and text.count("k=3") == 2
    (style0, marker0, _), (style1, marker1, _) = (_line_styles(root, g)
                                                  for g in ("norm-0", "norm-1"))
    assert style0 != style1 and marker0 != marker1  # every series its own dashes and marker
    assert "chart-note" in _ids(root) and "why it is 0" in text


def _canvas(width_px: int = 400, height_px: int = 400):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_px / 100, height_px / 100), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def test_map_label_moves_off_a_neighbouring_marker():
    """Erasmus MC on the oesophagectomy sweep map: a neighbour's marker a few pixels above
    the labelled one, where the label went by default (upper right) it reads as the
    neighbour's. The label takes a spot whose text covers neither marker and is clearly
    nearer its own one; the default spot is shown to be ambiguous first (the case is real)."""
    fig = _canvas()
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_axis_off()
    own, other = (50.0, 50.0), (49.7, 52.5)
    markers = [(*own, 9.0, 1.0), (*other, 9.0, 1.0)]
    plots._place_labels(fig, ax, [("Erasmus MC", *own)], markers, offsets=[(6, 4)])
    (label,) = ax.texts
    renderer = fig.canvas.get_renderer()
    own_px, other_px = ax.transData.transform(own), ax.transData.transform(other)
    radius = 4.5 * fig.dpi / 72

    def distances():
        box = label.get_window_extent(renderer)
        return plots._box_distance(box, own_px), plots._box_distance(box, other_px)

    placed = distances()
    label.xyann = (6, 4)  # the old spot
    label.set_horizontalalignment("left")
    label.set_verticalalignment("baseline")
    default = distances()
    assert default[1] < default[0] + plots._LABEL_CLEAR_PX  # ambiguous where it was
    assert placed[0] >= radius and placed[1] >= radius  # covers neither marker
    assert placed[1] >= placed[0] + plots._LABEL_CLEAR_PX, placed  # reads as its own


def test_map_title_keeps_clear_of_the_legend_beside_it():
    """A long title over a map with its legend outside on the right ran into the legend;
    it is moved left of it and wrapped, keeping the gap."""
    from matplotlib.lines import Line2D

    fig = _canvas(1000, 900)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.plot([0, 1], [0, 1])
    legend = fig.legend(handles=[Line2D([], [], label="keeps it in all 6 plans (named): "
                                                      "4 providers")],
                        title="Today's providers", loc="outside right upper", frameon=False)
    fig.suptitle("oesophagectomy+gastrectomy+pancreatic-resection: p_median k=5..7 x 2 "
                 "norm(s)")
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    assert fig._suptitle.get_window_extent(renderer).x1 > legend.get_window_extent(renderer).x0
    assert plots._title_beside_legend(fig, legend, 1000, 100)
    fig.draw_without_rendering()
    title, box = fig._suptitle.get_window_extent(renderer), legend.get_window_extent(renderer)
    assert title.x1 + plots._TITLE_GAP_PX <= box.x0 + 0.5
    assert title.x0 >= 0
    assert fig.get_suptitle().replace("\n", " ") == (
        "oesophagectomy+gastrectomy+pancreatic-resection: p_median k=5..7 x 2 norm(s)")

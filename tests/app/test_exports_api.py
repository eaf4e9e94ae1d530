"""Exports and reports of stored scenarios over HTTP on the seed, checked against the API's own
JSON and the seed files (independent readers: csv, json, pypdf, an HTML parser)."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from app.localdb import PROJECT_ROOT
from app.services.exports import centres_csv
from tests.helpers import seed_rows

CARE = "pancreatic-resection"
REPORTS = PROJECT_ROOT / "artifacts" / "reports"


@pytest.fixture(scope="module")
def scenario(seeded_client) -> dict:
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 5,
                                                "apply_norm": True, "minutes": 45})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def regional(seeded_client) -> dict:
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 1,
                                                "regions": ["noord"]})
    assert r.status_code == 201, r.text
    return r.json()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_allocation_csv_has_one_row_per_scope_area_with_its_centre(seeded_client, scenario):
    r = seeded_client.get(f"/scenarios/{scenario['id']}/allocation.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _csv(r.text)
    assert [row["area"] for row in rows] == scenario["area_minutes"]["areas"]
    assert len(rows) == len(seed_rows("areas.csv"))
    for row in rows:
        assert row["centre"] == scenario["allocation"].get(row["area"], "")
    total = sum(float(row["patients"]) for row in rows)
    # per-area demand is stored rounded (to 0.01): the sum keeps within that rounding
    assert total == pytest.approx(scenario["headline"]["patients"], abs=0.005 * len(rows))


def test_centres_csv_matches_the_scenario_centres(seeded_client, scenario):
    rows = _csv(seeded_client.get(f"/scenarios/{scenario['id']}/centres.csv").text)
    by_id = {c["hospital"]: c for c in scenario["centres"]}
    assert {row["hospital"] for row in rows} == set(by_id)
    for row in rows:
        assert float(row["patients"]) == pytest.approx(by_id[row["hospital"]]["patients"])
        assert row["meets_norm"] == str(by_id[row["hospital"]]["meets_norm"])


def test_centres_csv_neutralises_a_formula_leading_name(seeded_client, scenario):
    from app.schemas import ScenarioPublic

    s = ScenarioPublic.model_validate(scenario)
    evil = s.model_copy(update={"centres": [s.centres[0].model_copy(
        update={"name": "=HYPERLINK(\"http://x\")"})]})
    rows = _csv(centres_csv(evil))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")"


def test_geojson_has_one_feature_per_area_and_per_open_centre(seeded_client, scenario):
    from shapely.geometry import shape

    r = seeded_client.get(f"/scenarios/{scenario['id']}/geojson")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    doc = json.loads(r.content)
    assert doc["type"] == "FeatureCollection"
    areas = [f for f in doc["features"] if f["properties"]["kind"] == "area"]
    centres = [f for f in doc["features"] if f["properties"]["kind"] == "centre"]
    assert len(areas) == len(scenario["area_minutes"]["areas"])
    assert {f["properties"]["hospital"] for f in centres} == {
        c["hospital"] for c in scenario["centres"]}
    assert len(doc["features"]) == len(areas) + len(centres)
    assert len({f["id"] for f in doc["features"]}) == len(doc["features"])
    seed = {a["id"]: a for a in seed_rows("areas.csv")}
    hospitals = {h["id"]: h for h in seed_rows("hospitals.csv")}
    for f in doc["features"]:
        geometry = shape(f["geometry"])
        assert f["type"] == "Feature" and geometry.geom_type == "Point" and geometry.is_valid
        props = f["properties"]
        src = seed[props["area"]] if props["kind"] == "area" else hospitals[props["hospital"]]
        # RFC 7946: longitude first
        assert geometry.x == pytest.approx(float(src["lon"]), abs=1e-6)
        assert geometry.y == pytest.approx(float(src["lat"]), abs=1e-6)
    for f in areas:
        assert f["properties"]["centre"] == scenario["allocation"].get(f["properties"]["area"])


def test_geojson_cells_are_the_areas_voronoi_cells(seeded_client, scenario):
    """areas=cells: each area a polygon that holds its own point, and any place inside a cell
    is nearer (RD metres) to that cell's area than to any other area (the Voronoi oracle)."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    from app import geo

    r = seeded_client.get(f"/scenarios/{scenario['id']}/geojson", params={"areas": "cells"})
    assert r.status_code == 200
    doc = json.loads(r.content)
    assert doc["area_geometry"].startswith("cells")
    seed = {a["id"]: a for a in seed_rows("areas.csv")}
    all_ids = sorted(seed)
    all_xy = geo.project_items([seed[i] for i in all_ids])
    areas = [f for f in doc["features"] if f["properties"]["kind"] == "area"]
    assert len(areas) == len(scenario["area_minutes"]["areas"])
    outline = geo.outline_lonlat()
    rng = np.random.default_rng(7)
    checked = 0
    for f in areas[::25]:  # a spread sample of the scope's areas
        area = seed[f["properties"]["area"]]
        cell = shape(f["geometry"])
        assert cell.geom_type in {"Polygon", "MultiPolygon"} and cell.is_valid
        own = shapely.Point(float(area["lon"]), float(area["lat"]))
        if outline.contains(own):
            assert cell.buffer(1e-6).contains(own), area["id"]
        cell_rd = geo.project_geometry(cell)
        x0, y0, x1, y1 = cell_rd.bounds
        for _ in range(200):  # bounded: a few random places inside the cell
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if not cell_rd.buffer(-50).contains(shapely.Point(x, y)):
                continue  # near the edge, rounding could tip it to the neighbour
            nearest = all_ids[int(np.argmin(np.hypot(all_xy[:, 0] - x, all_xy[:, 1] - y)))]
            assert nearest == area["id"], (area["id"], nearest)
            checked += 1
            break
    assert checked >= 20
    assert seeded_client.get(f"/scenarios/{scenario['id']}/geojson",
                             params={"areas": "polygons"}).status_code == 422


def test_coverage_csv_matches_the_coverage_matrix(seeded_client):
    matrix = seeded_client.get("/coverage", params={"minutes": 60}).json()
    r = seeded_client.get("/coverage.csv", params={"minutes": 60})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.text)
    assert len(rows) == matrix["count"]
    expected = {(x["region"], x["care_type"]): x for x in matrix["data"]}
    for row in rows:
        x = expected[(row["region"], row["care_type"])]
        assert row["gap"] == str(x["gap"])
        assert row["providers_in_region"].split(";") == (x["providers_in_region"] or [""])


class _Refs(HTMLParser):
    """Every attribute that makes a browser load something."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in {"src", "href", "xlink:href", "action", "data", "srcset"} and v:
                self.refs.append((tag, k, v))


def test_report_html_is_self_contained_and_holds_the_headline(seeded_client, scenario):
    r = seeded_client.get(f"/scenarios/{scenario['id']}/report.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "scenario-report.html").write_text(r.text, encoding="utf-8")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    parser = _Refs()
    parser.feed(r.text)
    assert "svg" in parser.tags and "script" not in parser.tags and "link" not in parser.tags
    assert all(v.startswith("#") for _, _, v in parser.refs), parser.refs  # in-document only
    h = scenario["headline"]
    text = r.text
    assert f"{h['mean_minutes']:.1f}" in text and f"{h['mean_minutes_baseline']:.1f}" in text
    assert f"{100 * h['share_within']:.1f} %" in text
    for c in scenario["centres"]:
        assert c["name"] in text
    assert f"dataset revision:\n{_recorded_revision(seeded_client.app.state.driver)}" in text
    assert "modelled" in text and "Natural Earth" in text


def test_report_pdf_parses_and_holds_the_headline(seeded_client, scenario):
    from pypdf import PdfReader

    r = seeded_client.get(f"/scenarios/{scenario['id']}/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    REPORTS.mkdir(parents=True, exist_ok=True)  # kept for a person to look at (CI artefact)
    (REPORTS / "scenario-report.pdf").write_bytes(r.content)
    pdf = PdfReader(io.BytesIO(r.content))
    assert 3 <= len(pdf.pages) <= 8
    text = "\n".join(p.extract_text() for p in pdf.pages)
    h = scenario["headline"]
    for figure in (f"{h['mean_minutes']:.1f}", f"{h['mean_minutes_baseline']:.1f}",
                   f"{h['mean_delta']:+.1f}", f"{100 * h['share_within']:.1f} %"):
        assert figure in text, figure
    revision = _recorded_revision(seeded_client.app.state.driver)
    assert scenario["name"] in text and f"dataset revision: {revision}" in " ".join(text.split())
    assert pdf.metadata.title == scenario["name"]


def test_regional_report_map_shows_other_regions_outside_the_scope(seeded_client, regional):
    r = seeded_client.get(f"/scenarios/{regional['id']}/report.html")
    assert r.status_code == 200
    assert 'id="outside-scope"' in r.text and "outside scope (" in r.text
    assert 'id="catchment-unallocated"' not in r.text
    rows = _csv(seeded_client.get(f"/scenarios/{regional['id']}/allocation.csv").text)
    assert {row["region"] for row in rows} == {"noord"}


@pytest.mark.parametrize("path", ["allocation.csv", "centres.csv", "geojson", "report.html",
                                  "report.pdf"])
def test_exports_of_an_unknown_scenario_are_404(seeded_client, path):
    r = seeded_client.get(f"/scenarios/nope/{path}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def _recorded_revision(driver) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (d:Dataset {id: 'current'}) RETURN d.revision AS n, d.revision_tag AS tag")
    return f"{records[0]['n']} (tag {records[0]['tag']})"


def test_dataset_revision_reads_the_dataset_node(seeded):
    from app.repository.dataset import dataset_revision

    assert dataset_revision(seeded, "neo4j") == _recorded_revision(seeded)  # the load bumped it
    saved, _, _ = seeded.execute_query(
        "MATCH (d:Dataset {id: 'current'}) WITH d, d.revision_tag AS tag "
        "REMOVE d.revision_tag RETURN tag")
    try:
        assert dataset_revision(seeded, "neo4j") is None  # a Dataset from before revisions
    finally:
        seeded.execute_query("MATCH (d:Dataset {id: 'current'}) SET d.revision_tag = $tag",
                             tag=saved[0]["tag"])

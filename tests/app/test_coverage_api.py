"""Coverage over HTTP against the seed, checked by an independent computation from the files.

The oracle below re-reads the CSV files and recomputes travel with its own haversine; it uses
nothing from ``analysis`` or ``app`` except the two travel constants, whose values are asserted.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest

from tests.helpers import seed_rows

CIRCUITY, SPEED = 1.343, 60.0



def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def oracle(region, care_type, minutes):
    hospitals = {h["id"]: h for h in seed_rows("hospitals.csv")}
    areas = [a for a in seed_rows("areas.csv") if a["region"] == region]
    providers = {p["hospital"] for p in seed_rows("provision.csv") if p["care_type"] == care_type}
    for_ct = defaultdict(set)
    for r in seed_rows("network_care_types.csv"):
        for_ct[r["network"]].add(r["care_type"])
    covering = {r["network"] for r in seed_rows("network_regions.csv") if r["region"] == region
                and (r["network"] not in for_ct or care_type in for_ct[r["network"]])}
    members = {m["hospital"] for m in seed_rows("network_members.csv") if m["network"] in covering}
    in_region = sorted(h for h in providers if hospitals[h]["region"] == region)
    via = sorted(providers & members)
    near, pop = [], []
    for a in areas:
        t = min(km(float(a["lat"]), float(a["lon"]), float(hospitals[h]["lat"]),
                   float(hospitals[h]["lon"])) * CIRCUITY / SPEED * 60 for h in providers)
        near.append(t)
        pop.append(int(a["population"]))
    near, pop = np.array(near), np.array(pop, dtype=float)
    keep = pop > 0
    near, pop = near[keep], pop[keep]
    order = np.argsort(near, kind="stable")
    cum = np.cumsum(pop[order]) / pop.sum()
    p90 = near[order][np.searchsorted(cum, 0.9 - 1e-12)]
    return {"providers_in_region": in_region, "providers_via_network": via,
            "mean": float((near * pop).sum() / pop.sum()), "p90": float(p90),
            "max": float(near.max()), "share_within": float(pop[near <= minutes].sum() / pop.sum()),
            "gap": not in_region and not via}


def test_travel_constants_are_the_documented_ones():
    from analysis import travel

    assert travel.CIRCUITY == CIRCUITY and travel.SPEED_KMH == SPEED


@pytest.mark.parametrize("region", ["noord", "zuidwest"])
@pytest.mark.parametrize("care_type", ["pancreatic-resection", "oesophagectomy"])
def test_region_coverage_matches_independent_computation(seeded_client, region, care_type):
    r = seeded_client.get(f"/regions/{region}/coverage", params={"minutes": 45})
    assert r.status_code == 200
    got = {row["care_type"]: row for row in r.json()["data"]}[care_type]
    want = oracle(region, care_type, 45)
    assert got["providers_in_region"] == want["providers_in_region"]
    assert got["providers_via_network"] == want["providers_via_network"]
    assert got["gap"] == want["gap"]
    assert got["nearest_minutes"]["mean"] == pytest.approx(want["mean"], abs=1e-3)
    assert got["nearest_minutes"]["p90"] == pytest.approx(want["p90"], abs=1e-3)
    assert got["nearest_minutes"]["max"] == pytest.approx(want["max"], abs=1e-3)
    assert got["share_within"] == pytest.approx(want["share_within"], abs=1e-3)


def test_coverage_matrix_agrees_with_region_view(seeded_client):
    matrix = seeded_client.get("/coverage", params={"care_type": "gastrectomy",
                                                    "minutes": 30}).json()
    assert matrix["count"] == 7 == len(matrix["data"])
    for row in matrix["data"]:
        region_view = seeded_client.get(f"/regions/{row['region']}/coverage",
                                        params={"minutes": 30}).json()["data"]
        assert {r["care_type"]: r for r in region_view}["gastrectomy"] == row
    national = matrix["national"][0]
    providers = {p["hospital"] for p in seed_rows("provision.csv")
                 if p["care_type"] == "gastrectomy"}
    assert national["providers"] == len(providers)
    assert national["population"] == sum(int(a["population"]) for a in seed_rows("areas.csv"))


def test_concentration_figures_from_the_stored_volumes(seeded_client):
    body = seeded_client.get("/care-types/gastrectomy/concentration").json()
    vols = {p["hospital"]: float(p["volume"]) for p in seed_rows("provision.csv")
            if p["care_type"] == "gastrectomy"}
    total = sum(vols.values())
    assert body["providers"] == len(vols)
    assert body["hhi"] == pytest.approx(sum((v / total * 100) ** 2 for v in vols.values()),
                                        abs=1e-2)
    assert body["share_in_compliant"] == pytest.approx(
        sum(v for v in vols.values() if v >= 20) / total, abs=1e-3)
    assert {p["hospital"] for p in body["per_provider"] if not p["meets_norm"]} == \
        {h for h, v in vols.items() if v < 20}


def test_entity_endpoints_page_filter_and_404(seeded_client):
    regions = seeded_client.get("/regions").json()
    assert regions["count"] == 7 == len(regions["data"])
    page = seeded_client.get("/regions", params={"limit": 2, "offset": 6}).json()
    assert page["count"] == 7 and len(page["data"]) == 1
    umcs = seeded_client.get("/hospitals", params={"kind": "umc"}).json()
    assert umcs["count"] == sum(h["kind"] == "umc" for h in seed_rows("hospitals.csv"))
    pancreas = seeded_client.get("/hospitals", params={"care_type": "pancreatic-resection",
                                                       "region": "noord"}).json()
    assert {h["id"] for h in pancreas["data"]} == set(
        oracle("noord", "pancreatic-resection", 45)["providers_in_region"])
    h = seeded_client.get("/hospitals/umcg-groningen").json()
    assert {c["id"] for c in h["care_types"]} == {
        p["care_type"] for p in seed_rows("provision.csv") if p["hospital"] == "umcg-groningen"}
    for path in ("/regions/nowhere", "/hospitals/nowhere", "/networks/nowhere",
                 "/care-types/nowhere", "/care-types/nowhere/concentration",
                 "/regions/nowhere/coverage"):
        r = seeded_client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "nowhere" in r.json()["detail"]


@pytest.mark.parametrize("query", ["minutes=-5", "minutes=0", "minutes=abc", "limit=0",
                                   "kind=castle"])
def test_invalid_parameters_are_422_problems(seeded_client, query):
    path = "/hospitals" if query.startswith("kind") else "/regions/noord/coverage" \
        if query.startswith("minutes") else "/regions"
    r = seeded_client.get(f"{path}?{query}")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert query.split("=")[0] in r.json()["detail"]


def test_openapi_documents_every_endpoint_with_an_example(seeded_client):
    spec = seeded_client.get("/openapi.json").json()
    for path in ("/regions", "/regions/{region_id}", "/hospitals", "/hospitals/{hospital_id}",
                 "/networks", "/networks/{network_id}", "/care-types",
                 "/care-types/{care_type_id}", "/regions/{region_id}/coverage", "/coverage",
                 "/care-types/{care_type_id}/concentration", "/gaps", "/health"):
        op = spec["paths"][path]["get"]
        assert op.get("summary") or op.get("description"), path
    for path, method in (("/scenarios", "post"), ("/scenarios", "get"),
                         ("/scenarios/{scenario_id}", "get"),
                         ("/scenarios/{a}/compare/{b}", "get"),
                         ("/scenarios/{scenario_id}", "delete"),
                         ("/analysis/communities", "get"), ("/analysis/resilience", "get")):
        op = spec["paths"][path][method]
        assert op.get("summary") or op.get("description"), (path, method)
    schemas = spec["components"]["schemas"]
    for name in ("CoverageRow", "Concentration", "RegionSummary", "CareTypeSummary",
                 "ScenarioCreate", "ScenarioPublic", "ScenarioSummary"):
        assert schemas[name].get("examples"), name

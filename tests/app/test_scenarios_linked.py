"""Linked plans (care_types) over HTTP on the seed: brute force over every k-subset of the
UMCs (without and with the types' norms), stored/listed/read/deleted, exports, bad input."""

from __future__ import annotations

import csv
import io
from itertools import combinations

import numpy as np
import pytest

from tests.analysis.locate.oracles import lp_assign
from tests.helpers import minutes_matrix, seed_rows

HPB = ["pancreatic-resection", "liver-resection"]
UPPER_GI = ["oesophagectomy", "gastrectomy"]


@pytest.fixture(scope="module")
def oracle_data():
    areas = seed_rows("areas.csv")
    hospitals = seed_rows("hospitals.csv")
    cases = {c["id"]: int(c["annual_cases"]) for c in seed_rows("care_types.csv")}
    pop = np.array([int(a["population"]) for a in areas], dtype=float)
    demand = {t: pop * cases[t] / pop.sum() for t in HPB + UPPER_GI}
    umcs = [j for j, h in enumerate(hospitals) if h["kind"] == "umc"]
    return hospitals, demand, minutes_matrix(areas, hospitals), umcs


def _linked(client, **body):
    return client.post("/scenarios", json={"method": "p_median", "solver": "exact", **body})


def test_linked_plan_matches_brute_force_on_umcs(seeded_client, oracle_data):
    hospitals, demand, C, umcs = oracle_data
    weights = [1.0, 2.0]
    w = weights[0] * demand[HPB[0]] + weights[1] * demand[HPB[1]]
    best = min((float(w @ C[:, list(s)].min(axis=1)), s) for s in combinations(umcs, 3))
    r = _linked(seeded_client, care_types=HPB, weights=weights, centres=3,
                candidates=[hospitals[j]["id"] for j in umcs])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["care_type"] == "pancreatic-resection+liver-resection"
    assert body["care_types"] == HPB
    assert body["headline"]["objective"] == pytest.approx(best[0], rel=1e-6)
    assert body["headline"]["status"] == "optimal"
    opened = {hospitals[j]["id"] for j in best[1]}
    assert {c["hospital"] for c in body["centres"]} == opened
    parts = {p["care_type"]: p for p in body["linked"]}
    for t, weight in zip(HPB, weights, strict=True):
        d = demand[t]
        own = float(d @ C[:, list(best[1])].min(axis=1))
        assert parts[t]["objective"] == pytest.approx(own, rel=1e-6)
        assert parts[t]["weight"] == weight
        assert {c["hospital"] for c in parts[t]["centres"]} == opened
        assert sum(c["patients"] for c in parts[t]["centres"]) == pytest.approx(d.sum(),
                                                                               rel=1e-4)
    # together: every patient once; the shared centres' volumes are the types' sums
    assert body["headline"]["patients"] == pytest.approx(
        demand[HPB[0]].sum() + demand[HPB[1]].sum(), rel=1e-4)
    for c in body["centres"]:
        assert c["patients"] == pytest.approx(sum(
            next(x["patients"] for x in parts[t]["centres"] if x["hospital"] == c["hospital"])
            for t in HPB), abs=1e-3)
    # pancreas has a sourced outcome table: reported, labelled with its care type
    assert body["outcomes"] and {o["care_type"] for o in body["outcomes"]} == {HPB[0]}
    assert parts[HPB[0]]["outcomes"] and not parts[HPB[1]]["outcomes"]


def test_linked_plan_with_norms_matches_brute_force(seeded_client, oracle_data):
    hospitals, demand, C, umcs = oracle_data
    cand = umcs[:6]
    k, norms = 3, {"oesophagectomy": 20.0, "gastrectomy": 60.0}
    best, best_s = np.inf, None
    for s in combinations(cand, k):
        val = sum(lp_assign(C, demand[t], list(s), C, norms[t]) for t in UPPER_GI)
        if val < best:
            best, best_s = val, s
    r = _linked(seeded_client, care_types=UPPER_GI, centres=k, min_volume=norms,
                candidates=[hospitals[j]["id"] for j in cand])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["headline"]["objective"] == pytest.approx(best, rel=1e-5)
    assert {c["hospital"] for c in body["centres"]} == {hospitals[j]["id"] for j in best_s}
    parts = {p["care_type"]: p for p in body["linked"]}
    for t in UPPER_GI:
        assert parts[t]["min_volume"] == norms[t]
        assert all(c["patients"] >= norms[t] - 1e-3 and c["meets_norm"]
                   for c in parts[t]["centres"])
    assert body["headline"]["centres_below_norm"] == 0


def test_linked_plan_is_stored_listed_read_exported_and_deleted(seeded_client, seeded):
    r = _linked(seeded_client, care_types=UPPER_GI, centres=5, apply_norm=True)
    assert r.status_code == 201, r.text
    body = r.json()
    sid = body["id"]
    assert [p["min_volume"] for p in body["linked"]] == [20.0, 20.0]  # each type's own norm
    records, _, _ = seeded.execute_query(
        "MATCH (s:Scenario {id: $id})-[:FOR]->(c:CareType) RETURN collect(c.id) AS ids, "
        "s.care_types AS types", id=sid)
    assert sorted(records[0]["ids"]) == sorted(UPPER_GI)
    assert records[0]["types"] == UPPER_GI
    listed = seeded_client.get("/scenarios", params={"care_type": "gastrectomy"}).json()
    assert sid in {s["id"] for s in listed["data"]}
    one = next(s for s in listed["data"] if s["id"] == sid)
    assert one["care_types"] == UPPER_GI
    assert seeded_client.get(f"/scenarios/{sid}").json() == body

    centres = list(csv.DictReader(io.StringIO(
        seeded_client.get(f"/scenarios/{sid}/centres.csv").text)))
    assert {row["care_type"] for row in centres} == {*UPPER_GI, body["care_type"]}
    assert len(centres) == 3 * len(body["centres"])
    alloc = seeded_client.get(f"/scenarios/{sid}/allocation.csv")
    assert alloc.status_code == 200 and alloc.text.startswith("area,")
    geo = seeded_client.get(f"/scenarios/{sid}/geojson").json()
    assert geo["scenario"]["care_types"] == UPPER_GI
    centre = next(f for f in geo["features"] if f["properties"]["kind"] == "centre")
    assert set(centre["properties"]["care_types"]) == set(UPPER_GI)
    for fmt in ("report.html", "map.svg", "chart.svg"):
        assert seeded_client.get(f"/scenarios/{sid}/{fmt}").status_code == 200, fmt
    page = seeded_client.get(f"/app/scenarios/{sid}")  # the workbench page
    assert page.status_code == 200 and body["care_type"] in page.text

    assert seeded_client.delete(f"/scenarios/{sid}").status_code == 204
    assert seeded_client.get(f"/scenarios/{sid}").status_code == 404


def test_single_type_scenario_has_no_linked_fields(seeded_client):
    r = seeded_client.post("/scenarios", json={"care_type": "gastrectomy", "centres": 4})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["care_types"] is None and body["linked"] is None
    header = seeded_client.get(f"/scenarios/{body['id']}/centres.csv").text.splitlines()[0]
    assert header.startswith("hospital,")


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"care_types": ["gastrectomy", "no-such-type"], "centres": 3}, "care_types",
     ["no-such-type"]),
    ({"care_types": ["gastrectomy", "gastrectomy"], "centres": 3}, "care_types",
     ["duplicate", "gastrectomy", "2 given"]),
    ({"care_type": "gastrectomy", "care_types": UPPER_GI, "centres": 3}, "care_types",
     ["exactly one"]),
    ({"centres": 3}, "care_types", ["exactly one"]),
    ({"care_types": ["gastrectomy"], "centres": 3}, "care_types", ["at least 2"]),
    ({"care_types": UPPER_GI, "centres": 3, "weights": [1.0]}, "weights", ["1 weights", "2"]),
    ({"care_types": UPPER_GI, "centres": 3, "capacity": 100}, "capacity", ["not supported"]),
    ({"care_types": UPPER_GI, "centres": 3, "method": "p_centre"}, "care_types",
     ["p_median"]),
    ({"care_types": UPPER_GI, "centres": 3, "min_volume": {"lung-resection": 5}},
     "min_volume", ["lung-resection"]),
])
def test_linked_bad_input_is_a_422_naming_the_field(seeded_client, body, field, words):
    r = seeded_client.post("/scenarios", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    assert field in detail
    for w in words:
        assert w in detail


def test_linked_no_common_candidate_is_a_422_with_the_numbers(seeded_client):
    # the only paediatric centre does not give proton therapy (seed provision)
    r = seeded_client.post("/scenarios", json={
        "care_types": ["paediatric-oncology", "proton-therapy"], "centres": 1})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "no candidate hospital in common" in detail
    assert "paediatric-oncology 1" in detail and "proton-therapy 3" in detail


def test_linked_k_above_common_candidates_is_a_422_with_the_numbers(seeded_client, oracle_data):
    hospitals, _, _, _ = oracle_data
    prov: dict[str, set[str]] = {}
    for row in seed_rows("provision.csv"):
        prov.setdefault(row["care_type"], set()).add(row["hospital"])
    common = len(prov["pancreatic-resection"] & prov["liver-resection"])
    r = seeded_client.post("/scenarios", json={"care_types": HPB, "centres": common + 1})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("centres:")
    assert f"k={common + 1} is outside 1..{common}" in detail
    assert f"pancreatic-resection {len(prov['pancreatic-resection'])}" in detail


def test_linked_regional_scope_counts_the_scope_patients_only(seeded_client, oracle_data):
    hospitals, demand, _, _ = oracle_data
    areas = seed_rows("areas.csv")
    inside = np.array([a["region"] == "noord" for a in areas])
    r = _linked(seeded_client, care_types=UPPER_GI, centres=1, regions=["noord"],
                cross_border=False, candidate_set="all")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["scope"]["regions"] == ["noord"]
    noord = {h["id"] for h in hospitals if h["region"] == "noord"}
    assert len(body["centres"]) == 1 and body["centres"][0]["hospital"] in noord
    for part in body["linked"]:
        assert part["headline"]["patients"] == pytest.approx(
            demand[part["care_type"]][inside].sum(), rel=1e-4)

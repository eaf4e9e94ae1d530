"""Scenarios over HTTP on the seed: stored in Neo4j, checked by independent computation."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from itertools import combinations

import numpy as np
import pytest

from tests.helpers import minutes_matrix, seed_rows

CARE = "pancreatic-resection"



@pytest.fixture(scope="module")
def oracle_data():
    areas = seed_rows("areas.csv")
    hospitals = seed_rows("hospitals.csv")
    cases = {c["id"]: int(c["annual_cases"]) for c in seed_rows("care_types.csv")}[CARE]
    pop = np.array([int(a["population"]) for a in areas], dtype=float)
    demand = pop * cases / pop.sum()
    return areas, hospitals, demand, minutes_matrix(areas, hospitals)


def test_p_median_matches_brute_force_on_umc_candidates(seeded_client, oracle_data):
    areas, hospitals, demand, C = oracle_data
    umcs = [j for j, h in enumerate(hospitals) if h["kind"] == "umc"]
    ids = [hospitals[j]["id"] for j in umcs]
    best = min((float((demand * C[:, list(s)].min(axis=1)).sum()), s)
               for s in combinations(umcs, 3))
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 3,
                                                "candidates": ids, "solver": "exact"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["headline"]["objective"] == pytest.approx(best[0], rel=1e-6)
    assert {c["hospital"] for c in body["centres"]} == {hospitals[j]["id"] for j in best[1]}
    assert body["headline"]["status"] == "optimal" and body["headline"]["gap"] == 0


def test_scenario_is_stored_as_a_subgraph(seeded_client, seeded):
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 6,
                                                "apply_norm": True, "minutes": 60,
                                                "keep": ["umcg-groningen"],
                                                "close": ["amsterdam-umc-amc"]})
    assert r.status_code == 201
    body = r.json()
    assert r.headers["location"] == f"/scenarios/{body['id']}"
    centres = {c["hospital"]: c for c in body["centres"]}
    assert len(centres) == 6 and "umcg-groningen" in centres
    assert "amsterdam-umc-amc" not in centres
    assert all(c["patients"] >= 20 - 1e-6 and c["meets_norm"] for c in centres.values())
    records, _, _ = seeded.execute_query(
        "MATCH (s:Scenario {id: $id})-[a:ALLOCATES]->(h:Hospital) "
        "MATCH (s)-[:KEEPS]->(h) MATCH (s)-[:FOR]->(c:CareType) "
        "RETURN c.id AS care, collect(h.id) AS hospitals, sum(a.patients) AS patients",
        id=body["id"])
    assert records[0]["care"] == CARE
    assert set(records[0]["hospitals"]) == set(centres)
    cases = {c["id"]: int(c["annual_cases"]) for c in seed_rows("care_types.csv")}[CARE]
    assert records[0]["patients"] == pytest.approx(cases, rel=1e-6)


def test_scenario_travel_figures_match_recomputation(seeded_client, oracle_data):
    areas, hospitals, demand, C = oracle_data
    body = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 5,
                                                   "minutes": 45}).json()
    index = {h["id"]: j for j, h in enumerate(hospitals)}
    open_cols = [index[c["hospital"]] for c in body["centres"]]
    nearest = C[:, open_cols].min(axis=1)
    assert body["headline"]["mean_minutes"] == pytest.approx(
        float((nearest * demand).sum() / demand.sum()), abs=1e-3)
    assert body["headline"]["share_within"] == pytest.approx(
        float(demand[nearest <= 45].sum() / demand.sum()), abs=1e-3)
    providers = [index[p["hospital"]] for p in seed_rows("provision.csv") if p["care_type"] == CARE]
    base = C[:, providers].min(axis=1)
    assert body["headline"]["mean_minutes_baseline"] == pytest.approx(
        float((base * demand).sum() / demand.sum()), abs=1e-3)
    # every area goes to its nearest open centre when there is no norm or capacity
    for area_id, hid in list(body["allocation"].items())[:200]:
        i = next(k for k, a in enumerate(areas) if a["id"] == area_id)
        assert C[i, index[hid]] == pytest.approx(nearest[i])


@pytest.mark.parametrize(("payload", "message"), [
    ({"care_type": "no-such-care", "centres": 2}, "care_type: unknown id(s) no-such-care"),
    ({"care_type": CARE, "centres": 2, "keep": ["x1", "umcg-groningen", "x2"]},
     "keep: unknown id(s) x1, x2"),
    ({"care_type": CARE, "centres": 2, "close": ["ghost"], "candidates": ["phantom"]},
     "close: unknown id(s) ghost; candidates: unknown id(s) phantom"),
    ({"care_type": CARE, "centres": 15, "min_volume": 100},
     "k=15 centres x min_volume 100 = 1500 exceeds total demand 1000"),
    ({"care_type": CARE, "centres": 2, "keep": ["umcg-groningen", "erasmus-mc-rotterdam",
                                               "mumc-maastricht"]}, "keep"),
    ({"care_type": CARE, "method": "p_median"}, "centres"),
    ({"care_type": CARE, "centres": 2, "minutes": -3}, "minutes"),
])
def test_bad_scenarios_are_422_with_the_offending_values(seeded_client, payload, message):
    r = seeded_client.post("/scenarios", json=payload)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert message in r.json()["detail"]


def test_list_get_compare_delete(seeded_client):
    a = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 4}).json()
    b = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 8}).json()
    listed = seeded_client.get("/scenarios", params={"care_type": CARE}).json()
    assert {a["id"], b["id"]} <= {s["id"] for s in listed["data"]}
    assert listed["count"] >= 2
    got = seeded_client.get(f"/scenarios/{a['id']}").json()
    assert got["headline"] == a["headline"] and got["centres"] == a["centres"]
    cmp = seeded_client.get(f"/scenarios/{a['id']}/compare/{b['id']}").json()
    assert cmp["headline"]["centres"] == {"a": 4, "b": 8, "delta": 4}
    assert cmp["headline"]["mean_minutes"]["delta"] == pytest.approx(
        b["headline"]["mean_minutes"] - a["headline"]["mean_minutes"], abs=1e-3)
    # more centres never worsen the optimal p-median objective
    assert b["headline"]["objective"] <= a["headline"]["objective"] + 1e-6
    assert seeded_client.delete(f"/scenarios/{a['id']}").status_code == 204
    assert seeded_client.get(f"/scenarios/{a['id']}").status_code == 404
    assert seeded_client.delete(f"/scenarios/{a['id']}").status_code == 404
    assert seeded_client.get(f"/scenarios/{a['id']}/compare/{b['id']}").status_code == 404


def test_maps_have_one_mark_per_hospital_and_png_size(seeded_client):
    s = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 5}).json()
    n_hospitals = len(seed_rows("hospitals.csv"))
    for path in ("/regions/map.svg", f"/scenarios/{s['id']}/map.svg"):
        r = seeded_client.get(path)
        assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
        root = ET.fromstring(r.content)
        assert root.tag.endswith("svg")
        marks = [e for e in root.iter() if (e.get("id") or "").startswith("hospital-")]
        assert len(marks) == n_hospitals
    png = seeded_client.get(f"/scenarios/{s['id']}/chart.png", params={"width": 900}).content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (900, 560)
    assert seeded_client.get("/scenarios/nope/map.svg").status_code == 404
    assert math.isfinite(s["headline"]["co2_kg"])


def test_scenario_reports_expected_events_from_the_outcome_table(seeded_client):
    """Expected deaths per centre = volume x the rate of the band its volume falls in, by hand
    from outcomes.csv (band min..max covers [min, max + 1))."""
    bands = [b for b in seed_rows("outcomes.csv") if b["care_type"] == CARE]
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 4})
    assert r.status_code == 201, r.text
    s = r.json()
    assert {o["outcome"] for o in s["outcomes"]} == {b["outcome"] for b in bands}

    def rate(outcome, volume):
        for b in bands:
            hi = float(b["max_volume"]) + 1 if b["max_volume"] else math.inf
            if b["outcome"] == outcome and float(b["min_volume"]) <= volume < hi:
                return float(b["rate"])
        return float(min((b for b in bands if b["outcome"] == outcome),
                         key=lambda b: int(b["min_volume"]))["rate"])

    volumes = {c["hospital"]: c["patients"] for c in s["centres"]}
    for o in s["outcomes"]:
        expected = sum(v * rate(o["outcome"], v) for v in volumes.values())
        assert o["scenario_events"] == pytest.approx(expected, rel=1e-3)
        baseline = sum(c["baseline_volume"] * rate(o["outcome"], c["baseline_volume"])
                       for c in o["centres"])
        assert o["baseline_events"] == pytest.approx(baseline, rel=1e-3)
        assert o["delta_events"] == pytest.approx(o["scenario_events"] - o["baseline_events"],
                                                  abs=1e-3)
        assert "causal" in o["caveat"]
    none = seeded_client.post("/scenarios", json={"care_type": "gastrectomy", "centres": 4})
    assert none.json()["outcomes"] == []  # no sourced table: unknown, not zero

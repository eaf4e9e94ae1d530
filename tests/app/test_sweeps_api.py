"""Sweeps over HTTP on the seed, stored in the real test Neo4j.

Oracles: every combination equals the same scenario posted alone (POST /scenarios); the Pareto
marks are recomputed pair by pair from the returned figures; the loss table is recomputed from
the seed's providers and each plan's centres.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from app.auth import create_token
from tests.conftest import admin_token, make_settings
from tests.helpers import free_port, seed_rows

CARE = "pancreatic-resection"
NO_OUTCOME = "gastrectomy"  # has a norm (20) but no sourced outcome table
MAX_COMBINATIONS = 6
BODY = {"name": "pancreas 3-4 x no norm / 20", "care_type": CARE, "k_min": 3, "k_max": 4,
        "norms": [None, 20], "solver": "exact", "time_limit": 60}


@pytest.fixture(scope="module")
def client(seeded, neo4j_server):
    from app.main import create_app

    app = create_app(make_settings(neo4j_server, sweep_workers=1,
                                   sweep_max_combinations=MAX_COMBINATIONS))
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {admin_token(seeded)}"
        yield c


@pytest.fixture(scope="module")
def sweep(client):
    r = client.post("/sweeps", json=BODY)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/sweeps/{r.json()['id']}"
    return r.json()


def dominated(a: dict, b: dict, keys: list[str]) -> bool:
    return all(b[k] <= a[k] for k in keys) and any(b[k] < a[k] for k in keys)


def test_each_combination_equals_the_scenario_posted_alone(client, sweep):
    assert [(r["k"], r["norm"]) for r in sweep["runs"]] == [
        (3, None), (4, None), (3, 20.0), (4, 20.0)]
    for run in sweep["runs"]:
        alone = client.post("/scenarios", json={
            "care_type": CARE, "centres": run["k"], "min_volume": run["norm"],
            "solver": "exact", "time_limit": 60}).json()
        assert run["feasible"]
        assert run["centres"] == sorted(c["hospital"] for c in alone["centres"])
        assert run["mean_minutes"] == alone["headline"]["mean_minutes"]
        assert run["co2_kg"] == alone["headline"]["co2_kg"]
        assert run["closing"] == sorted(c["hospital"] for c in alone["closing"])
        mortality = {o["outcome"]: o for o in alone["outcomes"]}["in_hospital_mortality"]
        assert run["expected_events"] == mortality["scenario_events"]
        assert run["events_avoided"] == pytest.approx(
            mortality["baseline_events"] - mortality["scenario_events"], abs=1e-3)
    assert sweep["outcome"] == "in_hospital_mortality"
    assert "de Wilde" in sweep["outcome_source"] and "not a causal" in sweep["outcome_caveat"]


def test_pareto_marks_match_pairwise_recomputation(sweep):
    keys = ["mean_minutes", "expected_events"]
    assert sweep["pareto_criteria"] == keys
    runs = sweep["runs"]
    for a in runs:
        assert a["pareto"] == (not any(dominated(a, b, keys) for b in runs if b is not a))
    assert any(r["pareto"] for r in runs)


def test_loss_table_matches_providers_and_plans(sweep):
    providers = sorted(p["hospital"] for p in seed_rows("provision.csv")
                       if p["care_type"] == CARE)
    losses = {x["hospital"]: x for x in sweep["losses"]}
    assert sorted(losses) == providers
    for h, row in losses.items():
        expected = [{"k": r["k"], "norm": r["norm"]} for r in sweep["runs"]
                    if h not in r["centres"]]
        assert row["loses_in"] == expected
        assert row["keeps_in_all"] == (not expected)


def test_sweep_is_stored_listed_and_read_back(client, sweep, seeded):
    assert client.get(f"/sweeps/{sweep['id']}").json() == sweep
    listed = client.get("/sweeps", params={"care_type": CARE}).json()
    mine = [s for s in listed["data"] if s["id"] == sweep["id"]]
    assert mine and mine[0]["combinations"] == 4
    assert mine[0]["pareto"] == sum(r["pareto"] for r in sweep["runs"])
    records, _, _ = seeded.execute_query(
        "MATCH (s:Sweep {id: $id})-[:FOR]->(c:CareType) "
        "OPTIONAL MATCH (s)-[p:PARETO]->(h:Hospital) "
        "RETURN c.id AS care, collect([p.k, p.norm, h.id]) AS links", id=sweep["id"])
    assert records[0]["care"] == CARE
    def key(link: list) -> tuple:
        return (link[0], -1.0 if link[1] is None else link[1], link[2])

    expected = sorted(([r["k"], r["norm"], h] for r in sweep["runs"] if r["pareto"]
                       for h in r["centres"]), key=key)
    assert sorted(records[0]["links"], key=key) == expected


def test_chart_draws_one_line_per_norm_labelled_by_k(client, sweep):
    r = client.get(f"/sweeps/{sweep['id']}/chart.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)
    ids = {e.get("id") for e in root.iter()}
    assert {"norm-0", "norm-1", "pareto"} <= ids
    texts = "".join(root.itertext())
    assert "k=3" in texts and "k=4" in texts and "norm 20 / year" in texts
    assert "no norm" in texts and "expected in_hospital_mortality avoided" in texts
    png = client.get(f"/sweeps/{sweep['id']}/chart.png", params={"width": 500})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_draws_each_provider_of_today_once(client, sweep):
    r = client.get(f"/sweeps/{sweep['id']}/map.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    ids = [e.get("id") for e in ET.fromstring(r.content).iter() if e.get("id")]
    assert sorted(i for i in ids if i.startswith("provider-")) == sorted(
        f"provider-{x['hospital']}" for x in sweep["losses"])
    texts = "".join(ET.fromstring(r.content).itertext())
    for x in sweep["losses"]:  # named exactly when kept in every feasible plan
        assert (x["name"] in texts) == x["keeps_in_all"], x["name"]
    png = client.get(f"/sweeps/{sweep['id']}/map.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_tables_as_csv(client, sweep):
    r = client.get(f"/sweeps/{sweep['id']}/table.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4
    for row, run in zip(rows, sweep["runs"], strict=True):
        assert int(row["k"]) == run["k"] and row["closing"] == ";".join(run["closing"])
        assert float(row["mean_minutes"]) == run["mean_minutes"]
    r = client.get(f"/sweeps/{sweep['id']}/table.csv", params={"table": "losses"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["hospital"] for row in rows} == {x["hospital"] for x in sweep["losses"]}
    for row in rows:
        loss = next(x for x in sweep["losses"] if x["hospital"] == row["hospital"])
        lost = {(p["k"], p["norm"]) for p in loss["loses_in"]}
        assert row["k=3 no norm"] == ("loses" if (3, None) in lost else "keeps")
        assert row["k=4 norm=20"] == ("loses" if (4, 20.0) in lost else "keeps")


def test_care_type_without_outcome_table_uses_centres_below_norm(client):
    r = client.post("/sweeps", json={"care_type": NO_OUTCOME, "k_min": 2, "k_max": 3,
                                     "solver": "exact"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["outcome"] is None and body["outcome_source"] is None
    assert body["pareto_criteria"] == ["mean_minutes", "centres_below_norm"]
    assert all(run["expected_events"] is None and run["outcomes"] == {} for run in body["runs"])
    assert any("no sourced volume -> outcome table" in n for n in body["notes"])
    keys = ["mean_minutes", "centres_below_norm"]
    for a in body["runs"]:
        assert a["pareto"] == (not any(dominated(a, b, keys) for b in body["runs"]
                                       if b is not a))
    # counted against the care type's own norm (the sweep has none): gastrectomy's 20
    assert body["norm_reference"] == 20.0
    svg = client.get(f"/sweeps/{body['id']}/chart.svg").text
    assert "centres below 20 / year" in svg


def test_centres_below_norm_counts_every_plan_against_the_strictest_norm(client):
    """oesophagectomy (own norm 20, no outcome table) swept with no norm and a norm of 40:
    every plan's centres are counted below 40, recomputed from the scenario posted alone
    (its centres' patients); the "no norm" plans are not counted against 20 meanwhile."""
    body = {"care_type": "oesophagectomy", "k_min": 6, "k_max": 8, "norms": [None, 40],
            "solver": "exact", "time_limit": 60}
    r = client.post("/sweeps", json=body)
    assert r.status_code == 201, r.text
    sweep = r.json()
    assert sweep["norm_reference"] == 40.0
    assert sweep["pareto_criteria"] == ["mean_minutes", "centres_below_norm"]
    assert any("counted against 40 patients / year" in n for n in sweep["notes"])
    counted = {}
    for run in sweep["runs"]:
        alone = client.post("/scenarios", json={
            "care_type": "oesophagectomy", "centres": run["k"], "min_volume": run["norm"],
            "solver": "exact", "time_limit": 60}).json()
        assert run["centres"] == sorted(c["hospital"] for c in alone["centres"])
        below = sum(1 for c in alone["centres"] if c["patients"] < 40 - 1e-9)
        assert run["centres_below_norm"] == below, run
        counted[(run["k"], run["norm"])] = below
    # the test means something: some unconstrained plan has a centre below 40 (so the norm
    # binds there), and every plan under the norm of 40 meets it
    assert any(counted[(k, None)] > 0 for k in (6, 7, 8)), counted
    assert all(counted[(k, 40.0)] == 0 for k in (6, 7, 8)), counted
    keys = ["mean_minutes", "centres_below_norm"]
    for a in sweep["runs"]:
        assert a["pareto"] == (not any(dominated(a, b, keys) for b in sweep["runs"]
                                       if b is not a))
    svg = client.get(f"/sweeps/{sweep['id']}/chart.svg").text
    assert "centres below 40 / year" in svg
    rows = list(csv.DictReader(io.StringIO(client.get(f"/sweeps/{sweep['id']}/table.csv").text)))
    assert [float(row["norm_reference"]) for row in rows] == [40.0] * len(sweep["runs"])
    assert [int(row["centres_below_norm"]) for row in rows] == [
        r["centres_below_norm"] for r in sweep["runs"]]


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def test_bad_sweeps_are_422_with_the_numbers(client, seeded):
    providers = sum(1 for p in seed_rows("provision.csv") if p["care_type"] == CARE)
    before = seeded.execute_query("MATCH (s:Sweep) RETURN count(s) AS n").records[0]["n"]
    too_many = problem(client.post("/sweeps", json={**BODY, "k_min": 1, "k_max": 7}), 422)
    assert f"14 combinations (7 values of k x 2 norm(s)); at most {MAX_COMBINATIONS}" in \
        too_many["detail"]
    big_k = problem(client.post("/sweeps", json={**BODY, "norms": [None], "k_min": 14,
                                                 "k_max": providers + 1}), 422)
    assert f"outside 1..{providers}" in big_k["detail"]
    assert big_k["errors"][0]["candidates"] == providers
    unknown = problem(client.post("/sweeps", json={**BODY, "care_type": "no-such-care",
                                                   "regions": ["atlantis"]}), 422)
    assert "care_type: unknown id(s) no-such-care" in unknown["detail"]
    assert "regions: unknown id(s) atlantis" in unknown["detail"]
    reversed_ = problem(client.post("/sweeps", json={**BODY, "k_min": 4, "k_max": 3}), 422)
    assert "k_max (3) is below k_min (4)" in reversed_["detail"]
    problem(client.post("/sweeps", json={**BODY, "method": "set_covering"}), 422)
    problem(client.post("/sweeps", json={**BODY, "outcome": "survival"}), 422)
    after = seeded.execute_query("MATCH (s:Sweep) RETURN count(s) AS n").records[0]["n"]
    assert after == before  # nothing half-written


def test_unreachable_dask_scheduler_is_503_naming_it(seeded, neo4j_server):
    from app.main import create_app

    address = f"tcp://127.0.0.1:{free_port()}"
    app = create_app(make_settings(neo4j_server, dask_scheduler=address,
                                   dask_connect_timeout=1.0))
    before = seeded.execute_query("MATCH (s:Sweep) RETURN count(s) AS n").records[0]["n"]
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {admin_token(seeded)}"
        body = problem(c.post("/sweeps", json={**BODY, "norms": [None]}), 503)
    assert address in body["detail"] and "cannot be reached" in body["detail"]
    after = seeded.execute_query("MATCH (s:Sweep) RETURN count(s) AS n").records[0]["n"]
    assert after == before


def test_planner_deletes_only_their_own_sweep(client, seeded):
    tokens = {n: create_token(seeded, "neo4j", name=n, role="planner")
              for n in ("sweep-planner-a", "sweep-planner-b")}
    small = {"care_type": CARE, "k_min": 3, "k_max": 3, "solver": "heuristic",
             "time_limit": 2}
    made = client.post("/sweeps", json=small,
                       headers={"Authorization": f"Bearer {tokens['sweep-planner-a']}"})
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    problem(client.delete(f"/sweeps/{sid}",
                          headers={"Authorization": f"Bearer {tokens['sweep-planner-b']}"}),
            403)
    assert client.delete(f"/sweeps/{sid}", headers={
        "Authorization": f"Bearer {tokens['sweep-planner-a']}"}).status_code == 204
    problem(client.get(f"/sweeps/{sid}"), 404)
    problem(client.delete(f"/sweeps/{sid}"), 404)

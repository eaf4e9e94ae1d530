"""Sweeps over a linked set (care_types) over HTTP on the seed, stored in the real test Neo4j.

Oracles: every combination equals the linked scenario posted alone with the same parameters
(POST /scenarios with care_types); its expected events are the alone plan's outcomes summed
over the types that have the sweep's table; the Pareto marks are recomputed pair by pair;
the loss table is recomputed from the seed's providers of either type and each plan's
centres; the 422s quote the candidate counts recomputed from provision.csv.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient

from tests.conftest import admin_token, make_settings
from tests.helpers import seed_rows

HPB = ["pancreatic-resection", "liver-resection"]  # only pancreas has outcome tables
WEIGHTS = [1.0, 2.0]
BODY = {"care_types": HPB, "weights": WEIGHTS, "k_min": 3, "k_max": 4, "norms": [None, 20],
        "solver": "exact", "time_limit": 60}


def providers() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for p in seed_rows("provision.csv"):
        out[p["care_type"]].add(p["hospital"])
    return out


@pytest.fixture(scope="module")
def client(seeded, neo4j_server):
    from app.main import create_app

    app = create_app(make_settings(neo4j_server, sweep_workers=1, sweep_max_combinations=6))
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {admin_token(seeded)}"
        yield c


@pytest.fixture(scope="module")
def sweep(client):
    r = client.post("/sweeps", json=BODY)
    assert r.status_code == 201, r.text
    return r.json()


def dominated(a: dict, b: dict, keys: list[str]) -> bool:
    return all(b[k] <= a[k] for k in keys) and any(b[k] < a[k] for k in keys)


def test_each_run_equals_the_linked_scenario_posted_alone(client, sweep):
    assert sweep["care_type"] == "pancreatic-resection+liver-resection"
    assert sweep["care_types"] == HPB and sweep["parameters"]["weights"] == WEIGHTS
    assert [(r["k"], r["norm"]) for r in sweep["runs"]] == [
        (3, None), (4, None), (3, 20.0), (4, 20.0)]
    assert sweep["outcome"] == "in_hospital_mortality"
    assert sweep["outcome_types"] == ["pancreatic-resection"]
    for run in sweep["runs"]:
        r = client.post("/scenarios", json={
            "care_types": HPB, "weights": WEIGHTS, "centres": run["k"],
            "min_volume": run["norm"], "solver": "exact", "time_limit": 60})
        assert r.status_code == 201, r.text
        alone = r.json()
        assert run["feasible"] and alone["care_types"] == HPB
        assert run["centres"] == sorted(c["hospital"] for c in alone["centres"])
        h = alone["headline"]
        for key in ("objective", "mean_minutes", "p90_minutes", "share_within", "co2_kg",
                    "centres_below_norm", "patient_km"):
            assert run[key] == h[key], key
        assert run["closing"] == sorted(c["hospital"] for c in alone["closing"])
        tables = [o for o in alone["outcomes"] if o["outcome"] == "in_hospital_mortality"]
        assert [o["care_type"] for o in tables] == ["pancreatic-resection"]
        assert run["expected_events"] == pytest.approx(
            sum(o["scenario_events"] for o in tables), abs=1e-3)
        assert run["events_by_type"] == {"pancreatic-resection": tables[0]["scenario_events"]}
        assert run["events_avoided"] == pytest.approx(
            sum(o["baseline_events"] - o["scenario_events"] for o in tables), abs=1e-3)
        # both of pancreas' outcomes are kept per run, summed over the types that have them
        assert set(run["outcomes"]) == {o["outcome"] for o in alone["outcomes"]}
    assert sweep["baseline"]["events_by_type"] == {
        "pancreatic-resection": sweep["baseline"]["expected_events"]}
    assert any("liver-resection has no sourced in_hospital_mortality table" in n
               for n in sweep["notes"])
    assert sweep["outcome_source"].startswith("pancreatic-resection: de Wilde")


def test_zero_events_avoided_on_the_seed_is_explained_by_one_band(client, sweep):
    """The integrator's sweep: every plan avoided 0.00 in-hospital deaths. The linked scenario
    posted alone shows why (its per-centre bands): every pancreas provider today and every
    centre of the plan is in the table's top band (20+), so the sweep says 0 by construction."""
    run = sweep["runs"][0]
    alone = client.post("/scenarios", json={
        "care_types": HPB, "weights": WEIGHTS, "centres": run["k"], "min_volume": run["norm"],
        "solver": "exact", "time_limit": 60}).json()
    table = next(o for o in alone["outcomes"] if o["outcome"] == "in_hospital_mortality")
    today = {c["baseline_band"] for c in table["centres"] if c["baseline_volume"] > 0}
    plan = {c["scenario_band"] for c in table["centres"] if c["scenario_volume"] > 0}
    assert today == plan == {"20+"}
    assert sweep["baseline"]["event_bands"] == {"pancreatic-resection": ["20+"]}
    assert run["event_bands"] == {"pancreatic-resection": ["20+"]}
    assert all(r["events_avoided"] == 0.0 for r in sweep["runs"])
    note = sweep["events_note"]
    assert note.startswith("expected in_hospital_mortality avoided is 0 by construction in "
                           "every plan")
    assert "pancreatic-resection: band 20+ per year, rate 3.3%" in note
    assert "other outcome tables of pancreatic-resection: mortality_90d" in note
    svg = client.get(f"/sweeps/{sweep['id']}/chart.svg")
    texts = " ".join(" ".join(ET.fromstring(svg.content).itertext()).split())
    assert "0 by construction in every plan" in texts


def test_pareto_marks_match_pairwise_recomputation(sweep):
    keys = ["mean_minutes", "expected_events"]
    assert sweep["pareto_criteria"] == keys
    for a in sweep["runs"]:
        assert a["pareto"] == (not any(dominated(a, b, keys) for b in sweep["runs"]
                                       if b is not a))
    assert any(r["pareto"] for r in sweep["runs"])


def test_loss_table_covers_the_providers_of_either_type(sweep):
    p = providers()
    today = sorted(p[HPB[0]] | p[HPB[1]])
    losses = {x["hospital"]: x for x in sweep["losses"]}
    assert sorted(losses) == today
    assert sweep["baseline"]["providers"] == len(today)
    for h, row in losses.items():
        assert row["loses_in"] == [{"k": r["k"], "norm": r["norm"]} for r in sweep["runs"]
                                   if h not in r["centres"]]


def test_linked_sweep_is_stored_listed_by_each_type_and_exported(client, sweep, seeded):
    assert client.get(f"/sweeps/{sweep['id']}").json() == sweep
    for t in HPB:
        listed = client.get("/sweeps", params={"care_type": t}).json()["data"]
        mine = [s for s in listed if s["id"] == sweep["id"]]
        assert mine and mine[0]["care_types"] == HPB, t
    records, _, _ = seeded.execute_query(
        "MATCH (s:Sweep {id: $id})-[:FOR]->(c:CareType) RETURN collect(c.id) AS cares",
        id=sweep["id"])
    assert sorted(records[0]["cares"]) == sorted(HPB)
    text = client.get(f"/sweeps/{sweep['id']}/table.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    for row, run in zip(rows, sweep["runs"], strict=True):
        assert row["care_type"] == "pancreatic-resection+liver-resection"
        assert float(row["expected_events"]) == run["expected_events"]
        assert float(row["expected_events:pancreatic-resection"]) == \
            run["events_by_type"]["pancreatic-resection"]
        assert "expected_events:liver-resection" not in row


def test_chart_and_page_name_the_care_types(client, sweep):
    svg = client.get(f"/sweeps/{sweep['id']}/chart.svg")
    assert svg.status_code == 200
    texts = "".join(ET.fromstring(svg.content).itertext())
    assert sweep["name"] in texts and all(t in sweep["name"] for t in HPB)  # the title
    assert "summed over pancreatic-resection (no table: liver-resection)" in texts
    assert "norm 20 / year each" in texts
    page = client.get(f"/app/sweeps/{sweep['id']}")
    assert page.status_code == 200
    assert 'id="linked-types"' in page.text
    assert "pancreatic-resection (weight 1), liver-resection (weight 2)" in page.text
    form = client.get("/app/sweeps")
    assert form.status_code == 200 and 'id="linked_with"' in form.text


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def test_bad_linked_sweeps_are_422_with_the_numbers(client, seeded):
    p = providers()
    common = len(p[HPB[0]] & p[HPB[1]])
    before = seeded.execute_query("MATCH (s:Sweep) RETURN count(s) AS n").records[0]["n"]
    unknown = problem(client.post("/sweeps", json={**BODY, "care_types": [HPB[0], "nope"]}),
                      422)
    assert "care_types: unknown id(s) nope" in unknown["detail"]
    disjoint = ["proton-therapy", "paediatric-oncology"]
    assert not p[disjoint[0]] & p[disjoint[1]]
    none = problem(client.post("/sweeps", json={**BODY, "care_types": disjoint,
                                                "weights": None}), 422)
    assert "no candidate hospital in common" in none["detail"]
    assert (f"proton-therapy {len(p['proton-therapy'])}, paediatric-oncology "
            f"{len(p['paediatric-oncology'])}; in common: 0") in none["detail"]
    big = problem(client.post("/sweeps", json={**BODY, "norms": [None], "k_min": common - 1,
                                               "k_max": common + 1}), 422)
    assert f"k {common - 1}..{common + 1} is outside 1..{common}" in big["detail"]
    assert (f"candidates: pancreatic-resection {len(p[HPB[0]])}, liver-resection "
            f"{len(p[HPB[1]])}") in big["detail"]
    assert big["errors"][0]["candidates"] == common
    weights = problem(client.post("/sweeps", json={**BODY, "weights": [1.0]}), 422)
    assert "weights: 1 weights for 2 care_types" in weights["detail"]
    method = problem(client.post("/sweeps", json={**BODY, "method": "max_covering"}), 422)
    assert "a linked plan is a p_median" in method["detail"]
    both = problem(client.post("/sweeps", json={**BODY, "care_type": HPB[0]}), 422)
    assert "exactly one of care_type" in both["detail"]
    outcome = problem(client.post("/sweeps", json={**BODY, "outcome": "survival"}), 422)
    assert "liver-resection: none" in outcome["detail"]
    after = seeded.execute_query("MATCH (s:Sweep) RETURN count(s) AS n").records[0]["n"]
    assert after == before  # nothing half-written


UGI = ["oesophagectomy", "gastrectomy"]  # own norm 20 each, no outcome table


def test_linked_centres_below_norm_count_every_plan_against_one_volume_per_type(client):
    """oesophagectomy + gastrectomy swept with no norm and a norm of 40 (for both): every
    plan's centres are counted below 40 for each type, recomputed from the linked scenario
    posted alone (its per-type centres' patients); the "no norm" plans are not counted
    against the types' own 20 meanwhile. A shared centre below 40 for either type counts
    once in centres_below_norm, which is also the Pareto criterion."""
    body = {"care_types": UGI, "k_min": 5, "k_max": 7, "norms": [None, 40],
            "solver": "exact", "time_limit": 60}
    r = client.post("/sweeps", json=body)
    assert r.status_code == 201, r.text
    sweep = r.json()
    assert sweep["norm_reference"] is None  # one volume per type instead
    assert sweep["norm_references"] == {"oesophagectomy": 40.0, "gastrectomy": 40.0}
    assert sweep["pareto_criteria"] == ["mean_minutes", "centres_below_norm"]
    assert any("counted against oesophagectomy 40, gastrectomy 40 patients / year" in n
               for n in sweep["notes"])
    counted, own_norm = {}, {}
    for run in sweep["runs"]:
        assert run["feasible"], run
        alone = client.post("/scenarios", json={
            "care_types": UGI, "centres": run["k"], "min_volume": run["norm"],
            "solver": "exact", "time_limit": 60}).json()
        assert run["centres"] == sorted(c["hospital"] for c in alone["centres"])
        below = {p["care_type"]: {c["hospital"] for c in p["centres"]
                                  if c["status"] != "outside" and c["patients"] < 40 - 1e-9}
                 for p in alone["linked"]}
        assert run["centres_below_norm_by_type"] == {t: len(below[t]) for t in UGI}, run
        assert run["centres_below_norm"] == len(below[UGI[0]] | below[UGI[1]]), run
        counted[(run["k"], run["norm"])] = run["centres_below_norm"]
        own_norm[(run["k"], run["norm"])] = alone["headline"]["centres_below_norm"]
    # the test means something: some unconstrained plan has a centre below 40 for a type
    # (so the norm binds there), every plan under the norm of 40 meets it
    assert any(counted[(k, None)] > 0 for k in (5, 6, 7)), counted
    assert all(counted[(k, 40.0)] == 0 for k in (5, 6, 7)), counted
    # and the plan alone (each type against its own 20) says otherwise somewhere: the sweep
    # does not just repeat the scenario's headline
    assert any(counted[p] != own_norm[p] for p in counted), (counted, own_norm)
    keys = ["mean_minutes", "centres_below_norm"]
    for a in sweep["runs"]:
        assert a["pareto"] == (not any(dominated(a, b, keys) for b in sweep["runs"]
                                       if b is not a))
    # the volumes are named wherever the counts are shown
    label = "centres below a norm (oesophagectomy 40, gastrectomy 40 / year)"
    svg = client.get(f"/sweeps/{sweep['id']}/chart.svg")
    texts = " ".join(" ".join(ET.fromstring(svg.content).itertext()).split())
    assert label in texts, texts
    page = client.get(f"/app/sweeps/{sweep['id']}").text
    assert label + " (per type: oesophagectomy, gastrectomy)" in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/sweeps/{sweep['id']}/table.csv").text)))
    assert len(rows) == len(sweep["runs"])
    for row, run in zip(rows, sweep["runs"], strict=True):
        assert int(row["centres_below_norm"]) == run["centres_below_norm"]
        for t in UGI:
            assert float(row[f"norm_reference:{t}"]) == 40.0
            assert int(row[f"centres_below_norm:{t}"]) == run["centres_below_norm_by_type"][t]
    assert client.get(f"/sweeps/{sweep['id']}").json() == sweep  # stored as computed


def test_reference_volumes_and_counts_by_hand():
    """reference_norms and the count of centres below them (their doctests: a type without a
    norm of its own, the sweep's strictest norm, a shared centre counted once)."""
    import doctest

    import app.services.sweeps as sweeps

    result = doctest.testmod(sweeps)
    assert result.attempted >= 4 and result.failed == 0

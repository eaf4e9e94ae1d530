"""Where patients really go, end to end on the real Neo4j: load the synthetic Noord flows in
update mode, calibrate the choice model, run regional scenarios, read them back, see them in a
Browser guide query. Oracles: the coefficients that generated the flows (truth.json), and a
brute force over the region's open sets computed here from the CSV files.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from itertools import combinations

import neo4j
import numpy as np
import pytest

from app.loader import LoadError, load_directory
from app.localdb import PROJECT_ROOT
from tests.helpers import minutes_matrix, seed_rows

EXAMPLE = PROJECT_ROOT / "examples" / "noord-synthetic"
TRUTH = json.loads((EXAMPLE / "truth.json").read_text())
CARE = TRUTH["care_type"]
REGION = TRUTH["region"]


def example_rows(name: str) -> list[dict[str, str]]:
    with open(EXAMPLE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def with_flows(seeded):
    load_directory(seeded, "neo4j", EXAMPLE, mode="update")
    return seeded


@pytest.fixture(scope="module")
def client(with_flows, neo4j_server):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import admin_token, make_settings

    with TestClient(create_app(make_settings(neo4j_server))) as c:
        c.headers["Authorization"] = f"Bearer {admin_token(with_flows)}"
        yield c


@pytest.fixture(scope="module")
def model(client):
    r = client.post("/calibrations", json={"care_type": CARE, "features": TRUTH["features"]})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def oracle():
    """Everything a brute force needs, read from the CSV files, not from the application."""
    areas = sorted(seed_rows("areas.csv"), key=lambda a: a["id"])
    hospitals = sorted(seed_rows("hospitals.csv"), key=lambda h: h["id"])
    hid = {h["id"]: j for j, h in enumerate(hospitals)}
    aid = {a["id"]: i for i, a in enumerate(areas)}
    rows = [i for i, a in enumerate(areas) if a["region"] == REGION]
    C = minutes_matrix([areas[i] for i in rows], hospitals)
    volume = np.zeros(len(hospitals))
    providers = []
    for p in seed_rows("provision.csv"):
        if p["care_type"] == CARE:
            volume[hid[p["hospital"]]] = float(p["volume"])
            providers.append(hid[p["hospital"]])
    same = np.array([[h["region"] == REGION for h in hospitals]] * len(rows))
    demand = np.zeros(len(rows))
    pos = {i: r for r, i in enumerate(rows)}
    for d in example_rows("demand.csv"):
        demand[pos[aid[d["area"]]]] = float(d["patients"])
    flows = np.zeros((len(rows), len(hospitals)))
    for f in example_rows("flows.csv"):
        flows[pos[aid[f["area"]]], hid[f["hospital"]]] += float(f["patients"])
    return {"hospitals": hospitals, "rows": rows, "C": C, "volume": volume,
            "providers": sorted(providers), "same": same, "demand": demand, "flows": flows}


def allocate(o, params, open_):
    """Observed patients stay at open centres; the rest choose by the logit over open ones."""
    V = (params["beta_time"] * o["C"] + params["beta_volume"] * np.log(np.maximum(
        o["volume"], 1.0))[None, :] + params["beta_region"] * o["same"])
    mask = np.zeros(len(o["hospitals"]), bool)
    mask[list(open_)] = True
    E = np.where(mask[None, :], np.exp(V - V.max(axis=1, keepdims=True)), 0.0)
    P = E / E.sum(axis=1, keepdims=True)
    tot = o["flows"].sum(axis=1, keepdims=True)
    B = np.divide(o["flows"], tot, out=np.zeros_like(o["flows"]), where=tot > 0)
    if (tot.ravel() == 0).any():  # areas without observed flows: the model over today's
        Eb = np.exp(V - V.max(axis=1, keepdims=True))
        Eb[:, [j for j in range(len(mask)) if j not in o["providers"]]] = 0.0
        B[tot.ravel() == 0] = (Eb / Eb.sum(axis=1, keepdims=True))[tot.ravel() == 0]
    stay = np.where(mask[None, :], B, 0.0)
    return stay + (1 - stay.sum(axis=1, keepdims=True)) * P


def test_calibration_recovers_the_generating_coefficients(model, with_flows):
    fit = model["fit"]
    assert model["origin"] == "estimated" and fit["engine"].startswith("xlogit")
    assert fit["converged"] and fit["cross_check"] < 0.01
    truth = TRUTH["params"]
    for name, coef, se in zip(fit["features"], fit["coefficients"], fit["std_errors"],
                              strict=True):
        key = {"minutes": "beta_time", "log_volume": "beta_volume",
               "same_region": "beta_region"}[name]
        assert abs(coef - truth[key]) < 3 * se, (name, coef, se)
    assert fit["patients"] == sum(float(f["patients"]) for f in example_rows("flows.csv"))
    assert 0 < fit["rho2"] < 1
    records, _, _ = with_flows.execute_query(
        "MATCH (m:ChoiceModel {id: $id})-[:FOR]->(c:CareType) RETURN c.id AS c, m.beta_time "
        "AS b", id=model["id"], database_="neo4j")
    assert records[0]["c"] == CARE
    assert records[0]["b"] == pytest.approx(model["params"]["beta_time"])


def test_flows_are_stored_as_treated_at(with_flows):
    records, _, _ = with_flows.execute_query(
        "MATCH (:Area)-[t:TREATED_AT {care_type: $c}]->(:Hospital) "
        "RETURN count(t) AS n, sum(t.patients) AS p", c=CARE, database_="neo4j")
    rows = example_rows("flows.csv")
    assert records[0]["n"] == len(rows)
    assert records[0]["p"] == pytest.approx(sum(float(r["patients"]) for r in rows))


def test_regional_choice_scenario_equals_brute_force(client, model, oracle, with_flows):
    r = client.post("/scenarios", json={
        "care_type": CARE, "method": "p_median_choice", "centres": 2, "regions": [REGION],
        "allocation": "choice", "choice_model": model["id"], "minutes": 60})
    assert r.status_code == 201, r.text
    s = r.json()
    o = oracle
    hospitals = o["hospitals"]
    inside = [j for j in o["providers"] if hospitals[j]["region"] == REGION]
    outside = [j for j in o["providers"] if hospitals[j]["region"] != REGION]
    w = o["demand"]
    costs = {}
    for pair in combinations(inside, 2):
        A = allocate(o, model["params"], set(pair) | set(outside))
        costs[pair] = float((w[:, None] * A * o["C"]).sum())
    best = min(costs, key=costs.__getitem__)
    chosen = {c["hospital"] for c in s["centres"] if c["status"] != "outside"}
    assert chosen == {hospitals[j]["id"] for j in best}, (chosen, costs)
    assert s["headline"]["objective"] == pytest.approx(costs[best], rel=1e-6)
    # the scope's patients are the imported demand of the region, and nobody is lost
    assert s["headline"]["patients"] == pytest.approx(w.sum(), rel=1e-6)
    assert sum(c["patients"] for c in s["centres"]) == pytest.approx(w.sum(), rel=1e-4)
    A = allocate(o, model["params"], set(best) | set(outside))
    assert s["headline"]["mean_minutes"] == pytest.approx(
        float((w[:, None] * A * o["C"]).sum() / w.sum()), rel=1e-4)
    assert s["scope"] == {"national": False, "regions": [REGION], "cross_border": True,
                          "outside_providers": sorted(hospitals[j]["id"] for j in outside)}
    assert s["demand_model"].startswith("imported")
    assert s["baseline_model"] == "observed flows (flows.csv)"
    assert s["allocation_model"] == "choice" and s["choice_model"]["id"] == model["id"]
    assert s["headline_nearest"] is not None
    assert 0 < s["headline"]["bypass_share"] < 1
    assert set(s["by_region"]) == {REGION}
    assert {c["hospital"] for c in s["closing"]} == {hospitals[j]["id"] for j in inside} - chosen

    # read back, and see scope and model in the graph and in the guide's query
    got = client.get(f"/scenarios/{s['id']}").json()
    assert got["headline"] == s["headline"] and got["scope"] == s["scope"]
    records, _, _ = with_flows.execute_query(
        "MATCH (s:Scenario {id: $id}) RETURN [(s)-[:SCOPE]->(g) | g.id] AS scope, "
        "[(s)-[:USES]->(m) | m.id] AS uses", id=s["id"], database_="neo4j",
        routing_=neo4j.RoutingControl.READ)
    assert records[0]["scope"] == [REGION] and records[0]["uses"] == [model["id"]]
    from tests.app.test_guide import runnables

    query = next(q for q in runnables() if "[:SCOPE]" in q)
    records, _, _ = with_flows.execute_query(query, database_="neo4j",
                                             routing_=neo4j.RoutingControl.READ)
    assert any(rec["uses"] is not None and rec["scope"].start_node["id"] == s["id"]
               for rec in records)


def test_stored_headline_equals_served_headline(client, model, with_flows):
    """Every headline field is a node property equal to the served figure."""
    r = client.post("/scenarios", json={"care_type": CARE, "centres": 3, "regions": [REGION],
                                        "allocation": "choice", "choice_model": model["id"]})
    assert r.status_code == 201, r.text
    s = r.json()
    records, _, _ = with_flows.execute_query("MATCH (s:Scenario {id: $id}) RETURN s {.*} AS s",
                                             id=s["id"], database_="neo4j")
    node = records[0]["s"]
    from app.schemas import ScenarioHeadline

    for name in ScenarioHeadline.model_fields:
        assert node.get(name) == s["headline"][name], name
    listed = client.get("/scenarios", params={"care_type": CARE}).json()["data"]
    assert next(x for x in listed if x["id"] == s["id"])["headline"] == s["headline"]


def test_closed_scope_sends_no_patient_outside(client, model, oracle):
    r = client.post("/scenarios", json={"care_type": CARE, "centres": 2, "regions": [REGION],
                                        "cross_border": False, "allocation": "choice",
                                        "choice_model": model["id"], "apply_norm": True})
    assert r.status_code == 201, r.text
    s = r.json()
    region_of = {h["id"]: h["region"] for h in oracle["hospitals"]}
    assert all(region_of[c["hospital"]] == REGION for c in s["centres"])
    assert all(region_of[h] == REGION for h in s["allocation"].values())
    assert s["scope"]["outside_providers"] == []
    assert sum(c["patients"] for c in s["centres"]) == pytest.approx(
        s["headline"]["patients"], rel=1e-4)


def test_regional_nearest_scenario_demand_is_the_regions(client, oracle):
    # pancreatic resection has no imported demand: population x national rate for the region
    care = "pancreatic-resection"
    areas = seed_rows("areas.csv")
    cases = {c["id"]: int(c["annual_cases"]) for c in seed_rows("care_types.csv")}[care]
    pop = np.array([int(a["population"]) for a in areas], dtype=float)
    in_region = np.array([a["region"] == REGION for a in areas])
    expected = float((pop * cases / pop.sum())[in_region].sum())
    r = client.post("/scenarios", json={"care_type": care, "centres": 1,
                                        "regions": [REGION]})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["headline"]["patients"] == pytest.approx(expected, rel=1e-6)  # 4 decimals
    assert s["demand_model"].startswith("population x national rate")
    assert s["baseline_model"] == "nearest provider today"
    assert s["headline"]["bypass_share"] == pytest.approx(0.0, abs=1e-12)
    assert [c for c in s["centres"] if c["status"] != "outside"][0]["region"] == REGION
    assert len(s["area_minutes"]["areas"]) == int(in_region.sum())


@pytest.mark.parametrize(("payload", "message"), [
    ({"care_type": CARE, "centres": 2, "regions": ["atlantis"]}, "regions: unknown id(s) atlantis"),
    ({"care_type": CARE, "centres": 2, "allocation": "choice", "choice_model": "cm-nope"},
     "choice_model: unknown id(s) cm-nope"),
    ({"care_type": CARE, "centres": 2, "allocation": "choice"}, "needs a choice_model"),
    ({"care_type": CARE, "centres": 2, "method": "p_median_choice"}, "allocation"),
    ({"care_type": CARE, "centres": True}, "centres"),
    ({"care_type": CARE, "centres": 2, "capacity": -1}, "capacity"),
    ({"care_type": CARE, "centres": 2, "keep": ["x" * 101]}, "keep"),
    ({"care_type": CARE, "centres": 2, "regions": [REGION], "cross_border": False,
      "keep": ["lumc-leiden"]}, "outside the scope"),
])
def test_bad_scope_and_choice_requests_are_422(client, payload, message):
    r = client.post("/scenarios", json=payload)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert message in json.dumps(r.json())


def test_choice_model_of_another_care_type_is_422(client, model):
    r = client.post("/scenarios", json={"care_type": "gastrectomy", "centres": 2,
                                        "allocation": "choice", "choice_model": model["id"]})
    assert r.status_code == 422
    assert "fitted for care type" in r.json()["detail"]


def test_calibration_without_flows_is_422(client):
    r = client.post("/calibrations", json={"care_type": "gastrectomy"})
    assert r.status_code == 422
    assert "no observed flows" in r.json()["detail"]


def test_calibration_names_collinear_features(client):
    r = client.post("/calibrations", json={"care_type": CARE})  # network = own region here
    assert r.status_code == 422
    assert "collinear" in r.json()["detail"]


def test_given_coefficients_need_a_source(client):
    r = client.post("/calibrations", json={"care_type": CARE, "method": "given",
                                           "params": {"beta_time": -0.05}})
    assert r.status_code == 422
    r = client.post("/calibrations", json={"care_type": CARE, "method": "given",
                                           "params": {"beta_time": -0.05},
                                           "source": "a cited study", "confidence": "found"})
    assert r.status_code == 201
    assert client.get(f"/calibrations/{r.json()['id']}").json()["origin"] == "given"
    assert client.delete(f"/calibrations/{r.json()['id']}").status_code == 204


@pytest.mark.parametrize(("row", "where"), [
    ("gn-nowhere,umcg-groningen,oesophagectomy,3,,s,modelled", "flows.csv:2: area"),
    ("gn-2743477,no-hospital,oesophagectomy,3,,s,modelled", "flows.csv:2: hospital"),
    ("gn-2743477,umcg-groningen,no-care,3,,s,modelled", "flows.csv:2: care_type"),
    ("gn-2743477,umcg-groningen,oesophagectomy,-1,,s,modelled", "flows.csv:2: patients"),
    ("gn-2743477,umcg-groningen,oesophagectomy,many,,s,modelled", "flows.csv:2: patients"),
    ("gn-2743477,umcg-groningen,oesophagectomy,nan,,s,modelled", "flows.csv:2: patients"),
])
def test_bad_flows_name_file_line_field_and_write_nothing(with_flows, tmp_path, row, where):
    (tmp_path / "flows.csv").write_text(
        "area,hospital,care_type,patients,year,source,confidence\n" + row + "\n")
    shutil.copy(EXAMPLE / "demand.csv", tmp_path / "demand.csv")
    count = ("MATCH ()-[t:TREATED_AT]->() WITH count(t) AS f "
             "MATCH ()-[d:DEMAND]->() RETURN f, count(d) AS d")
    before = with_flows.execute_query(count, database_="neo4j").records[0]
    with pytest.raises(LoadError) as e:
        load_directory(with_flows, "neo4j", tmp_path, mode="update")
    assert where in str(e.value)
    after = with_flows.execute_query(count, database_="neo4j").records[0]
    assert (before["f"], before["d"]) == (after["f"], after["d"])


def test_bad_demand_names_file_line_field(with_flows, tmp_path):
    (tmp_path / "demand.csv").write_text(
        "area,care_type,patients,year,source,confidence\n"
        "gn-2743477,oesophagectomy,inf,,s,modelled\n")
    with pytest.raises(LoadError, match=r"demand\.csv:2: patients"):
        load_directory(with_flows, "neo4j", tmp_path, mode="update")


def test_estimates_are_finite(model):
    assert all(math.isfinite(x) for x in model["fit"]["coefficients"])

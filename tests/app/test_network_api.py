"""Network structure on the seed: flows conserve patients, modularity agrees with networkx on
the stored REFERS graph, single points of failure agree with removing the hospital."""

from __future__ import annotations

import networkx as nx
import pytest

from tests.helpers import bump_revision, seed_rows


def test_flows_route_every_network_and_expert_patient(seeded_client, seeded):
    r = seeded_client.post("/analysis/flows")
    assert r.status_code == 200
    expected = sum(int(c["annual_cases"]) for c in seed_rows("care_types.csv")
                   if c["level"] in ("network", "expert"))
    assert r.json()["patients"] == pytest.approx(expected, rel=1e-9)
    records, _, _ = seeded.execute_query(
        "MATCH (d:Hospital)-[r:REFERS {modelled: true}]->(t:Hospital) "
        "RETURN count(r) AS n, sum(r.patients) AS p, count(DISTINCT r.care_type) AS c")
    assert records[0]["n"] == r.json()["relationships"]
    assert 0 < records[0]["p"] < expected  # same-hospital care is not a referral
    # storing again replaces, never duplicates
    seeded_client.post("/analysis/flows")
    again, _, _ = seeded.execute_query("MATCH ()-[r:REFERS]->() RETURN count(r) AS n")
    assert again[0]["n"] == records[0]["n"]


def test_defined_modularity_agrees_with_networkx_on_stored_flows(seeded_client, seeded):
    seeded_client.post("/analysis/flows")
    body = seeded_client.get("/analysis/communities", params={"seed": 7}).json()
    records, _, _ = seeded.execute_query(
        "MATCH (d:Hospital)-[r:REFERS]->(t:Hospital) RETURN d.id AS d, t.id AS t, "
        "sum(r.patients) AS p")
    g = nx.Graph()
    g.add_nodes_from(h["id"] for h in seed_rows("hospitals.csv"))
    for rec in records:
        w = g.get_edge_data(rec["d"], rec["t"], {"w": 0.0})["w"]
        g.add_edge(rec["d"], rec["t"], w=w + rec["p"])
    regions: dict[str, set[str]] = {}
    for h in seed_rows("hospitals.csv"):
        regions.setdefault(h["region"], set()).add(h["id"])
    assert body["modularity_defined"] == pytest.approx(
        nx.community.modularity(g, regions.values(), weight="w"), abs=1e-4)
    found = [set(c["hospitals"]) for c in body["communities"]]
    assert set().union(*found) == set(g.nodes) and sum(map(len, found)) == len(g)
    assert body["modularity_found"] == pytest.approx(
        nx.community.modularity(g, found, weight="w"), abs=1e-4)
    # same seed, same answer
    assert seeded_client.get("/analysis/communities", params={"seed": 7}).json() == body


def test_centrality_lists_hospitals_and_networks(seeded_client):
    body = seeded_client.get("/analysis/centrality", params={"limit": 500}).json()
    hospitals = {h["id"] for h in seed_rows("hospitals.csv")}
    networks = {n["id"] for n in seed_rows("networks.csv")}
    assert {x["id"] for x in body["flow_graph"]} == hospitals
    members = {m["hospital"] for m in seed_rows("network_members.csv")}
    assert {x["id"] for x in body["hospital_network_graph"]} == members | networks
    assert all(0 <= x["betweenness"] <= 1 for x in body["flow_graph"])


def test_unknown_scenario_is_404(seeded_client):
    for path in ("/analysis/resilience", "/analysis/communities", "/analysis/centrality"):
        assert seeded_client.get(path, params={"scenario": "nope"}).status_code == 404


def test_single_points_of_failure_agree_with_removing_the_hospital(empty_db, client_for):
    from app.loader import load_directory

    load_directory(empty_db, "neo4j")
    client = client_for()
    body = client.get("/analysis/resilience", params={"limit": 1000}).json()
    pairs = body["single_points_of_failure"]
    assert pairs and body["count"] == len(pairs)
    assert sum(x["pairs"] for x in body["ranking"]) == sum(len(p["hospitals"]) for p in pairs)
    spof = {(p["region"], p["care_type"]): set(p["hospitals"]) for p in pairs}
    # direct check: take each hospital's provision of that care type away and recompute
    checked = 0
    for (region, care), hospitals in sorted(spof.items())[:6]:
        for h in hospitals:
            records, _, _ = empty_db.execute_query(
                "MATCH (:Hospital {id: $h})-[p:PROVIDES]->(:CareType {id: $c}) "
                "WITH p, properties(p) AS props DELETE p RETURN props", h=h, c=care)
            props = records[0]["props"]
            bump_revision(empty_db)
            row = {r["care_type"]: r for r in client.get(
                f"/regions/{region}/coverage").json()["data"]}[care]
            assert row["gap"] is True, (region, care, h)
            empty_db.execute_query(
                "MATCH (h:Hospital {id: $h}), (c:CareType {id: $c}) "
                "CREATE (h)-[p:PROVIDES]->(c) SET p = $props", h=h, c=care, props=props)
            bump_revision(empty_db)
            checked += 1
    # and a pair that is not listed survives the loss of any one of its providers
    coverage = {r["care_type"]: r for r in client.get("/regions/noord/coverage").json()["data"]}
    care = "lung-resection"
    assert ("noord", care) not in spof
    reachable = set(coverage[care]["providers_in_region"]) | \
        set(coverage[care]["providers_via_network"])
    assert len(reachable) >= 2
    assert checked >= 6


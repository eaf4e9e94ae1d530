"""Expected events of a sweep on a hand-built tiny graph, computed by hand, and the 0 that holds
by construction (every centre in one volume band) said as such: in the response, the chart,
the CLI.

The graph: hospitals hA, hB, hC all provide x (and y, which has no outcome table); areas a1
(100 people), a2 (300), b1 (600); x has 50 cases a year, so demand is 5, 15, 30 patients.
Imported travel times: a1 is nearest to hA (10 min), a2 to hC (20), b1 to hB (15): today's
volumes are hA 5, hC 15, hB 30. The p-median plans (patient-minutes by hand): k=1 opens hB
(2150 against 2350 for hC and 3050 for hA), 50 patients; k=2 opens hB and hC (1000 against
1100 for hA+hB and 2150 for hA+hC), hB 30 and hC 20. The norm 20 binds in neither plan.

Three hand-made tables for x (test fixtures, not facts):
- ``death`` 0-9: 10 %, 10-24: 5 %, 25+: 2 %: today 5*.10 + 15*.05 + 30*.02 = 1.85;
  k=1 50*.02 = 1.0 (0.85 avoided); k=2 20*.05 + 30*.02 = 1.6 (0.25 avoided);
- ``coarse`` 0-4: 20 %, 5+: 3 %: everybody in 5+ today and in both plans: 1.5 everywhere,
  0 avoided by construction in every plan;
- ``split`` 0-4: 20 %, 5-39: 4 %, 40+: 2 %: today 2.0, all in 5-39; k=1 puts hB in 40+:
  1.0 (1.0 avoided, a real effect); k=2 stays in 5-39: 2.0, 0 by construction there only.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from tests.app.cli.conftest import database_env, run_oncoregio
from tests.conftest import admin_token, make_settings

S = ["hand-made", "found"]
TABLES = {"death": [(0, 9, 0.10), (10, 24, 0.05), (25, None, 0.02)],
          "coarse": [(0, 4, 0.20), (5, None, 0.03)],
          "split": [(0, 4, 0.20), (5, 39, 0.04), (40, None, 0.02)]}
# outcome -> (today, {k: plan's expected events})
BY_HAND = {"death": (1.85, {1: 1.0, 2: 1.6}), "coarse": (1.5, {1: 1.5, 2: 1.5}),
           "split": (2.0, {1: 1.0, 2: 2.0})}
NORMS = [None, 20]


def write(path, header, data):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(data)


@pytest.fixture(scope="module")
def tiny(driver, tmp_path_factory):
    from app.loader import load_directory
    from app.schema import apply_schema
    from tests.conftest import wipe

    d = tmp_path_factory.mktemp("bands")
    hospitals = [("hA", 52.0, 5.0, "umc", "A"), ("hB", 52.5, 6.0, "general", "B"),
                 ("hC", 52.6, 6.1, "general", "B")]
    areas = [("a1", 100, 52.0, 5.1, "A"), ("a2", 300, 52.1, 5.1, "A"), ("b1", 600, 52.5, 6.1, "B")]
    minutes = {("a1", "hA"): 10, ("a1", "hB"): 70, ("a1", "hC"): 50,
               ("a2", "hA"): 40, ("a2", "hB"): 90, ("a2", "hC"): 20,
               ("b1", "hA"): 80, ("b1", "hB"): 15, ("b1", "hC"): 60}
    files = {
        "regions.csv": ("id name lead_organisation", [[r, f"Region {r}", ""] for r in "AB"]),
        "hospitals.csv": ("id name organisation city province lat lon kind region",
                          [[h, h.upper(), "O", "C", "P", lat, lon, kind, r]
                           for h, lat, lon, kind, r in hospitals]),
        "networks.csv": ("id name scope", [["nA", "Net A", "regional"]]),
        "care_types.csv": ("id name tumour modality level min_volume norm_year norm_source "
                           "annual_cases cases_source",
                           [["x", "X", "t", "surgery", "expert", 20, 2020, "norm", 50, "src"],
                            ["y", "Y", "t", "surgery", "expert", "", "", "", 10, "src"]]),
        "areas.csv": ("id name population lat lon province region",
                      [[a, a.upper(), pop, lat, lon, "P", r] for a, pop, lat, lon, r in areas]),
        "network_members.csv": ("network hospital role", [["nA", "hA", "hub"]]),
        "network_regions.csv": ("network region", [["nA", "A"]]),
        "provision.csv": ("hospital care_type volume year",
                          [[h[0], t, 10, 2024] for h in hospitals for t in "xy"]),
        "travel_times.csv": ("area hospital minutes",
                             [[a, h, m] for (a, h), m in minutes.items()]),
    }
    for name, (header, rows) in files.items():
        write(d / name, [*header.split(), "source", "confidence"], [[*r, *S] for r in rows])
    write(d / "outcomes.csv", ["care_type", "outcome", "min_volume", "max_volume", "rate",
                               "patients", "study_patients", "period", "source", "confidence"],
          [["x", o, lo, "" if hi is None else hi, r, "", 1000, "2020", f"hand-made {o}",
            "found"] for o, bands in TABLES.items() for lo, hi, r in bands])
    wipe(driver)
    apply_schema(driver, "neo4j")
    load_directory(driver, "neo4j", d)
    return driver


@pytest.fixture(scope="module")
def client(tiny, neo4j_server):
    from app.main import create_app

    app = create_app(make_settings(neo4j_server, sweep_workers=1))
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {admin_token(tiny)}"
        yield c


def post_sweep(client, outcome: str | None, **extra) -> dict:
    body = {"care_type": "x", "k_min": 1, "k_max": 2, "norms": NORMS, "solver": "exact",
            "candidate_set": "providers", **extra}
    if outcome is not None:
        body["outcome"] = outcome
    r = client.post("/sweeps", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def svg_text(client, sweep_id: str) -> tuple[ET.Element, str]:
    r = client.get(f"/sweeps/{sweep_id}/chart.svg")
    assert r.status_code == 200, r.text
    root = ET.fromstring(r.content)
    return root, " ".join(" ".join(root.itertext()).split())


@pytest.mark.parametrize("outcome", sorted(TABLES))
def test_expected_events_equal_the_hand_computed_ones(client, outcome):
    s = post_sweep(client, outcome)
    today, plans = BY_HAND[outcome]
    assert s["outcome"] == outcome
    assert s["baseline"]["expected_events"] == pytest.approx(today, abs=1e-3)
    assert [(r["k"], r["norm"]) for r in s["runs"]] == [(1, None), (2, None), (1, 20.0),
                                                       (2, 20.0)]
    for r in s["runs"]:
        assert r["centres"] == (["hB"] if r["k"] == 1 else ["hB", "hC"])
        assert r["expected_events"] == pytest.approx(plans[r["k"]], abs=1e-3)
        assert r["events_avoided"] == pytest.approx(today - plans[r["k"]], abs=1e-3)


def test_a_real_effect_gets_no_by_construction_note(client):
    s = post_sweep(client, "death")
    assert s["events_note"] is None
    assert not any("by construction" in n for n in s["notes"])
    assert s["baseline"]["event_bands"] == {"x": ["0-9", "10-24", "25+"]}
    assert {r["k"]: r["event_bands"] for r in s["runs"]} == {
        1: {"x": ["25+"]}, 2: {"x": ["10-24", "25+"]}}
    _, text = svg_text(client, s["id"])
    assert "by construction" not in text


def test_zero_in_every_plan_is_said_to_hold_by_construction(client):
    s = post_sweep(client, None)  # the default outcome: the first table, 'coarse'
    assert s["outcome"] == "coarse"
    assert [r["events_avoided"] for r in s["runs"]] == [0.0] * 4
    assert s["baseline"]["event_bands"] == {"x": ["5+"]}
    assert all(r["event_bands"] == {"x": ["5+"]} for r in s["runs"])
    note = s["events_note"]
    assert note is not None and note in s["notes"]
    assert note.startswith("expected coarse avoided is 0 by construction in every plan")
    assert "x: band 5+ per year, rate 3.0%" in note
    assert "other outcome tables of x: death, split" in note
    root, text = svg_text(client, s["id"])
    assert "chart-note" in {e.get("id") for e in root.iter()}
    assert "0 by construction in every plan" in text
    assert "norm 20 / year (identical to no norm)" in text  # the norm binds in no plan


def test_zero_in_some_plans_names_those_plans(client):
    s = post_sweep(client, "split")
    note = s["events_note"]
    assert note is not None
    assert note.startswith("expected split avoided is 0 by construction in k=2 no norm, "
                           "k=2 norm=20:")
    assert "x: band 5-39 per year, rate 4.0%" in note
    k1 = [r for r in s["runs"] if r["k"] == 1]
    assert all(r["event_bands"] == {"x": ["40+"]} for r in k1)
    assert all(r["events_avoided"] == pytest.approx(1.0, abs=1e-3) for r in k1)


def test_linked_sweep_sums_the_hand_computed_events_of_the_type_with_a_table(client):
    # no norm: a norm applies to each type of a linked set, and y's 10 cases reach 20 nowhere
    s = post_sweep(client, "split", care_type=None, care_types=["x", "y"], norms=[None])
    assert s["outcome_types"] == ["x"]
    assert [(r["k"], r["feasible"]) for r in s["runs"]] == [(1, True), (2, True)]
    today, plans = BY_HAND["split"]
    assert s["baseline"]["expected_events"] == pytest.approx(today, abs=1e-3)
    for r in s["runs"]:
        # y's demand is x's / 5 in every area: the linked plan is x's plan
        assert r["centres"] == (["hB"] if r["k"] == 1 else ["hB", "hC"])
        assert r["expected_events"] == pytest.approx(plans[r["k"]], abs=1e-3)
    assert "y has no sourced split table" in " ".join(s["notes"])
    assert s["events_note"].startswith("expected split avoided is 0 by construction in "
                                       "k=2 no norm:")
    assert s["runs"][1]["events_by_type"] == {"x": pytest.approx(2.0, abs=1e-3)}


def test_cli_marks_a_by_construction_zero_and_prints_why(tiny, neo4j_server):
    run = run_oncoregio("sweep", "x", "--k-min", "1", "--k-max", "2", "--solver", "exact",
                        "--outcome", "split", "--dry-run", env=database_env(neo4j_server))
    assert run.code == 0, run.stderr
    rows = {line.split("│")[1].strip(): line for line in run.stdout.splitlines()
            if line.strip().startswith("│") and line.split("│")[1].strip() in ("1", "2")}
    assert "0 (one band)" in rows["2"] and "0 (one band)" not in rows["1"]
    assert "+1.00" in rows["1"]
    flat = " ".join(run.stdout.split())
    assert "one band: expected split avoided is 0 by construction in k=2 no norm" in flat
    assert flat.count("0 by construction") == 1  # not repeated among the dim notes

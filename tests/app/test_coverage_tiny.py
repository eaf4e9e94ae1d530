"""A hand-built tiny graph with imported travel times: coverage, shares and gaps by hand."""

from __future__ import annotations

import csv

import pytest

from app.loader import load_directory


def write(path, header, data):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(data)


@pytest.fixture
def tiny(empty_db, tmp_path):
    """Regions A and B; hospitals hA (in A, provides x), hB (in B, provides y), hC (in B,
    provides x); network nA covers A with hA and hC as members; nothing covers B.
    Areas: a1 (A, 100 people), a2 (A, 300), b1 (B, 600). Travel times imported for all pairs."""
    d = tmp_path / "tiny"
    d.mkdir()
    s = ["hand-made", "found"]
    write(d / "regions.csv", ["id", "name", "lead_organisation", "source", "confidence"],
          [["A", "Region A", "", *s], ["B", "Region B", "", *s]])
    write(d / "hospitals.csv", ["id", "name", "organisation", "city", "province", "lat", "lon",
                                "kind", "region", "source", "confidence"],
          [["hA", "HA", "O", "C", "P", 52.0, 5.0, "umc", "A", *s],
           ["hB", "HB", "O", "C", "P", 52.5, 6.0, "general", "B", *s],
           ["hC", "HC", "O", "C", "P", 52.6, 6.1, "general", "B", *s]])
    write(d / "networks.csv", ["id", "name", "scope", "source", "confidence"],
          [["nA", "Net A", "regional", *s]])
    write(d / "care_types.csv", ["id", "name", "tumour", "modality", "level", "min_volume",
                                 "norm_year", "norm_source", "annual_cases", "cases_source",
                                 "confidence"],
          [["x", "X", "t", "surgery", "expert", 20, 2020, "norm", 50, "src", "found"],
           ["y", "Y", "t", "surgery", "expert", "", "", "", 30, "src", "found"]])
    write(d / "areas.csv", ["id", "name", "population", "lat", "lon", "province", "region",
                            "source", "confidence"],
          [["a1", "A1", 100, 52.0, 5.1, "P", "A", *s], ["a2", "A2", 300, 52.1, 5.1, "P", "A", *s],
           ["b1", "B1", 600, 52.5, 6.1, "P", "B", *s]])
    write(d / "network_members.csv", ["network", "hospital", "role", "source", "confidence"],
          [["nA", "hA", "hub", *s], ["nA", "hC", "member", *s]])
    write(d / "network_regions.csv", ["network", "region", "source", "confidence"],
          [["nA", "A", *s]])
    write(d / "provision.csv", ["hospital", "care_type", "volume", "year", "source",
                                "confidence"],
          [["hA", "x", 30, 2024, *s], ["hC", "x", 10, 2024, *s], ["hB", "y", 30, 2024, *s]])
    minutes = {("a1", "hA"): 10, ("a1", "hB"): 70, ("a1", "hC"): 50,
               ("a2", "hA"): 40, ("a2", "hB"): 90, ("a2", "hC"): 20,
               ("b1", "hA"): 80, ("b1", "hB"): 15, ("b1", "hC"): 60}
    write(d / "travel_times.csv", ["area", "hospital", "minutes", "source", "confidence"],
          [[a, h, m, *s] for (a, h), m in minutes.items()])
    load_directory(empty_db, "neo4j", d)
    return empty_db


def test_tiny_graph_coverage_by_hand(tiny, client_for):
    c = client_for()
    a = {r["care_type"]: r for r in c.get("/regions/A/coverage?minutes=30").json()["data"]}
    # x in A: a1 -> hA 10 min, a2 -> hC 20 min; mean (100*10 + 300*20) / 400 = 17.5
    assert a["x"]["providers_in_region"] == ["hA"]
    assert a["x"]["providers_via_network"] == ["hA", "hC"]
    assert a["x"]["nearest_minutes"] == {"mean": 17.5, "p90": 20.0, "max": 20.0}
    assert a["x"]["share_within"] == 1.0 and a["x"]["gap"] is False
    # y in A: only hB (region B, no network of A): a1 70, a2 90; mean 85, share within 30 = 0
    assert a["y"]["providers_in_region"] == [] and a["y"]["providers_via_network"] == []
    assert a["y"]["gap"] is True
    assert a["y"]["nearest_minutes"] == {"mean": 85.0, "p90": 90.0, "max": 90.0}
    assert a["y"]["share_within"] == 0.0
    b = {r["care_type"]: r for r in c.get("/regions/B/coverage?minutes=30").json()["data"]}
    # x in B: hC in region B; b1 nearest min(80, 60) = 60 -> share within 30 = 0
    assert b["x"]["providers_in_region"] == ["hC"] and b["x"]["gap"] is False
    assert b["x"]["nearest_minutes"]["mean"] == 60.0 and b["x"]["share_within"] == 0.0
    gaps = c.get("/gaps?minutes=45").json()
    assert [(g["region"], g["care_type"]) for g in gaps["region_gaps"]] == [("A", "y")]
    # expert care beyond 45 min, worst first: a2/y 90, a1/y 70, b1/x 60
    assert [(g["area"], g["care_type"], g["minutes"]) for g in gaps["area_gaps"]] == \
        [("a2", "y", 90.0), ("a1", "y", 70.0), ("b1", "x", 60.0)]
    conc = c.get("/care-types/x/concentration").json()
    # shares 0.75 / 0.25 -> HHI 5625 + 625 = 6250; only hA (30) meets the norm of 20
    assert conc["hhi"] == 6250.0 and conc["share_in_compliant"] == 0.75

"""The map endpoints on the seeded graph: real outline, one area per region, PNG size.

The PNGs are saved to ``artifacts/maps/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import seed_rows

pytestmark = pytest.mark.db

CARE = "pancreatic-resection"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "maps"


def _save(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


def _ids(svg: bytes) -> list[str]:
    return [e.get("id") or "" for e in ET.fromstring(svg).iter() if e.get("id")]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_regions_map_draws_each_region_once_on_the_outline(seeded_client):
    r = seeded_client.get("/regions/map.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    ids = _ids(r.content)
    assert ids.count("outline") == 1
    assert sorted(i for i in ids if i.startswith("region-")) == sorted(
        f"region-{g['id']}" for g in seed_rows("regions.csv"))
    assert sorted(i for i in ids if i.startswith("hospital-")) == sorted(
        f"hospital-{h['id']}" for h in seed_rows("hospitals.csv"))
    png = seeded_client.get("/regions/map.png")
    assert png.headers["content-type"] == "image/png"
    assert _png_size(png.content) == (960, 900)
    _save("regions.png", png.content)


def test_scenario_map_draws_a_catchment_per_centre_with_patients(seeded_client):
    s = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 5}).json()
    ids = _ids(seeded_client.get(f"/scenarios/{s['id']}/map.svg").content)
    assert ids.count("outline") == 1
    assert sorted(i for i in ids if i.startswith("catchment-")) == sorted(
        f"catchment-{h}" for h in set(s["allocation"].values()))
    assert sorted(i for i in ids if i.startswith("region-")) == sorted(
        f"region-{g['id']}" for g in seed_rows("regions.csv"))
    png = seeded_client.get(f"/scenarios/{s['id']}/map.png")
    assert _png_size(png.content) == (960, 900)
    _save(f"scenario-{CARE}-5.png", png.content)
